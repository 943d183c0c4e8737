# crypto tests (tests/unit/crypto)

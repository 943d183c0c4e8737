# ike codec tests (tests/unit/ike)

# crypto (gateway/crypto)

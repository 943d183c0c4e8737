# pool/: worker threads and timers
noinst_LIBRARIES += gateway/pool/libpalpool.a
gateway_pool_libpalpool_a_SOURCES = gateway/pool/pool.h gateway/pool/pool.c

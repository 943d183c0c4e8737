# tests/decoder: tshark, an independent decoder, checks what our codec and
# crypto produce (every payload dissected, no malformed/expert warnings, SK
# decrypted with our keys).
check_PROGRAMS += tests/decoder/gen_ike
tests_decoder_gen_ike_SOURCES = tests/decoder/gen_ike.c tests/decoder/pcap.c tests/decoder/pcap.h
tests_decoder_gen_ike_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_decoder_gen_ike_LDADD = $(SA_LIBS)
TESTS += tests/decoder/tshark.sh
EXTRA_DIST += tests/decoder/tshark.sh

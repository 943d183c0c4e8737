/*
 * dp_test.h: helpers shared by the datapath unit tests: the algorithm table
 * every test iterates, SA descriptions with fixed keys, IP packet builders
 * and an event recorder.
 */
#ifndef PAL_TESTS_DP_TEST_H
#define PAL_TESTS_DP_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runner.h"
#include "datapath/datapath.h"
#include "datapath/esp.h"

struct dpt_alg {
	const char *a_name;
	uint16_t a_encr;
	uint16_t a_keylen; /* bits */
	uint16_t a_integ;
	size_t a_enc_len; /* bytes, salt included */
	size_t a_int_len;
};

extern const struct dpt_alg dpt_algs[];
extern const size_t dpt_nalgs;

/* Key material for one SA (any algorithm of the table). */
struct dpt_keys {
	uint8_t k_enc[64];
	uint8_t k_int[64];
};

void dpt_keys_fill(struct dpt_keys *k, uint8_t seed);
void dpt_sa(struct dp_sa *d, const struct dpt_alg *a, const struct dpt_keys *k, uint32_t spi,
	    bool inbound, enum dp_mode mode, int family, bool esn);

/* An SA pair (outbound, inbound) of one algorithm with the same keys. */
struct dpt_pair {
	struct esp_sa *p_out;
	struct esp_sa *p_in;
};

int dpt_pair_new(struct dpt_pair *p, const struct dpt_alg *a, enum dp_mode mode, int family,
		 bool esn, uint32_t window);
void dpt_pair_free(struct dpt_pair *p);

/* IP packets with a UDP payload of n bytes (pattern from seed), or ICMP
 * echo for proto 1/58; returns the length written to out. */
size_t dpt_ip4(uint8_t *out, uint8_t proto, size_t n, uint8_t seed);
size_t dpt_ip6(uint8_t *out, uint8_t proto, size_t n, uint8_t seed);

/* Events raised through esp_opts.eo_event. */
struct dpt_events {
	int e_n;
	enum dp_event_type e_type[16];
	uint32_t e_spi[16];
};

void dpt_event_record(void *arg, const struct dp_event *ev);

/* Encapsulates a copy of the IP packet pkt (len bytes) with out and
 * writes the ESP packet to wire (returns its length, 0 on error). */
size_t dpt_encap(struct esp_sa *out, const uint8_t *pkt, size_t len, uint8_t *wire);

#endif

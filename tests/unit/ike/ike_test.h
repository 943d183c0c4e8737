/*
 * ike_test.h: shared pieces of the ike codec tests: the suites, a mock SK
 * cipher (AES-128-GCM through OpenSSL EVP, RFC 5282 layout), sample
 * payloads and messages, and the corpus dump for tests/fuzz.
 */
#ifndef PAL_TESTS_IKE_TEST_H
#define PAL_TESTS_IKE_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runner.h"
#include "ike/ike.h"
#include "util/err.h"

extern const struct ut_suite ut_ike_payloads;
extern const struct ut_suite ut_ike_msg;
extern const struct ut_suite ut_ike_rules;
extern const struct ut_suite ut_ike_bad;
extern const struct ut_suite ut_ike_bad_sa;
extern const struct ut_suite ut_ike_sk;
extern const struct ut_suite ut_ike_frag;

/* mock_gcm.c: AES-128-GCM with an 8-byte explicit IV and a 4-byte salt
 * (RFC 5282), a 16-byte ICV; block_len as asked (1 for AEAD, 16 to test
 * CBC-like padding). The key is fixed: tests only. */
struct mock_gcm {
	uint8_t mg_key[16];
	uint8_t mg_salt[4];
	uint64_t mg_seq; /* next generated IV */
	unsigned mg_opens;
};
void mock_gcm_init(struct mock_gcm *g, struct ike_sk_ops *ops, size_t block_len);
/* The identity "cipher" the fuzz target uses (IV 8, ICV 16, block 1):
 * seeds built with it show their inner chain to the fuzzer. */
void null_sk_ops(struct ike_sk_ops *ops);

/* samples.c */
#define UT_MSG_MAX 65535
void ut_hdr(struct ike_hdr *h, uint8_t exch, uint8_t flags, uint32_t msgid);
/* A view as ike_msg_parse makes it, of a payload at offset 28. */
struct ike_pld ut_view(uint8_t type, const uint8_t *body, size_t len);
void ut_sample_sa_ike(struct ike_pld_sa *sa);
void ut_sample_sa_esp(struct ike_pld_sa *sa);
void ut_sample_ts(struct ike_pld_ts *ts);
void ut_sample_cp_request(struct ike_pld_cp *cp);
void ut_sample_cp_reply(struct ike_pld_cp *cp);
extern const uint8_t ut_nonce[32];
extern const uint8_t ut_ke[32];
extern const uint8_t ut_cert[300];

/* Sample messages: each built by one function into wr. */
struct ut_msg {
	const char *um_name;
	bool um_sk; /* encrypted: built with ops */
	int (*um_build)(struct writer *wr, const struct ike_sk_ops *ops);
};
extern const struct ut_msg ut_msgs[];
extern const size_t ut_n_msgs;
/* Build ut_msgs[i]: heap buffer, aborts the test program on failure. */
uint8_t *ut_msg_build(size_t i, const struct ike_sk_ops *ops, size_t *len);
/* Encode the inner chain of an IKE_AUTH request; returns its first type. */
uint8_t ut_inner_auth_req(struct writer *wr);

/* Re-encode every payload view of msg through its struct (ike_build_*),
 * SK sealed again with the received IV: the generate half of a round
 * trip. Returns 0 or the first error. */
int ut_msg_regen(uint8_t *buf, size_t len, const struct ike_sk_ops *ops, uint8_t **out,
		 size_t *out_len);

/* Decode a payload body as a view at offset 28 of the given type through
 * ike_pld_reencode() (every decoder); err is cleared first. */
int ut_decode(uint8_t type, const uint8_t *body, size_t len, struct ike_err *err);
int ut_decode_hex(uint8_t type, const char *hex, struct ike_err *err);
/* ike_msg_parse() of a header (length set) followed by the chain in hex,
 * assembled in msg (cap bytes). */
int ut_parse_chain_hex(uint8_t first, const char *hex, uint8_t *msg, size_t cap, struct ike_msg *m,
		       struct ike_err *err);

/* With $IKE_CORPUS_DIR set, write buf there as a fuzz seed. */
void ut_dump(const char *name, const uint8_t *buf, size_t len);

#endif

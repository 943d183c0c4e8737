/*
 * ike_int.h: helpers shared by the codec's source files. Not part of the
 * interface: other modules include ike/ike.h only.
 */
#ifndef PAL_IKE_INT_H
#define PAL_IKE_INT_H

#include "ike/ike.h"

/* Fill err (may be NULL) with code, payload, offset and a reason; returns
 * code so callers can write `return ike_err_set(...)`. */
int ike_err_set(struct ike_err *err, int code, uint8_t pld, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Payload types this codec decodes (RFC 7296 3.2, RFC 7383). */
bool ike_pld_known(uint8_t type);

/* Reader over a payload body whose offsets are those of the message. */
void ike_pld_reader(const struct ike_pld *p, struct reader *rd);
/* GW_E_INVAL unless p is one of the two types t1/t2 (IDi/IDr, ...). */
int ike_pld_expect(const struct ike_pld *p, uint8_t t1, uint8_t t2, struct ike_err *err);

/* Fail a writer (sticky) with code, for structs that cannot be encoded. */
void ike_wr_fail(struct writer *wr, int code);
/* Patch the 16-bit length at off + at with the bytes written since off. */
void ike_wr_patch_len(struct writer *wr, size_t off, size_t at);

/* sk.c: shared by the SK (3.14) and SKF (RFC 7383) paths. */
int ike_sk_ops_check(const struct ike_sk_ops *ops);
/* Append IV | plain | padding | pad length | ICV to the open payload at
 * pld_off, finish the message and seal it. */
int ike_sk_seal_tail(struct ike_builder *b, size_t pld_off, const uint8_t *plain, size_t len,
		     const struct ike_sk_ops *ops, const uint8_t *iv);
/* Verify and decrypt the body of p (SK or SKF) after its first skip bytes;
 * plain/plain_len/plain_off describe the unpadded plaintext. */
int ike_sk_decrypt(uint8_t *buf, size_t len, const struct ike_pld *p, size_t skip,
		   const struct ike_sk_ops *ops, const uint8_t **plain, size_t *plain_len,
		   size_t *plain_off, struct ike_err *err);

#endif

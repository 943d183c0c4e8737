/* The glue between crypto/'s SK ciphers and ike/'s SK framing. */
#include "crypto/crypto.h"
#include "ike/ike.h"
#include "sa/sa.h"

static int seal(void *ctx, uint8_t *msg, size_t iv_off, size_t ct_len, bool gen_iv)
{
	return sk_cipher_seal(ctx, msg, iv_off, ct_len, gen_iv);
}

static int open_(void *ctx, uint8_t *msg, size_t iv_off, size_t ct_len)
{
	return sk_cipher_open(ctx, msg, iv_off, ct_len);
}

void sa_sk_ops_init(struct ike_sk_ops *ops, struct sk_cipher *c)
{
	ops->sk_iv_len = sk_cipher_iv_len(c);
	ops->sk_icv_len = sk_cipher_icv_len(c);
	ops->sk_block_len = sk_cipher_block_len(c);
	ops->sk_seal = seal;
	ops->sk_open = open_;
	ops->sk_ctx = c;
}

/* The glue between crypto/'s SK ciphers and ike/'s SK framing. */
#include "crypto/crypto.h"
#include "ike/ike.h"
#include "sa/sa.h"
#include "sa/sa_int.h"
#include "util/err.h"

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

/*
 * An SA's own SK ops. An OpenSSL AES-GCM context costs about 1.2 KiB per
 * direction, more than half of what an idle SA otherwise needs, so the
 * contexts exist only while messages flow: built from the SA's keys on
 * use, dropped when the SA is established and idle. AEAD IVs therefore
 * come from the SA, not from the context: a counter under a random mask,
 * never repeated under one key (RFC 5282 3.1, RFC 7634 2); CBC IVs stay
 * random (RFC 7296 3.14).
 */
/* Our direction out uses the initiator's keys when we initiated. */
static struct sk_cipher *cipher(struct ike_sa *sa, bool out)
{
	struct sk_cipher **c = out ? &sa->s_c_out : &sa->s_c_in;
	const struct ike_suite *s = &sa->s_suite;
	bool initiators = sa->s_initiator == out;

	if (!*c && sk_cipher_new(s->s_encr, s->s_encr_keylen, s->s_integ,
				 initiators ? sa->s_keys.k_ei : sa->s_keys.k_er,
				 initiators ? sa->s_keys.k_ai : sa->s_keys.k_ar, c))
		*c = NULL;
	return *c;
}

static int sa_seal(void *ctx, uint8_t *msg, size_t iv_off, size_t ct_len, bool gen_iv)
{
	struct ike_sa *sa = ctx;
	struct sk_cipher *c = cipher(sa, true);
	uint64_t iv;

	if (!c)
		return GW_E_NOMEM;
	if (gen_iv && encr_is_aead(sa->s_suite.s_encr)) {
		if (sa->s_iv_next == UINT64_MAX || sa->s_ops_out.sk_iv_len != sizeof(iv))
			return GW_E_RANGE; /* never wrap into a used IV */
		iv = sa->s_iv_next++ ^ sa->s_iv_mask;
		for (int i = 7; i >= 0; i--, iv >>= 8)
			msg[iv_off + (size_t)i] = (uint8_t)iv;
		gen_iv = false;
	}
	return sk_cipher_seal(c, msg, iv_off, ct_len, gen_iv);
}

static int sa_open(void *ctx, uint8_t *msg, size_t iv_off, size_t ct_len)
{
	struct sk_cipher *c = cipher(ctx, false);

	return c ? sk_cipher_open(c, msg, iv_off, ct_len) : GW_E_NOMEM;
}

int ike_sa_sk_init(struct ike_sa *sa)
{
	if (!sa->s_c_out || !sa->s_c_in)
		return GW_E_INVAL;
	sa_sk_ops_init(&sa->s_ops_out, sa->s_c_out);
	sa_sk_ops_init(&sa->s_ops_in, sa->s_c_in);
	sa->s_ops_out.sk_seal = sa_seal;
	sa->s_ops_out.sk_ctx = sa;
	sa->s_ops_in.sk_open = sa_open;
	sa->s_ops_in.sk_ctx = sa;
	sa->s_iv_next = 0;
	return crypto_random_public(&sa->s_iv_mask, sizeof(sa->s_iv_mask));
}

void ike_sa_sk_idle(struct ike_sa *sa)
{
	if (sa->s_state != IKE_ST_ESTABLISHED || sa->s_req.w_n)
		return;
	sk_cipher_free(sa->s_c_out);
	sk_cipher_free(sa->s_c_in);
	sa->s_c_out = sa->s_c_in = NULL;
}

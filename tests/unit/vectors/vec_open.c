/*
 * SK/SKF opening for the strongSwan vectors (see vec.h): the adapter from
 * crypto's struct sk_cipher to the codec's struct ike_sk_ops, and a pass
 * that decrypts every protected message of a scenario.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "vec.h"

void vec_report(const struct vec_scn *s, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "\n    %s:%d [%s] ", file, line, s ? s->s_name : "-");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const char *vec_errstr(int rc, const struct ike_err *err)
{
	static char buf[256];
	char detail[192];

	snprintf(buf, sizeof(buf), "%s (%d): %s", gw_strerror(rc), rc,
		 err ? ike_err_str(err, detail, sizeof(detail)) : "");
	return buf;
}

/* ---- the adapter: ike_sk_ops over an sk_cipher ---- */

static int vec_sk_seal(void *ctx, uint8_t *msg, size_t iv_off, size_t ct_len, bool gen_iv)
{
	return sk_cipher_seal(ctx, msg, iv_off, ct_len, gen_iv);
}

static int vec_sk_open(void *ctx, uint8_t *msg, size_t iv_off, size_t ct_len)
{
	return sk_cipher_open(ctx, msg, iv_off, ct_len);
}

int vec_sk_new(const struct vec_scn *s, const struct vec_sa *sa, bool from_initiator,
	       struct vec_sk *out)
{
	const struct ike_suite *st = &sa->sa_suite;
	struct secret *ek, *ak = NULL;
	char k[64];
	int rc;

	memset(out, 0, sizeof(*out));
	ek = vec_secret(s, vec_sa_key(sa->sa_n, from_initiator ? "sk_ei" : "sk_er", k, sizeof(k)));
	if (st->s_integ != IKE_INTEG_NONE)
		ak = vec_secret(
			s, vec_sa_key(sa->sa_n, from_initiator ? "sk_ai" : "sk_ar", k, sizeof(k)));
	rc = sk_cipher_new(st->s_encr, st->s_encr_keylen, st->s_integ, ek, ak, &out->vs_c);
	secret_free(ek);
	secret_free(ak);
	if (rc)
		return rc;
	out->vs_ops.sk_iv_len = sk_cipher_iv_len(out->vs_c);
	out->vs_ops.sk_icv_len = sk_cipher_icv_len(out->vs_c);
	out->vs_ops.sk_block_len = sk_cipher_block_len(out->vs_c);
	out->vs_ops.sk_seal = vec_sk_seal;
	out->vs_ops.sk_open = vec_sk_open;
	out->vs_ops.sk_ctx = out->vs_c;
	return 0;
}

void vec_sk_free(struct vec_sk *sk)
{
	if (!sk)
		return;
	sk_cipher_free(sk->vs_c);
	memset(sk, 0, sizeof(*sk));
}

int vec_sk_for_msg(const struct vec_scn *s, const struct vec_msg *m, struct vec_sk *out)
{
	struct vec_sa sa;
	struct ike_hdr h;
	struct ike_err err;
	int rc;

	memset(&err, 0, sizeof(err));
	if ((rc = ike_hdr_parse(m->vm_buf, m->vm_len, &h, &err)))
		return rc;
	if (!vec_sa_of_msg(s, m->vm_buf, m->vm_len, &sa))
		return GW_E_NOTFOUND;
	return vec_sk_new(s, &sa, (h.h_flags & IKE_FLAG_INITIATOR) != 0, out);
}

/* ---- opening every protected message ---- */

static bool open_sk(const struct vec_scn *s, const struct vec_msg *m, struct vec_opened *o,
		    struct vec_sk *sk)
{
	struct ike_err err;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = ike_msg_open_sk(&o->o_msg, o->o_buf, m->vm_len, &sk->vs_ops, &err);
	VEC_CHECK(s, rc == 0, "%s: ike_msg_open_sk: %s", m->vm_name, vec_errstr(rc, &err));
	if (rc == 0)
		o->o_first = o->o_msg.m_sk_first;
	return rc == 0;
}

/* One SKF message: decrypt, add to the reassembly; true once complete. */
static bool open_skf(const struct vec_scn *s, const struct vec_msg *m, struct vec_opened *o,
		     struct vec_sk *sk, struct ike_reasm *ra, uint64_t now)
{
	const uint8_t *plain = NULL;
	struct ike_pld_skf f;
	struct ike_err err;
	size_t plain_len = 0;
	uint8_t first = o->o_msg.m_sk_first;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = ike_msg_open_skf(&o->o_msg, o->o_buf, m->vm_len, &sk->vs_ops, &f, &plain, &plain_len,
			      &err);
	VEC_CHECK(s, rc == 0, "%s: ike_msg_open_skf: %s", m->vm_name, vec_errstr(rc, &err));
	if (rc)
		return false;
	rc = ike_reasm_add(ra, o->o_msg.m_hdr.h_msgid, &f, first, plain, plain_len, now,
			   &o->o_inner, &o->o_inner_len, &o->o_first);
	VEC_CHECK(s, rc == 0 || rc == GW_E_AGAIN, "%s: ike_reasm_add (fragment %u/%u): %s",
		  m->vm_name, f.f_num, f.f_total, vec_errstr(rc, NULL));
	if (rc)
		return false;
	o->o_nfrag = f.f_total;
	memset(&err, 0, sizeof(err));
	rc = ike_msg_parse_inner(&o->o_msg, o->o_first, o->o_inner, o->o_inner_len, 0, &err);
	VEC_CHECK(s, rc == 0, "%s: ike_msg_parse_inner of the reassembled message: %s", m->vm_name,
		  vec_errstr(rc, &err));
	return rc == 0;
}

/* Parse a private copy of m into o (views point into the copy, which is
 * decrypted in place); false if it has no SK/SKF payload. */
static bool parse_copy(const struct vec_scn *s, const struct vec_msg *m, struct vec_opened *o)
{
	struct ike_err err;
	int rc;

	memset(o, 0, sizeof(*o));
	memset(&err, 0, sizeof(err));
	if (!(o->o_buf = malloc(m->vm_len)))
		abort();
	memcpy(o->o_buf, m->vm_buf, m->vm_len);
	rc = ike_msg_parse(o->o_buf, m->vm_len, &o->o_msg, &err);
	VEC_CHECK(s, rc == 0, "%s: ike_msg_parse: %s", m->vm_name, vec_errstr(rc, &err));
	return rc == 0 && o->o_msg.m_sk >= 0;
}

size_t vec_open_all(const struct vec_scn *s, struct vec_opened **out)
{
	static const struct ike_frag_limits lim = { .fl_max_frags = 32,
						    .fl_max_total = 65535,
						    .fl_timeout_ms = 30000,
						    .fl_max_pending = 4 };
	struct vec_opened *res = calloc(s->s_nmsg, sizeof(*res));
	struct ike_reasm *ra = ike_reasm_new(&lim);
	size_t n = 0;

	if (!res || !ra)
		abort();
	for (size_t i = 0; i < s->s_nmsg; i++) {
		const struct vec_msg *m = &s->s_msg[i];
		struct vec_opened *o = &res[n];
		struct vec_sk sk;
		bool done = false;
		int rc;

		if (!parse_copy(s, m, o)) {
			free(o->o_buf);
			continue;
		}
		o->o_idx = i;
		rc = vec_sk_for_msg(s, m, &sk);
		VEC_CHECK(s, rc == 0, "%s: no SK cipher: %s", m->vm_name, vec_errstr(rc, NULL));
		if (rc == 0) {
			if (o->o_msg.m_pld[o->o_msg.m_sk].p_type == IKE_PLD_SKF)
				done = open_skf(s, m, o, &sk, ra, (uint64_t)i);
			else
				done = open_sk(s, m, o, &sk);
		}
		vec_sk_free(&sk);
		if (done)
			n++;
		else
			free(o->o_buf);
	}
	ike_reasm_free(ra);
	*out = res;
	return n;
}

void vec_opened_free(struct vec_opened *o, size_t n)
{
	if (!o)
		return;
	for (size_t i = 0; i < n; i++) {
		free(o[i].o_buf);
		free(o[i].o_inner);
	}
	free(o);
}

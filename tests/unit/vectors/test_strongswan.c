/*
 * test_strongswan.c: our IKEv2 codec (gateway/ike) against real messages
 * recorded from strongSwan 5.9.8 (tests/vectors/strongswan/README.md):
 * every message parses, passes the exchange rules and re-encodes byte for
 * byte; every SK/SKF payload opens with the recorded keys (through the
 * sk_cipher -> ike_sk_ops adapter), its inner payloads re-encode, and
 * sealing the same plaintext with the same IV gives strongSwan's exact
 * ciphertext and ICV; SKF fragments reassemble. The key derivation and
 * AUTH checks are in test_strongswan_crypto.c; main() runs both.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"
#include "util/err.h"
#include "vec.h"

/* Scenarios the capture must contain (README.md); more are checked too. */
static const char *const required[] = { "cert-ecdsa", "cert-rsa-frag", "psk-cbc",
					"psk-chacha", "psk-gcm",       NULL };

void vec_for_each(void (*fn)(const struct vec_scn *s))
{
	char names[VEC_MAX_SCN][VEC_NAME_MAX];
	size_t n = vec_scn_list(names, VEC_MAX_SCN);

	CU_ASSERT_TRUE(n >= 5);
	for (size_t i = 0; i < n; i++) {
		struct vec_scn *s = vec_scn_load(names[i]);

		fn(s);
		vec_scn_free(s);
	}
}

static bool name_has(const struct vec_msg *m, const char *part)
{
	return strstr(m->vm_name, part) != NULL;
}

static bool bytes_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* ---- the recording itself ---- */

static void test_scenarios_present(void)
{
	char names[VEC_MAX_SCN][VEC_NAME_MAX];
	size_t n = vec_scn_list(names, VEC_MAX_SCN);

	for (size_t r = 0; required[r]; r++) {
		bool found = false;

		for (size_t i = 0; i < n; i++)
			found = found || strcmp(names[i], required[r]) == 0;
		VEC_CHECK(NULL, found, "scenario %s missing", required[r]);
	}
	for (size_t i = 0; i < n; i++) {
		struct vec_scn *s = vec_scn_load(names[i]);

		VEC_CHECK(s, s->s_nmsg >= 6, "only %zu messages", s->s_nmsg);
		VEC_CHECK(s,
			  s->s_nmsg >= 2 && name_has(&s->s_msg[0], "ike_sa_init-req") &&
				  name_has(&s->s_msg[1], "ike_sa_init-rsp"),
			  "does not start with IKE_SA_INIT");
		for (size_t m = 0; m < s->s_nmsg; m++)
			VEC_CHECK(s, s->s_msg[m].vm_nouter > 0, "%s not in messages.txt",
				  s->s_msg[m].vm_name);
		vec_scn_free(s);
	}
}

/* ---- outer payloads ---- */

static bool reencode_equal(const struct vec_scn *s, const struct vec_msg *m,
			   const struct ike_pld *p)
{
	struct ike_err err;
	struct writer wr;
	bool ok;
	int rc;

	memset(&err, 0, sizeof(err));
	wr_init(&wr, IKE_MSG_MAX);
	rc = ike_pld_reencode(p, &wr, &err);
	ok = rc == 0 && wr_ok(&wr) && bytes_eq(wr_data(&wr), wr_len(&wr), p->p_body, p->p_len);
	VEC_CHECK(s, ok, "%s: %s payload at %zu (%zu bytes) does not re-encode: %s", m->vm_name,
		  ike_pld_name(p->p_type), p->p_off, p->p_len,
		  rc ? vec_errstr(rc, &err) : "different bytes");
	wr_free(&wr);
	return ok;
}

/* Build the whole message again from its outer payloads (no SK). */
static void check_rebuild_plain(const struct vec_scn *s, const struct vec_msg *m,
				const struct ike_msg *msg)
{
	struct ike_builder b;
	struct ike_err err;
	struct writer wr;
	int rc = 0;

	memset(&err, 0, sizeof(err));
	wr_init(&wr, IKE_MSG_MAX);
	ike_build_begin(&b, &wr, &msg->m_hdr);
	for (size_t i = 0; i < msg->m_n && rc == 0; i++) {
		const struct ike_pld *p = &msg->m_pld[i];
		size_t off = ike_build_pld_begin(&b, p->p_type, p->p_critical);

		rc = ike_pld_reencode(p, b.b_wr, &err);
		ike_build_pld_end(&b, off);
	}
	if (rc == 0)
		rc = ike_build_end(&b);
	VEC_CHECK(s, rc == 0, "%s: rebuilding: %s", m->vm_name, vec_errstr(rc, &err));
	VEC_CHECK(s, rc != 0 || bytes_eq(wr_data(&wr), wr_len(&wr), m->vm_buf, m->vm_len),
		  "%s: the rebuilt message (%zu bytes) differs from strongSwan's (%zu)", m->vm_name,
		  wr_len(&wr), m->vm_len);
	wr_free(&wr);
}

static void check_header(const struct vec_scn *s, const struct vec_msg *m,
			 const struct ike_msg *msg)
{
	const struct ike_hdr *h = &msg->m_hdr;
	struct writer wr;

	wr_init(&wr, IKE_MSG_MAX);
	ike_hdr_write(&wr, h);
	VEC_CHECK(s, wr_ok(&wr) && bytes_eq(wr_data(&wr), wr_len(&wr), m->vm_buf, IKE_HDR_LEN),
		  "%s: header does not re-encode", m->vm_name);
	wr_free(&wr);
	VEC_CHECK(s, h->h_version == IKE_VERSION_2 && h->h_length == m->vm_len,
		  "%s: version 0x%02x length %u", m->vm_name, h->h_version, h->h_length);
	VEC_CHECK(s, name_has(m, "-rsp") == ((h->h_flags & IKE_FLAG_RESPONSE) != 0),
		  "%s: Response flag 0x%02x", m->vm_name, h->h_flags);
	VEC_CHECK(s,
		  (h->h_exch == IKE_EXCH_SA_INIT) == name_has(m, "ike_sa_init") &&
			  (h->h_exch == IKE_EXCH_AUTH) == name_has(m, "ike_auth") &&
			  (h->h_exch == IKE_EXCH_CREATE_CHILD_SA) ==
				  name_has(m, "create_child_sa") &&
			  (h->h_exch == IKE_EXCH_INFORMATIONAL) == name_has(m, "informational"),
		  "%s: exchange %u", m->vm_name, h->h_exch);
}

static void outer_one(const struct vec_scn *s, const struct vec_msg *m)
{
	struct ike_msg *msg = calloc(1, sizeof(*msg));
	struct ike_err err;
	bool same_chain;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = ike_msg_parse(m->vm_buf, m->vm_len, msg, &err);
	VEC_CHECK(s, rc == 0, "%s: ike_msg_parse: %s", m->vm_name, vec_errstr(rc, &err));
	if (rc)
		goto out;
	check_header(s, m, msg);
	same_chain = msg->m_n == m->vm_nouter;
	for (size_t i = 0; i < msg->m_n && same_chain; i++)
		same_chain = msg->m_pld[i].p_type == m->vm_outer[i] && !msg->m_pld[i].p_in_sk;
	VEC_CHECK(s, same_chain, "%s: %zu outer payloads, messages.txt lists %zu (or other types)",
		  m->vm_name, msg->m_n, m->vm_nouter);
	for (size_t i = 0; i < msg->m_n; i++) {
		uint8_t t = msg->m_pld[i].p_type;

		if (t != IKE_PLD_SK && t != IKE_PLD_SKF)
			reencode_equal(s, m, &msg->m_pld[i]);
	}
	if (msg->m_sk >= 0) /* the rules need the inner payloads: checked when opened */
		goto out;
	memset(&err, 0, sizeof(err));
	rc = ike_msg_check_rules(msg, &err);
	VEC_CHECK(s, rc == 0, "%s: ike_msg_check_rules: %s", m->vm_name, vec_errstr(rc, &err));
	check_rebuild_plain(s, m, msg);
out:
	free(msg);
}

static void outer_all(const struct vec_scn *s)
{
	for (size_t i = 0; i < s->s_nmsg; i++)
		outer_one(s, &s->s_msg[i]);
}

static void test_outer(void)
{
	vec_for_each(outer_all);
}

/* IKE_SA_INIT: the negotiated suite, KE and nonces are what keys.txt says. */
static void init_one(const struct vec_scn *s, const struct vec_msg *m, bool rsp)
{
	struct ike_msg *msg = calloc(1, sizeof(*msg));
	struct ike_pld_nonce n;
	struct ike_pld_ke ke;
	struct ike_err err;
	uint8_t want[IKE_NONCE_MAX];
	size_t want_len = vec_hex(s, rsp ? "nr" : "ni", want, sizeof(want));
	const struct ike_pld *p;

	if (ike_msg_parse(m->vm_buf, m->vm_len, msg, &err))
		goto out; /* reported by test_outer */
	p = ike_msg_find(msg, IKE_PLD_NONCE);
	VEC_CHECK(s,
		  p && ike_pld_nonce_parse(p, &n, &err) == 0 &&
			  bytes_eq(n.n_data, n.n_len, want, want_len),
		  "%s: nonce", m->vm_name);
	p = ike_msg_find(msg, IKE_PLD_KE);
	VEC_CHECK(s,
		  p && ike_pld_ke_parse(p, &ke, &err) == 0 && ke.ke_group == vec_num(s, "ike_dh") &&
			  ke.ke_len == ke_public_len(ke.ke_group),
		  "%s: KE payload", m->vm_name);
	if (rsp) {
		struct ike_pld_sa *sa = calloc(1, sizeof(*sa));
		struct vec_sa vs;
		bool ok;

		vec_sa_get(s, 1, &vs);
		p = ike_msg_find(msg, IKE_PLD_SA);
		ok = p && ike_pld_sa_parse(p, sa, &err) == 0 && sa->sa_n == 1 &&
		     sa->sa_prop[0].pr_proto == IKE_PROTO_IKE;
		for (size_t i = 0; ok && i < sa->sa_prop[0].pr_n; i++) {
			const struct ike_transform *x = &sa->sa_prop[0].pr_xf[i];

			ok = (x->t_type == IKE_XF_ENCR && x->t_id == vs.sa_suite.s_encr &&
			      x->t_keylen == vs.sa_suite.s_encr_keylen) ||
			     (x->t_type == IKE_XF_PRF && x->t_id == vs.sa_suite.s_prf) ||
			     (x->t_type == IKE_XF_INTEG && x->t_id == vs.sa_suite.s_integ) ||
			     (x->t_type == IKE_XF_KE && x->t_id == vs.sa_suite.s_ke);
		}
		VEC_CHECK(s, ok, "%s: chosen SA proposal differs from keys.txt", m->vm_name);
		free(sa);
	}
out:
	free(msg);
}

static void init_all(const struct vec_scn *s)
{
	init_one(s, &s->s_msg[0], false);
	init_one(s, &s->s_msg[1], true);
}

static void test_ike_sa_init(void)
{
	vec_for_each(init_all);
}

/* ---- SK and SKF ---- */

/* Messages that open into one plaintext: SK messages and SKF groups. */
static size_t expected_opened(const struct vec_scn *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->s_nmsg; i++) {
		const struct vec_msg *m = &s->s_msg[i];

		if (!name_has(m, "ike_sa_init") && (!name_has(m, "-frag") || name_has(m, "-frag1")))
			n++;
	}
	return n;
}

/* Our inner chain is the one extract.py found (messages.txt). */
static void check_inner_types(const struct vec_scn *s, const struct vec_msg *m,
			      const struct ike_msg *msg)
{
	size_t k = 0;
	bool same = m->vm_has_inner;

	for (size_t i = 0; i < msg->m_n && same; i++) {
		if (!msg->m_pld[i].p_in_sk)
			continue;
		same = k < m->vm_ninner && msg->m_pld[i].p_type == m->vm_inner[k];
		k++;
	}
	VEC_CHECK(s, same && k == m->vm_ninner,
		  "%s: inner payloads differ from messages.txt (%zu of %zu match)", m->vm_name, k,
		  m->vm_ninner);
}

static void opened_all(const struct vec_scn *s)
{
	struct vec_opened *o;
	size_t n = vec_open_all(s, &o);

	VEC_CHECK(s, n == expected_opened(s), "%zu messages opened, %zu expected", n,
		  expected_opened(s));
	for (size_t i = 0; i < n; i++) {
		const struct vec_msg *m = &s->s_msg[o[i].o_idx];
		struct ike_err err;
		int rc;

		memset(&err, 0, sizeof(err));
		rc = ike_msg_check_rules(&o[i].o_msg, &err);
		VEC_CHECK(s, rc == 0, "%s: ike_msg_check_rules: %s", m->vm_name,
			  vec_errstr(rc, &err));
		check_inner_types(s, m, &o[i].o_msg);
		for (size_t p = 0; p < o[i].o_msg.m_n; p++)
			if (o[i].o_msg.m_pld[p].p_in_sk)
				reencode_equal(s, m, &o[i].o_msg.m_pld[p]);
		vec_check_inner(s, &o[i]);
	}
	vec_opened_free(o, n);
}

static void test_sk_open(void)
{
	vec_for_each(opened_all);
}

/* Offsets of the protected part of an SK/SKF payload (3.14, RFC 7383 2.5). */
static bool sk_layout(const struct ike_pld *p, const struct vec_sk *sk, size_t *iv_off,
		      size_t *ct_len)
{
	size_t extra = p->p_type == IKE_PLD_SKF ? 4 : 0;
	size_t fixed = extra + sk->vs_ops.sk_iv_len + sk->vs_ops.sk_icv_len;

	if (p->p_len < fixed)
		return false;
	*iv_off = p->p_off + IKE_PLD_HDR_LEN + extra;
	*ct_len = p->p_len - fixed;
	return true;
}

/* Flip one bit at pos: the ICV check must fail, nothing decrypted. */
static void check_tamper(const struct vec_scn *s, const struct vec_msg *m, struct vec_sk *sk,
			 size_t iv_off, size_t ct_len, size_t pos, const char *what)
{
	uint8_t *buf = malloc(m->vm_len);
	int rc;

	memcpy(buf, m->vm_buf, m->vm_len);
	buf[pos] ^= 0x01;
	rc = sk_cipher_open(sk->vs_c, buf, iv_off, ct_len);
	VEC_CHECK(s, rc == GW_E_AUTH, "%s: sk_cipher_open with a flipped bit in the %s: %s",
		  m->vm_name, what, vec_errstr(rc, NULL));
	free(buf);
}

static void reseal_one(const struct vec_scn *s, const struct vec_msg *m)
{
	struct ike_msg *msg = calloc(1, sizeof(*msg));
	uint8_t *buf = malloc(m->vm_len);
	size_t iv_off, ct_len;
	struct ike_err err;
	struct vec_sk sk;
	int rc;

	memset(&sk, 0, sizeof(sk));
	if (ike_msg_parse(m->vm_buf, m->vm_len, msg, &err) || msg->m_sk < 0)
		goto out;
	rc = vec_sk_for_msg(s, m, &sk);
	VEC_CHECK(s, rc == 0, "%s: sk_cipher_new: %s", m->vm_name, vec_errstr(rc, NULL));
	if (rc)
		goto out;
	if (!sk_layout(&msg->m_pld[msg->m_sk], &sk, &iv_off, &ct_len)) {
		VEC_CHECK(s, false, "%s: SK payload shorter than IV + ICV", m->vm_name);
		goto out;
	}
	memcpy(buf, m->vm_buf, m->vm_len);
	rc = sk_cipher_open(sk.vs_c, buf, iv_off, ct_len);
	VEC_CHECK(s, rc == 0, "%s: sk_cipher_open: %s", m->vm_name, vec_errstr(rc, NULL));
	VEC_CHECK(s, rc || memcmp(buf, m->vm_buf, iv_off + sk.vs_ops.sk_iv_len) == 0,
		  "%s: sk_cipher_open changed the header or IV", m->vm_name);
	if (rc)
		goto out;
	rc = sk_cipher_seal(sk.vs_c, buf, iv_off, ct_len, false);
	VEC_CHECK(s, rc == 0 && memcmp(buf, m->vm_buf, m->vm_len) == 0,
		  "%s: sealing the plaintext again with the same IV does not give strongSwan's "
		  "ciphertext and ICV (rc %d)",
		  m->vm_name, rc);
	check_tamper(s, m, &sk, iv_off, ct_len, m->vm_len - 1, "ICV");
	check_tamper(s, m, &sk, iv_off, ct_len, iv_off, "IV");
	if (ct_len)
		check_tamper(s, m, &sk, iv_off, ct_len, iv_off + sk.vs_ops.sk_iv_len, "ciphertext");
	check_tamper(s, m, &sk, iv_off, ct_len, 20, "header (message ID)");
out:
	vec_sk_free(&sk);
	free(buf);
	free(msg);
}

static void reseal_all(const struct vec_scn *s)
{
	for (size_t i = 0; i < s->s_nmsg; i++)
		reseal_one(s, &s->s_msg[i]);
}

static void test_sk_reseal(void)
{
	vec_for_each(reseal_all);
}

/* The codec's own ICV failure path: ike_msg_open_sk says GW_E_AUTH. */
static void open_bad_icv_all(const struct vec_scn *s)
{
	for (size_t i = 0; i < s->s_nmsg; i++) {
		const struct vec_msg *m = &s->s_msg[i];
		struct ike_msg *msg = calloc(1, sizeof(*msg));
		uint8_t *buf = malloc(m->vm_len);
		struct ike_err err;
		struct vec_sk sk;
		int rc;

		memset(&sk, 0, sizeof(sk));
		memcpy(buf, m->vm_buf, m->vm_len);
		buf[m->vm_len - 1] ^= 0x80;
		if (ike_msg_parse(buf, m->vm_len, msg, &err) == 0 && msg->m_sk >= 0 &&
		    msg->m_pld[msg->m_sk].p_type == IKE_PLD_SK && vec_sk_for_msg(s, m, &sk) == 0) {
			memset(&err, 0, sizeof(err));
			rc = ike_msg_open_sk(msg, buf, m->vm_len, &sk.vs_ops, &err);
			VEC_CHECK(s, rc == GW_E_AUTH, "%s: ike_msg_open_sk with a bad ICV: %s",
				  m->vm_name, vec_errstr(rc, &err));
		}
		vec_sk_free(&sk);
		free(buf);
		free(msg);
	}
}

static void test_sk_bad_icv(void)
{
	vec_for_each(open_bad_icv_all);
}

/* Encode the inner payloads of o as a chain (ike_build_inner_begin). */
static int build_inner(const struct vec_opened *o, struct writer *wr, uint8_t *first,
		       struct ike_err *err)
{
	struct ike_builder b;
	int rc = 0;

	ike_build_inner_begin(&b, wr);
	for (size_t i = 0; i < o->o_msg.m_n && rc == 0; i++) {
		const struct ike_pld *p = &o->o_msg.m_pld[i];
		size_t off;

		if (!p->p_in_sk)
			continue;
		off = ike_build_pld_begin(&b, p->p_type, p->p_critical);
		rc = ike_pld_reencode(p, b.b_wr, err);
		ike_build_pld_end(&b, off);
	}
	*first = b.b_first;
	return rc ? rc : wr->wr_err;
}

/* Open what we built with a fresh cipher: same inner payloads as o. */
static void check_reopen(const struct vec_scn *s, const struct vec_msg *m,
			 const struct vec_opened *o, uint8_t *buf, size_t len)
{
	struct ike_msg *msg = calloc(1, sizeof(*msg));
	struct ike_err err;
	struct vec_sk sk;
	size_t k = 0;
	bool same;
	int rc;

	memset(&err, 0, sizeof(err));
	if ((rc = vec_sk_for_msg(s, m, &sk)) == 0 && (rc = ike_msg_parse(buf, len, msg, &err)) == 0)
		rc = ike_msg_open_sk(msg, buf, len, &sk.vs_ops, &err);
	VEC_CHECK(s, rc == 0, "%s: our rebuilt message does not open: %s", m->vm_name,
		  vec_errstr(rc, &err));
	same = rc == 0 && msg->m_n == o->o_msg.m_n;
	for (size_t i = 0; same && i < o->o_msg.m_n; i++) {
		const struct ike_pld *a = &o->o_msg.m_pld[i], *b = &msg->m_pld[i];

		/* the SK payload itself holds other padding bytes (AES-CBC) */
		same = a->p_type == b->p_type && a->p_in_sk == b->p_in_sk &&
		       (!a->p_in_sk || bytes_eq(a->p_body, a->p_len, b->p_body, b->p_len));
		k++;
	}
	VEC_CHECK(s, rc != 0 || same, "%s: rebuilt message opens to other payloads (at %zu)",
		  m->vm_name, k);
	vec_sk_free(&sk);
	free(msg);
}

/*
 * ike_build_sk with strongSwan's IV. AEAD: strongSwan pads with the pad
 * length byte alone, so the whole message must be identical. AES-CBC:
 * strongSwan's padding bytes are random, so only the last cipher block and
 * the ICV may differ; the length must match (minimal padding).
 */
static void build_sk_one(const struct vec_scn *s, const struct vec_opened *o)
{
	const struct vec_msg *m = &s->s_msg[o->o_idx];
	const struct ike_pld *skp = &o->o_msg.m_pld[o->o_msg.m_sk];
	struct writer iw, wr;
	struct ike_builder b;
	struct ike_err err;
	struct vec_sk sk;
	struct vec_sa sa;
	uint8_t first = 0;
	size_t cmp;
	int rc;

	memset(&err, 0, sizeof(err));
	if (!vec_sa_of_msg(s, m->vm_buf, m->vm_len, &sa))
		return; /* reported by test_sk_open */
	wr_init(&iw, IKE_MSG_MAX);
	wr_init(&wr, IKE_MSG_MAX);
	rc = build_inner(o, &iw, &first, &err);
	VEC_CHECK(s, rc == 0, "%s: inner chain: %s", m->vm_name, vec_errstr(rc, &err));
	if (rc || (rc = vec_sk_for_msg(s, m, &sk)))
		goto out;
	ike_build_begin(&b, &wr, &o->o_msg.m_hdr);
	rc = ike_build_sk(&b, first, wr_len(&iw) ? wr_data(&iw) : (const uint8_t *)"", wr_len(&iw),
			  &sk.vs_ops, m->vm_buf + skp->p_off + IKE_PLD_HDR_LEN);
	VEC_CHECK(s, rc == 0, "%s: ike_build_sk: %s", m->vm_name, vec_errstr(rc, NULL));
	cmp = m->vm_len;
	if (!encr_is_aead(sa.sa_suite.s_encr))
		cmp -= sk.vs_ops.sk_icv_len + sk.vs_ops.sk_block_len;
	VEC_CHECK(s, rc || (wr_len(&wr) == m->vm_len && memcmp(wr_data(&wr), m->vm_buf, cmp) == 0),
		  "%s: ike_build_sk gives %zu bytes, not strongSwan's %zu (compared %zu)",
		  m->vm_name, wr_len(&wr), m->vm_len, cmp);
	if (rc == 0)
		check_reopen(s, m, o, wr_data(&wr), wr_len(&wr));
	vec_sk_free(&sk);
out:
	wr_free(&iw);
	wr_free(&wr);
}

static void build_sk_all(const struct vec_scn *s)
{
	struct vec_opened *o;
	size_t n = vec_open_all(s, &o);

	for (size_t i = 0; i < n; i++)
		if (o[i].o_nfrag == 0)
			build_sk_one(s, &o[i]);
	vec_opened_free(o, n);
}

static void test_build_sk(void)
{
	vec_for_each(build_sk_all);
}

/* SKF: header fields match the file names, groups reassemble. */
static void frag_all(const struct vec_scn *s)
{
	size_t n_frag = 0, n_groups = 0;
	struct vec_opened *o;
	size_t n;

	for (size_t i = 0; i < s->s_nmsg; i++) {
		const struct vec_msg *m = &s->s_msg[i];
		struct ike_msg *msg = calloc(1, sizeof(*msg));
		const char *k = strstr(m->vm_name, "-frag");
		struct ike_pld_skf f;
		struct ike_err err;
		int rc = -1;

		if (k && ike_msg_parse(m->vm_buf, m->vm_len, msg, &err) == 0 && msg->m_sk >= 0)
			rc = ike_pld_skf_parse(&msg->m_pld[msg->m_sk], &f, &err);
		if (k) {
			n_frag++;
			VEC_CHECK(s,
				  rc == 0 && f.f_num == strtoul(k + 5, NULL, 10) && f.f_total >= 2,
				  "%s: SKF header (rc %d)", m->vm_name, rc);
		}
		free(msg);
	}
	n = vec_open_all(s, &o);
	for (size_t i = 0; i < n; i++) {
		if (!o[i].o_nfrag)
			continue;
		n_groups++;
		VEC_CHECK(s, ike_msg_find(&o[i].o_msg, IKE_PLD_AUTH) != NULL,
			  "%s: reassembled message has no AUTH", s->s_msg[o[i].o_idx].vm_name);
	}
	VEC_CHECK(s, (n_frag == 0) == (n_groups == 0), "%zu fragments but %zu reassembled", n_frag,
		  n_groups);
	vec_opened_free(o, n);
}

/* Open our fragments again: they reassemble to the same inner chain. */
static void check_refrag_roundtrip(const struct vec_scn *s, const struct vec_opened *o,
				   uint8_t **frags, size_t *lens, size_t n)
{
	static const struct ike_frag_limits lim = { .fl_max_frags = 32,
						    .fl_max_total = 65535,
						    .fl_timeout_ms = 30000,
						    .fl_max_pending = 4 };
	const struct vec_msg *m = &s->s_msg[o->o_idx];
	struct ike_msg *msg = calloc(1, sizeof(*msg));
	struct ike_reasm *ra = ike_reasm_new(&lim);
	uint8_t *out = NULL, first = 0;
	size_t out_len = 0;
	int rc = GW_E_AGAIN;

	for (size_t i = 0; i < n && rc == GW_E_AGAIN; i++) {
		const uint8_t *plain = NULL;
		struct ike_pld_skf f;
		struct ike_err err;
		size_t plain_len = 0;
		struct vec_sk sk;

		memset(&err, 0, sizeof(err));
		if ((rc = vec_sk_for_msg(s, m, &sk)) == 0 &&
		    (rc = ike_msg_parse(frags[i], lens[i], msg, &err)) == 0 &&
		    (rc = ike_msg_open_skf(msg, frags[i], lens[i], &sk.vs_ops, &f, &plain,
					   &plain_len, &err)) == 0)
			rc = ike_reasm_add(ra, msg->m_hdr.h_msgid, &f, msg->m_sk_first, plain,
					   plain_len, 0, &out, &out_len, &first);
		vec_sk_free(&sk);
	}
	VEC_CHECK(s,
		  rc == 0 && first == o->o_first &&
			  bytes_eq(out, out_len, o->o_inner, o->o_inner_len),
		  "%s: our fragments do not reassemble to the same message (rc %d)", m->vm_name,
		  rc);
	free(out);
	ike_reasm_free(ra);
	free(msg);
}

/*
 * ike_build_fragments with strongSwan's fragment size: strongSwan fills
 * each fragment up to the size (block-aligned for CBC), so the split, the
 * lengths and the cleartext part of every fragment (IKE header, SKF header
 * with numbers) must be the same; the ciphertext differs by IV and padding.
 */
static void refrag_one(const struct vec_scn *s, const struct vec_opened *o)
{
	size_t first = o->o_idx + 1 - o->o_nfrag, frag_max = 0, n = 0, clear;
	uint8_t *frags[32] = { NULL };
	size_t lens[32];
	struct vec_sk sk;
	int rc;

	for (size_t i = first; i <= o->o_idx; i++)
		if (s->s_msg[i].vm_len > frag_max)
			frag_max = s->s_msg[i].vm_len;
	if (vec_sk_for_msg(s, &s->s_msg[first], &sk))
		return; /* reported by test_sk_open */
	clear = IKE_HDR_LEN + IKE_PLD_HDR_LEN + 4;
	rc = ike_build_fragments(&o->o_msg.m_hdr, o->o_first, o->o_inner, o->o_inner_len, frag_max,
				 &sk.vs_ops, frags, lens, 32, &n);
	VEC_CHECK(s, rc == 0 && n == o->o_nfrag,
		  "%s: ike_build_fragments(max %zu): %s, %zu fragments, strongSwan sent %u",
		  s->s_msg[o->o_idx].vm_name, frag_max, vec_errstr(rc, NULL), n, o->o_nfrag);
	for (size_t i = 0; rc == 0 && i < n && i < o->o_nfrag; i++) {
		const struct vec_msg *m = &s->s_msg[first + i];

		VEC_CHECK(s, lens[i] == m->vm_len && memcmp(frags[i], m->vm_buf, clear) == 0,
			  "%s: our fragment %zu (%zu bytes) differs in length or cleartext headers",
			  m->vm_name, i + 1, lens[i]);
	}
	if (rc == 0)
		check_refrag_roundtrip(s, o, frags, lens, n);
	for (size_t i = 0; i < n; i++)
		free(frags[i]);
	vec_sk_free(&sk);
}

static void refrag_all(const struct vec_scn *s)
{
	struct vec_opened *o;
	size_t n = vec_open_all(s, &o);

	for (size_t i = 0; i < n; i++)
		if (o[i].o_nfrag)
			refrag_one(s, &o[i]);
	vec_opened_free(o, n);
}

static void test_refragment(void)
{
	vec_for_each(refrag_all);
}

static void test_fragments(void)
{
	struct vec_scn *s = vec_scn_load("cert-rsa-frag");
	size_t n = 0;

	/* the folder that must exercise RFC 7383 really holds SKF messages */
	for (size_t i = 0; i < s->s_nmsg; i++)
		n += name_has(&s->s_msg[i], "-frag");
	VEC_CHECK(s, n >= 4, "only %zu fragments", n);
	vec_scn_free(s);
	vec_for_each(frag_all);
}

static const struct ut_case codec_cases[] = {
	{ "scenario folders complete", test_scenarios_present },
	{ "outer payloads: parse, rules, re-encode, rebuild", test_outer },
	{ "IKE_SA_INIT: suite, KE, nonces", test_ike_sa_init },
	{ "SK/SKF: open, rules, inner re-encode", test_sk_open },
	{ "SK/SKF: re-seal with the same IV, tampering", test_sk_reseal },
	{ "SK: ike_msg_open_sk refuses a bad ICV", test_sk_bad_icv },
	{ "SK: ike_build_sk with strongSwan's IV", test_build_sk },
	{ "SKF: fragment headers and reassembly", test_fragments },
	{ "SKF: ike_build_fragments splits like strongSwan", test_refragment },
	{ NULL, NULL },
};

static const struct ut_suite codec_suite = { "strongswan vectors: codec", codec_cases };

int main(void)
{
	static const struct ut_suite *const suites[] = { &codec_suite, &vec_keys_suite,
							 &vec_auth_suite, NULL };

	return ut_main(suites);
}

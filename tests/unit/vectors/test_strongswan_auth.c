/*
 * test_strongswan_auth.c: what the decrypted exchanges of the strongSwan
 * recordings carry, decoded by our payload parsers (IDs, traffic selectors,
 * SPIs, nonces, DELETE), and the AUTH payloads: PSK AUTH recomputed with
 * our prf() (RFC 7296 2.15), RFC 7427 signatures and CERTREQ hashes checked
 * with OpenSSL against the certificates from the CERT payloads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "runner.h"
#include "util/err.h"
#include "vec.h"

static bool is_rsp(const struct ike_msg *msg)
{
	return (msg->m_hdr.h_flags & IKE_FLAG_RESPONSE) != 0;
}

static const char *msg_name(const struct vec_scn *s, const struct vec_opened *o)
{
	return s->s_msg[o->o_idx].vm_name;
}

/* ---- decoded contents ---- */

static void check_id(const struct vec_scn *s, const struct vec_opened *o, uint8_t type,
		     const char *want)
{
	const struct ike_pld *p = ike_msg_find(&o->o_msg, type);
	struct ike_pld_id id;
	struct ike_err err;

	VEC_CHECK(s,
		  p && ike_pld_id_parse(p, &id, &err) == 0 && id.id_type == IKE_ID_FQDN &&
			  id.id_len == strlen(want) && memcmp(id.id_data, want, id.id_len) == 0,
		  "%s: %s is not FQDN %s", msg_name(s, o), ike_pld_name(type), want);
}

/* capture.sh: 198.51.100.0/24 (initiator) and 203.0.113.0/24 (responder) */
static void check_ts(const struct vec_scn *s, const struct vec_opened *o, uint8_t type, uint8_t a,
		     uint8_t b, uint8_t c)
{
	const struct ike_pld *p = ike_msg_find(&o->o_msg, type);
	struct ike_pld_ts *ts = calloc(1, sizeof(*ts));
	const uint8_t lo[4] = { a, b, c, 0 }, hi[4] = { a, b, c, 255 };
	struct ike_err err;

	VEC_CHECK(s,
		  p && ike_pld_ts_parse(p, ts, &err) == 0 && ts->ts_n == 1 &&
			  ts->ts[0].ts_type == IKE_TS_IPV4_ADDR_RANGE && ts->ts[0].ts_proto == 0 &&
			  ts->ts[0].ts_port_start == 0 && ts->ts[0].ts_port_end == 65535 &&
			  memcmp(ts->ts[0].ts_addr_start, lo, 4) == 0 &&
			  memcmp(ts->ts[0].ts_addr_end, hi, 4) == 0,
		  "%s: %s is not %u.%u.%u.0/24", msg_name(s, o), ike_pld_name(type), a, b, c);
	free(ts);
}

/* The first proposal of the SA payload: protocol and SPI. */
static bool first_proposal(const struct vec_opened *o, uint8_t *proto, uint8_t *spi,
			   size_t *spi_len)
{
	const struct ike_pld *p = ike_msg_find(&o->o_msg, IKE_PLD_SA);
	struct ike_pld_sa *sa = calloc(1, sizeof(*sa));
	struct ike_err err;
	bool ok = p && ike_pld_sa_parse(p, sa, &err) == 0 && sa->sa_n >= 1;

	if (ok) {
		*proto = sa->sa_prop[0].pr_proto;
		*spi_len = sa->sa_prop[0].pr_spi_len;
		memcpy(spi, sa->sa_prop[0].pr_spi, *spi_len);
	}
	free(sa);
	return ok;
}

static bool nonce_is(const struct vec_scn *s, const struct vec_opened *o, const char *key)
{
	const struct ike_pld *p = ike_msg_find(&o->o_msg, IKE_PLD_NONCE);
	uint8_t want[IKE_NONCE_MAX];
	size_t len = vec_hex(s, key, want, sizeof(want));
	struct ike_pld_nonce n;
	struct ike_err err;

	return p && ike_pld_nonce_parse(p, &n, &err) == 0 && n.n_len == len &&
	       memcmp(n.n_data, want, len) == 0;
}

static void check_ike_auth(const struct vec_scn *s, const struct vec_opened *o)
{
	uint8_t proto = 0, spi[IKE_MAX_SPI_LEN], want[4];
	bool rsp = is_rsp(&o->o_msg);
	size_t spi_len = 0;

	if (!ike_msg_find(&o->o_msg, IKE_PLD_AUTH))
		return;
	check_id(s, o, rsp ? IKE_PLD_IDR : IKE_PLD_IDI, rsp ? "b.vec.test" : "a.vec.test");
	check_ts(s, o, IKE_PLD_TSI, 198, 51, 100);
	check_ts(s, o, IKE_PLD_TSR, 203, 0, 113);
	vec_hex(s, rsp ? "esp_spi_r" : "esp_spi_i", want, sizeof(want));
	VEC_CHECK(s,
		  first_proposal(o, &proto, spi, &spi_len) && proto == IKE_PROTO_ESP &&
			  spi_len == 4 && memcmp(spi, want, 4) == 0,
		  "%s: SA is not ESP with the recorded SPI", msg_name(s, o));
	if (vec_has(s, "psk"))
		return;
	VEC_CHECK(s, ike_msg_find(&o->o_msg, IKE_PLD_CERT) != NULL, "%s: no CERT", msg_name(s, o));
	VEC_CHECK(s, rsp || ike_msg_find(&o->o_msg, IKE_PLD_CERTREQ) != NULL, "%s: no CERTREQ",
		  msg_name(s, o));
}

/* CREATE_CHILD_SA: which recorded SA it makes, with the recorded nonce. */
static void check_create_child(const struct vec_scn *s, const struct vec_opened *o)
{
	uint8_t proto = 0, spi[IKE_MAX_SPI_LEN], want[8];
	bool rsp = is_rsp(&o->o_msg), found = false;
	size_t spi_len = 0;
	char k[64], nk[64];

	if (!first_proposal(o, &proto, spi, &spi_len)) {
		VEC_CHECK(s, false, "%s: no SA payload", msg_name(s, o));
		return;
	}
	for (unsigned n = 2; n < 10 && !found; n++) {
		if (proto == IKE_PROTO_IKE)
			snprintf(k, sizeof(k), "ike%u_spi_%s", n, rsp ? "r" : "i");
		else
			snprintf(k, sizeof(k), "esp%u_spi_%s", n, rsp ? "r" : "i");
		if (!vec_has(s, k) || vec_hex(s, k, want, sizeof(want)) != spi_len ||
		    memcmp(want, spi, spi_len) != 0)
			continue;
		found = true;
		snprintf(nk, sizeof(nk), "%s%u_n%s", proto == IKE_PROTO_IKE ? "ike" : "esp", n,
			 rsp ? "r" : "i");
		VEC_CHECK(s, nonce_is(s, o, nk), "%s: nonce is not %s", msg_name(s, o), nk);
	}
	VEC_CHECK(s, found, "%s: SA proposal SPI not in keys.txt", msg_name(s, o));
	if (proto == IKE_PROTO_ESP) {
		check_ts(s, o, IKE_PLD_TSI, 198, 51, 100);
		check_ts(s, o, IKE_PLD_TSR, 203, 0, 113);
	}
}

static void check_informational(const struct vec_scn *s, const struct vec_opened *o)
{
	for (size_t n = 0;; n++) {
		const struct ike_pld *p = ike_msg_find_nth(&o->o_msg, IKE_PLD_DELETE, n);
		struct ike_pld_delete d;
		struct ike_err err;

		if (!p)
			break;
		VEC_CHECK(s,
			  ike_pld_delete_parse(p, &d, &err) == 0 &&
				  ((d.d_proto == IKE_PROTO_IKE && d.d_n == 0) ||
				   (d.d_proto == IKE_PROTO_ESP && d.d_spi_len == 4 && d.d_n == 1)),
			  "%s: DELETE payload", msg_name(s, o));
	}
}

void vec_check_inner(const struct vec_scn *s, const struct vec_opened *o)
{
	switch (o->o_msg.m_hdr.h_exch) {
	case IKE_EXCH_AUTH:
		check_ike_auth(s, o);
		break;
	case IKE_EXCH_CREATE_CHILD_SA:
		check_create_child(s, o);
		break;
	case IKE_EXCH_INFORMATIONAL:
		check_informational(s, o);
		break;
	default:
		VEC_CHECK(s, false, "%s: unexpected exchange %u", msg_name(s, o),
			  o->o_msg.m_hdr.h_exch);
	}
}

/* ---- AUTH ---- */

/* The IKE_AUTH message of one side that carries AUTH; NULL if none. */
static const struct vec_opened *auth_msg(const struct vec_opened *o, size_t n, bool rsp)
{
	for (size_t i = 0; i < n; i++)
		if (o[i].o_msg.m_hdr.h_exch == IKE_EXCH_AUTH && is_rsp(&o[i].o_msg) == rsp &&
		    ike_msg_find(&o[i].o_msg, IKE_PLD_AUTH))
			return &o[i];
	return NULL;
}

/*
 * 2.15: InitiatorSignedOctets = RealMessage1 | NonceRData | MACedIDForI,
 * MACedIDForI = prf(SK_pi, IDType | RESERVED | InitIDData) (the IDi
 * payload body); the responder's with message 2, Ni, SK_pr and IDr.
 * Returns a malloc'd buffer.
 */
static uint8_t *signed_octets(const struct vec_scn *s, const struct vec_opened *o, bool rsp,
			      size_t *len)
{
	const struct vec_msg *real = &s->s_msg[rsp ? 1 : 0];
	const struct ike_pld *id = ike_msg_find(&o->o_msg, rsp ? IKE_PLD_IDR : IKE_PLD_IDI);
	uint16_t prf = (uint16_t)vec_num(s, "ike_prf");
	uint8_t nonce[IKE_NONCE_MAX], skp[128];
	size_t nlen = vec_hex(s, rsp ? "ni" : "nr", nonce, sizeof(nonce));
	size_t klen = vec_hex(s, rsp ? "sk_pr" : "sk_pi", skp, sizeof(skp));
	size_t plen = prf_len(prf);
	uint8_t *buf = malloc(real->vm_len + nlen + plen);
	int rc;

	if (!buf || !id || !plen) {
		free(buf);
		return NULL;
	}
	memcpy(buf, real->vm_buf, real->vm_len);
	memcpy(buf + real->vm_len, nonce, nlen);
	rc = prf_compute(prf, skp, klen, id->p_body, id->p_len, buf + real->vm_len + nlen);
	VEC_CHECK(s, rc == 0, "prf_compute(SK_p, ID): %s", vec_errstr(rc, NULL));
	*len = real->vm_len + nlen + plen;
	return buf;
}

static void psk_auth_side(const struct vec_scn *s, const struct vec_opened *o, bool rsp)
{
	static const char pad[] = "Key Pad for IKEv2"; /* 2.15, 17 octets */
	uint16_t prf = (uint16_t)vec_num(s, "ike_prf");
	uint8_t psk[256], key[64], want[64];
	size_t psk_len = vec_hex(s, "psk", psk, sizeof(psk)), len = 0;
	uint8_t *oct = signed_octets(s, o, rsp, &len);
	struct ike_pld_auth a;
	struct ike_err err;
	int rc = GW_E_INVAL;

	if (oct && (rc = prf_compute(prf, psk, psk_len, (const uint8_t *)pad, 17, key)) == 0)
		rc = prf_compute(prf, key, prf_len(prf), oct, len, want);
	VEC_CHECK(s, rc == 0, "%s: computing AUTH: %s", msg_name(s, o), vec_errstr(rc, NULL));
	VEC_CHECK(s,
		  rc == 0 &&
			  ike_pld_auth_parse(ike_msg_find(&o->o_msg, IKE_PLD_AUTH), &a, &err) ==
				  0 &&
			  a.a_method == IKE_AUTH_PSK && a.a_len == prf_len(prf) &&
			  memcmp(a.a_data, want, a.a_len) == 0,
		  "%s: PSK AUTH differs from prf(prf(PSK, \"Key Pad for IKEv2\"), octets)",
		  msg_name(s, o));
	free(oct);
}

static void psk_auth_all(const struct vec_scn *s)
{
	struct vec_opened *o;
	size_t n;

	if (!vec_has(s, "psk"))
		return;
	n = vec_open_all(s, &o);
	for (int rsp = 0; rsp <= 1; rsp++) {
		const struct vec_opened *m = auth_msg(o, n, rsp);

		VEC_CHECK(s, m != NULL, "no IKE_AUTH %s with AUTH", rsp ? "response" : "request");
		if (m)
			psk_auth_side(s, m, rsp);
	}
	vec_opened_free(o, n);
}

static void test_psk_auth(void)
{
	vec_for_each(psk_auth_all);
}

/* ---- certificates and RFC 7427 signatures (checked with OpenSSL) ---- */

static X509 *cert_of(const struct vec_opened *o)
{
	const struct ike_pld *p = ike_msg_find(&o->o_msg, IKE_PLD_CERT);
	struct ike_pld_cert c;
	struct ike_err err;
	const unsigned char *d;

	if (!p || ike_pld_cert_parse(p, &c, &err) || c.c_enc != IKE_CERT_X509_SIG)
		return NULL;
	d = c.c_data;
	return d2i_X509(NULL, &d, (long)c.c_len);
}

static X509 *load_ca(const struct vec_scn *s)
{
	char path[1100];
	X509 *ca = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "%s/ca.pem", s->s_dir);
	if ((f = fopen(path, "r"))) {
		ca = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	return ca;
}

/* RFC 7427 3: 1-octet length, AlgorithmIdentifier, signature. */
static bool verify_sig(const struct ike_pld_auth *a, X509 *cert, const uint8_t *oct, size_t len)
{
	const unsigned char *p = a->a_data + 1;
	const ASN1_OBJECT *oid = NULL;
	X509_ALGOR *alg = NULL;
	EVP_MD_CTX *ctx = NULL;
	int md_nid, pk_nid;
	bool ok = false;

	if (a->a_len < 1 || a->a_data[0] >= a->a_len)
		return false;
	if (!(alg = d2i_X509_ALGOR(NULL, &p, a->a_data[0])) || p != a->a_data + 1 + a->a_data[0])
		goto out;
	X509_ALGOR_get0(&oid, NULL, NULL, alg);
	if (!OBJ_find_sigid_algs(OBJ_obj2nid(oid), &md_nid, &pk_nid) || !(ctx = EVP_MD_CTX_new()))
		goto out;
	ok = EVP_DigestVerifyInit(ctx, NULL, EVP_get_digestbynid(md_nid), NULL,
				  X509_get0_pubkey(cert)) == 1 &&
	     EVP_DigestVerify(ctx, a->a_data + 1 + a->a_data[0], a->a_len - 1 - a->a_data[0], oct,
			      len) == 1;
out:
	EVP_MD_CTX_free(ctx);
	X509_ALGOR_free(alg);
	return ok;
}

static void sig_auth_side(const struct vec_scn *s, const struct vec_opened *o, bool rsp, X509 *ca)
{
	X509 *cert = cert_of(o);
	size_t len = 0;
	uint8_t *oct = signed_octets(s, o, rsp, &len);
	struct ike_pld_auth a;
	struct ike_err err;
	bool ok;

	VEC_CHECK(s, cert != NULL, "%s: no X.509 certificate in CERT", msg_name(s, o));
	VEC_CHECK(s, !cert || !ca || X509_verify(cert, X509_get0_pubkey(ca)) == 1,
		  "%s: certificate not signed by ca.pem", msg_name(s, o));
	ok = cert && oct &&
	     ike_pld_auth_parse(ike_msg_find(&o->o_msg, IKE_PLD_AUTH), &a, &err) == 0 &&
	     a.a_method == IKE_AUTH_DIGITAL_SIG && verify_sig(&a, cert, oct, len);
	VEC_CHECK(s, ok, "%s: RFC 7427 AUTH does not verify over the signed octets",
		  msg_name(s, o));
	free(oct);
	X509_free(cert);
}

/* 3.7: CERTREQ holds SHA-1 hashes of the trusted CAs' SubjectPublicKeyInfo. */
static void check_certreq(const struct vec_scn *s, const struct ike_msg *msg, const char *name,
			  X509 *ca)
{
	const struct ike_pld *p = ike_msg_find(msg, IKE_PLD_CERTREQ);
	unsigned char *spki = NULL, hash[20];
	struct ike_pld_cert c;
	struct ike_err err;
	bool found = false;
	int n;

	if ((n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(ca), &spki)) <= 0 ||
	    !EVP_Digest(spki, (size_t)n, hash, NULL, EVP_sha1(), NULL))
		abort();
	OPENSSL_free(spki);
	if (p && ike_pld_cert_parse(p, &c, &err) == 0 && c.c_enc == IKE_CERT_X509_SIG &&
	    c.c_len % 20 == 0)
		for (size_t i = 0; i < c.c_len; i += 20)
			found = found || memcmp(c.c_data + i, hash, 20) == 0;
	VEC_CHECK(s, found, "%s: CERTREQ does not name ca.pem", name);
}

static void sig_auth_all(const struct vec_scn *s)
{
	struct ike_msg *init = calloc(1, sizeof(*init));
	struct vec_opened *o;
	struct ike_err err;
	X509 *ca;
	size_t n;

	if (vec_has(s, "psk"))
		goto out;
	ca = load_ca(s);
	VEC_CHECK(s, ca != NULL, "ca.pem missing or unreadable");
	n = vec_open_all(s, &o);
	for (int rsp = 0; rsp <= 1; rsp++) {
		const struct vec_opened *m = auth_msg(o, n, rsp);

		VEC_CHECK(s, m != NULL, "no IKE_AUTH %s with AUTH", rsp ? "response" : "request");
		if (m)
			sig_auth_side(s, m, rsp, ca);
		if (m && !rsp && ca)
			check_certreq(s, &m->o_msg, msg_name(s, m), ca);
	}
	if (ca && ike_msg_parse(s->s_msg[1].vm_buf, s->s_msg[1].vm_len, init, &err) == 0)
		check_certreq(s, init, s->s_msg[1].vm_name, ca);
	vec_opened_free(o, n);
	X509_free(ca);
out:
	free(init);
}

static void test_sig_auth(void)
{
	vec_for_each(sig_auth_all);
}

static const struct ut_case auth_cases[] = {
	{ "PSK AUTH recomputed (2.15)", test_psk_auth },
	{ "RFC 7427 AUTH, CERT and CERTREQ (OpenSSL)", test_sig_auth },
	{ NULL, NULL },
};

const struct ut_suite vec_auth_suite = { "strongswan vectors: auth", auth_cases };

/*
 * The load generator's requests: IKE_SA_INIT (RFC 7296 1.2: SA, KE, Ni,
 * NAT-D of 2.23, SIGNATURE_HASH_ALGORITHMS of RFC 7427), IKE_AUTH with the
 * first CHILD_SA (1.2, 2.15: IDi, CERT, IDr, AUTH, SA, TSi, TSr), the
 * INFORMATIONAL Delete of the IKE SA (1.4.1) and empty responses to the
 * responder's own requests (liveness checks, 2.4).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "tests/bench/ikeload.h"
#include "util/err.h"

/* 2.23: SHA-1(SPIi | SPIr | IP address | port). */
int lg_natd_hash(uint64_t spi_i, uint64_t spi_r, const struct sockaddr_in *ep,
		 uint8_t out[LG_NATD_LEN])
{
	uint8_t in[8 + 8 + 4 + 2];
	unsigned int len = 0;

	for (int i = 0; i < 8; i++) {
		in[i] = (uint8_t)(spi_i >> (56 - 8 * i));
		in[8 + i] = (uint8_t)(spi_r >> (56 - 8 * i));
	}
	memcpy(in + 16, &ep->sin_addr, 4);
	memcpy(in + 20, &ep->sin_port, 2); /* already network order */
	if (!EVP_Digest(in, sizeof(in), out, &len, EVP_sha1(), NULL) || len != LG_NATD_LEN)
		return GW_E_CRYPTO;
	return 0;
}

static void hdr_init(const struct lg_sa *sa, struct ike_hdr *h, uint8_t exch, uint32_t msgid,
		     bool response)
{
	memset(h, 0, sizeof(*h));
	h->h_spi_i = sa->s_spi_i;
	h->h_spi_r = sa->s_spi_r;
	h->h_version = IKE_VERSION_2;
	h->h_exch = exch;
	h->h_flags = IKE_FLAG_INITIATOR | (response ? IKE_FLAG_RESPONSE : 0);
	h->h_msgid = msgid;
}

/* One proposal from a parsed proposal string; spi for ESP. */
static void offer_of(const struct proposal *p, const uint8_t *spi, uint8_t spi_len,
		     struct ike_pld_sa *sa)
{
	struct ike_proposal *q = &sa->sa_prop[0];

	memset(sa, 0, sizeof(*sa));
	sa->sa_n = 1;
	q->pr_num = 1;
	q->pr_proto = p->p_proto;
	q->pr_spi_len = spi_len;
	if (spi_len)
		memcpy(q->pr_spi, spi, spi_len);
	for (uint8_t k = 0; k < p->p_n && q->pr_n < IKE_MAX_TRANSFORMS; k++)
		q->pr_xf[q->pr_n++] = (struct ike_transform){ p->p_xf[k].x_type, p->p_xf[k].x_id,
							      p->p_xf[k].x_keylen, false };
}

static void notify(struct ike_builder *b, uint16_t type, const uint8_t *data, size_t len)
{
	struct ike_pld_notify n = { .n_type = type, .n_data = data, .n_len = len };

	ike_build_notify(b, &n);
}

int lg_build_init(struct lg *g, struct lg_sa *sa, uint8_t **out, size_t *len)
{
	const struct lg_cfg *cf = g->g_cfg;
	struct ike_pld_nonce ni = { sa->s_ni, LG_NONCE_LEN };
	struct ike_pld_ke ke = { .ke_group = sa->s_suite.s_ke };
	uint8_t src[LG_NATD_LEN], dst[LG_NATD_LEN];
	struct ike_pld_sa offer;
	struct ike_builder b;
	struct writer wr;
	struct ike_hdr h;
	int r;

	if ((r = lg_natd_hash(sa->s_spi_i, 0, &g->g_src[sa->s_sock], src)) ||
	    (r = lg_natd_hash(sa->s_spi_i, 0, &cf->c_target, dst)))
		return r;
	offer_of(&cf->c_ike, NULL, 0, &offer);
	ke.ke_data = ke_public(sa->s_ke, &ke.ke_len);
	hdr_init(sa, &h, IKE_EXCH_SA_INIT, 0, false);
	wr_init(&wr, IKE_MSG_MAX);
	ike_build_begin(&b, &wr, &h);
	if (sa->s_cookie) /* 2.6: the cookie comes first */
		notify(&b, IKE_N_COOKIE, sa->s_cookie, sa->s_cookie_len);
	ike_build_sa(&b, &offer);
	ike_build_ke(&b, &ke);
	ike_build_nonce(&b, &ni);
	notify(&b, IKE_N_NAT_DETECTION_SOURCE_IP, src, sizeof(src));
	notify(&b, IKE_N_NAT_DETECTION_DESTINATION_IP, dst, sizeof(dst));
	notify(&b, IKE_N_SIGNATURE_HASH_ALGORITHMS, g->g_hashes, g->g_hashes_len);
	if ((r = ike_build_end(&b)) || !(*out = wr_take(&wr, len))) {
		wr_free(&wr);
		return r ? r : GW_E_NOMEM;
	}
	return 0;
}

/* PSK clients share one identity, or each has its own when the pattern
 * has a '#'; certificate clients share the one their certificate names. */
int lg_our_id(const struct lg *g, const struct lg_sa *sa, struct auth_id *id)
{
	const char *pat = g->g_cfg->c_id_fmt, *hash;
	char buf[256];

	if (g->g_cfg->c_auth == LG_AUTH_CERT)
		return auth_id_from_string(g->g_cfg->c_id, id);
	if (!(hash = strchr(pat, '#')))
		return auth_id_from_string(pat, id);
	snprintf(buf, sizeof(buf), "%.*s%u%s", (int)(hash - pat), pat, sa->s_idx, hash + 1);
	return auth_id_from_string(buf, id);
}

static void build_id(struct ike_builder *b, uint8_t type, const struct auth_id *id)
{
	struct ike_pld_id p = { id->id_type, id->id_data, id->id_len };

	ike_build_id(b, type, &p);
}

static void build_certs(struct lg *g, struct ike_builder *b)
{
	struct ike_pld_cert c = { .c_enc = IKE_CERT_X509_SIG };
	const uint8_t *der;
	size_t len;

	uint8_t hashes[20 * 16];

	c.c_data = auth_local_cert(g->g_me, &c.c_len);
	ike_build_cert(b, IKE_PLD_CERT, &c);
	for (size_t i = 0; (der = auth_local_chain(g->g_me, i, &len)); i++) {
		c.c_data = der;
		c.c_len = len;
		ike_build_cert(b, IKE_PLD_CERT, &c);
	}
	/* 3.7: which CAs we trust; a responder may send its certificate only
	 * when asked (strongSwan's send_cert = ifasked) */
	if (!auth_certreq(g->g_creds, NULL, hashes, sizeof(hashes), &len) && len) {
		c.c_data = hashes;
		c.c_len = len;
		ike_build_cert(b, IKE_PLD_CERTREQ, &c);
	}
}

/* 2.15: AUTH over our IKE_SA_INIT request, Nr and prf(SK_pi, IDi'). */
static int build_auth(struct lg *g, struct lg_sa *sa, struct ike_builder *b,
		      const struct auth_id *id)
{
	const struct lg_cfg *cf = g->g_cfg;
	struct ike_pld_auth a = { 0 };
	uint8_t *octets = NULL, sig[AUTH_SIG_MAX];
	size_t olen, slen = sizeof(sig);
	int r;

	if ((r = auth_signed_octets(sa->s_suite.s_prf, sa->s_keys.k_pi, sa->s_init_req,
				    sa->s_init_req_len, sa->s_nr, sa->s_nr_len, id, &octets,
				    &olen)))
		return r;
	if (cf->c_auth == LG_AUTH_PSK) {
		a.a_method = IKE_AUTH_PSK;
		r = auth_psk_compute(sa->s_suite.s_prf, (const uint8_t *)cf->c_psk,
				     strlen(cf->c_psk), octets, olen, sig, &slen);
	} else {
		r = auth_sign(g->g_me, sa->s_peer_hashes, octets, olen, &a.a_method, sig, &slen);
	}
	free(octets);
	if (!r) {
		a.a_data = sig;
		a.a_len = slen;
		ike_build_auth(b, &a);
	}
	crypto_wipe(sig, sizeof(sig));
	return r;
}

static void build_ts(struct ike_builder *b, uint8_t type, uint32_t lo, uint32_t hi)
{
	struct ike_pld_ts ts = { .ts_n = 1 };
	uint32_t nlo = htonl(lo), nhi = htonl(hi);

	ts.ts[0].ts_type = IKE_TS_IPV4_ADDR_RANGE;
	ts.ts[0].ts_port_end = 65535;
	memcpy(ts.ts[0].ts_addr_start, &nlo, 4);
	memcpy(ts.ts[0].ts_addr_end, &nhi, 4);
	ike_build_ts(b, type, &ts);
}

/* Encrypt the inner chain of ib under a header and hand out the datagram. */
static int seal(struct lg_sa *sa, uint8_t exch, uint32_t msgid, bool response,
		struct ike_builder *ib, uint8_t **out, size_t *len)
{
	struct writer *iw = ib->b_wr, wr;
	struct ike_builder b;
	struct ike_hdr h;
	int r;

	if (!wr_ok(iw))
		return iw->wr_err;
	hdr_init(sa, &h, exch, msgid, response);
	wr_init(&wr, IKE_MSG_MAX);
	ike_build_begin(&b, &wr, &h);
	if ((r = ike_build_sk(&b, ib->b_first, wr_data(iw), wr_len(iw), &sa->s_ops_out, NULL)) ||
	    !(*out = wr_take(&wr, len))) {
		wr_free(&wr);
		return r ? r : GW_E_NOMEM;
	}
	return 0;
}

int lg_build_auth(struct lg *g, struct lg_sa *sa, uint8_t **out, size_t *len)
{
	const struct lg_cfg *cf = g->g_cfg;
	uint8_t spi[4] = { (uint8_t)(sa->s_child_spi >> 24), (uint8_t)(sa->s_child_spi >> 16),
			   (uint8_t)(sa->s_child_spi >> 8), (uint8_t)sa->s_child_spi };
	struct auth_id id, idr;
	struct ike_pld_sa offer;
	struct ike_builder b;
	struct writer wr;
	int r;

	if ((r = lg_our_id(g, sa, &id)) ||
	    (cf->c_idr && (r = auth_id_from_string(cf->c_idr, &idr))))
		return r;
	wr_init(&wr, IKE_MSG_MAX);
	ike_build_inner_begin(&b, &wr);
	build_id(&b, IKE_PLD_IDI, &id);
	if (cf->c_auth == LG_AUTH_CERT)
		build_certs(g, &b);
	if (cf->c_idr)
		build_id(&b, IKE_PLD_IDR, &idr);
	if ((r = build_auth(g, sa, &b, &id)))
		goto out;
	offer_of(&cf->c_esp, spi, 4, &offer);
	ike_build_sa(&b, &offer);
	build_ts(&b, IKE_PLD_TSI, cf->c_tsi_base + sa->s_idx, cf->c_tsi_base + sa->s_idx);
	build_ts(&b, IKE_PLD_TSR, cf->c_tsr_lo, cf->c_tsr_hi);
	r = seal(sa, IKE_EXCH_AUTH, 1, false, &b, out, len);
out:
	wr_free(&wr);
	return r;
}

int lg_build_delete(struct lg *g, struct lg_sa *sa, uint8_t **out, size_t *len)
{
	struct ike_pld_delete d = { .d_proto = IKE_PROTO_IKE };
	struct ike_builder b;
	struct writer wr;
	int r;

	(void)g;
	wr_init(&wr, IKE_MSG_MAX);
	ike_build_inner_begin(&b, &wr);
	ike_build_delete(&b, &d);
	r = seal(sa, IKE_EXCH_INFORMATIONAL, sa->s_msgid, false, &b, out, len);
	wr_free(&wr);
	return r;
}

int lg_build_empty_rsp(struct lg_sa *sa, uint8_t exch, uint32_t msgid, uint8_t **out, size_t *len)
{
	struct ike_builder b;
	struct writer wr;
	int r;

	wr_init(&wr, IKE_MSG_MAX);
	ike_build_inner_begin(&b, &wr);
	r = seal(sa, exch, msgid, true, &b, out, len);
	wr_free(&wr);
	return r;
}

static int ops_seal(void *ctx, uint8_t *msg, size_t iv_off, size_t ct_len, bool gen_iv)
{
	return sk_cipher_seal(ctx, msg, iv_off, ct_len, gen_iv);
}

static int ops_open(void *ctx, uint8_t *msg, size_t iv_off, size_t ct_len)
{
	return sk_cipher_open(ctx, msg, iv_off, ct_len);
}

void lg_ops_init(struct ike_sk_ops *ops, struct sk_cipher *c)
{
	ops->sk_iv_len = sk_cipher_iv_len(c);
	ops->sk_icv_len = sk_cipher_icv_len(c);
	ops->sk_block_len = sk_cipher_block_len(c);
	ops->sk_seal = ops_seal;
	ops->sk_open = ops_open;
	ops->sk_ctx = c;
}

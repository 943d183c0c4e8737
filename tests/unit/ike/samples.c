/*
 * samples.c: sample payloads and whole messages for the codec tests, the
 * regenerate half of message round trips, and the fuzz seed dump.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_test.h"

const uint8_t ut_nonce[32] = { 0x4e, 0x6f, 0x6e, 0x63, 0x65, 0x20, 0x30, 0x31, 0x02, 0x03, 0x05,
			       0x07, 0x0b, 0x0d, 0x11, 0x13, 0x17, 0x1d, 0x1f, 0x25, 0x29, 0x2b,
			       0x2f, 0x35, 0x3b, 0x3d, 0x43, 0x47, 0x49, 0x4f, 0x53, 0x59 };
const uint8_t ut_ke[32] = { 0x85, 0x20, 0xf0, 0x09, 0x89, 0x30, 0xa7, 0x54, 0x74, 0x8b, 0x7d,
			    0xdc, 0xb4, 0x3e, 0xf7, 0x5a, 0x0d, 0xbf, 0x3a, 0x0d, 0x26, 0x38,
			    0x1a, 0xf4, 0xeb, 0xa4, 0xa9, 0x8e, 0xaa, 0x9b, 0x4e, 0x6a };
const uint8_t ut_cert[300] = { 0x30, 0x82, 0x01, 0x28, 0x30, 0x81, 0xd3, 0xa0, 0x03, 0x02, 0x01 };

static const uint8_t auth_data[32] = { 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8 };
static const uint8_t ca_hash[40] = { 0xc0, 0xc1, 0xc2, 0xc3, [20] = 0xd0, 0xd1, 0xd2 };
static const uint8_t vid[16] = { 0x88, 0x2f, 0xe5, 0x6d, 0x6f, 0xd2, 0x0d, 0xbc,
				 0x22, 0x86, 0x61, 0x3b, 0x2e, 0xe1, 0x6c, 0xc3 };
static const uint8_t nat_hash[20] = { 0x3e, 0x1f, 0x6a, 0x51, 0x9c, 0x27 };
static const uint8_t cookie[16] = { 0xc0, 0x0c, 0x1e, 0x5a, 0x11, 0x7e, 0x55, 0xed };

void ut_hdr(struct ike_hdr *h, uint8_t exch, uint8_t flags, uint32_t msgid)
{
	memset(h, 0, sizeof(*h));
	h->h_spi_i = 0x0123456789abcdefULL;
	h->h_spi_r = exch == IKE_EXCH_SA_INIT && !(flags & IKE_FLAG_RESPONSE)
			     ? 0
			     : 0xfedcba9876543210ULL;
	h->h_version = IKE_VERSION_2;
	h->h_exch = exch;
	h->h_flags = flags;
	h->h_msgid = msgid;
}

struct ike_pld ut_view(uint8_t type, const uint8_t *body, size_t len)
{
	struct ike_pld p = { .p_type = type, .p_body = body, .p_len = len, .p_off = IKE_HDR_LEN };

	return p;
}

static void xf(struct ike_proposal *pr, uint8_t type, uint16_t id, uint16_t keylen)
{
	pr->pr_xf[pr->pr_n].t_type = type;
	pr->pr_xf[pr->pr_n].t_id = id;
	pr->pr_xf[pr->pr_n].t_keylen = keylen;
	pr->pr_xf[pr->pr_n].t_unknown_attr = false;
	pr->pr_n++;
}

/* Two IKE proposals: AES-GCM-16 + X25519, AES-CBC + HMAC-SHA2 + ECP-256. */
void ut_sample_sa_ike(struct ike_pld_sa *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sa_n = 2;
	sa->sa_prop[0].pr_num = 1;
	sa->sa_prop[0].pr_proto = IKE_PROTO_IKE;
	xf(&sa->sa_prop[0], IKE_XF_ENCR, IKE_ENCR_AES_GCM_16, 256);
	xf(&sa->sa_prop[0], IKE_XF_PRF, IKE_PRF_HMAC_SHA2_256, 0);
	xf(&sa->sa_prop[0], IKE_XF_KE, IKE_KE_CURVE25519, 0);
	sa->sa_prop[1].pr_num = 2;
	sa->sa_prop[1].pr_proto = IKE_PROTO_IKE;
	xf(&sa->sa_prop[1], IKE_XF_ENCR, IKE_ENCR_AES_CBC, 128);
	xf(&sa->sa_prop[1], IKE_XF_PRF, IKE_PRF_HMAC_SHA2_256, 0);
	xf(&sa->sa_prop[1], IKE_XF_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0);
	xf(&sa->sa_prop[1], IKE_XF_KE, IKE_KE_ECP256, 0);
}

/* One ESP proposal with a 4-byte SPI. */
void ut_sample_sa_esp(struct ike_pld_sa *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sa_n = 1;
	sa->sa_prop[0].pr_num = 1;
	sa->sa_prop[0].pr_proto = IKE_PROTO_ESP;
	sa->sa_prop[0].pr_spi_len = 4;
	memcpy(sa->sa_prop[0].pr_spi, "\xc1\x5a\x00\x01", 4);
	xf(&sa->sa_prop[0], IKE_XF_ENCR, IKE_ENCR_AES_GCM_16, 128);
	xf(&sa->sa_prop[0], IKE_XF_ESN, IKE_ESN_NO, 0);
}

/* 10.0.0.0-10.0.0.255 any protocol, and 2001:db8::/64 TCP port 443. */
void ut_sample_ts(struct ike_pld_ts *ts)
{
	memset(ts, 0, sizeof(*ts));
	ts->ts_n = 2;
	ts->ts[0].ts_type = IKE_TS_IPV4_ADDR_RANGE;
	ts->ts[0].ts_port_end = 65535;
	memcpy(ts->ts[0].ts_addr_start, "\x0a\x00\x00\x00", 4);
	memcpy(ts->ts[0].ts_addr_end, "\x0a\x00\x00\xff", 4);
	ts->ts[1].ts_type = IKE_TS_IPV6_ADDR_RANGE;
	ts->ts[1].ts_proto = 6;
	ts->ts[1].ts_port_start = 443;
	ts->ts[1].ts_port_end = 443;
	memcpy(ts->ts[1].ts_addr_start, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	memcpy(ts->ts[1].ts_addr_end, "\x20\x01\x0d\xb8\0\0\0\0\xff\xff\xff\xff\xff\xff\xff\xff",
	       16);
}

void ut_sample_cp_request(struct ike_pld_cp *cp)
{
	memset(cp, 0, sizeof(*cp));
	cp->cp_type = IKE_CFG_REQUEST;
	cp->cp_n = 3;
	cp->cp_attr[0].ca_type = IKE_CA_INTERNAL_IP4_ADDRESS;
	cp->cp_attr[1].ca_type = IKE_CA_INTERNAL_IP4_DNS;
	cp->cp_attr[2].ca_type = IKE_CA_INTERNAL_IP6_ADDRESS;
}

void ut_sample_cp_reply(struct ike_pld_cp *cp)
{
	static const uint8_t v6[17] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0,
					0,    0,    0,    0,    0, 0, 5, 64 };

	memset(cp, 0, sizeof(*cp));
	cp->cp_type = IKE_CFG_REPLY;
	cp->cp_n = 4;
	cp->cp_attr[0] = (struct ike_cp_attr){ IKE_CA_INTERNAL_IP4_ADDRESS,
					       (const uint8_t *)"\x0a\x0a\x00\x05", 4 };
	cp->cp_attr[1] = (struct ike_cp_attr){ IKE_CA_INTERNAL_IP4_DNS,
					       (const uint8_t *)"\x0a\x0a\x00\x01", 4 };
	cp->cp_attr[2] = (struct ike_cp_attr){ IKE_CA_INTERNAL_IP6_ADDRESS, v6, 17 };
	cp->cp_attr[3] =
		(struct ike_cp_attr){ IKE_CA_APPLICATION_VERSION, (const uint8_t *)"palisade", 8 };
}

static void notify(struct ike_builder *b, uint16_t type, const uint8_t *data, size_t len)
{
	struct ike_pld_notify n = { .n_type = type, .n_data = data, .n_len = len };

	ike_build_notify(b, &n);
}

static int sa_init_req(struct writer *wr, const struct ike_sk_ops *ops)
{
	static const uint8_t hash_algs[] = { 0, 2, 0, 3, 0, 4 };
	struct ike_pld_sa sa;
	struct ike_pld_ke ke = { IKE_KE_CURVE25519, ut_ke, sizeof(ut_ke) };
	struct ike_pld_nonce n = { ut_nonce, sizeof(ut_nonce) };
	struct ike_pld_vendor v = { vid, sizeof(vid) };
	struct ike_builder b;
	struct ike_hdr h;

	ut_hdr(&h, IKE_EXCH_SA_INIT, IKE_FLAG_INITIATOR, 0);
	ut_sample_sa_ike(&sa);
	ike_build_begin(&b, wr, &h);
	ike_build_sa(&b, &sa);
	ike_build_ke(&b, &ke);
	ike_build_nonce(&b, &n);
	notify(&b, IKE_N_NAT_DETECTION_SOURCE_IP, nat_hash, sizeof(nat_hash));
	notify(&b, IKE_N_NAT_DETECTION_DESTINATION_IP, nat_hash, sizeof(nat_hash));
	notify(&b, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
	notify(&b, IKE_N_SIGNATURE_HASH_ALGORITHMS, hash_algs, sizeof(hash_algs));
	ike_build_vendor(&b, &v);
	return ike_build_end(&b);
}

static int sa_init_resp(struct writer *wr, const struct ike_sk_ops *ops)
{
	struct ike_pld_sa sa;
	struct ike_pld_ke ke = { IKE_KE_CURVE25519, ut_ke, sizeof(ut_ke) };
	struct ike_pld_nonce n = { ut_nonce, 16 };
	struct ike_pld_cert cr = { IKE_CERT_X509_SIG, ca_hash, sizeof(ca_hash) };
	struct ike_builder b;
	struct ike_hdr h;

	ut_hdr(&h, IKE_EXCH_SA_INIT, IKE_FLAG_RESPONSE, 0);
	ut_sample_sa_ike(&sa);
	sa.sa_n = 1; /* the accepted proposal */
	ike_build_begin(&b, wr, &h);
	ike_build_sa(&b, &sa);
	ike_build_ke(&b, &ke);
	ike_build_nonce(&b, &n);
	notify(&b, IKE_N_NAT_DETECTION_SOURCE_IP, nat_hash, sizeof(nat_hash));
	ike_build_cert(&b, IKE_PLD_CERTREQ, &cr);
	notify(&b, IKE_N_MULTIPLE_AUTH_SUPPORTED, NULL, 0);
	return ike_build_end(&b);
}

/* 2.6: the responder asks for a cookie; the retried request leads with it. */
static int sa_init_cookie(struct writer *wr, const struct ike_sk_ops *ops)
{
	struct ike_builder b;
	struct ike_hdr h;

	ut_hdr(&h, IKE_EXCH_SA_INIT, IKE_FLAG_RESPONSE, 0);
	h.h_spi_r = 0;
	ike_build_begin(&b, wr, &h);
	notify(&b, IKE_N_COOKIE, cookie, sizeof(cookie));
	return ike_build_end(&b);
}

static int sa_init_req_cookie(struct writer *wr, const struct ike_sk_ops *ops)
{
	struct ike_pld_sa sa;
	struct ike_pld_ke ke = { IKE_KE_ECP256, ut_ke, sizeof(ut_ke) };
	struct ike_pld_nonce n = { ut_nonce, sizeof(ut_nonce) };
	struct ike_builder b;
	struct ike_hdr h;

	ut_hdr(&h, IKE_EXCH_SA_INIT, IKE_FLAG_INITIATOR, 0);
	ut_sample_sa_ike(&sa);
	ike_build_begin(&b, wr, &h);
	notify(&b, IKE_N_COOKIE, cookie, sizeof(cookie));
	ike_build_sa(&b, &sa);
	ike_build_ke(&b, &ke);
	ike_build_nonce(&b, &n);
	return ike_build_end(&b);
}

static int sa_init_invalid_ke(struct writer *wr, const struct ike_sk_ops *ops)
{
	struct ike_builder b;
	struct ike_hdr h;

	ut_hdr(&h, IKE_EXCH_SA_INIT, IKE_FLAG_RESPONSE, 0);
	h.h_spi_r = 0;
	ike_build_begin(&b, wr, &h);
	notify(&b, IKE_N_INVALID_KE_PAYLOAD, (const uint8_t *)"\x00\x13", 2);
	return ike_build_end(&b);
}

/* Seal the inner chain in iw (first payload type first) into a message. */
static int seal(struct writer *wr, const struct ike_hdr *h, uint8_t first, struct writer *iw,
		const struct ike_sk_ops *ops)
{
	struct ike_builder b;
	int rc = iw->wr_err;

	if (rc == 0) {
		ike_build_begin(&b, wr, h);
		rc = ike_build_sk(&b, first, wr_data(iw), wr_len(iw), ops, NULL);
	}
	wr_free(iw);
	return rc;
}

uint8_t ut_inner_auth_req(struct writer *iw)
{
	struct ike_pld_id idi = { IKE_ID_FQDN, (const uint8_t *)"client.example.org", 18 };
	struct ike_pld_id idr = { IKE_ID_IPV4_ADDR, (const uint8_t *)"\xc0\x00\x02\x01", 4 };
	struct ike_pld_cert cert = { IKE_CERT_X509_SIG, ut_cert, sizeof(ut_cert) };
	struct ike_pld_cert cr = { IKE_CERT_X509_SIG, ca_hash, 20 };
	struct ike_pld_auth auth = { IKE_AUTH_DIGITAL_SIG, auth_data, sizeof(auth_data) };
	struct ike_pld_sa sa;
	struct ike_pld_ts ts;
	struct ike_pld_cp cp;
	struct ike_builder ib;

	ut_sample_sa_esp(&sa);
	ut_sample_ts(&ts);
	ut_sample_cp_request(&cp);
	ike_build_inner_begin(&ib, iw);
	ike_build_id(&ib, IKE_PLD_IDI, &idi);
	ike_build_cert(&ib, IKE_PLD_CERT, &cert);
	ike_build_cert(&ib, IKE_PLD_CERTREQ, &cr);
	notify(&ib, IKE_N_INITIAL_CONTACT, NULL, 0);
	ike_build_id(&ib, IKE_PLD_IDR, &idr);
	ike_build_auth(&ib, &auth);
	ike_build_cp(&ib, &cp);
	ike_build_sa(&ib, &sa);
	ike_build_ts(&ib, IKE_PLD_TSI, &ts);
	ike_build_ts(&ib, IKE_PLD_TSR, &ts);
	notify(&ib, IKE_N_MOBIKE_SUPPORTED, NULL, 0);
	return ib.b_first;
}

static int auth_req(struct writer *wr, const struct ike_sk_ops *ops)
{
	struct writer iw;
	struct ike_hdr h;
	uint8_t first;

	ut_hdr(&h, IKE_EXCH_AUTH, IKE_FLAG_INITIATOR, 1);
	wr_init(&iw, UT_MSG_MAX);
	first = ut_inner_auth_req(&iw);
	return seal(wr, &h, first, &iw, ops);
}

static int auth_resp(struct writer *wr, const struct ike_sk_ops *ops)
{
	struct ike_pld_id idr = { IKE_ID_DER_ASN1_DN, ut_cert + 4, 40 };
	struct ike_pld_cert cert = { IKE_CERT_X509_SIG, ut_cert, sizeof(ut_cert) };
	struct ike_pld_auth auth = { IKE_AUTH_ECDSA_256, auth_data, sizeof(auth_data) };
	struct ike_pld_sa sa;
	struct ike_pld_ts ts;
	struct ike_pld_cp cp;
	struct ike_builder ib;
	struct writer iw;
	struct ike_hdr h;

	ut_hdr(&h, IKE_EXCH_AUTH, IKE_FLAG_RESPONSE, 1);
	ut_sample_sa_esp(&sa);
	ut_sample_ts(&ts);
	ts.ts_n = 1;
	ut_sample_cp_reply(&cp);
	wr_init(&iw, UT_MSG_MAX);
	ike_build_inner_begin(&ib, &iw);
	ike_build_id(&ib, IKE_PLD_IDR, &idr);
	ike_build_cert(&ib, IKE_PLD_CERT, &cert);
	ike_build_auth(&ib, &auth);
	ike_build_cp(&ib, &cp);
	ike_build_sa(&ib, &sa);
	ike_build_ts(&ib, IKE_PLD_TSI, &ts);
	ike_build_ts(&ib, IKE_PLD_TSR, &ts);
	return seal(wr, &h, ib.b_first, &iw, ops);
}

/* 2.16: EAP: the first request has no AUTH. */
static int auth_eap_req(struct writer *wr, const struct ike_sk_ops *ops)
{
	struct ike_pld_id idi = { IKE_ID_RFC822_ADDR, (const uint8_t *)"alice@example.org", 17 };
	struct ike_pld_sa sa;
	struct ike_pld_ts ts;
	struct ike_pld_cp cp;
	struct ike_builder ib;
	struct writer iw;
	struct ike_hdr h;

	ut_hdr(&h, IKE_EXCH_AUTH, IKE_FLAG_INITIATOR, 1);
	ut_sample_sa_esp(&sa);
	ut_sample_ts(&ts);
	ut_sample_cp_request(&cp);
	wr_init(&iw, UT_MSG_MAX);
	ike_build_inner_begin(&ib, &iw);
	ike_build_id(&ib, IKE_PLD_IDI, &idi);
	ike_build_cp(&ib, &cp);
	ike_build_sa(&ib, &sa);
	ike_build_ts(&ib, IKE_PLD_TSI, &ts);
	ike_build_ts(&ib, IKE_PLD_TSR, &ts);
	notify(&ib, IKE_N_EAP_ONLY_AUTHENTICATION, NULL, 0);
	return seal(wr, &h, ib.b_first, &iw, ops);
}

static int auth_eap_round(struct writer *wr, const struct ike_sk_ops *ops, uint8_t flags,
			  uint32_t msgid, const struct ike_pld_eap *eap)
{
	struct ike_builder ib;
	struct writer iw;
	struct ike_hdr h;

	ut_hdr(&h, IKE_EXCH_AUTH, flags, msgid);
	wr_init(&iw, UT_MSG_MAX);
	ike_build_inner_begin(&ib, &iw);
	ike_build_eap(&ib, eap);
	return seal(wr, &h, ib.b_first, &iw, ops);
}

static int auth_eap_identity(struct writer *wr, const struct ike_sk_ops *ops)
{
	struct ike_pld_eap eap = { EAP_CODE_REQUEST, 7, EAP_TYPE_IDENTITY, NULL, 0 };

	return auth_eap_round(wr, ops, IKE_FLAG_RESPONSE, 1, &eap);
}

static int auth_eap_md5(struct writer *wr, const struct ike_sk_ops *ops)
{
	static const uint8_t md5[17] = { 16, 0x5e, 0x1f, 0x70, 0x22 };
	struct ike_pld_eap eap = { EAP_CODE_RESPONSE, 8, EAP_TYPE_MD5, md5, sizeof(md5) };

	return auth_eap_round(wr, ops, IKE_FLAG_INITIATOR, 2, &eap);
}

static int auth_eap_success(struct writer *wr, const struct ike_sk_ops *ops)
{
	struct ike_pld_eap eap = { EAP_CODE_SUCCESS, 8, 0, NULL, 0 };

	return auth_eap_round(wr, ops, IKE_FLAG_RESPONSE, 2, &eap);
}

/* 1.3.3: rekey a CHILD_SA: N(REKEY_SA) names the old SPI. */
static int create_child_req(struct writer *wr, const struct ike_sk_ops *ops)
{
	struct ike_pld_notify rekey = { IKE_PROTO_ESP,  4,    (const uint8_t *)"\xc1\x5a\x00\x01",
					IKE_N_REKEY_SA, NULL, 0 };
	struct ike_pld_ke ke = { IKE_KE_CURVE25519, ut_ke, sizeof(ut_ke) };
	struct ike_pld_nonce n = { ut_nonce, sizeof(ut_nonce) };
	struct ike_pld_sa sa;
	struct ike_pld_ts ts;
	struct ike_builder ib;
	struct writer iw;
	struct ike_hdr h;

	ut_hdr(&h, IKE_EXCH_CREATE_CHILD_SA, IKE_FLAG_INITIATOR, 3);
	ut_sample_sa_esp(&sa);
	ut_sample_ts(&ts);
	wr_init(&iw, UT_MSG_MAX);
	ike_build_inner_begin(&ib, &iw);
	ike_build_notify(&ib, &rekey);
	ike_build_sa(&ib, &sa);
	ike_build_nonce(&ib, &n);
	ike_build_ke(&ib, &ke);
	ike_build_ts(&ib, IKE_PLD_TSI, &ts);
	ike_build_ts(&ib, IKE_PLD_TSR, &ts);
	return seal(wr, &h, ib.b_first, &iw, ops);
}

/* 1.3.2: rekey the IKE SA: 8-byte SPI in the proposal, no TS. */
static int create_child_ike(struct writer *wr, const struct ike_sk_ops *ops)
{
	struct ike_pld_ke ke = { IKE_KE_CURVE25519, ut_ke, sizeof(ut_ke) };
	struct ike_pld_nonce n = { ut_nonce, 20 };
	struct ike_pld_sa sa;
	struct ike_builder ib;
	struct writer iw;
	struct ike_hdr h;

	ut_hdr(&h, IKE_EXCH_CREATE_CHILD_SA, IKE_FLAG_RESPONSE, 4);
	ut_sample_sa_ike(&sa);
	sa.sa_n = 1;
	sa.sa_prop[0].pr_spi_len = 8;
	memcpy(sa.sa_prop[0].pr_spi, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	wr_init(&iw, UT_MSG_MAX);
	ike_build_inner_begin(&ib, &iw);
	ike_build_sa(&ib, &sa);
	ike_build_nonce(&ib, &n);
	ike_build_ke(&ib, &ke);
	return seal(wr, &h, ib.b_first, &iw, ops);
}

static int info_delete(struct writer *wr, const struct ike_sk_ops *ops)
{
	struct ike_pld_delete esp = { IKE_PROTO_ESP, 4, 2,
				      (const uint8_t *)"\xc1\x5a\x00\x01\xc1\x5a\x00\x02" };
	struct ike_pld_delete ike = { IKE_PROTO_IKE, 0, 0, NULL };
	struct ike_builder ib;
	struct writer iw;
	struct ike_hdr h;

	ut_hdr(&h, IKE_EXCH_INFORMATIONAL, IKE_FLAG_INITIATOR, 5);
	wr_init(&iw, UT_MSG_MAX);
	ike_build_inner_begin(&ib, &iw);
	ike_build_delete(&ib, &esp);
	ike_build_delete(&ib, &ike);
	return seal(wr, &h, ib.b_first, &iw, ops);
}

/* 1.4: an empty INFORMATIONAL request is a liveness check. */
static int info_empty(struct writer *wr, const struct ike_sk_ops *ops)
{
	struct ike_builder ib;
	struct writer iw;
	struct ike_hdr h;

	ut_hdr(&h, IKE_EXCH_INFORMATIONAL, IKE_FLAG_RESPONSE, 6);
	wr_init(&iw, UT_MSG_MAX);
	ike_build_inner_begin(&ib, &iw);
	return seal(wr, &h, ib.b_first, &iw, ops);
}

static int info_notify(struct writer *wr, const struct ike_sk_ops *ops)
{
	struct ike_pld_cp cp = { .cp_type = IKE_CFG_SET };
	struct ike_pld_vendor v = { vid, sizeof(vid) };
	struct ike_builder ib;
	struct writer iw;
	struct ike_hdr h;

	ut_hdr(&h, IKE_EXCH_INFORMATIONAL, IKE_FLAG_INITIATOR, 7);
	wr_init(&iw, UT_MSG_MAX);
	ike_build_inner_begin(&ib, &iw);
	notify(&ib, IKE_N_AUTHENTICATION_FAILED, NULL, 0);
	ike_build_cp(&ib, &cp);
	ike_build_vendor(&ib, &v);
	return seal(wr, &h, ib.b_first, &iw, ops);
}

static int intermediate(struct writer *wr, const struct ike_sk_ops *ops)
{
	struct ike_pld_ke ke = { IKE_KE_MODP2048, ut_cert, 256 };
	struct ike_builder ib;
	struct writer iw;
	struct ike_hdr h;

	ut_hdr(&h, IKE_EXCH_INTERMEDIATE, IKE_FLAG_INITIATOR, 1);
	wr_init(&iw, UT_MSG_MAX);
	ike_build_inner_begin(&ib, &iw);
	ike_build_ke(&ib, &ke);
	return seal(wr, &h, ib.b_first, &iw, ops);
}

const struct ut_msg ut_msgs[] = {
	{ "sa_init_req", false, sa_init_req },
	{ "sa_init_resp", false, sa_init_resp },
	{ "sa_init_cookie", false, sa_init_cookie },
	{ "sa_init_req_cookie", false, sa_init_req_cookie },
	{ "sa_init_invalid_ke", false, sa_init_invalid_ke },
	{ "auth_req", true, auth_req },
	{ "auth_resp", true, auth_resp },
	{ "auth_eap_req", true, auth_eap_req },
	{ "auth_eap_identity", true, auth_eap_identity },
	{ "auth_eap_md5", true, auth_eap_md5 },
	{ "auth_eap_success", true, auth_eap_success },
	{ "create_child_req", true, create_child_req },
	{ "create_child_ike", true, create_child_ike },
	{ "info_delete", true, info_delete },
	{ "info_empty", true, info_empty },
	{ "info_notify", true, info_notify },
	{ "intermediate", true, intermediate },
};
const size_t ut_n_msgs = sizeof(ut_msgs) / sizeof(ut_msgs[0]);

uint8_t *ut_msg_build(size_t i, const struct ike_sk_ops *ops, size_t *len)
{
	struct writer wr;
	uint8_t *p;

	wr_init(&wr, UT_MSG_MAX);
	if (ut_msgs[i].um_build(&wr, ops) != 0 || !(p = wr_take(&wr, len))) {
		fprintf(stderr, "ut_msg_build: %s failed\n", ut_msgs[i].um_name);
		abort();
	}
	return p;
}

void ut_dump(const char *name, const uint8_t *buf, size_t len)
{
	const char *dir = getenv("IKE_CORPUS_DIR");
	char path[512];
	FILE *f;

	if (!dir || !*dir)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(f = fopen(path, "wb")) || fwrite(buf, 1, len, f) != len) {
		fprintf(stderr, "ut_dump: cannot write %s\n", path);
		abort();
	}
	fclose(f);
}

int ut_decode(uint8_t type, const uint8_t *body, size_t len, struct ike_err *err)
{
	struct ike_pld p = ut_view(type, body, len);
	struct writer wr;
	int rc;

	memset(err, 0, sizeof(*err));
	wr_init(&wr, UT_MSG_MAX);
	rc = ike_pld_reencode(&p, &wr, err);
	wr_free(&wr);
	return rc;
}

int ut_decode_hex(uint8_t type, const char *hex, struct ike_err *err)
{
	uint8_t buf[4096];

	return ut_decode(type, buf, ut_hex(hex, buf, sizeof(buf)), err);
}

int ut_parse_chain_hex(uint8_t first, const char *hex, uint8_t *msg, size_t cap, struct ike_msg *m,
		       struct ike_err *err)
{
	struct ike_hdr h;
	struct writer wr;
	uint8_t body[4096];
	size_t len = ut_hex(hex, body, sizeof(body));

	ut_hdr(&h, IKE_EXCH_INFORMATIONAL, 0, 1);
	h.h_next = first;
	h.h_length = (uint32_t)(IKE_HDR_LEN + len);
	wr_init_fixed(&wr, msg, cap);
	ike_hdr_write(&wr, &h);
	wr_bytes(&wr, body, len);
	CU_ASSERT_TRUE_FATAL(wr_ok(&wr));
	memset(err, 0, sizeof(*err));
	return ike_msg_parse(msg, wr_len(&wr), m, err);
}

/*
 * test_payloads.c: every payload kind of RFC 7296 section 3 (and RFC 7383
 * SKF) encoded, decoded and encoded again: the struct survives and the
 * bytes are identical, alone and inside a message.
 */
#include <stdlib.h>
#include <string.h>

#include "ike_test.h"

/* Encoded body in wr: re-encoding gives the same bytes, and a message
 * carrying it yields the same body back. */
static void check_bytes(uint8_t type, struct writer *wr)
{
	struct ike_pld p = ut_view(type, wr_data(wr), wr_len(wr));
	struct ike_builder b;
	struct ike_msg msg;
	struct ike_err err;
	struct writer w2, wm;
	struct ike_hdr h;

	CU_ASSERT_TRUE_FATAL(wr_ok(wr));
	wr_init(&w2, UT_MSG_MAX);
	CU_ASSERT_EQUAL_FATAL(ike_pld_reencode(&p, &w2, &err), 0);
	CU_ASSERT_EQUAL(wr_len(&w2), wr_len(wr));
	CU_ASSERT(wr_len(wr) == 0 || memcmp(wr_data(&w2), wr_data(wr), wr_len(wr)) == 0);
	wr_free(&w2);

	ut_hdr(&h, IKE_EXCH_INFORMATIONAL, 0, 9);
	wr_init(&wm, UT_MSG_MAX);
	ike_build_begin(&b, &wm, &h);
	ike_build_raw(&b, type, false, wr_data(wr), wr_len(wr));
	CU_ASSERT_EQUAL_FATAL(ike_build_end(&b), 0);
	CU_ASSERT_EQUAL_FATAL(ike_msg_parse(wr_data(&wm), wr_len(&wm), &msg, &err), 0);
	CU_ASSERT_EQUAL(msg.m_n, 1);
	CU_ASSERT_EQUAL(msg.m_pld[0].p_type, type);
	CU_ASSERT_EQUAL(msg.m_pld[0].p_off, IKE_HDR_LEN);
	CU_ASSERT_EQUAL(msg.m_pld[0].p_len, wr_len(wr));
	CU_ASSERT(wr_len(wr) == 0 || memcmp(msg.m_pld[0].p_body, wr_data(wr), wr_len(wr)) == 0);
	wr_free(&wm);
}

static void sa_equal(const struct ike_pld_sa *a, const struct ike_pld_sa *b)
{
	CU_ASSERT_EQUAL_FATAL(a->sa_n, b->sa_n);
	for (unsigned i = 0; i < a->sa_n; i++) {
		const struct ike_proposal *x = &a->sa_prop[i], *y = &b->sa_prop[i];

		CU_ASSERT_EQUAL(x->pr_num, y->pr_num);
		CU_ASSERT_EQUAL(x->pr_proto, y->pr_proto);
		CU_ASSERT_EQUAL_FATAL(x->pr_spi_len, y->pr_spi_len);
		CU_ASSERT_EQUAL(memcmp(x->pr_spi, y->pr_spi, x->pr_spi_len), 0);
		CU_ASSERT_EQUAL_FATAL(x->pr_n, y->pr_n);
		for (unsigned j = 0; j < x->pr_n; j++) {
			CU_ASSERT_EQUAL(x->pr_xf[j].t_type, y->pr_xf[j].t_type);
			CU_ASSERT_EQUAL(x->pr_xf[j].t_id, y->pr_xf[j].t_id);
			CU_ASSERT_EQUAL(x->pr_xf[j].t_keylen, y->pr_xf[j].t_keylen);
			CU_ASSERT_EQUAL(x->pr_xf[j].t_unknown_attr, y->pr_xf[j].t_unknown_attr);
		}
	}
}

static void sa_roundtrip(const struct ike_pld_sa *sa)
{
	struct ike_pld_sa *out = malloc(sizeof(*out));
	struct ike_err err;
	struct writer wr;
	struct ike_pld p;

	wr_init(&wr, UT_MSG_MAX);
	ike_pld_sa_write(&wr, sa);
	p = ut_view(IKE_PLD_SA, wr_data(&wr), wr_len(&wr));
	CU_ASSERT_EQUAL_FATAL(ike_pld_sa_parse(&p, out, &err), 0);
	sa_equal(sa, out);
	check_bytes(IKE_PLD_SA, &wr);
	wr_free(&wr);
	free(out);
}

static void test_sa_ike(void)
{
	struct ike_pld_sa *sa = malloc(sizeof(*sa));

	ut_sample_sa_ike(sa);
	sa_roundtrip(sa);
	free(sa);
}

static void test_sa_esp_and_rekey(void)
{
	struct ike_pld_sa *sa = malloc(sizeof(*sa));

	ut_sample_sa_esp(sa);
	sa_roundtrip(sa);
	ut_sample_sa_ike(sa);
	sa->sa_prop[0].pr_spi_len = 8;
	memcpy(sa->sa_prop[0].pr_spi, "\1\2\3\4\5\6\7\x8", 8);
	sa->sa_prop[1].pr_spi_len = 8;
	sa_roundtrip(sa);
	free(sa);
}

/* The limits themselves are accepted: 32 proposals of 64 transforms. */
static void test_sa_at_limits(void)
{
	struct ike_pld_sa *sa = calloc(1, sizeof(*sa));

	sa->sa_n = IKE_MAX_PROPOSALS;
	for (unsigned i = 0; i < IKE_MAX_PROPOSALS; i++) {
		sa->sa_prop[i].pr_num = (uint8_t)(i + 1);
		sa->sa_prop[i].pr_proto = IKE_PROTO_ESP;
		sa->sa_prop[i].pr_spi_len = 4;
		sa->sa_prop[i].pr_n = i % 2 ? IKE_MAX_TRANSFORMS : 3;
		for (unsigned j = 0; j < sa->sa_prop[i].pr_n; j++) {
			sa->sa_prop[i].pr_xf[j].t_type = IKE_XF_ENCR;
			sa->sa_prop[i].pr_xf[j].t_id = (uint16_t)j;
			sa->sa_prop[i].pr_xf[j].t_keylen = j % 3 ? 0 : 128;
		}
	}
	sa_roundtrip(sa);
	free(sa);
}

/* A proposal as charon sends it: AES-CBC-128/SHA256/SHA256-128/MODP2048. */
static void test_sa_wire_vector(void)
{
	static const char hex[] = "00 00 00 2c 01 01 00 04"
				  "03 00 00 0c 01 00 00 0c 80 0e 00 80"
				  "03 00 00 08 02 00 00 05"
				  "03 00 00 08 03 00 00 0c"
				  "00 00 00 08 04 00 00 0e";
	struct ike_pld_sa *sa = malloc(sizeof(*sa));
	uint8_t body[64];
	size_t len = ut_hex(hex, body, sizeof(body));
	struct ike_pld p = ut_view(IKE_PLD_SA, body, len);
	struct ike_err err;
	struct writer wr;

	CU_ASSERT_EQUAL_FATAL(ike_pld_sa_parse(&p, sa, &err), 0);
	CU_ASSERT_EQUAL(sa->sa_n, 1);
	CU_ASSERT_EQUAL(sa->sa_prop[0].pr_n, 4);
	CU_ASSERT_EQUAL(sa->sa_prop[0].pr_xf[0].t_id, IKE_ENCR_AES_CBC);
	CU_ASSERT_EQUAL(sa->sa_prop[0].pr_xf[0].t_keylen, 128);
	CU_ASSERT_EQUAL(sa->sa_prop[0].pr_xf[3].t_type, IKE_XF_KE);
	CU_ASSERT_EQUAL(sa->sa_prop[0].pr_xf[3].t_id, IKE_KE_MODP2048);
	wr_init(&wr, 256);
	ike_pld_sa_write(&wr, sa);
	CU_ASSERT_EQUAL(wr_len(&wr), len);
	CU_ASSERT_EQUAL(memcmp(wr_data(&wr), body, len), 0);
	wr_free(&wr);
	free(sa);
}

/* 3.3.6: unknown attributes (TV and TLV) are skipped and flagged, and not
 * echoed when the transform is encoded again. */
static void test_sa_unknown_attrs(void)
{
	static const char hex[] = "00 00 00 24 01 03 04 01 aa bb cc dd"
				  "00 00 00 18 01 00 00 14"
				  "80 0e 01 00 80 63 00 01 00 64 00 04 de ad be ef";
	struct ike_pld_sa *sa = malloc(sizeof(*sa));
	uint8_t body[64];
	size_t len = ut_hex(hex, body, sizeof(body));
	struct ike_pld p = ut_view(IKE_PLD_SA, body, len);
	struct ike_err err;
	struct writer wr;

	CU_ASSERT_EQUAL_FATAL(ike_pld_sa_parse(&p, sa, &err), 0);
	CU_ASSERT_EQUAL(sa->sa_prop[0].pr_xf[0].t_keylen, 256);
	CU_ASSERT_TRUE(sa->sa_prop[0].pr_xf[0].t_unknown_attr);
	wr_init(&wr, 256);
	ike_pld_sa_write(&wr, sa);
	CU_ASSERT_EQUAL(wr_len(&wr), len - 12);
	wr_free(&wr);
	free(sa);
}

static void test_ke(void)
{
	struct ike_pld_ke ke = { IKE_KE_CURVE25519, ut_ke, sizeof(ut_ke) }, out;
	struct ike_pld p;
	struct writer wr;

	wr_init(&wr, 1024);
	ike_pld_ke_write(&wr, &ke);
	CU_ASSERT_EQUAL(wr_len(&wr), 4 + sizeof(ut_ke));
	p = ut_view(IKE_PLD_KE, wr_data(&wr), wr_len(&wr));
	CU_ASSERT_EQUAL_FATAL(ike_pld_ke_parse(&p, &out, NULL), 0);
	CU_ASSERT_EQUAL(out.ke_group, IKE_KE_CURVE25519);
	CU_ASSERT_EQUAL_FATAL(out.ke_len, sizeof(ut_ke));
	CU_ASSERT_EQUAL(memcmp(out.ke_data, ut_ke, sizeof(ut_ke)), 0);
	check_bytes(IKE_PLD_KE, &wr);
	wr_free(&wr);
}

static void id_one(uint8_t ptype, uint8_t type, const char *data, size_t len)
{
	struct ike_pld_id id = { type, (const uint8_t *)data, len }, out;
	struct ike_pld p;
	struct writer wr;

	wr_init(&wr, 1024);
	ike_pld_id_write(&wr, &id);
	p = ut_view(ptype, wr_data(&wr), wr_len(&wr));
	CU_ASSERT_EQUAL_FATAL(ike_pld_id_parse(&p, &out, NULL), 0);
	CU_ASSERT_EQUAL(out.id_type, type);
	CU_ASSERT_EQUAL_FATAL(out.id_len, len);
	CU_ASSERT_EQUAL(memcmp(out.id_data, data, len), 0);
	check_bytes(ptype, &wr);
	wr_free(&wr);
}

static void test_id(void)
{
	id_one(IKE_PLD_IDI, IKE_ID_FQDN, "gw.example.org", 14);
	id_one(IKE_PLD_IDR, IKE_ID_IPV4_ADDR, "\xc0\x00\x02\x01", 4);
	id_one(IKE_PLD_IDI, IKE_ID_IPV6_ADDR, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\1", 16);
	id_one(IKE_PLD_IDR, IKE_ID_RFC822_ADDR, "bob@example.org", 15);
	id_one(IKE_PLD_IDI, IKE_ID_DER_ASN1_DN, "\x30\x0b\x31\x09", 4);
	id_one(IKE_PLD_IDR, IKE_ID_KEY_ID, "\x01", 1);
}

static void cert_one(uint8_t ptype, uint8_t enc, const uint8_t *data, size_t len)
{
	struct ike_pld_cert c = { enc, data, len }, out;
	struct ike_pld p;
	struct writer wr;

	wr_init(&wr, 4096);
	ike_pld_cert_write(&wr, &c);
	p = ut_view(ptype, wr_data(&wr), wr_len(&wr));
	CU_ASSERT_EQUAL_FATAL(ike_pld_cert_parse(&p, &out, NULL), 0);
	CU_ASSERT_EQUAL(out.c_enc, enc);
	CU_ASSERT_EQUAL_FATAL(out.c_len, len);
	CU_ASSERT_EQUAL(memcmp(out.c_data, data, len), 0);
	check_bytes(ptype, &wr);
	wr_free(&wr);
}

static void test_cert_certreq(void)
{
	cert_one(IKE_PLD_CERT, IKE_CERT_X509_SIG, ut_cert, sizeof(ut_cert));
	cert_one(IKE_PLD_CERT, IKE_CERT_HASH_URL_X509, (const uint8_t *)"http://x/", 9);
	cert_one(IKE_PLD_CERTREQ, IKE_CERT_X509_SIG, ut_cert, 40);
	cert_one(IKE_PLD_CERTREQ, IKE_CERT_X509_SIG, ut_cert, 0); /* any CA */
	cert_one(IKE_PLD_CERTREQ, IKE_CERT_RAW_PUBKEY, ut_cert, 0);
}

static void test_auth(void)
{
	static const uint8_t sig[] = { 7, 0x30, 0x0a, 6, 8, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0xde };
	struct ike_pld_auth a = { IKE_AUTH_DIGITAL_SIG, sig, sizeof(sig) }, out;
	struct ike_pld p;
	struct writer wr;

	wr_init(&wr, 1024);
	ike_pld_auth_write(&wr, &a);
	CU_ASSERT_EQUAL(wr_len(&wr), 4 + sizeof(sig));
	p = ut_view(IKE_PLD_AUTH, wr_data(&wr), wr_len(&wr));
	CU_ASSERT_EQUAL_FATAL(ike_pld_auth_parse(&p, &out, NULL), 0);
	CU_ASSERT_EQUAL(out.a_method, IKE_AUTH_DIGITAL_SIG);
	CU_ASSERT_EQUAL_FATAL(out.a_len, sizeof(sig));
	CU_ASSERT_EQUAL(memcmp(out.a_data, sig, sizeof(sig)), 0);
	check_bytes(IKE_PLD_AUTH, &wr);
	wr_free(&wr);
}

static void test_nonce_bounds(void)
{
	static uint8_t data[IKE_NONCE_MAX];
	static const size_t lens[] = { IKE_NONCE_MIN, 32, IKE_NONCE_MAX };

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	for (size_t i = 0; i < 3; i++) {
		struct ike_pld_nonce n = { data, lens[i] }, out;
		struct ike_pld p;
		struct writer wr;

		wr_init(&wr, 1024);
		ike_pld_nonce_write(&wr, &n);
		p = ut_view(IKE_PLD_NONCE, wr_data(&wr), wr_len(&wr));
		CU_ASSERT_EQUAL_FATAL(ike_pld_nonce_parse(&p, &out, NULL), 0);
		CU_ASSERT_EQUAL_FATAL(out.n_len, lens[i]);
		CU_ASSERT_EQUAL(memcmp(out.n_data, data, lens[i]), 0);
		check_bytes(IKE_PLD_NONCE, &wr);
		wr_free(&wr);
	}
}

static void notify_one(const struct ike_pld_notify *n)
{
	struct ike_pld_notify out;
	struct ike_pld p;
	struct writer wr;

	wr_init(&wr, 1024);
	ike_pld_notify_write(&wr, n);
	p = ut_view(IKE_PLD_NOTIFY, wr_data(&wr), wr_len(&wr));
	CU_ASSERT_EQUAL_FATAL(ike_pld_notify_parse(&p, &out, NULL), 0);
	CU_ASSERT_EQUAL(out.n_proto, n->n_proto);
	CU_ASSERT_EQUAL(out.n_type, n->n_type);
	CU_ASSERT_EQUAL_FATAL(out.n_spi_len, n->n_spi_len);
	CU_ASSERT_EQUAL(memcmp(out.n_spi, n->n_spi ? n->n_spi : out.n_spi, n->n_spi_len), 0);
	CU_ASSERT_EQUAL_FATAL(out.n_len, n->n_len);
	CU_ASSERT_EQUAL(memcmp(out.n_data, n->n_data ? n->n_data : out.n_data, n->n_len), 0);
	check_bytes(IKE_PLD_NOTIFY, &wr);
	wr_free(&wr);
}

static void test_notify(void)
{
	struct ike_pld_notify rekey = { IKE_PROTO_ESP,  4,    (const uint8_t *)"\1\2\3\4",
					IKE_N_REKEY_SA, NULL, 0 };
	struct ike_pld_notify cookie = { 0, 0, NULL, IKE_N_COOKIE, ut_nonce, 32 };
	struct ike_pld_notify ike_spi = {
		IKE_PROTO_IKE, 8, (const uint8_t *)"\1\2\3\4\5\6\7\x8", IKE_N_INVALID_SPI, ut_ke, 5
	};
	struct ike_pld_notify flag = { 0, 0, NULL, IKE_N_INITIAL_CONTACT, NULL, 0 };
	struct ike_pld_notify unknown = { 0, 0, NULL, 40000, ut_cert, 100 };

	notify_one(&rekey);
	notify_one(&cookie);
	notify_one(&ike_spi);
	notify_one(&flag);
	notify_one(&unknown);
}

static void delete_one(const struct ike_pld_delete *d)
{
	struct ike_pld_delete out;
	struct ike_pld p;
	struct writer wr;

	wr_init(&wr, 1024);
	ike_pld_delete_write(&wr, d);
	p = ut_view(IKE_PLD_DELETE, wr_data(&wr), wr_len(&wr));
	CU_ASSERT_EQUAL_FATAL(ike_pld_delete_parse(&p, &out, NULL), 0);
	CU_ASSERT_EQUAL(out.d_proto, d->d_proto);
	CU_ASSERT_EQUAL(out.d_spi_len, d->d_spi_len);
	CU_ASSERT_EQUAL_FATAL(out.d_n, d->d_n);
	if (d->d_n)
		CU_ASSERT_EQUAL(memcmp(out.d_spis, d->d_spis, (size_t)d->d_n * d->d_spi_len), 0);
	check_bytes(IKE_PLD_DELETE, &wr);
	wr_free(&wr);
}

static void test_delete(void)
{
	struct ike_pld_delete esp = { IKE_PROTO_ESP, 4, 3, ut_cert };
	struct ike_pld_delete ah = { IKE_PROTO_AH, 4, 1, ut_ke };
	struct ike_pld_delete ike = { IKE_PROTO_IKE, 0, 0, NULL };

	delete_one(&esp);
	delete_one(&ah);
	delete_one(&ike);
}

static void test_vendor(void)
{
	static const size_t lens[] = { 0, 1, 16, 300 };

	for (size_t i = 0; i < 4; i++) {
		struct ike_pld_vendor v = { ut_cert, lens[i] }, out;
		struct ike_pld p;
		struct writer wr;

		wr_init(&wr, 1024);
		ike_pld_vendor_write(&wr, &v);
		p = ut_view(IKE_PLD_VENDOR, wr_data(&wr), wr_len(&wr));
		CU_ASSERT_EQUAL_FATAL(ike_pld_vendor_parse(&p, &out, NULL), 0);
		CU_ASSERT_EQUAL_FATAL(out.v_len, lens[i]);
		CU_ASSERT_EQUAL(memcmp(out.v_data, ut_cert, lens[i]), 0);
		check_bytes(IKE_PLD_VENDOR, &wr);
		wr_free(&wr);
	}
}

static void ts_roundtrip(uint8_t type, const struct ike_pld_ts *ts, size_t want_len)
{
	struct ike_pld_ts out;
	struct ike_pld p;
	struct writer wr;

	wr_init(&wr, 4096);
	ike_pld_ts_write(&wr, ts);
	CU_ASSERT_EQUAL(wr_len(&wr), want_len);
	p = ut_view(type, wr_data(&wr), wr_len(&wr));
	CU_ASSERT_EQUAL_FATAL(ike_pld_ts_parse(&p, &out, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(out.ts_n, ts->ts_n);
	for (unsigned i = 0; i < ts->ts_n; i++) {
		size_t alen = ts->ts[i].ts_type == IKE_TS_IPV4_ADDR_RANGE ? 4 : 16;

		CU_ASSERT_EQUAL(out.ts[i].ts_type, ts->ts[i].ts_type);
		CU_ASSERT_EQUAL(out.ts[i].ts_proto, ts->ts[i].ts_proto);
		CU_ASSERT_EQUAL(out.ts[i].ts_port_start, ts->ts[i].ts_port_start);
		CU_ASSERT_EQUAL(out.ts[i].ts_port_end, ts->ts[i].ts_port_end);
		CU_ASSERT_EQUAL(memcmp(out.ts[i].ts_addr_start, ts->ts[i].ts_addr_start, alen), 0);
		CU_ASSERT_EQUAL(memcmp(out.ts[i].ts_addr_end, ts->ts[i].ts_addr_end, alen), 0);
	}
	check_bytes(type, &wr);
	wr_free(&wr);
}

static void test_ts(void)
{
	struct ike_pld_ts ts;

	ut_sample_ts(&ts);
	ts_roundtrip(IKE_PLD_TSI, &ts, 4 + 16 + 40);
	ts.ts_n = 1;
	ts_roundtrip(IKE_PLD_TSR, &ts, 4 + 16);
	ts.ts[0] = ts.ts[1];
	ts_roundtrip(IKE_PLD_TSR, &ts, 4 + 40);
	/* the limit itself */
	ut_sample_ts(&ts);
	for (unsigned i = 2; i < IKE_MAX_TS; i++)
		ts.ts[i] = ts.ts[i % 2];
	ts.ts_n = IKE_MAX_TS;
	ts_roundtrip(IKE_PLD_TSI, &ts, 4 + 16 * (16 + 40));
}

static void cp_roundtrip(const struct ike_pld_cp *cp)
{
	struct ike_pld_cp out;
	struct ike_pld p;
	struct writer wr;

	wr_init(&wr, 4096);
	ike_pld_cp_write(&wr, cp);
	p = ut_view(IKE_PLD_CP, wr_data(&wr), wr_len(&wr));
	CU_ASSERT_EQUAL_FATAL(ike_pld_cp_parse(&p, &out, NULL), 0);
	CU_ASSERT_EQUAL(out.cp_type, cp->cp_type);
	CU_ASSERT_EQUAL_FATAL(out.cp_n, cp->cp_n);
	for (unsigned i = 0; i < cp->cp_n; i++) {
		CU_ASSERT_EQUAL(out.cp_attr[i].ca_type, cp->cp_attr[i].ca_type);
		CU_ASSERT_EQUAL_FATAL(out.cp_attr[i].ca_len, cp->cp_attr[i].ca_len);
		if (cp->cp_attr[i].ca_len)
			CU_ASSERT_EQUAL(memcmp(out.cp_attr[i].ca_data, cp->cp_attr[i].ca_data,
					       cp->cp_attr[i].ca_len),
					0);
	}
	check_bytes(IKE_PLD_CP, &wr);
	wr_free(&wr);
}

static void test_cp(void)
{
	struct ike_pld_cp cp;

	ut_sample_cp_request(&cp);
	cp_roundtrip(&cp);
	ut_sample_cp_reply(&cp);
	cp_roundtrip(&cp);
	cp.cp_type = IKE_CFG_ACK;
	cp.cp_n = 0;
	cp_roundtrip(&cp);
	cp.cp_type = IKE_CFG_REQUEST;
	cp.cp_n = IKE_MAX_CP_ATTRS;
	for (unsigned i = 0; i < IKE_MAX_CP_ATTRS; i++)
		cp.cp_attr[i] = (struct ike_cp_attr){ (uint16_t)(100 + i), ut_cert, (uint16_t)i };
	cp_roundtrip(&cp);
}

static void eap_one(const struct ike_pld_eap *eap, size_t want_len)
{
	struct ike_pld_eap out;
	struct ike_pld p;
	struct writer wr;

	wr_init(&wr, 1024);
	ike_pld_eap_write(&wr, eap);
	CU_ASSERT_EQUAL(wr_len(&wr), want_len);
	p = ut_view(IKE_PLD_EAP, wr_data(&wr), wr_len(&wr));
	CU_ASSERT_EQUAL_FATAL(ike_pld_eap_parse(&p, &out, NULL), 0);
	CU_ASSERT_EQUAL(out.e_code, eap->e_code);
	CU_ASSERT_EQUAL(out.e_id, eap->e_id);
	CU_ASSERT_EQUAL(out.e_type, eap->e_type);
	CU_ASSERT_EQUAL_FATAL(out.e_len, eap->e_len);
	if (eap->e_len)
		CU_ASSERT_EQUAL(memcmp(out.e_data, eap->e_data, eap->e_len), 0);
	check_bytes(IKE_PLD_EAP, &wr);
	wr_free(&wr);
}

static void test_eap(void)
{
	struct ike_pld_eap req = { EAP_CODE_REQUEST, 1, EAP_TYPE_IDENTITY, NULL, 0 };
	struct ike_pld_eap resp = { EAP_CODE_RESPONSE, 1, EAP_TYPE_IDENTITY,
				    (const uint8_t *)"alice", 5 };
	struct ike_pld_eap mschap = { EAP_CODE_REQUEST, 2, EAP_TYPE_MSCHAPV2, ut_cert, 60 };
	struct ike_pld_eap ok = { EAP_CODE_SUCCESS, 3, 0, NULL, 0 };
	struct ike_pld_eap fail = { EAP_CODE_FAILURE, 4, 0, NULL, 0 };

	eap_one(&req, 5);
	eap_one(&resp, 10);
	eap_one(&mschap, 65);
	eap_one(&ok, 4);
	eap_one(&fail, 4);
}

static void test_skf(void)
{
	uint8_t body[40];
	struct ike_pld_skf f;
	struct ike_pld p;
	struct writer wr;

	memset(body, 0x5a, sizeof(body));
	memcpy(body, "\x00\x02\x00\x03", 4);
	p = ut_view(IKE_PLD_SKF, body, sizeof(body));
	CU_ASSERT_EQUAL_FATAL(ike_pld_skf_parse(&p, &f, NULL), 0);
	CU_ASSERT_EQUAL(f.f_num, 2);
	CU_ASSERT_EQUAL(f.f_total, 3);
	CU_ASSERT_EQUAL(f.f_len, sizeof(body) - 4);
	CU_ASSERT_PTR_EQUAL(f.f_data, body + 4);
	wr_init(&wr, 1024);
	wr_bytes(&wr, body, sizeof(body));
	check_bytes(IKE_PLD_SKF, &wr);
	wr_free(&wr);
}

/* Decoding a view of the wrong type is a caller bug: GW_E_INVAL. */
static void test_wrong_view_type(void)
{
	static const uint8_t body[40] = { 0 };
	struct ike_pld p = ut_view(IKE_PLD_NONCE, body, sizeof(body));
	struct ike_pld_ke ke;
	struct ike_pld_ts ts;
	struct ike_err err;
	struct writer wr;

	CU_ASSERT_EQUAL(ike_pld_ke_parse(&p, &ke, &err), GW_E_INVAL);
	CU_ASSERT_EQUAL(ike_pld_ts_parse(&p, &ts, &err), GW_E_INVAL);
	p.p_type = 99;
	wr_init(&wr, 100);
	CU_ASSERT_EQUAL(ike_pld_reencode(&p, &wr, &err), GW_E_UNSUP);
	CU_ASSERT_EQUAL(err.e_pld, 99);
	wr_free(&wr);
}

/* Structs that cannot be encoded fail the writer instead of overrunning. */
static void test_write_refuses_bad_structs(void)
{
	struct ike_pld_sa *sa = calloc(1, sizeof(*sa));
	struct ike_pld_ts ts = { .ts_n = IKE_MAX_TS + 1 };
	struct ike_pld_notify n = { .n_spi_len = IKE_MAX_SPI_LEN + 1 };
	struct ike_pld_cp cp = { .cp_n = IKE_MAX_CP_ATTRS + 1 };
	struct writer wr;

	wr_init(&wr, 1024);
	ike_pld_sa_write(&wr, sa); /* no proposals */
	CU_ASSERT_FALSE(wr_ok(&wr));
	wr_free(&wr);
	wr_init(&wr, 1024);
	ike_pld_ts_write(&wr, &ts);
	CU_ASSERT_FALSE(wr_ok(&wr));
	wr_free(&wr);
	wr_init(&wr, 1024);
	ike_pld_notify_write(&wr, &n);
	CU_ASSERT_FALSE(wr_ok(&wr));
	wr_free(&wr);
	wr_init(&wr, 1024);
	ike_pld_cp_write(&wr, &cp);
	CU_ASSERT_FALSE(wr_ok(&wr));
	wr_free(&wr);
	free(sa);
}

static const struct ut_case cases[] = {
	{ "SA: two IKE proposals", test_sa_ike },
	{ "SA: ESP SPI and IKE rekey SPI", test_sa_esp_and_rekey },
	{ "SA: 32 proposals, 64 transforms", test_sa_at_limits },
	{ "SA: wire vector", test_sa_wire_vector },
	{ "SA: unknown attributes skipped", test_sa_unknown_attrs },
	{ "KE", test_ke },
	{ "IDi/IDr, every ID type", test_id },
	{ "CERT and CERTREQ", test_cert_certreq },
	{ "AUTH", test_auth },
	{ "Nonce 16, 32, 256 bytes", test_nonce_bounds },
	{ "Notify", test_notify },
	{ "Delete", test_delete },
	{ "Vendor ID", test_vendor },
	{ "TSi/TSr IPv4 and IPv6", test_ts },
	{ "CP", test_cp },
	{ "EAP", test_eap },
	{ "SKF", test_skf },
	{ "wrong view type", test_wrong_view_type },
	{ "unencodable structs", test_write_refuses_bad_structs },
	{ NULL, NULL },
};

const struct ut_suite ut_ike_payloads = { "ike/payloads", cases };

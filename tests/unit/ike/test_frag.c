/*
 * test_frag.c: RFC 7383 fragmentation: splitting an inner chain into SKF
 * messages, opening each, and reassembly in and out of order, with
 * duplicates, limits, timeouts and a changed total (2.6.1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_test.h"

#define MAXF 64

struct frags {
	uint8_t *fr_buf[MAXF];
	size_t fr_len[MAXF];
	size_t fr_n;
};

/* An IKE_AUTH inner chain of about 2.7 KB: a big CERT among the rest. */
static uint8_t *big_inner(size_t *len, uint8_t *first)
{
	struct ike_pld_id idi = { IKE_ID_FQDN, (const uint8_t *)"client.example.org", 18 };
	struct ike_pld_auth auth = { IKE_AUTH_DIGITAL_SIG, ut_nonce, sizeof(ut_nonce) };
	struct ike_pld_sa *sa = malloc(sizeof(*sa));
	uint8_t *data = malloc(2500), *out;
	struct ike_pld_cert cert = { IKE_CERT_X509_SIG, data, 2500 };
	struct ike_builder ib;
	struct ike_pld_ts ts;
	struct writer iw;

	for (size_t i = 0; i < 2500; i++)
		data[i] = (uint8_t)(i * 31 + 7);
	ut_sample_sa_esp(sa);
	ut_sample_ts(&ts);
	wr_init(&iw, UT_MSG_MAX);
	ike_build_inner_begin(&ib, &iw);
	ike_build_id(&ib, IKE_PLD_IDI, &idi);
	ike_build_cert(&ib, IKE_PLD_CERT, &cert);
	ike_build_auth(&ib, &auth);
	ike_build_sa(&ib, sa);
	ike_build_ts(&ib, IKE_PLD_TSI, &ts);
	ike_build_ts(&ib, IKE_PLD_TSR, &ts);
	CU_ASSERT_TRUE_FATAL(wr_ok(&iw));
	*first = ib.b_first;
	out = wr_take(&iw, len);
	free(data);
	free(sa);
	return out;
}

static void split(const uint8_t *inner, size_t len, uint8_t first, size_t frag_max,
		  const struct ike_sk_ops *ops, struct frags *fr)
{
	struct ike_hdr h;

	ut_hdr(&h, IKE_EXCH_AUTH, IKE_FLAG_INITIATOR, 1);
	CU_ASSERT_EQUAL_FATAL(ike_build_fragments(&h, first, inner, len, frag_max, ops, fr->fr_buf,
						  fr->fr_len, MAXF, &fr->fr_n),
			      0);
}

static void frags_free(struct frags *fr)
{
	for (size_t i = 0; i < fr->fr_n; i++)
		free(fr->fr_buf[i]);
	fr->fr_n = 0;
}

/* Open fragment i (in place) and hand it to the reassembler. */
static int feed(struct ike_reasm *r, struct frags *fr, size_t i, const struct ike_sk_ops *ops,
		uint64_t now, uint32_t msgid, uint8_t **out, size_t *out_len, uint8_t *out_first)
{
	uint8_t *copy = malloc(fr->fr_len[i]);
	const uint8_t *plain;
	size_t plain_len;
	struct ike_pld_skf f;
	struct ike_msg m;
	struct ike_err err;
	int rc;

	memcpy(copy, fr->fr_buf[i], fr->fr_len[i]);
	CU_ASSERT_EQUAL_FATAL(ike_msg_parse(copy, fr->fr_len[i], &m, &err), 0);
	CU_ASSERT_EQUAL_FATAL(
		ike_msg_open_skf(&m, copy, fr->fr_len[i], ops, &f, &plain, &plain_len, &err), 0);
	CU_ASSERT_EQUAL(f.f_num, i + 1);
	CU_ASSERT_EQUAL(f.f_total, fr->fr_n);
	rc = ike_reasm_add(r, msgid, &f, m.m_sk_first, plain, plain_len, now, out, out_len,
			   out_first);
	free(copy);
	return rc;
}

static const struct ike_frag_limits lim_default = { 16, 16384, 5000, 4 };

/* Feed fragments in the given order; all but the last give GW_E_AGAIN and
 * the last returns the inner chain. */
static void reassemble_order(const size_t *order)
{
	struct ike_sk_ops ops;
	struct mock_gcm g;
	struct frags fr;
	struct ike_reasm *r = ike_reasm_new(&lim_default);
	size_t len, out_len = 0;
	uint8_t first, out_first = 0, *out = NULL, *inner = big_inner(&len, &first);

	mock_gcm_init(&g, &ops, 1);
	split(inner, len, first, 576, &ops, &fr);
	CU_ASSERT_EQUAL_FATAL(fr.fr_n, 6);
	for (size_t k = 0; k < fr.fr_n; k++) {
		int rc = feed(r, &fr, order[k], &ops, 100 + k, 1, &out, &out_len, &out_first);

		CU_ASSERT_EQUAL(rc, k + 1 < fr.fr_n ? GW_E_AGAIN : 0);
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	CU_ASSERT_EQUAL(out_first, first);
	CU_ASSERT_EQUAL_FATAL(out_len, len);
	CU_ASSERT_EQUAL(memcmp(out, inner, len), 0);
	free(out);
	frags_free(&fr);
	ike_reasm_free(r);
	free(inner);
}

static void test_split_layout(void)
{
	struct ike_sk_ops ops;
	struct mock_gcm g;
	struct frags fr;
	size_t len;
	uint8_t first, *inner = big_inner(&len, &first);

	mock_gcm_init(&g, &ops, 1);
	split(inner, len, first, 576, &ops, &fr);
	for (size_t i = 0; i < fr.fr_n; i++) {
		struct ike_msg m;
		struct ike_pld_skf f;

		/* full fragments use all of frag_max (block size 1) */
		CU_ASSERT(i + 1 < fr.fr_n ? fr.fr_len[i] == 576 : fr.fr_len[i] <= 576);
		CU_ASSERT_EQUAL_FATAL(ike_msg_parse(fr.fr_buf[i], fr.fr_len[i], &m, NULL), 0);
		CU_ASSERT_EQUAL(m.m_hdr.h_next, IKE_PLD_SKF);
		CU_ASSERT_EQUAL(m.m_hdr.h_msgid, 1);
		CU_ASSERT_EQUAL(m.m_n, 1);
		CU_ASSERT_EQUAL(m.m_sk_first, i == 0 ? first : IKE_PLD_NONE);
		CU_ASSERT_EQUAL_FATAL(ike_pld_skf_parse(&m.m_pld[0], &f, NULL), 0);
		CU_ASSERT_EQUAL(f.f_num, i + 1);
		CU_ASSERT_EQUAL(f.f_total, fr.fr_n);
	}
	frags_free(&fr);
	/* CBC-like blocks: still within frag_max */
	mock_gcm_init(&g, &ops, 16);
	split(inner, len, first, 600, &ops, &fr);
	for (size_t i = 0; i < fr.fr_n; i++)
		CU_ASSERT(fr.fr_len[i] <= 600);
	frags_free(&fr);
	free(inner);
}

static void test_in_order(void)
{
	static const size_t order[] = { 0, 1, 2, 3, 4, 5 };

	reassemble_order(order);
}

static void test_out_of_order(void)
{
	static const size_t reverse[] = { 5, 4, 3, 2, 1, 0 };
	static const size_t mixed[] = { 3, 0, 5, 1, 4, 2 };

	reassemble_order(reverse);
	reassemble_order(mixed);
}

struct setup {
	struct ike_sk_ops s_ops;
	struct mock_gcm s_g;
	struct frags s_fr;
	uint8_t *s_inner, s_first;
	size_t s_len;
	struct ike_reasm *s_r;
};

static void setup_new(struct setup *s, const struct ike_frag_limits *lim, size_t frag_max)
{
	mock_gcm_init(&s->s_g, &s->s_ops, 1);
	s->s_inner = big_inner(&s->s_len, &s->s_first);
	split(s->s_inner, s->s_len, s->s_first, frag_max, &s->s_ops, &s->s_fr);
	s->s_r = ike_reasm_new(lim);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s->s_r);
}

static void setup_free(struct setup *s)
{
	frags_free(&s->s_fr);
	ike_reasm_free(s->s_r);
	free(s->s_inner);
}

/* Feed fragment i of s at time now; returns the rc, checks a completed
 * message against the inner chain. */
static int add(struct setup *s, size_t i, uint64_t now, uint32_t msgid)
{
	uint8_t *out = NULL, out_first;
	size_t out_len;
	int rc = feed(s->s_r, &s->s_fr, i, &s->s_ops, now, msgid, &out, &out_len, &out_first);

	if (rc == 0) {
		CU_ASSERT_EQUAL(out_len, s->s_len);
		CU_ASSERT_EQUAL(memcmp(out, s->s_inner, s->s_len), 0);
		CU_ASSERT_EQUAL(out_first, s->s_first);
	} else {
		CU_ASSERT_PTR_NULL(out);
	}
	free(out);
	return rc;
}

static void test_duplicates(void)
{
	struct setup s;

	setup_new(&s, &lim_default, 576);
	CU_ASSERT_EQUAL(add(&s, 0, 1, 1), GW_E_AGAIN);
	CU_ASSERT_EQUAL(add(&s, 0, 2, 1), GW_E_AGAIN);
	for (size_t i = 1; i + 1 < s.s_fr.fr_n; i++) {
		CU_ASSERT_EQUAL(add(&s, i, 3, 1), GW_E_AGAIN);
		CU_ASSERT_EQUAL(add(&s, i, 4, 1), GW_E_AGAIN);
	}
	CU_ASSERT_EQUAL(add(&s, s.s_fr.fr_n - 1, 5, 1), 0);
	/* a retransmitted fragment after completion starts afresh */
	CU_ASSERT_EQUAL(add(&s, 2, 6, 1), GW_E_AGAIN);
	setup_free(&s);
}

static void test_too_many_fragments(void)
{
	struct ike_frag_limits lim = { 5, 16384, 5000, 4 };
	struct setup s;

	setup_new(&s, &lim, 576); /* 6 fragments */
	CU_ASSERT_EQUAL(add(&s, 0, 1, 1), GW_E_RANGE);
	CU_ASSERT_EQUAL(add(&s, 3, 1, 1), GW_E_RANGE);
	setup_free(&s);
}

static void test_too_big(void)
{
	struct ike_frag_limits lim = { 16, 1200, 5000, 1 };
	struct setup s;

	setup_new(&s, &lim, 576); /* 515 bytes per fragment */
	CU_ASSERT_EQUAL(add(&s, 0, 1, 1), GW_E_AGAIN);
	CU_ASSERT_EQUAL(add(&s, 1, 1, 1), GW_E_AGAIN);
	CU_ASSERT_EQUAL(add(&s, 2, 1, 1), GW_E_RANGE);
	/* the partial message is gone: its one slot is free for another */
	CU_ASSERT_EQUAL(add(&s, 0, 2, 7), GW_E_AGAIN);
	setup_free(&s);
}

static void test_timeout(void)
{
	struct ike_frag_limits lim = { 16, 16384, 1000, 4 };
	struct setup s;
	size_t n;

	setup_new(&s, &lim, 576);
	n = s.s_fr.fr_n;
	CU_ASSERT_EQUAL(add(&s, 0, 10000, 1), GW_E_AGAIN);
	/* more than 1000 ms later the partial message is dropped first */
	CU_ASSERT_EQUAL(add(&s, 1, 11001, 1), GW_E_AGAIN);
	for (size_t i = 2; i < n; i++)
		CU_ASSERT_EQUAL(add(&s, i, 11002, 1), GW_E_AGAIN);
	CU_ASSERT_EQUAL(add(&s, 0, 11003, 1), 0);
	/* ike_reasm_expire() alone; exactly the timeout still counts as live */
	CU_ASSERT_EQUAL(add(&s, 0, 20000, 2), GW_E_AGAIN);
	ike_reasm_expire(s.s_r, 21000);
	for (size_t i = 1; i < n; i++)
		CU_ASSERT_EQUAL(add(&s, i, 21000, 2), i + 1 < n ? GW_E_AGAIN : 0);
	CU_ASSERT_EQUAL(add(&s, 0, 30000, 3), GW_E_AGAIN);
	ike_reasm_expire(s.s_r, 31001);
	for (size_t i = 1; i < n; i++)
		CU_ASSERT_EQUAL(add(&s, i, 31001, 3), GW_E_AGAIN);
	setup_free(&s);
}

static void test_max_pending(void)
{
	struct ike_frag_limits lim = { 16, 16384, 5000, 2 };
	struct setup s;

	setup_new(&s, &lim, 576);
	CU_ASSERT_EQUAL(add(&s, 0, 1, 1), GW_E_AGAIN);
	CU_ASSERT_EQUAL(add(&s, 0, 1, 2), GW_E_AGAIN);
	CU_ASSERT_EQUAL(add(&s, 0, 1, 3), GW_E_RANGE);
	for (size_t i = 1; i < s.s_fr.fr_n; i++)
		CU_ASSERT_EQUAL(add(&s, i, 2, 1), i + 1 < s.s_fr.fr_n ? GW_E_AGAIN : 0);
	CU_ASSERT_EQUAL(add(&s, 0, 3, 3), GW_E_AGAIN);
	setup_free(&s);
}

/* RFC 7383 2.6.1: a larger total replaces what was collected (the sender
 * went to smaller fragments); a smaller total is a stale fragment. */
static void test_changed_total(void)
{
	struct setup s;
	struct frags big;
	size_t n;

	setup_new(&s, &lim_default, 576); /* 6 fragments */
	n = s.s_fr.fr_n;
	split(s.s_inner, s.s_len, s.s_first, 1300, &s.s_ops, &big); /* 3 fragments */
	CU_ASSERT_EQUAL_FATAL(big.fr_n, 3);

	/* 2 of 3 collected, then the 6-fragment version: it wins */
	CU_ASSERT_EQUAL(feed(s.s_r, &big, 0, &s.s_ops, 1, 1, &(uint8_t *){ NULL }, &(size_t){ 0 },
			     &(uint8_t){ 0 }),
			GW_E_AGAIN);
	CU_ASSERT_EQUAL(feed(s.s_r, &big, 1, &s.s_ops, 1, 1, &(uint8_t *){ NULL }, &(size_t){ 0 },
			     &(uint8_t){ 0 }),
			GW_E_AGAIN);
	for (size_t i = 0; i < n; i++)
		CU_ASSERT_EQUAL(add(&s, i, 2, 1), i + 1 < n ? GW_E_AGAIN : 0);

	/* 6-fragment version under way: a 3-fragment one is ignored */
	CU_ASSERT_EQUAL(add(&s, 0, 3, 2), GW_E_AGAIN);
	CU_ASSERT_EQUAL(feed(s.s_r, &big, 1, &s.s_ops, 3, 2, &(uint8_t *){ NULL }, &(size_t){ 0 },
			     &(uint8_t){ 0 }),
			GW_E_AGAIN);
	CU_ASSERT_EQUAL(feed(s.s_r, &big, 2, &s.s_ops, 3, 2, &(uint8_t *){ NULL }, &(size_t){ 0 },
			     &(uint8_t){ 0 }),
			GW_E_AGAIN);
	for (size_t i = 1; i < n; i++)
		CU_ASSERT_EQUAL(add(&s, i, 4, 2), i + 1 < n ? GW_E_AGAIN : 0);
	frags_free(&big);
	setup_free(&s);
}

static void test_build_limits(void)
{
	struct ike_sk_ops ops;
	struct mock_gcm g;
	struct ike_hdr h;
	uint8_t *bufs[8], first, *inner;
	size_t lens[8], n = 99, len;

	mock_gcm_init(&g, &ops, 1);
	inner = big_inner(&len, &first);
	ut_hdr(&h, IKE_EXCH_AUTH, IKE_FLAG_INITIATOR, 1);
	/* header + SKF + IV + ICV + pad length need 61 bytes */
	CU_ASSERT_EQUAL(ike_build_fragments(&h, first, inner, len, 61, &ops, bufs, lens, 8, &n),
			GW_E_RANGE);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL(ike_build_fragments(&h, first, inner, 1, 62, &ops, bufs, lens, 8, &n), 0);
	CU_ASSERT_EQUAL(n, 1);
	free(bufs[0]);
	/* 6 fragments do not fit in 5 slots */
	CU_ASSERT_EQUAL(ike_build_fragments(&h, first, inner, len, 576, &ops, bufs, lens, 5, &n),
			GW_E_RANGE);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL(ike_build_fragments(&h, first, inner, 0, 576, &ops, bufs, lens, 8, &n),
			GW_E_INVAL);
	free(inner);
}

static void test_open_skf_checks(void)
{
	struct ike_sk_ops ops;
	struct mock_gcm g;
	struct frags fr;
	struct ike_pld_skf f;
	struct ike_msg m;
	struct ike_err err;
	const uint8_t *plain;
	size_t plain_len, len;
	uint8_t first, *inner = big_inner(&len, &first);

	mock_gcm_init(&g, &ops, 1);
	split(inner, len, first, 576, &ops, &fr);
	/* the fragment numbers are authenticated (2.5.3) */
	fr.fr_buf[1][IKE_HDR_LEN + 5] ^= 1;
	CU_ASSERT_EQUAL_FATAL(ike_msg_parse(fr.fr_buf[1], fr.fr_len[1], &m, &err), 0);
	CU_ASSERT_EQUAL(ike_msg_open_skf(&m, fr.fr_buf[1], fr.fr_len[1], &ops, &f, &plain,
					 &plain_len, &err),
			GW_E_AUTH);
	CU_ASSERT_EQUAL(err.e_pld, IKE_PLD_SKF);
	fr.fr_buf[2][fr.fr_len[2] - 1] ^= 1; /* ICV */
	CU_ASSERT_EQUAL_FATAL(ike_msg_parse(fr.fr_buf[2], fr.fr_len[2], &m, &err), 0);
	CU_ASSERT_EQUAL(ike_msg_open_skf(&m, fr.fr_buf[2], fr.fr_len[2], &ops, &f, &plain,
					 &plain_len, &err),
			GW_E_AUTH);
	/* SK is not SKF, and SKF is not SK */
	CU_ASSERT_EQUAL(ike_msg_open_sk(&m, fr.fr_buf[2], fr.fr_len[2], &ops, &err), GW_E_INVAL);
	frags_free(&fr);
	free(inner);
}

static void test_reasm_args(void)
{
	struct ike_frag_limits zero = { 0, 1, 1, 1 }, lim = { 4, 100, 10, 1 };
	struct ike_pld_skf bad = { 0, 2, NULL, 0 }, over = { 3, 2, NULL, 0 };
	struct ike_reasm *r;
	uint8_t *out = NULL, first;
	size_t len;

	CU_ASSERT_PTR_NULL(ike_reasm_new(&zero));
	ike_reasm_free(NULL);
	r = ike_reasm_new(&lim);
	CU_ASSERT_EQUAL(ike_reasm_add(r, 1, &bad, 0, NULL, 0, 0, &out, &len, &first), GW_E_PARSE);
	CU_ASSERT_EQUAL(ike_reasm_add(r, 1, &over, 0, NULL, 0, 0, &out, &len, &first), GW_E_PARSE);
	/* a single fragment of nothing is a complete, empty chain */
	bad.f_num = 1;
	bad.f_total = 1;
	CU_ASSERT_EQUAL(ike_reasm_add(r, 1, &bad, 0, NULL, 0, 0, &out, &len, &first), 0);
	CU_ASSERT_EQUAL(len, 0);
	free(out);
	ike_reasm_free(r);
}

/* Fuzz seeds: fragments with the identity cipher, one seed per fragment,
 * plus the reassembly input format of the fuzz target. */
static void test_dump_corpus(void)
{
	struct ike_sk_ops ops;
	struct frags fr;
	struct writer wr;
	size_t len;
	uint8_t first, *inner = big_inner(&len, &first);
	char name[32];

	null_sk_ops(&ops);
	split(inner, len, first, 1300, &ops, &fr);
	for (size_t i = 0; i < fr.fr_n; i++) {
		snprintf(name, sizeof(name), "skf_%zu.bin", i + 1);
		ut_dump(name, fr.fr_buf[i], fr.fr_len[i]);
	}
	/* first type, then records (number, total, 16-bit length, bytes),
	 * here the chain in three pieces, last piece first */
	wr_init(&wr, UT_MSG_MAX);
	wr_u8(&wr, first);
	for (size_t i = 3; i-- > 0;) {
		size_t from = i * (len / 3), n = i == 2 ? len - from : len / 3;

		wr_u8(&wr, (uint8_t)(i + 1));
		wr_u8(&wr, 3);
		wr_u16(&wr, (uint16_t)n);
		wr_bytes(&wr, inner + from, n);
	}
	ut_dump("reasm.bin", wr_data(&wr), wr_len(&wr));
	wr_free(&wr);
	frags_free(&fr);
	free(inner);
}

static const struct ut_case cases[] = {
	{ "fragment layout", test_split_layout },
	{ "reassemble in order", test_in_order },
	{ "reassemble out of order", test_out_of_order },
	{ "duplicates ignored", test_duplicates },
	{ "too many fragments", test_too_many_fragments },
	{ "too many bytes", test_too_big },
	{ "timeout", test_timeout },
	{ "messages under reassembly", test_max_pending },
	{ "changed total, both ways", test_changed_total },
	{ "fragment building limits", test_build_limits },
	{ "SKF integrity", test_open_skf_checks },
	{ "reassembly arguments", test_reasm_args },
	{ "fuzz seeds", test_dump_corpus },
	{ NULL, NULL },
};

const struct ut_suite ut_ike_frag = { "ike/fragments", cases };

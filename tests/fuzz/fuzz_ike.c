/*
 * fuzz_ike.c: libFuzzer target for the IKE codec (gateway/ike). Each input
 * is used four ways:
 *  1. a datagram: ike_msg_parse(), every payload decoded, the rules run, an
 *     SK or SKF payload opened with an identity cipher;
 *  2. a decrypted SK inner chain (first byte = first payload type);
 *  3. a stream of fragments fed to a reassembler with small limits;
 *  4. a plaintext split by ike_build_fragments() and reassembled.
 * Every payload that decodes is encoded, decoded again and compared: the
 * structs must match and a second encoding must equal the first, so codec
 * asymmetries abort. The identity cipher (IV 8, ICV 16, block 1) is the
 * one the unit tests use to write the seed corpus (fuzz_ike.in/).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/ike.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_ike: %s\n", what);
		abort();
	}
}

static bool bytes_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* 3.3.6: unknown attributes are flagged on decode and not re-encoded, so
 * t_unknown_attr is the one field allowed to differ. */
static bool sa_eq(const struct ike_pld_sa *a, const struct ike_pld_sa *b)
{
	if (a->sa_n != b->sa_n)
		return false;
	for (unsigned i = 0; i < a->sa_n; i++) {
		const struct ike_proposal *x = &a->sa_prop[i], *y = &b->sa_prop[i];

		if (x->pr_num != y->pr_num || x->pr_proto != y->pr_proto || x->pr_n != y->pr_n ||
		    !bytes_eq(x->pr_spi, x->pr_spi_len, y->pr_spi, y->pr_spi_len))
			return false;
		for (unsigned j = 0; j < x->pr_n; j++)
			if (x->pr_xf[j].t_type != y->pr_xf[j].t_type ||
			    x->pr_xf[j].t_id != y->pr_xf[j].t_id ||
			    x->pr_xf[j].t_keylen != y->pr_xf[j].t_keylen ||
			    y->pr_xf[j].t_unknown_attr)
				return false;
	}
	return true;
}

static bool ke_eq(const struct ike_pld_ke *a, const struct ike_pld_ke *b)
{
	return a->ke_group == b->ke_group && bytes_eq(a->ke_data, a->ke_len, b->ke_data, b->ke_len);
}

static bool id_eq(const struct ike_pld_id *a, const struct ike_pld_id *b)
{
	return a->id_type == b->id_type && bytes_eq(a->id_data, a->id_len, b->id_data, b->id_len);
}

static bool cert_eq(const struct ike_pld_cert *a, const struct ike_pld_cert *b)
{
	return a->c_enc == b->c_enc && bytes_eq(a->c_data, a->c_len, b->c_data, b->c_len);
}

static bool auth_eq(const struct ike_pld_auth *a, const struct ike_pld_auth *b)
{
	return a->a_method == b->a_method && bytes_eq(a->a_data, a->a_len, b->a_data, b->a_len);
}

static bool nonce_eq(const struct ike_pld_nonce *a, const struct ike_pld_nonce *b)
{
	return bytes_eq(a->n_data, a->n_len, b->n_data, b->n_len);
}

static bool notify_eq(const struct ike_pld_notify *a, const struct ike_pld_notify *b)
{
	return a->n_proto == b->n_proto && a->n_type == b->n_type &&
	       bytes_eq(a->n_spi, a->n_spi_len, b->n_spi, b->n_spi_len) &&
	       bytes_eq(a->n_data, a->n_len, b->n_data, b->n_len);
}

static bool delete_eq(const struct ike_pld_delete *a, const struct ike_pld_delete *b)
{
	return a->d_proto == b->d_proto && a->d_spi_len == b->d_spi_len && a->d_n == b->d_n &&
	       bytes_eq(a->d_spis, (size_t)a->d_n * a->d_spi_len, b->d_spis,
			(size_t)b->d_n * b->d_spi_len);
}

static bool vendor_eq(const struct ike_pld_vendor *a, const struct ike_pld_vendor *b)
{
	return bytes_eq(a->v_data, a->v_len, b->v_data, b->v_len);
}

static bool ts_eq(const struct ike_pld_ts *a, const struct ike_pld_ts *b)
{
	if (a->ts_n != b->ts_n)
		return false;
	for (unsigned i = 0; i < a->ts_n; i++) {
		const struct ike_ts *x = &a->ts[i], *y = &b->ts[i];
		size_t alen = x->ts_type == IKE_TS_IPV4_ADDR_RANGE ? 4 : 16;

		if (x->ts_type != y->ts_type || x->ts_proto != y->ts_proto ||
		    x->ts_port_start != y->ts_port_start || x->ts_port_end != y->ts_port_end ||
		    memcmp(x->ts_addr_start, y->ts_addr_start, alen) != 0 ||
		    memcmp(x->ts_addr_end, y->ts_addr_end, alen) != 0)
			return false;
	}
	return true;
}

static bool cp_eq(const struct ike_pld_cp *a, const struct ike_pld_cp *b)
{
	if (a->cp_type != b->cp_type || a->cp_n != b->cp_n)
		return false;
	for (unsigned i = 0; i < a->cp_n; i++)
		if (a->cp_attr[i].ca_type != b->cp_attr[i].ca_type ||
		    !bytes_eq(a->cp_attr[i].ca_data, a->cp_attr[i].ca_len, b->cp_attr[i].ca_data,
			      b->cp_attr[i].ca_len))
			return false;
	return true;
}

static bool eap_eq(const struct ike_pld_eap *a, const struct ike_pld_eap *b)
{
	return a->e_code == b->e_code && a->e_id == b->e_id && a->e_type == b->e_type &&
	       bytes_eq(a->e_data, a->e_len, b->e_data, b->e_len);
}

/*
 * decode(p) = a; encode(a) = w1; decode(w1) = b; a == b; encode(b) = w2;
 * w1 == w2. One function per payload struct, generated: the pattern is
 * the same for every type and must not drift between copies.
 */
#define ROUNDTRIP(name, type_t, parse_fn, write_fn, eq_fn)                                      \
	static void rt_##name(const struct ike_pld *p)                                          \
	{                                                                                       \
		type_t *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));                  \
		struct writer w1, w2;                                                           \
		struct ike_pld q = *p;                                                          \
                                                                                                \
		require(a &&b, "out of memory");                                                \
		wr_init(&w1, IKE_MSG_MAX);                                                      \
		wr_init(&w2, IKE_MSG_MAX);                                                      \
		if (parse_fn(p, a, NULL) == 0) {                                                \
			write_fn(&w1, a);                                                       \
			require(wr_ok(&w1), #name ": cannot encode what was decoded");          \
			q.p_body = wr_data(&w1);                                                \
			q.p_len = wr_len(&w1);                                                  \
			require(parse_fn(&q, b, NULL) == 0, #name ": own encoding refused");    \
			require(eq_fn(a, b), #name ": struct changed in the round trip");       \
			write_fn(&w2, b);                                                       \
			require(bytes_eq(wr_data(&w1), wr_len(&w1), wr_data(&w2), wr_len(&w2)), \
				#name ": encoding not stable");                                 \
		}                                                                               \
		wr_free(&w1);                                                                   \
		wr_free(&w2);                                                                   \
		free(a);                                                                        \
		free(b);                                                                        \
	}

ROUNDTRIP(sa, struct ike_pld_sa, ike_pld_sa_parse, ike_pld_sa_write, sa_eq)
ROUNDTRIP(ke, struct ike_pld_ke, ike_pld_ke_parse, ike_pld_ke_write, ke_eq)
ROUNDTRIP(id, struct ike_pld_id, ike_pld_id_parse, ike_pld_id_write, id_eq)
ROUNDTRIP(cert, struct ike_pld_cert, ike_pld_cert_parse, ike_pld_cert_write, cert_eq)
ROUNDTRIP(auth, struct ike_pld_auth, ike_pld_auth_parse, ike_pld_auth_write, auth_eq)
ROUNDTRIP(nonce, struct ike_pld_nonce, ike_pld_nonce_parse, ike_pld_nonce_write, nonce_eq)
ROUNDTRIP(notify, struct ike_pld_notify, ike_pld_notify_parse, ike_pld_notify_write, notify_eq)
ROUNDTRIP(delete, struct ike_pld_delete, ike_pld_delete_parse, ike_pld_delete_write, delete_eq)
ROUNDTRIP(vendor, struct ike_pld_vendor, ike_pld_vendor_parse, ike_pld_vendor_write, vendor_eq)
ROUNDTRIP(ts, struct ike_pld_ts, ike_pld_ts_parse, ike_pld_ts_write, ts_eq)
ROUNDTRIP(cp, struct ike_pld_cp, ike_pld_cp_parse, ike_pld_cp_write, cp_eq)
ROUNDTRIP(eap, struct ike_pld_eap, ike_pld_eap_parse, ike_pld_eap_write, eap_eq)

/* Every decoder once, and ike_pld_reencode() agreeing with the pair. */
static void payload_check(const struct ike_pld *p)
{
	struct ike_pld_skf f;
	struct ike_err err;
	struct writer wr;
	char buf[160];
	int rc;

	switch (p->p_type) {
	case IKE_PLD_SA:
		rt_sa(p);
		break;
	case IKE_PLD_KE:
		rt_ke(p);
		break;
	case IKE_PLD_IDI:
	case IKE_PLD_IDR:
		rt_id(p);
		break;
	case IKE_PLD_CERT:
	case IKE_PLD_CERTREQ:
		rt_cert(p);
		break;
	case IKE_PLD_AUTH:
		rt_auth(p);
		break;
	case IKE_PLD_NONCE:
		rt_nonce(p);
		break;
	case IKE_PLD_NOTIFY:
		rt_notify(p);
		break;
	case IKE_PLD_DELETE:
		rt_delete(p);
		break;
	case IKE_PLD_VENDOR:
		rt_vendor(p);
		break;
	case IKE_PLD_TSI:
	case IKE_PLD_TSR:
		rt_ts(p);
		break;
	case IKE_PLD_CP:
		rt_cp(p);
		break;
	case IKE_PLD_EAP:
		rt_eap(p);
		break;
	case IKE_PLD_SKF:
		(void)ike_pld_skf_parse(p, &f, NULL);
		break;
	}
	wr_init(&wr, IKE_MSG_MAX);
	rc = ike_pld_reencode(p, &wr, &err);
	if (rc != 0) {
		require(err.e_pld == p->p_type && err.e_off == p->p_off,
			"error not at the payload");
		ike_err_str(&err, buf, sizeof(buf));
	}
	wr_free(&wr);
}

static void msg_check(const struct ike_msg *m, size_t from)
{
	struct ike_err err;
	char buf[160];

	for (size_t i = from; i < m->m_n; i++)
		payload_check(&m->m_pld[i]);
	if (ike_msg_check_rules(m, &err) != 0)
		ike_err_str(&err, buf, sizeof(buf));
	(void)ike_msg_find_notify(m, IKE_N_COOKIE);
}

static int null_seal(void *ctx, uint8_t *msg, size_t iv_off, size_t ct_len, bool gen_iv)
{
	if (gen_iv)
		memset(msg + iv_off, 0x11, 8);
	return 0;
}

static int null_open(void *ctx, uint8_t *msg, size_t iv_off, size_t ct_len)
{
	return 0;
}

static const struct ike_sk_ops null_ops = { 8, 16, 1, null_seal, null_open, NULL };
static const struct ike_frag_limits limits = { 8, 4096, 1000, 2 };

/* Mode 1: a datagram. */
static void fuzz_message(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1), *out = NULL, first;
	struct ike_reasm *r = ike_reasm_new(&limits);
	const uint8_t *plain;
	size_t plain_len, n_outer, out_len;
	struct ike_pld_skf f;
	struct ike_err err;
	struct ike_msg m;
	char s[160];

	require(buf && r, "out of memory");
	if (size)
		memcpy(buf, data, size);
	if (ike_msg_parse(buf, size, &m, &err) != 0) {
		ike_err_str(&err, s, sizeof(s));
		goto out;
	}
	n_outer = m.m_n;
	msg_check(&m, 0);
	if (m.m_sk < 0)
		goto out;
	if (m.m_pld[m.m_sk].p_type == IKE_PLD_SK) {
		if (ike_msg_open_sk(&m, buf, size, &null_ops, &err) == 0)
			msg_check(&m, n_outer);
	} else if (ike_msg_open_skf(&m, buf, size, &null_ops, &f, &plain, &plain_len, &err) == 0 &&
		   ike_reasm_add(r, m.m_hdr.h_msgid, &f, m.m_sk_first, plain, plain_len, 0, &out,
				 &out_len, &first) == 0 &&
		   ike_msg_parse_inner(&m, first, out, out_len, 0, &err) == 0) {
		msg_check(&m, n_outer);
	}
out:
	free(out);
	ike_reasm_free(r);
	free(buf);
}

/* Mode 2: an inner chain, as after decryption. */
static void fuzz_inner(const uint8_t *data, size_t size)
{
	struct ike_msg m = { .m_n = 0, .m_sk = 0 };

	if (size < 1)
		return;
	m.m_hdr.h_exch = (uint8_t)(IKE_EXCH_AUTH + (data[0] & 3));
	m.m_hdr.h_flags = data[0] & IKE_FLAG_RESPONSE;
	if (ike_msg_parse_inner(&m, data[0], data + 1, size - 1, 40, NULL) == 0)
		msg_check(&m, 0);
}

/* Mode 3: records (number | msgid bit, total, 16-bit length, bytes). */
static void fuzz_reasm(const uint8_t *data, size_t size)
{
	struct ike_reasm *r = ike_reasm_new(&limits);
	struct reader rd;
	uint64_t now = 0;
	uint8_t first;

	require(r != NULL, "out of memory");
	rd_init(&rd, data, size);
	first = rd_u8(&rd);
	while (rd_left(&rd) >= 4) {
		uint8_t num = rd_u8(&rd), *out = NULL, out_first;
		struct ike_pld_skf f = { (uint16_t)(num & 0x7f), rd_u8(&rd), NULL, 0 };
		size_t len = rd_u16(&rd), out_len;
		const uint8_t *plain;
		struct ike_msg m = { .m_n = 0, .m_sk = 0 };

		len = len < rd_left(&rd) ? len : rd_left(&rd);
		plain = rd_bytes(&rd, len);
		now += 300;
		if (ike_reasm_add(r, num >> 7, &f, first, plain, len, now, &out, &out_len,
				  &out_first) == 0) {
			require(out_len <= limits.fl_max_total, "reassembly over its limit");
			m.m_hdr.h_exch = IKE_EXCH_AUTH;
			if (ike_msg_parse_inner(&m, out_first, out, out_len, 0, NULL) == 0)
				msg_check(&m, 0);
		}
		free(out);
	}
	ike_reasm_free(r);
}

/* Mode 4: fragmenting and reassembling gives the input back. */
static void fuzz_split(const uint8_t *data, size_t size)
{
	uint8_t *frags[64], *out = NULL, out_first = 0;
	size_t lens[64], n = 0, out_len = 0, frag_max = 80 + (size ? data[0] : 0) * 4;
	struct ike_frag_limits lim = { 64, 65536, 1000, 1 };
	struct ike_reasm *r;
	struct ike_hdr h = { 1, 2, 0, IKE_VERSION_2, IKE_EXCH_AUTH, 0, 7, 0 };
	int rc = GW_E_AGAIN;

	if (size == 0 || size > 8192 ||
	    ike_build_fragments(&h, IKE_PLD_VENDOR, data, size, frag_max, &null_ops, frags, lens,
				64, &n) != 0)
		return;
	require((r = ike_reasm_new(&lim)) != NULL, "out of memory");
	for (size_t i = n; i-- > 0;) {
		struct ike_pld_skf f;
		const uint8_t *plain = NULL;
		size_t plain_len = 0;
		struct ike_msg m;

		require(lens[i] <= frag_max, "fragment over frag_max");
		require(ike_msg_parse(frags[i], lens[i], &m, NULL) == 0, "own fragment unparsed");
		require(ike_msg_open_skf(&m, frags[i], lens[i], &null_ops, &f, &plain, &plain_len,
					 NULL) == 0,
			"own fragment refused");
		rc = ike_reasm_add(r, 7, &f, m.m_sk_first, plain, plain_len, 0, &out, &out_len,
				   &out_first);
		free(frags[i]);
	}
	require(rc == 0 && out_first == IKE_PLD_VENDOR && bytes_eq(out, out_len, data, size),
		"reassembly differs from the input");
	free(out);
	ike_reasm_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_message(data, size);
	fuzz_inner(data, size);
	fuzz_reasm(data, size);
	fuzz_split(data, size);
	return 0;
}

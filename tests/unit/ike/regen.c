/*
 * regen.c: decode every payload of a message into its struct and build the
 * message again with ike_build_*(): the generate half of the
 * generate -> parse -> generate round trip.
 */
#include <stdlib.h>
#include <string.h>

#include "ike_test.h"

static int rebuild_small(struct ike_builder *b, const struct ike_pld *p)
{
	union {
		struct ike_pld_ke ke;
		struct ike_pld_id id;
		struct ike_pld_cert cert;
		struct ike_pld_auth auth;
		struct ike_pld_nonce nonce;
		struct ike_pld_notify n;
		struct ike_pld_delete d;
		struct ike_pld_vendor v;
		struct ike_pld_eap eap;
	} u;
	int rc;

	switch (p->p_type) {
	case IKE_PLD_KE:
		if ((rc = ike_pld_ke_parse(p, &u.ke, NULL)) == 0)
			ike_build_ke(b, &u.ke);
		return rc;
	case IKE_PLD_IDI:
	case IKE_PLD_IDR:
		if ((rc = ike_pld_id_parse(p, &u.id, NULL)) == 0)
			ike_build_id(b, p->p_type, &u.id);
		return rc;
	case IKE_PLD_CERT:
	case IKE_PLD_CERTREQ:
		if ((rc = ike_pld_cert_parse(p, &u.cert, NULL)) == 0)
			ike_build_cert(b, p->p_type, &u.cert);
		return rc;
	case IKE_PLD_AUTH:
		if ((rc = ike_pld_auth_parse(p, &u.auth, NULL)) == 0)
			ike_build_auth(b, &u.auth);
		return rc;
	case IKE_PLD_NONCE:
		if ((rc = ike_pld_nonce_parse(p, &u.nonce, NULL)) == 0)
			ike_build_nonce(b, &u.nonce);
		return rc;
	case IKE_PLD_NOTIFY:
		if ((rc = ike_pld_notify_parse(p, &u.n, NULL)) == 0)
			ike_build_notify(b, &u.n);
		return rc;
	case IKE_PLD_DELETE:
		if ((rc = ike_pld_delete_parse(p, &u.d, NULL)) == 0)
			ike_build_delete(b, &u.d);
		return rc;
	case IKE_PLD_VENDOR:
		if ((rc = ike_pld_vendor_parse(p, &u.v, NULL)) == 0)
			ike_build_vendor(b, &u.v);
		return rc;
	case IKE_PLD_EAP:
		if ((rc = ike_pld_eap_parse(p, &u.eap, NULL)) == 0)
			ike_build_eap(b, &u.eap);
		return rc;
	}
	ike_build_raw(b, p->p_type, p->p_critical, p->p_body, p->p_len);
	return 0;
}

static int rebuild(struct ike_builder *b, const struct ike_pld *p)
{
	struct ike_pld_sa *sa;
	struct ike_pld_ts ts;
	struct ike_pld_cp cp;
	int rc;

	switch (p->p_type) {
	case IKE_PLD_SA:
		if (!(sa = malloc(sizeof(*sa))))
			return GW_E_NOMEM;
		if ((rc = ike_pld_sa_parse(p, sa, NULL)) == 0)
			ike_build_sa(b, sa);
		free(sa);
		return rc;
	case IKE_PLD_TSI:
	case IKE_PLD_TSR:
		if ((rc = ike_pld_ts_parse(p, &ts, NULL)) == 0)
			ike_build_ts(b, p->p_type, &ts);
		return rc;
	case IKE_PLD_CP:
		if ((rc = ike_pld_cp_parse(p, &cp, NULL)) == 0)
			ike_build_cp(b, &cp);
		return rc;
	}
	return rebuild_small(b, p);
}

/* The inner payloads (from index first on) sealed with the IV received. */
static int regen_sk(struct ike_builder *b, const struct ike_msg *msg, size_t first,
		    const uint8_t *iv, const struct ike_sk_ops *ops)
{
	struct ike_builder ib;
	struct writer iw;
	int rc = 0;

	wr_init(&iw, UT_MSG_MAX);
	ike_build_inner_begin(&ib, &iw);
	for (size_t i = first; i < msg->m_n && rc == 0; i++)
		rc = rebuild(&ib, &msg->m_pld[i]);
	if (rc == 0 && (rc = ike_build_end(&ib)) == 0)
		rc = ike_build_sk(b, ib.b_first, wr_data(&iw), wr_len(&iw), ops, iv);
	wr_free(&iw);
	return rc;
}

int ut_msg_regen(uint8_t *buf, size_t len, const struct ike_sk_ops *ops, uint8_t **out,
		 size_t *out_len)
{
	struct ike_msg msg;
	struct ike_builder b;
	struct writer wr;
	uint8_t iv[64];
	size_t n_outer;
	int rc;

	if ((rc = ike_msg_parse(buf, len, &msg, NULL)) != 0)
		return rc;
	n_outer = msg.m_n;
	if (msg.m_sk >= 0) {
		const struct ike_pld *sk = &msg.m_pld[msg.m_sk];

		if (sk->p_len < ops->sk_iv_len || ops->sk_iv_len > sizeof(iv))
			return GW_E_PARSE;
		memcpy(iv, sk->p_body, ops->sk_iv_len);
		if ((rc = ike_msg_open_sk(&msg, buf, len, ops, NULL)) != 0)
			return rc;
	}
	wr_init(&wr, UT_MSG_MAX);
	ike_build_begin(&b, &wr, &msg.m_hdr);
	for (size_t i = 0; i < n_outer && rc == 0; i++)
		if ((int)i != msg.m_sk)
			rc = rebuild(&b, &msg.m_pld[i]);
	if (rc == 0)
		rc = msg.m_sk >= 0 ? regen_sk(&b, &msg, n_outer, iv, ops) : ike_build_end(&b);
	if (rc == 0 && !(*out = wr_take(&wr, out_len)))
		rc = GW_E_NOMEM;
	wr_free(&wr);
	return rc;
}

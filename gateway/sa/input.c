/*
 * A message for an existing IKE SA (caller holds checkout): message-ID
 * window (RFC 7296 2.3, window size 1), retransmitted requests answered
 * from the cached response (2.1), SK decryption or RFC 7383 reassembly,
 * the payload rules, then the exchange. A message that fails integrity
 * changes nothing (2.21.2).
 */
#include <stdlib.h>
#include <string.h>

#include "sa/sa_int.h"
#include "util/err.h"
#include "util/log.h"

static const struct ike_frag_limits frag_limits = {
	.fl_max_frags = 64,
	.fl_max_total = 64 * 1024,
	.fl_timeout_ms = 30000,
	.fl_max_pending = 2,
};

/* The peer's SPI must match too (2.21.4): a message for our SPI that names
 * another SA of the peer is not ours. */
static bool spis_match(const struct ike_sa *sa, const struct ike_hdr *h)
{
	if (h->h_spi_i != sa->s_spi_i)
		return false;
	/* the IKE_SA_INIT response brings the responder's SPI */
	return h->h_spi_r == sa->s_spi_r || (sa->s_state == IKE_ST_INIT_SENT && sa->s_spi_r == 0);
}

/* RFC 7383 2.6.1: of a retransmitted fragmented request, only fragment 1
 * triggers the retransmission of our response; the others are ignored
 * (each would send the whole response again). */
static bool resend_trigger(const struct ike_msg *msg)
{
	struct ike_pld_skf f;

	if (msg->m_sk < 0 || msg->m_pld[msg->m_sk].p_type != IKE_PLD_SKF)
		return true;
	return !ike_pld_skf_parse(&msg->m_pld[msg->m_sk], &f, NULL) && f.f_num == 1;
}

/* Window checks; false when the message is handled (resent) or dropped. */
static bool window_ok(struct sa_engine *e, struct ike_sa *sa, const struct ike_msg *msg)
{
	const struct ike_hdr *h = &msg->m_hdr;
	bool response = h->h_flags & IKE_FLAG_RESPONSE;

	if (response) { /* late, duplicate or unsolicited responses are ignored */
		if (sa->s_req.w_n && h->h_msgid == sa->s_req.w_msgid)
			return true;
	} else if (h->h_msgid == sa->s_msgid_in) {
		return true;
	} else if (h->h_msgid + 1 == sa->s_msgid_in && sa->s_rsp.w_n &&
		   sa->s_rsp.w_msgid == h->h_msgid) {
		if (resend_trigger(msg))
			sa_resend_response(e, sa);
		return false;
	}
	sa_drop_count(e, SA_DROP_MESSAGE_ID);
	return false;
}

/* Decrypt SK, or collect SKF fragments; *plain holds a reassembled chain
 * (caller frees). GW_E_AGAIN while fragments are missing. */
static int open_message(struct sa_engine *e, struct ike_sa *sa, struct sa_job *j,
			struct ike_msg *msg, uint8_t **plain)
{
	const struct ike_pld *sk;
	struct ike_pld_skf f;
	const uint8_t *p;
	uint8_t first;
	size_t len, out_len;
	struct ike_err err;
	int r;

	if (msg->m_sk < 0 || !sa->s_c_in)
		return GW_E_PARSE; /* nothing unprotected is accepted on an SA */
	sk = &msg->m_pld[msg->m_sk];
	if (sk->p_type == IKE_PLD_SK)
		return ike_msg_open_sk(msg, j->j_data, j->j_len, &sa->s_ops_in, &err);
	if ((r = ike_msg_open_skf(msg, j->j_data, j->j_len, &sa->s_ops_in, &f, &p, &len, &err)))
		return r;
	if (!sa->s_reasm && !(sa->s_reasm = ike_reasm_new(&frag_limits)))
		return GW_E_NOMEM;
	if ((r = ike_reasm_add(sa->s_reasm, msg->m_hdr.h_msgid, &f, msg->m_sk_first, p, len,
			       pool_now_ms(), plain, &out_len, &first)))
		return r;
	/* the payload rules want the (SKF) envelope the chain came in: keep it
	 * last in the outer chain, parse the whole inner chain after it */
	msg->m_n = (size_t)msg->m_sk + 1;
	msg->m_sk_first = first;
	return ike_msg_parse_inner(msg, first, *plain, out_len, IKE_HDR_LEN, &err);
}

/*
 * 2.23: once a message authenticated, a peer behind a NAT may have moved
 * to a new address or port: follow it (and move its ESP SAs).
 */
static void follow_peer(struct sa_engine *e, struct ike_sa *sa, const struct sa_job *j)
{
	char from[64], to[64], pfx[96];

	if (j->j_natt && !sa->s_natt && !sa->s_children) {
		/* 2.23: the initiator moved to the NAT-T port after IKE_SA_INIT;
		 * the responder answers from where the request came, and its
		 * CHILD SAs (none yet: this is IKE_AUTH) are ESP in UDP. */
		sa->s_natt = true;
		sa->s_local = j->j_dst;
		if (!sa_ep_equal(&sa->s_remote, &j->j_src))
			child_sa_update_peer(e, sa, &j->j_src);
		log_info(LOG_SUB_IKE, "%s: peer moved to the NAT-T port, so do we",
			 ike_sa_prefix(sa, pfx, sizeof(pfx)));
		return;
	}
	if (sa_ep_equal(&sa->s_remote, &j->j_src))
		return;
	if (!sa->s_nat_remote) /* without NAT an address change needs MOBIKE */
		return;
	log_info(LOG_SUB_IKE, "%s: peer moved from %s to %s", ike_sa_prefix(sa, pfx, sizeof(pfx)),
		 sa_ep_str(&sa->s_remote, from, sizeof(from)),
		 sa_ep_str(&j->j_src, to, sizeof(to)));
	child_sa_update_peer(e, sa, &j->j_src);
}

static void dispatch(struct sa_engine *e, struct ike_sa *sa, struct ike_msg *msg)
{
	bool response = msg->m_hdr.h_flags & IKE_FLAG_RESPONSE;

	if (response) {
		sa_wire_clear(&sa->s_req);
		sa->s_req_tries = 0;
	} else {
		sa->s_msgid_in++;
	}
	switch (msg->m_hdr.h_exch) {
	case IKE_EXCH_AUTH:
		response ? exch_auth_response_in(e, sa, msg) : exch_auth_request_in(e, sa, msg);
		break;
	case IKE_EXCH_INFORMATIONAL:
		response ? exch_info_response_in(e, sa, msg) : exch_info_request_in(e, sa, msg);
		break;
	case IKE_EXCH_CREATE_CHILD_SA:
		if (!response)
			exch_child_request_in(e, sa, msg);
		break;
	default:
		break;
	}
}

void sa_input(struct sa_engine *e, struct ike_sa *sa, struct sa_job *j, struct ike_msg *msg)
{
	uint8_t *plain = NULL;
	struct ike_err err;
	char pfx[96], ebuf[160];
	int r;

	if (!spis_match(sa, &msg->m_hdr)) {
		sa_drop_count(e, SA_DROP_UNKNOWN_SPI);
		return;
	}
	if (!window_ok(e, sa, msg))
		return;
	if (msg->m_hdr.h_exch == IKE_EXCH_SA_INIT) {
		if (msg->m_hdr.h_flags & IKE_FLAG_RESPONSE && sa->s_state == IKE_ST_INIT_SENT)
			exch_init_response_in(e, sa, msg, j);
		return;
	}
	if ((r = open_message(e, sa, j, msg, &plain))) {
		if (r == GW_E_AUTH)
			sa_drop_count(e, SA_DROP_INTEGRITY);
		else if (r != GW_E_AGAIN)
			sa_drop_count(e, SA_DROP_MALFORMED);
		if (r != GW_E_AGAIN)
			log_debug(LOG_SUB_IKE, "%s: %s #%u dropped: %s",
				  ike_sa_prefix(sa, pfx, sizeof(pfx)),
				  ike_exch_name(msg->m_hdr.h_exch), msg->m_hdr.h_msgid,
				  gw_strerror(r));
		goto out;
	}
	sa->s_last_rx_ms = pool_now_ms();
	follow_peer(e, sa, j);
	if (ike_msg_check_rules(msg, &err)) {
		log_info(LOG_SUB_IKE, "%s: %s", ike_sa_prefix(sa, pfx, sizeof(pfx)),
			 ike_err_str(&err, ebuf, sizeof(ebuf)));
		sa_refuse_syntax(e, sa, msg);
		goto out;
	}
	dispatch(e, sa, msg);
out:
	free(plain);
}

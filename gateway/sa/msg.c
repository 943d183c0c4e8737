/*
 * Sending IKE messages: SK protection, RFC 7383 fragmentation when the
 * peer supports it and the message would not fit, the retransmission of
 * requests with exponential back-off (RFC 7296 2.1) and the cached
 * response that answers a retransmitted request (2.1, 2.2).
 */
#include <stdlib.h>
#include <string.h>

#include "sa/sa_int.h"
#include "util/err.h"
#include "util/log.h"

/* Above this an encrypted message is fragmented (RFC 7383 2.5.1: keep
 * datagrams under the IPv6 minimum MTU minus headers). */
#define FRAG_THRESHOLD 1280
#define FRAG_SIZE      1232
#define MAX_FRAGS      64

void sa_wire_clear(struct sa_wire *w)
{
	for (size_t i = 0; i < w->w_n; i++)
		free(w->w_pkts[i]);
	free(w->w_pkts);
	free(w->w_lens);
	memset(w, 0, sizeof(*w));
}

static int wire_take(struct sa_wire *w, uint8_t **pkts, size_t *lens, size_t n, uint32_t msgid)
{
	sa_wire_clear(w);
	if (!(w->w_pkts = malloc(n * sizeof(*pkts))) || !(w->w_lens = malloc(n * sizeof(*lens)))) {
		for (size_t i = 0; i < n; i++)
			free(pkts[i]);
		sa_wire_clear(w);
		return GW_E_NOMEM;
	}
	memcpy(w->w_pkts, pkts, n * sizeof(*pkts));
	memcpy(w->w_lens, lens, n * sizeof(*lens));
	w->w_n = n;
	w->w_msgid = msgid;
	return 0;
}

void sa_hdr_init(const struct ike_sa *sa, struct ike_hdr *h, uint8_t exch, uint32_t msgid,
		 bool response)
{
	memset(h, 0, sizeof(*h));
	h->h_spi_i = sa->s_spi_i;
	h->h_spi_r = sa->s_spi_r;
	h->h_version = IKE_VERSION_2;
	h->h_exch = exch;
	h->h_flags =
		(sa->s_initiator ? IKE_FLAG_INITIATOR : 0) | (response ? IKE_FLAG_RESPONSE : 0);
	h->h_msgid = msgid;
}

void sa_inner_begin(struct ike_builder *b, struct writer *wr)
{
	wr_init(wr, IKE_MSG_MAX);
	ike_build_inner_begin(b, wr);
}

int sa_send_raw(struct sa_engine *e, struct ike_sa *sa, const uint8_t *buf, size_t len)
{
	struct sockaddr_storage l, r;
	int rc;

	if (!e->e_net) /* no sockets (fuzzing): nothing goes out */
		return GW_E_STATE;
	sa_ep_to_sockaddr(&sa->s_local, &l);
	sa_ep_to_sockaddr(&sa->s_remote, &r);
	rc = net_send(e->e_net, &l, &r, buf, len);
	atomic_fetch_add(&e->e_k.k_tx, 1);
	return rc;
}

static void send_wire(struct sa_engine *e, struct ike_sa *sa, const struct sa_wire *w)
{
	for (size_t i = 0; i < w->w_n; i++)
		sa_send_raw(e, sa, w->w_pkts[i], w->w_lens[i]);
}

/* Encode header + SK(inner), fragmenting when needed; into w. */
static int encode(struct ike_sa *sa, uint8_t exch, uint32_t msgid, bool response,
		  struct ike_builder *inner, struct sa_wire *w)
{
	struct writer *iw = inner->b_wr, wr;
	uint8_t *pkts[MAX_FRAGS];
	size_t lens[MAX_FRAGS], n = 0;
	struct ike_builder b;
	struct ike_hdr h;
	int r;

	if (!wr_ok(iw))
		return iw->wr_err;
	sa_hdr_init(sa, &h, exch, msgid, response);
	/* RFC 7383 2.5.3: fragment only what is big, only when negotiated, and
	 * never IKE_SA_INIT (it has no SK). */
	if (sa->s_peer_frag && wr_len(iw) + IKE_HDR_LEN + 64 > FRAG_THRESHOLD) {
		r = ike_build_fragments(&h, inner->b_first, wr_data(iw), wr_len(iw), FRAG_SIZE,
					&sa->s_ops_out, pkts, lens, MAX_FRAGS, &n);
		return r ? r : wire_take(w, pkts, lens, n, msgid);
	}
	wr_init(&wr, IKE_MSG_MAX);
	ike_build_begin(&b, &wr, &h);
	if ((r = ike_build_sk(&b, inner->b_first, wr_data(iw), wr_len(iw), &sa->s_ops_out, NULL)) ||
	    !(pkts[0] = wr_take(&wr, &lens[0]))) {
		wr_free(&wr);
		return r ? r : GW_E_NOMEM;
	}
	return wire_take(w, pkts, lens, 1, msgid);
}

static void retransmit(struct sa_engine *e, struct ike_sa *sa, uint32_t msgid);

/* 2.4: an established SA whose peer stays silent for dpd_timeout (ms)
 * is dead, even before retransmit_tries ran out; 0 = the tries only. */
static uint64_t dead_after(const struct ike_sa *sa)
{
	const struct model_conn *c = sa->s_conn ? sa->s_conn->sc_conn : NULL;

	if (!c || !c->c_dpd_timeout ||
	    (sa->s_state != IKE_ST_ESTABLISHED && sa->s_state != IKE_ST_DELETING))
		return 0;
	return (uint64_t)c->c_dpd_timeout * 1000;
}

static void arm_retransmit(struct sa_engine *e, struct ike_sa *sa)
{
	const struct model_conn *c = sa->s_conn ? sa->s_conn->sc_conn : NULL;
	uint32_t t0 = c && c->c_retransmit_timeout_ms ? c->c_retransmit_timeout_ms : 4000;
	uint64_t ms = t0;

	/* 2.1: exponential back-off, 1.8^n as strongSwan does, capped. */
	for (unsigned i = 0; i < sa->s_req_tries && ms < 120000; i++)
		ms = ms * 9 / 5;
	if (ms > 120000)
		ms = 120000;
	if (dead_after(sa)) { /* 2.4: no later than dpd_timeout after the first try */
		uint64_t left = sa->s_req_first_ms + dead_after(sa) - pool_now_ms();

		ms = sa->s_req_first_ms + dead_after(sa) <= pool_now_ms() ? 1
		     : ms < left                                          ? ms
									  : left;
	}
	sa_timer(e, sa, (uint32_t)ms, retransmit, sa->s_req.w_msgid);
}

static void retransmit(struct sa_engine *e, struct ike_sa *sa, uint32_t msgid)
{
	const struct model_conn *c = sa->s_conn ? sa->s_conn->sc_conn : NULL;
	unsigned tries = c && c->c_retransmit_tries ? c->c_retransmit_tries : 5;
	char pfx[96];

	if (!sa->s_req.w_n || sa->s_req.w_msgid != msgid || sa->s_state == IKE_ST_DEAD)
		return; /* answered meanwhile */
	/* retransmit_tries, or dpd_timeout if that comes first */
	if (sa->s_req_tries >= tries ||
	    (dead_after(sa) && pool_now_ms() >= sa->s_req_first_ms + dead_after(sa))) {
		log_info(LOG_SUB_IKE,
			 "%s: no answer to message #%u after %u retransmits, giving up",
			 ike_sa_prefix(sa, pfx, sizeof(pfx)), msgid, sa->s_req_tries);
		ike_sa_kill(e, sa, SA_END_TIMEOUT, "peer does not answer");
		return;
	}
	sa->s_req_tries++;
	atomic_fetch_add(&e->e_k.k_tx_retransmit, 1);
	log_debug(LOG_SUB_IKE, "%s: retransmit %u of message #%u",
		  ike_sa_prefix(sa, pfx, sizeof(pfx)), sa->s_req_tries, msgid);
	send_wire(e, sa, &sa->s_req);
	arm_retransmit(e, sa);
}

void sa_keep_request(struct sa_engine *e, struct ike_sa *sa, uint8_t *buf, size_t len,
		     uint32_t msgid)
{
	sa->s_req_tries = 0;
	if (wire_take(&sa->s_req, &buf, &len, 1, msgid))
		return;
	send_wire(e, sa, &sa->s_req);
	arm_retransmit(e, sa);
}

int sa_send_request(struct sa_engine *e, struct ike_sa *sa, uint8_t exch, struct ike_builder *b)
{
	uint32_t msgid = sa->s_msgid_out;
	int r = encode(sa, exch, msgid, false, b, &sa->s_req);

	wr_free(b->b_wr);
	if (r)
		return r;
	sa->s_msgid_out++;
	sa->s_req_tries = 0;
	sa->s_req_first_ms = pool_now_ms();
	send_wire(e, sa, &sa->s_req);
	arm_retransmit(e, sa);
	return 0;
}

int sa_send_response(struct sa_engine *e, struct ike_sa *sa, uint8_t exch, uint32_t msgid,
		     struct ike_builder *b)
{
	int r = encode(sa, exch, msgid, true, b, &sa->s_rsp);

	wr_free(b->b_wr);
	if (r)
		return r;
	send_wire(e, sa, &sa->s_rsp);
	return 0;
}

int sa_send_notify_plain(struct sa_engine *e, const struct ike_hdr *req, const struct sa_ep *to,
			 const struct sa_ep *from, uint16_t type, const uint8_t *data, size_t len)
{
	struct ike_pld_notify n = { .n_type = type, .n_data = data, .n_len = len };
	struct sockaddr_storage l, r;
	struct ike_builder b;
	struct writer wr;
	struct ike_hdr h = *req;
	uint8_t buf[512];
	int rc;

	h.h_flags = IKE_FLAG_RESPONSE;
	wr_init_fixed(&wr, buf, sizeof(buf));
	ike_build_begin(&b, &wr, &h);
	ike_build_notify(&b, &n);
	if ((rc = ike_build_end(&b)))
		return rc;
	if (!e->e_net)
		return GW_E_STATE;
	sa_ep_to_sockaddr(from, &l);
	sa_ep_to_sockaddr(to, &r);
	atomic_fetch_add(&e->e_k.k_tx, 1);
	return net_send(e->e_net, &l, &r, buf, wr_len(&wr));
}

void sa_keep_response(struct sa_engine *e, struct ike_sa *sa, uint8_t *buf, size_t len,
		      uint32_t msgid)
{
	if (wire_take(&sa->s_rsp, &buf, &len, 1, msgid))
		return;
	send_wire(e, sa, &sa->s_rsp);
}

void sa_resend_response(struct sa_engine *e, struct ike_sa *sa)
{
	atomic_fetch_add(&e->e_k.k_rx_retransmit, 1);
	send_wire(e, sa, &sa->s_rsp);
}

/*
 * INFORMATIONAL (RFC 7296 1.4, 1.5, 2.4, 2.21): Delete of the IKE SA and
 * of CHILD SAs (both ways; ours run as tasks, task.c), liveness checks,
 * error notifies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sa/sa_int.h"
#include "util/err.h"
#include "util/log.h"

static void notify(struct ike_builder *b, uint16_t type)
{
	struct ike_pld_notify n = { .n_type = type };

	ike_build_notify(b, &n);
}

/* 1.4.1: the peer deletes CHILD SAs by its inbound SPIs (our outbound);
 * we answer with ours for the same children. */
static void delete_children(struct sa_engine *e, struct ike_sa *sa, const struct ike_pld_delete *d,
			    struct ike_builder *b)
{
	struct ike_pld_delete ans = { IKE_PROTO_ESP, 4, 0, NULL };
	uint8_t *spis = malloc((size_t)d->d_n * 4 + 1);
	char pfx[96];

	if (!spis || d->d_spi_len != 4)
		goto out;
	for (uint16_t i = 0; i < d->d_n; i++) {
		const uint8_t *p = d->d_spis + 4 * i;
		uint32_t spi =
			(uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
		uint32_t in;

		if (!child_sa_delete_by_out(e, sa, spi, &in))
			continue; /* unknown or already gone: no answer for it (1.4.1) */
		spis[4 * ans.d_n] = (uint8_t)(in >> 24);
		spis[4 * ans.d_n + 1] = (uint8_t)(in >> 16);
		spis[4 * ans.d_n + 2] = (uint8_t)(in >> 8);
		spis[4 * ans.d_n + 3] = (uint8_t)in;
		ans.d_n++;
		log_info(LOG_SUB_CHILD, "%s: peer deleted CHILD_SA with SPI %08x",
			 ike_sa_prefix(sa, pfx, sizeof(pfx)), spi);
	}
	if (ans.d_n) {
		ans.d_spis = spis;
		ike_build_delete(b, &ans);
	}
out:
	free(spis);
}

void exch_info_request_in(struct sa_engine *e, struct ike_sa *sa, struct ike_msg *msg)
{
	struct ike_builder b;
	struct writer wr;
	bool delete_ike = false;
	char pfx[96];

	sa_inner_begin(&b, &wr);
	for (size_t i = 0; i < msg->m_n; i++) {
		const struct ike_pld *p = &msg->m_pld[i];
		struct ike_pld_delete d;
		struct ike_pld_notify n;
		struct ike_err err;

		if (p->p_type == IKE_PLD_DELETE && !ike_pld_delete_parse(p, &d, &err)) {
			if (d.d_proto == IKE_PROTO_IKE)
				delete_ike = true;
			else if (d.d_proto == IKE_PROTO_ESP && !delete_ike)
				delete_children(e, sa, &d, &b);
		} else if (p->p_type == IKE_PLD_NOTIFY && !ike_pld_notify_parse(p, &n, &err) &&
			   n.n_type < IKE_N_STATUS_MIN) {
			log_info(LOG_SUB_IKE, "%s: peer reports %s",
				 ike_sa_prefix(sa, pfx, sizeof(pfx)), ike_notify_name(n.n_type));
		}
	}
	if (delete_ike) { /* 1.4.1: an empty answer, then the SA is gone */
		wr_free(&wr);
		sa_inner_begin(&b, &wr);
	}
	sa_send_response(e, sa, IKE_EXCH_INFORMATIONAL, msg->m_hdr.h_msgid, &b);
	if (delete_ike) {
		log_info(LOG_SUB_IKE, "%s: peer deleted the IKE SA",
			 ike_sa_prefix(sa, pfx, sizeof(pfx)));
		ike_coll_settle(e, sa); /* 2.8.2: its rekey won over ours */
		ike_sa_kill(e, sa, SA_END_PEER_DELETED, "deleted by peer");
	}
}

/* The answer to our Delete of a CHILD SA (1.4.1): the pair is gone on
 * the peer; a replaced one lingers a moment for packets in flight. */
static void child_delete_done(struct sa_engine *e, struct ike_sa *sa, uint32_t uid)
{
	struct child_sa *c = child_sa_find(sa, uid);

	if (!c)
		return;
	if (c->c_out_removed) {
		c->c_linger_ms = pool_now_ms() + 2000;
		child_timers_arm(e, sa, c);
		return;
	}
	if (c->c_state == CHILD_ST_REKEYED) /* replaced: child-rekeyed said it */
		child_sa_remove(e, sa, c, NULL);
	else
		child_sa_remove(e, sa, c, c->c_end_why ? c->c_end_why : "terminated");
}

void exch_info_response_in(struct sa_engine *e, struct ike_sa *sa, struct ike_msg *msg)
{
	struct sa_task *t = sa->s_task;
	char pfx[96];

	(void)msg;
	if (sa->s_state == IKE_ST_DELETING) {
		log_info(LOG_SUB_IKE, "%s: IKE SA deleted", ike_sa_prefix(sa, pfx, sizeof(pfx)));
		ike_sa_kill(e, sa, sa->s_reauthed ? SA_END_REAUTH : SA_END_TERMINATED, "deleted");
		return;
	}
	if (t && t->t_type == SA_TASK_CHILD_DELETE) {
		uint32_t uid = t->t_child;

		child_delete_done(e, sa, uid);
		sa_task_done(e, sa, NULL, NULL,
			     json_pack("{s:[], s:[I]}", "ike_sas", "child_sas", (json_int_t)uid));
	} else if (t && t->t_type == SA_TASK_DPD) {
		sa_task_done(e, sa, NULL, NULL, NULL);
	}
}

/* Our Delete of one CHILD SA, by its inbound SPI (1.4.1). */
int exch_info_delete_child(struct sa_engine *e, struct ike_sa *sa, struct sa_task *t)
{
	struct child_sa *c = child_sa_find(sa, t->t_child);
	struct ike_pld_delete d = { IKE_PROTO_ESP, 4, 1, NULL };
	struct ike_builder b;
	struct writer wr;
	uint8_t spi[4];
	char pfx[96];

	if (!c || c->c_state == CHILD_ST_DELETING)
		return GW_E_NOTFOUND;
	spi[0] = (uint8_t)(c->c_spi_in >> 24);
	spi[1] = (uint8_t)(c->c_spi_in >> 16);
	spi[2] = (uint8_t)(c->c_spi_in >> 8);
	spi[3] = (uint8_t)c->c_spi_in;
	d.d_spis = spi;
	sa_inner_begin(&b, &wr);
	ike_build_delete(&b, &d);
	if (c->c_state != CHILD_ST_REKEYED && t->t_why)
		c->c_end_why = t->t_why;
	if (c->c_state != CHILD_ST_REKEYED)
		c->c_state = CHILD_ST_DELETING;
	log_info(LOG_SUB_CHILD, "%s: deleting CHILD_SA %s{%u}", ike_sa_prefix(sa, pfx, sizeof(pfx)),
		 c->c_cfg->c_name, c->c_uid);
	return sa_send_request(e, sa, IKE_EXCH_INFORMATIONAL, &b);
}

void exch_info_delete_ike(struct sa_engine *e, struct ike_sa *sa)
{
	struct ike_pld_delete d = { IKE_PROTO_IKE, 0, 0, NULL };
	struct ike_builder b;
	struct writer wr;

	if (sa->s_state != IKE_ST_ESTABLISHED) {
		ike_sa_kill(e, sa, SA_END_TERMINATED, "terminated");
		return;
	}
	sa_inner_begin(&b, &wr);
	ike_build_delete(&b, &d);
	sa->s_state = IKE_ST_DELETING;
	sa_wire_clear(&sa->s_req); /* a delete overrides what was pending */
	if (sa_send_request(e, sa, IKE_EXCH_INFORMATIONAL, &b))
		ike_sa_kill(e, sa, SA_END_TERMINATED, "terminated");
}

void exch_info_dpd(struct sa_engine *e, struct ike_sa *sa)
{
	struct ike_builder b;
	struct writer wr;

	sa_inner_begin(&b, &wr);
	sa_send_request(e, sa, IKE_EXCH_INFORMATIONAL, &b);
}

/* 2.21.2: a request that breaks the payload rules gets INVALID_SYNTAX; an
 * SA that is not up yet cannot recover from it. */
void sa_refuse_syntax(struct sa_engine *e, struct ike_sa *sa, struct ike_msg *msg)
{
	if (!(msg->m_hdr.h_flags & IKE_FLAG_RESPONSE)) {
		struct ike_builder b;
		struct writer wr;

		sa->s_msgid_in++;
		sa_inner_begin(&b, &wr);
		notify(&b, IKE_N_INVALID_SYNTAX);
		sa_send_response(e, sa, msg->m_hdr.h_exch, msg->m_hdr.h_msgid, &b);
	}
	if (sa->s_state != IKE_ST_ESTABLISHED)
		ike_sa_kill(e, sa, SA_END_PEER_ERROR, "malformed message");
}

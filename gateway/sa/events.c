/*
 * The event stream (api/control.md 6): what happened to IKE and CHILD SAs,
 * handed to the sink main wired in (the control socket). Built only when
 * there is a sink. Caller holds checkout.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sa/sa_int.h"

static const char *const end_names[SA_END_MAX] = {
	"no-proposal-chosen", "invalid-ke",      "authentication-failed",
	"no-connection",      "ts-unacceptable", "timeout",
	"peer-error",         "local-error",     "terminated",
	"peer-deleted",       "dpd-timeout",     "expired",
	"shutdown",           "error",           "reauthenticated",
};

const char *sa_end_name(enum sa_end why)
{
	return why < SA_END_MAX ? end_names[why] : "error";
}

/* Whether an event would reach anyone: building its JSON (a few
 * allocations, strftime) is a measurable part of a setup's CPU, so it is
 * skipped while the sink says nobody listens. */
static bool wanted(const struct sa_engine *e)
{
	sa_event_want_fn want = e->e_event_want;

	return e->e_event && (!want || want(e->e_event_arg));
}

static void emit(struct sa_engine *e, const char *type, json_t *data)
{
	sa_event_fn fn = e->e_event; /* read once: the daemon detaches the sink at shutdown */

	if (data && fn)
		fn(e->e_event_arg, type, data);
	else
		json_decref(data);
}

static json_t *peer_json(const struct ike_sa *sa, bool with_eap)
{
	struct auth_id peer;
	char id[300];
	json_t *j =
		json_pack("{s:o, s:i, s:o}", "addr", sa_json_addr(&sa->s_remote), "port",
			  sa->s_remote.ep_port, "id",
			  sa_peer_id(sa, &peer) ? json_string(auth_id_str(&peer, id, sizeof(id)))
						: json_null());

	if (j && with_eap)
		json_object_set_new(j, "eap_id", sa_json_eap_id(sa));
	return j;
}

static json_t *conn_name(const struct ike_sa *sa)
{
	return sa->s_conn ? json_string(sa->s_conn->sc_conn->c_name) : json_null();
}

void sa_event_ike_up(struct sa_engine *e, struct ike_sa *sa)
{
	if (wanted(e))
		emit(e, "ike-up", sa_json_ike(e, sa, false));
}

void sa_event_ike_end(struct sa_engine *e, struct ike_sa *sa, enum sa_end why, const char *msg)
{
	uint64_t now = (uint64_t)time(NULL);
	char id[300];
	struct auth_id mine;

	if (!wanted(e))
		return;
	if (why < SA_FAIL_MAX) {
		emit(e, "ike-failed",
		     json_pack("{s:I, s:o, s:s, s:o, s:s, s:s}", "uid", (json_int_t)sa->s_uid,
			       "conn", conn_name(sa), "role",
			       sa->s_initiator ? "initiator" : "responder", "remote",
			       peer_json(sa, false), "reason", sa_end_name(why), "message", msg));
		return;
	}
	sa_local_id(sa, sa->s_conn, &mine);
	emit(e, "ike-down",
	     json_pack("{s:I, s:o, s:s, s:{s:o, s:i, s:s}, s:o, s:o, s:I, s:s}", "uid",
		       (json_int_t)sa->s_uid, "name", conn_name(sa), "role",
		       sa->s_initiator ? "initiator" : "responder", "local", "addr",
		       sa_json_addr(&sa->s_local), "port", sa->s_local.ep_port, "id",
		       auth_id_str(&mine, id, sizeof(id)), "remote", peer_json(sa, true),
		       "established_at", sa_json_time(sa->s_established), "age",
		       (json_int_t)(sa->s_established ? now - sa->s_established : 0), "reason",
		       sa_end_name(why)));
}

void sa_event_auth_failed(struct sa_engine *e, struct ike_sa *sa, bool peer, const char *method,
			  const char *reason)
{
	if (!wanted(e))
		return;
	emit(e, "auth-failed",
	     json_pack("{s:I, s:o, s:s, s:o, s:s, s:o, s:s}", "uid", (json_int_t)sa->s_uid, "conn",
		       conn_name(sa), "role", sa->s_initiator ? "initiator" : "responder", "remote",
		       peer_json(sa, true), "direction", peer ? "peer" : "local", "method",
		       method ? json_string(method) : json_null(), "reason", reason));
}

void sa_event_child(struct sa_engine *e, struct ike_sa *sa, const struct child_sa *c, bool up,
		    const char *reason)
{
	struct dp_sa_stats in, out;

	if (!wanted(e))
		return;
	if (up) {
		emit(e, "child-up",
		     json_pack("{s:I, s:o, s:o}", "ike_uid", (json_int_t)sa->s_uid, "conn",
			       conn_name(sa), "child", sa_json_child(e, sa, c)));
		return;
	}
	sa_child_counters(e, sa, c, &in, &out);
	emit(e, "child-down",
	     json_pack("{s:I, s:o, s:I, s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "ike_uid",
		       (json_int_t)sa->s_uid, "conn", conn_name(sa), "uid", (json_int_t)c->c_uid,
		       "name", c->c_cfg->c_name, "reason", reason, "bytes_in",
		       (json_int_t)in.st_bytes, "packets_in", (json_int_t)in.st_packets,
		       "bytes_out", (json_int_t)out.st_bytes, "packets_out",
		       (json_int_t)out.st_packets, "age",
		       (json_int_t)((uint64_t)time(NULL) - c->c_installed)));
}

void sa_event_child_rekeyed(struct sa_engine *e, struct ike_sa *sa, uint32_t old_uid,
			    const struct child_sa *c)
{
	if (!wanted(e) || !c)
		return;
	emit(e, "child-rekeyed",
	     json_pack("{s:I, s:o, s:I, s:o}", "ike_uid", (json_int_t)sa->s_uid, "conn",
		       conn_name(sa), "old_uid", (json_int_t)old_uid, "child",
		       sa_json_child(e, sa, c)));
}

void sa_event_ike_rekeyed(struct sa_engine *e, struct ike_sa *old, struct ike_sa *sa)
{
	json_t *j;

	if (!wanted(e) || !(j = sa_json_ike(e, sa, false)))
		return;
	emit(e, "ike-rekeyed",
	     json_pack("{s:I, s:I, s:o, s:O, s:O, s:O}", "old_uid", (json_int_t)old->s_uid, "uid",
		       (json_int_t)sa->s_uid, "name", conn_name(sa), "spi_i",
		       json_object_get(j, "spi_i"), "spi_r", json_object_get(j, "spi_r"), "ike",
		       json_object_get(j, "ike")));
	json_decref(j);
}

void sa_event_lease(struct sa_engine *e, struct ike_sa *sa, const struct model_addr *a)
{
	struct sa_ep ep = { .ep_family = (uint8_t)a->a_family };
	char id[2 * VIP_ID_MAX];

	if (!wanted(e) || !sa->s_ra)
		return;
	memcpy(ep.ep_addr, a->a_addr, 16);
	log_escape(id, sizeof(id), sa->s_ra->r_lease_id, sa->s_ra->r_lease_id_len);
	emit(e, "lease-assigned",
	     json_pack("{s:I, s:o, s:o, s:s}", "ike_uid", (json_int_t)sa->s_uid, "conn",
		       conn_name(sa), "addr", sa_json_addr(&ep), "identity", id));
}

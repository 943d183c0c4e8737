/*
 * The control socket's commands (api/control.md 5), wired to the engine.
 * Handlers run on the control thread; those that wait for the network
 * answer later from a worker through the engine's done callback.
 */
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "control/control.h"
#include "net/net.h"
#include "pkcs11/pkcs11.h"
#include "sa/sa.h"
#include "util/err.h"

#define WHY_LEN 512

/* The engine's done callback: complete the pending request. */
static void done(void *arg, const char *code, const char *msg, json_t *result)
{
	struct control_req *req = arg;

	if (code)
		control_reply_error(req, code, "%s", msg ? msg : code);
	else
		control_reply(req, result);
}

static int cmd_list_conns(struct control_req *req, json_t *args, void *arg, json_t **result)
{
	static const char *const keys[] = { "conn", NULL };
	const char *conn = NULL;

	if (control_args_allow(req, args, keys) ||
	    control_arg_str(req, args, "conn", false, 63, &conn))
		return GW_E_INVAL;
	if (!(*result = sa_engine_list_conns(arg, conn)))
		return control_req_error(req, "not-found", "no connection '%s'", conn);
	return 0;
}

static int cmd_list_sas(struct control_req *req, json_t *args, void *arg, json_t **result)
{
	static const char *const keys[] = { "conn", "ike_uid", NULL };
	const char *conn = NULL;
	uint64_t uid = 0;
	bool has_uid;

	if (control_args_allow(req, args, keys) ||
	    control_arg_str(req, args, "conn", false, 63, &conn) ||
	    control_arg_uint(req, args, "ike_uid", UINT32_MAX, &uid, &has_uid))
		return GW_E_INVAL;
	*result = sa_engine_list_sas(arg, conn, (uint32_t)uid);
	return 0;
}

static int cmd_list_leases(struct control_req *req, json_t *args, void *arg, json_t **result)
{
	static const char *const keys[] = { NULL };

	if (control_args_allow(req, args, keys))
		return GW_E_INVAL;
	if (!(*result = sa_engine_list_leases(arg)))
		return control_req_error(req, "internal-error", "cannot list the leases");
	return 0;
}

static int cmd_initiate(struct control_req *req, json_t *args, void *arg, json_t **result)
{
	static const char *const keys[] = { "conn", "child", "wait", NULL };
	const char *conn, *child = NULL, *code;
	char why[WHY_LEN];
	uint32_t uid;
	bool wait;

	if (control_args_allow(req, args, keys) ||
	    control_arg_str(req, args, "conn", true, 63, &conn) ||
	    control_arg_str(req, args, "child", false, 63, &child) ||
	    control_arg_bool(req, args, "wait", true, &wait))
		return GW_E_INVAL;
	if (sa_engine_initiate(arg, conn, child, wait ? done : NULL, req, &uid, &code, why,
			       sizeof(why)))
		return control_req_error(req, code, "%s", why);
	if (wait)
		return CONTROL_PENDING;
	*result = json_pack("{s:I, s:s, s:s, s:[{s:s?, s:n, s:n}]}", "ike_uid", (json_int_t)uid,
			    "conn", conn, "state", "CONNECTING", "children", "name", child, "uid",
			    "state");
	return 0;
}

/* 5.5: child_uid, or child (with conn: of that connection only). */
static int terminate_child(struct control_req *req, json_t *args, void *arg, json_t **result,
			   bool has_ike_uid, bool wait)
{
	const char *conn = NULL, *child = NULL, *code;
	char why[WHY_LEN];
	uint64_t cuid = 0;
	bool has_cuid;

	if (control_arg_uint(req, args, "child_uid", UINT32_MAX, &cuid, &has_cuid) ||
	    control_arg_str(req, args, "child", false, 63, &child) ||
	    control_arg_str(req, args, "conn", false, 63, &conn))
		return GW_E_INVAL;
	if (has_ike_uid || has_cuid == (child != NULL) || (has_cuid && conn))
		return control_req_error(req, "invalid-argument",
					 "give exactly one of ike_uid, conn, child_uid and child "
					 "(child may come with conn)");
	if (sa_engine_terminate_child(arg, (uint32_t)cuid, conn, child, wait ? done : NULL, req,
				      &code, why, sizeof(why)))
		return control_req_error(req, code, "%s", why);
	if (wait)
		return CONTROL_PENDING;
	*result = json_pack("{s:[], s:[]}", "ike_sas", "child_sas");
	return 0;
}

static int cmd_terminate(struct control_req *req, json_t *args, void *arg, json_t **result)
{
	static const char *const keys[] = { "ike_uid", "conn", "child_uid", "child", "wait", NULL };
	const char *conn = NULL, *code;
	char why[WHY_LEN];
	uint64_t uid = 0;
	bool has_uid, wait;

	if (control_args_allow(req, args, keys) ||
	    control_arg_uint(req, args, "ike_uid", UINT32_MAX, &uid, &has_uid) ||
	    control_arg_str(req, args, "conn", false, 63, &conn) ||
	    control_arg_bool(req, args, "wait", true, &wait))
		return GW_E_INVAL;
	if (json_object_get(args, "child_uid") || json_object_get(args, "child"))
		return terminate_child(req, args, arg, result, has_uid, wait);
	if (has_uid == (conn != NULL))
		return control_req_error(req, "invalid-argument",
					 "give exactly one of ike_uid and conn");
	if (sa_engine_terminate(arg, (uint32_t)uid, conn, wait ? done : NULL, req, &code, why,
				sizeof(why)))
		return control_req_error(req, code, "%s", why);
	if (wait)
		return CONTROL_PENDING;
	*result = json_pack("{s:[], s:[]}", "ike_sas", "child_sas");
	return 0;
}

/* 5.6: the selection of terminate, plus reauth and wait. */
static int cmd_rekey(struct control_req *req, json_t *args, void *arg, json_t **result)
{
	static const char *const keys[] = { "ike_uid", "conn", "child_uid", "child",
					    "reauth",  "wait", NULL };
	const char *conn = NULL, *child = NULL, *code;
	char why[WHY_LEN];
	uint64_t uid = 0, cuid = 0;
	bool has_uid, has_cuid, reauth, wait;
	json_t *queued = NULL;
	int n;

	if (control_args_allow(req, args, keys) ||
	    control_arg_uint(req, args, "ike_uid", UINT32_MAX, &uid, &has_uid) ||
	    control_arg_str(req, args, "conn", false, 63, &conn) ||
	    control_arg_uint(req, args, "child_uid", UINT32_MAX, &cuid, &has_cuid) ||
	    control_arg_str(req, args, "child", false, 63, &child) ||
	    control_arg_bool(req, args, "reauth", false, &reauth) ||
	    control_arg_bool(req, args, "wait", true, &wait))
		return GW_E_INVAL;
	n = has_uid + has_cuid + (child != NULL) + (conn != NULL && child == NULL);
	if (n != 1)
		return control_req_error(req, "invalid-argument",
					 "give exactly one of ike_uid, conn, child_uid and child "
					 "(child may come with conn)");
	if (reauth && (has_cuid || child))
		return control_req_error(req, "invalid-argument",
					 "reauth applies to IKE SAs (ike_uid or conn)");
	if (sa_engine_rekey(arg, (uint32_t)uid, conn, (uint32_t)cuid, child, reauth,
			    wait ? done : NULL, req, wait ? NULL : &queued, &code, why,
			    sizeof(why)))
		return control_req_error(req, code, "%s", why);
	if (wait)
		return CONTROL_PENDING;
	*result = queued;
	return 0;
}

#define HSM_TOKENS_MAX 16

static json_t *token_json(const struct p11_token_status *ts)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:b, s:b, s:I, s:I, s:I, s:I, s:I, s:I,"
			 " s:I, s:s}",
			 "label", ts->ts_label, "serial", ts->ts_serial, "model", ts->ts_model,
			 "manufacturer", ts->ts_manufacturer, "slot", (json_int_t)ts->ts_slot,
			 "state", p11_token_state_name(ts->ts_state), "present",
			 ts->ts_state != P11_TOKEN_LOST, "logged_in", ts->ts_logged_in, "sessions",
			 (json_int_t)ts->ts_sessions, "sessions_in_use", (json_int_t)ts->ts_in_use,
			 "keys", (json_int_t)ts->ts_keys, "signatures",
			 (json_int_t)ts->ts_signatures, "failures", (json_int_t)ts->ts_failures,
			 "losses", (json_int_t)ts->ts_losses, "reopened",
			 (json_int_t)ts->ts_reopened, "last_error", ts->ts_last_error);
}

/* api/control.md 5.10: the PKCS#11 module and its tokens (counters only:
 * nothing here calls into the module, which may be the thing that hangs). */
static json_t *hsm_json(struct p11 *p, bool summary)
{
	struct p11_token_status ts[HSM_TOKENS_MAX];
	size_t n = p11_status(p, ts, HSM_TOKENS_MAX);
	json_int_t sigs = 0, fails = 0, ready = 0;
	json_t *tokens = json_array();

	for (size_t i = 0; i < n; i++) {
		sigs += (json_int_t)ts[i].ts_signatures;
		fails += (json_int_t)ts[i].ts_failures;
		ready += ts[i].ts_state == P11_TOKEN_READY;
		if (!summary)
			json_array_append_new(tokens, token_json(&ts[i]));
	}
	if (summary) {
		json_decref(tokens);
		return json_pack("{s:b, s:I, s:I, s:I, s:I}", "configured", p != NULL, "tokens",
				 (json_int_t)n, "ready", ready, "signatures", sigs, "failures",
				 fails);
	}
	return json_pack("{s:s?, s:o}", "module", p ? p11_module_path(p) : NULL, "tokens", tokens);
}

static int cmd_hsm(struct control_req *req, json_t *args, void *arg, json_t **result)
{
	static const char *const keys[] = { NULL };
	struct cmds *cc = arg;

	if (control_args_allow(req, args, keys))
		return GW_E_INVAL;
	*result = hsm_json(cc->cm_p11, false);
	return 0;
}

/* The kernel's drops on the IKE sockets (full receive buffer), beside the
 * engine's own in packets.dropped_by_cause (api/control.md 5.7). */
static void stats_socket_drops(json_t *stats, const struct net *net)
{
	json_t *pk = json_object_get(stats, "packets");
	json_t *by = json_object_get(pk, "dropped_by_cause");
	struct net_stats ns = { 0 };

	if (!by)
		return;
	if (net)
		net_get_stats(net, &ns);
	json_object_set_new(by, "socket-overflow", json_integer((json_int_t)ns.ns_rx_overflow));
	json_object_set_new(pk, "dropped",
			    json_integer(json_integer_value(json_object_get(pk, "dropped")) +
					 (json_int_t)ns.ns_rx_overflow));
}

static int cmd_stats(struct control_req *req, json_t *args, void *arg, json_t **result)
{
	static const char *const keys[] = { NULL };
	struct cmds *cc = arg;

	if (control_args_allow(req, args, keys))
		return GW_E_INVAL;
	if ((*result = sa_engine_stats(cc->cm_e))) {
		stats_socket_drops(*result, cc->cm_net);
		json_object_set_new(*result, "control", control_stats_json(cc->cm_ctl));
		json_object_set_new(*result, "hsm", hsm_json(cc->cm_p11, true));
	}
	return 0;
}

static int cmd_reload(struct control_req *req, json_t *args, void *arg, json_t **result)
{
	static const char *const keys[] = { "what", "name", NULL };
	const struct control_peer *peer = control_req_peer(req);
	struct cmds *cc = arg;
	const char *what = NULL, *name = NULL, *code;
	char why[WHY_LEN];

	if (control_args_allow(req, args, keys) ||
	    control_arg_str(req, args, "what", false, 16, &what) ||
	    control_arg_str(req, args, "name", false, 63, &name))
		return GW_E_INVAL;
	if (what && strcmp(what, "all"))
		return control_req_error(req, "not-supported",
					 "this version reloads everything: use what \"all\"");
	if (!(*result = sa_engine_reload(cc->cm_e, &code, why, sizeof(why))))
		return control_req_error(req, code, "%s", why);
	cmds_reload_event(cc->cm_ctl, *result, peer);
	return 0;
}

void cmds_reload_event(struct control *ctl, json_t *result, const struct control_peer *peer)
{
	json_t *ev = json_deep_copy(result);

	if (!ev)
		return;
	json_object_set_new(ev, "by",
			    peer ? json_pack("{s:I, s:I}", "uid", (json_int_t)peer->cp_uid, "pid",
					     (json_int_t)peer->cp_pid)
				 : json_null());
	control_emit(ctl, "reload", ev);
}

/* The engine's events go to the control socket's subscribers, while it
 * exists: workers emit until the pool has stopped, after the socket went. */
static void event_sink(void *arg, const char *type, json_t *data)
{
	struct cmds *cm = arg;

	pthread_rwlock_rdlock(&cm->cm_lock);
	if (cm->cm_live)
		control_emit(cm->cm_ctl, type, data);
	else
		json_decref(data);
	pthread_rwlock_unlock(&cm->cm_lock);
}

/* No subscriber, no event: the engine then skips building them. */
static bool event_wanted(void *arg)
{
	struct cmds *cm = arg;
	bool want;

	pthread_rwlock_rdlock(&cm->cm_lock);
	want = cm->cm_live && control_has_subscribers(cm->cm_ctl);
	pthread_rwlock_unlock(&cm->cm_lock);
	return want;
}

void cmds_detach(struct cmds *cm)
{
	pthread_rwlock_wrlock(&cm->cm_lock);
	cm->cm_live = false;
	pthread_rwlock_unlock(&cm->cm_lock);
}

int cmds_register(struct cmds *cm)
{
	struct control *ctl = cm->cm_ctl;
	struct sa_engine *e = cm->cm_e;
	int r;

	pthread_rwlock_init(&cm->cm_lock, NULL);
	cm->cm_live = false;
	if ((r = control_register(ctl, "list-conns", cmd_list_conns, e, 0)) ||
	    (r = control_register(ctl, "list-sas", cmd_list_sas, e, 0)) ||
	    (r = control_register(ctl, "list-leases", cmd_list_leases, e, 0)) ||
	    (r = control_register(ctl, "initiate", cmd_initiate, e, CONTROL_F_MUTATES)) ||
	    (r = control_register(ctl, "terminate", cmd_terminate, e, CONTROL_F_MUTATES)) ||
	    (r = control_register(ctl, "rekey", cmd_rekey, e, CONTROL_F_MUTATES)) ||
	    (r = control_register(ctl, "stats", cmd_stats, cm, 0)) ||
	    (r = control_register(ctl, "hsm", cmd_hsm, cm, 0)) ||
	    (r = control_register(ctl, "reload", cmd_reload, cm, CONTROL_F_MUTATES)))
		return r;
	cm->cm_live = true;
	sa_engine_set_events(e, event_sink, cm);
	sa_engine_set_event_want(e, event_wanted);
	return 0;
}

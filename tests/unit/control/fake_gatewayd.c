/*
 * fake_gatewayd: a control server with canned handlers for every command
 * of api/control.md, so palisadectl can be tested without an IKE engine.
 * The canned results follow the document's schemas; the handlers check
 * their arguments as the real ones must, answer initiate asynchronously
 * from another thread, and emit the events the real daemon would.
 * usage: fake_gatewayd SOCKET  (prints "ready" once listening; SIGTERM stops)
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/control.h"
#include "util/err.h"
#include "util/log.h"

static const char conns_json[] =
	"{\"conns\":["
	"{\"name\":\"rw\",\"local\":{\"addrs\":[\"%any\"],\"id\":\"vpn.example.com\",\"auth\":"
	"\"pubkey\",\"cert\":\"gw\",\"key\":\"pkcs11:token=palisade;object=gw-key\",\"eap_id\":"
	"null},"
	"\"remote\":{\"addrs\":[\"%any\"],\"id\":\"%any\",\"auth\":\"eap-mschapv2\",\"ca\":"
	"\"corp-root\",\"cert\":null,\"eap_id\":null,\"port\":500},"
	"\"ike\":{\"proposals\":[\"aes256gcm16-prfsha384-x25519\",\"aes128-sha256-modp2048\"],"
	"\"rekey_time\":14400,\"reauth_time\":0,\"over_time\":1440,\"dpd_delay\":30,\"dpd_"
	"timeout\":"
	"150,\"encap\":false,\"fragmentation\":true,\"keyingtries\":1},"
	"\"children\":[{\"name\":\"net\",\"mode\":\"tunnel\",\"local_ts\":[\"10.1.0.0/16\"],"
	"\"remote_ts\":[\"dynamic\"],\"esp_proposals\":[\"aes256gcm16\"],\"rekey_time\":3600,"
	"\"life_time\":3960,\"rekey_bytes\":0,\"life_bytes\":0,\"rekey_packets\":0,\"life_"
	"packets\":"
	"0,\"start_action\":\"none\",\"dpd_action\":\"clear\",\"close_action\":\"none\","
	"\"replay_window\":0}],\"pools\":[\"rw-v4\"],\"psk_set\":false,\"ike_sas\":1},"
	"{\"name\":\"site\",\"local\":{\"addrs\":[\"192.0.2.1\"],\"id\":null,\"auth\":\"psk\","
	"\"cert\":null,\"key\":null,\"eap_id\":null},\"remote\":{\"addrs\":[\"203.0.113.9\"],"
	"\"id\":"
	"\"203.0.113.9\",\"auth\":\"psk\",\"ca\":null,\"cert\":null,\"eap_id\":null,\"port\":4500},"
	"\"ike\":{\"proposals\":[\"aes128-sha256-modp2048\"],\"rekey_time\":0,\"reauth_time\":"
	"86400,"
	"\"over_time\":0,\"dpd_delay\":0,\"dpd_timeout\":0,\"encap\":true,\"fragmentation\":false,"
	"\"keyingtries\":0},\"children\":[{\"name\":\"lan\",\"mode\":\"transport\",\"local_ts\":"
	"[\"192.0.2.1/32[udp/1701]\"],\"remote_ts\":[\"203.0.113.9/32[udp/1701]\"],"
	"\"esp_proposals\":[\"aes128-sha256-modp2048-esn\",\"aes256gcm16\"],\"rekey_time\":0,"
	"\"life_time\":0,\"rekey_bytes\":0,\"life_bytes\":1000000000,\"rekey_packets\":0,"
	"\"life_packets\":0,\"start_action\":\"trap\",\"dpd_action\":\"restart\",\"close_action\":"
	"\"start\",\"replay_window\":64}],\"pools\":[],\"psk_set\":true,\"ike_sas\":1}]}";

/* The IKE SA of api/control.md's example, and a half-open one. */
static const char rw_sa_json[] =
	"{\"uid\":7,\"name\":\"rw\",\"state\":\"ESTABLISHED\",\"role\":\"responder\",\"version\":2,"
	"\"spi_i\":\"8f6e2c1a9b3d4e5f\",\"spi_r\":\"1a2b3c4d5e6f7081\","
	"\"local\":{\"addr\":\"192.0.2.1\",\"port\":4500,\"id\":\"vpn.example.com\",\"id_type\":"
	"\"fqdn\",\"auth\":\"pubkey\",\"vips\":[]},"
	"\"remote\":{\"addr\":\"198.51.100.7\",\"port\":4500,\"id\":\"alice@example.com\","
	"\"id_type\":\"rfc822\",\"auth\":\"eap-mschapv2\",\"eap_id\":\"alice\",\"vips\":"
	"[\"10.3.0.2\"]},"
	"\"nat\":{\"local\":false,\"remote\":true,\"encap_forced\":false},"
	"\"ike\":{\"proposal\":\"aes256gcm16-prfsha384-x25519\",\"encr\":\"aes256gcm16\",\"integ\":"
	"null,\"prf\":\"prfsha384\",\"dh\":\"x25519\"},"
	"\"created_at\":\"2026-11-27T13:00:00Z\",\"established_at\":\"2026-11-27T13:00:01Z\","
	"\"age\":3600,\"rekey_in\":10800,\"reauth_in\":null}";

static const char net_child_json[] =
	"{\"uid\":12,\"name\":\"net\",\"state\":\"INSTALLED\",\"mode\":\"tunnel\",\"protocol\":"
	"\"esp\",\"reqid\":1,\"spi_in\":\"c1a2b3c4\",\"spi_out\":\"0badf00d\",\"encap\":true,"
	"\"esp\":{\"proposal\":\"aes256gcm16-esn\",\"encr\":\"aes256gcm16\",\"integ\":null,\"dh\":"
	"null,\"esn\":true},\"local_ts\":[\"10.1.0.0/16\"],\"remote_ts\":[\"10.3.0.2/32\"],"
	"\"bytes_in\":123456,\"packets_in\":789,\"bytes_out\":654321,\"packets_out\":987,"
	"\"last_in\":2,\"last_out\":null,\"installed_at\":\"2026-11-27T13:00:01Z\",\"age\":3599,"
	"\"rekey_in\":3300,\"expires_in\":3900}";

static const char site_sa_json[] =
	"{\"uid\":9,\"name\":\"site\",\"state\":\"CONNECTING\",\"role\":\"initiator\",\"version\":"
	"2,"
	"\"spi_i\":\"0011223344556677\",\"spi_r\":\"0000000000000000\","
	"\"local\":{\"addr\":\"2001:db8::1\",\"port\":500,\"id\":null,\"id_type\":null,\"auth\":"
	"null,\"vips\":[]},\"remote\":{\"addr\":\"2001:db8::9\",\"port\":500,\"id\":null,"
	"\"id_type\":null,\"auth\":null,\"eap_id\":null,\"vips\":[]},"
	"\"nat\":{\"local\":true,\"remote\":false,\"encap_forced\":true},"
	"\"ike\":{\"proposal\":null,\"encr\":null,\"integ\":null,\"prf\":null,\"dh\":null},"
	"\"created_at\":\"2026-11-27T13:59:58Z\",\"established_at\":null,\"age\":2,\"rekey_in\":"
	"null,"
	"\"reauth_in\":null,\"children\":[]}";

static const char stats_json[] =
	"{\"version\":\"0.1.0\",\"started_at\":\"2026-11-27T12:00:00Z\",\"uptime\":7200,"
	"\"ike_sas\":{\"total\":2,\"established\":1,\"half_open\":1},"
	"\"child_sas\":{\"total\":1,\"installed\":1},"
	"\"setups\":{\"ok\":10,\"failed\":3,\"failed_by_reason\":{\"no-proposal-chosen\":0,"
	"\"invalid-ke\":0,\"authentication-failed\":2,\"no-connection\":0,\"ts-unacceptable\":0,"
	"\"timeout\":1,\"peer-error\":0,\"local-error\":0}},\"cookies_sent\":5,"
	"\"packets\":{\"rx\":100,\"tx\":98,\"retransmits\":4,\"dropped\":4,\"dropped_by_cause\":{"
	"\"malformed\":2,\"unsupported\":0,\"unknown-spi\":1,\"integrity\":0,\"message-id\":0,"
	"\"invalid-cookie\":0,\"queue-full\":0,\"socket-overflow\":1}},"
	"\"datapath\":{\"backend\":\"userspace\",\"packets\":{\"rx\":500,\"delivered\":497,"
	"\"tx\":480,\"dropped\":5,\"dropped_by_cause\":{\"unknown-spi\":1,\"malformed\":0,"
	"\"replay\":2,\"integrity\":0,\"expired\":0,\"dummy\":0,\"selectors\":0,"
	"\"no-policy\":2,\"no-sa-out\":0,\"io-error\":0}}},"
	"\"workers\":{\"threads\":2,\"jobs\":1234,\"timers\":56,\"dropped\":0,\"pending\":0}}";

static json_t *canned(const char *s)
{
	json_error_t e;
	json_t *j = json_loads(s, JSON_REJECT_DUPLICATES, &e);

	if (!j) {
		fprintf(stderr, "fake_gatewayd: canned JSON: %s at %d\n", e.text, e.position);
		abort();
	}
	return j;
}

static json_t *rw_sa(bool children)
{
	json_t *sa = canned(rw_sa_json);

	if (children)
		json_object_set_new(sa, "children", json_pack("[o]", canned(net_child_json)));
	return sa;
}

static int h_list_conns(struct control_req *req, json_t *args, void *arg, json_t **result)
{
	static const char *const allowed[] = { "conn", NULL };
	json_t *all = canned(conns_json), *list = json_array(), *c;
	const char *name;
	size_t i;
	int r;

	if ((r = control_args_allow(req, args, allowed)) ||
	    (r = control_arg_str(req, args, "conn", false, 63, &name)))
		goto out;
	json_array_foreach(json_object_get(all, "conns"), i, c)
	{
		if (!name || !strcmp(name, json_string_value(json_object_get(c, "name"))))
			json_array_append(list, c);
	}
	if (name && !json_array_size(list)) {
		r = control_req_error(req, "not-found", "no connection '%s'", name);
		goto out;
	}
	*result = json_pack("{s:O}", "conns", list);
out:
	json_decref(list);
	json_decref(all);
	return r;
}

static int h_list_sas(struct control_req *req, json_t *args, void *arg, json_t **result)
{
	static const char *const allowed[] = { "conn", "ike_uid", NULL };
	json_t *list = json_array();
	const char *conn;
	uint64_t uid;
	bool has_uid;
	int r;

	if ((r = control_args_allow(req, args, allowed)) ||
	    (r = control_arg_str(req, args, "conn", false, 63, &conn)) ||
	    (r = control_arg_uint(req, args, "ike_uid", INT64_MAX, &uid, &has_uid))) {
		json_decref(list);
		return r;
	}
	if ((!conn || !strcmp(conn, "rw")) && (!has_uid || uid == 7))
		json_array_append_new(list, rw_sa(true));
	if ((!conn || !strcmp(conn, "site")) && (!has_uid || uid == 9))
		json_array_append_new(list, canned(site_sa_json));
	*result = json_pack("{s:o}", "ike_sas", list);
	return 0;
}

struct later {
	struct control *l_ctl;
	struct control_req *l_req;
	char l_conn[64];
};

/* The IKE SA comes up (rw) or fails authentication (site), 30 ms later;
 * "slow" answers after 1.5 s (palisadectl --timeout). */
static void *initiate_main(void *arg)
{
	struct later *l = arg;

	usleep(!strcmp(l->l_conn, "slow") ? 1500 * 1000 : 30 * 1000);
	if (!strcmp(l->l_conn, "slow")) {
		control_reply(l->l_req, NULL);
	} else if (!strcmp(l->l_conn, "site")) {
		control_emit(l->l_ctl, "auth-failed",
			     json_pack("{s:i,s:s,s:s,s:{s:s,s:i,s:n,s:n},s:s,s:s,s:s}", "uid", 21,
				       "conn", "site", "role", "initiator", "remote", "addr",
				       "203.0.113.9", "port", 4500, "id", "eap_id", "direction",
				       "local", "method", "psk", "reason", "peer-refused"));
		control_emit(l->l_ctl, "ike-failed",
			     json_pack("{s:i,s:s,s:s,s:{s:s,s:i,s:n},s:s,s:s}", "uid", 21, "conn",
				       "site", "role", "initiator", "remote", "addr", "203.0.113.9",
				       "port", 4500, "id", "reason", "authentication-failed",
				       "message", "peer answered AUTHENTICATION_FAILED"));
		control_reply_error(l->l_req, "auth-failed", "peer answered AUTHENTICATION_FAILED");
	} else {
		json_t *sa = rw_sa(false);

		json_object_set_new(sa, "uid", json_integer(20));
		control_emit(l->l_ctl, "ike-up", sa);
		control_emit(l->l_ctl, "child-up",
			     json_pack("{s:i,s:s,s:o}", "ike_uid", 20, "conn", "rw", "child",
				       canned(net_child_json)));
		control_reply(l->l_req, json_pack("{s:i,s:s,s:s,s:[{s:s,s:i,s:s}]}", "ike_uid", 20,
						  "conn", "rw", "state", "ESTABLISHED", "children",
						  "name", "net", "uid", 12, "state", "INSTALLED"));
	}
	free(l);
	return NULL;
}

static int h_initiate(struct control_req *req, json_t *args, void *arg, json_t **result)
{
	static const char *const allowed[] = { "conn", "child", "wait", NULL };
	const char *conn, *child;
	struct later *l;
	pthread_t t;
	bool wait;
	int r;

	if ((r = control_args_allow(req, args, allowed)) ||
	    (r = control_arg_str(req, args, "conn", true, 63, &conn)) ||
	    (r = control_arg_str(req, args, "child", false, 63, &child)) ||
	    (r = control_arg_bool(req, args, "wait", true, &wait)))
		return r;
	if (strcmp(conn, "rw") && strcmp(conn, "site") && strcmp(conn, "slow"))
		return control_req_error(req, "not-found", "no connection '%s'", conn);
	if (child && strcmp(child, !strcmp(conn, "rw") ? "net" : "lan"))
		return control_req_error(req, "not-found", "connection '%s' has no child '%s'",
					 conn, child);
	if (!wait) {
		*result = json_pack("{s:i,s:s,s:s,s:[{s:s,s:n,s:n}]}", "ike_uid", 20, "conn", conn,
				    "state", "CONNECTING", "children", "name",
				    !strcmp(conn, "rw") ? "net" : "lan", "uid", "state");
		return 0;
	}
	if (!(l = calloc(1, sizeof(*l))))
		return GW_E_NOMEM;
	l->l_ctl = arg;
	l->l_req = req;
	snprintf(l->l_conn, sizeof(l->l_conn), "%s", conn);
	if (pthread_create(&t, NULL, initiate_main, l)) {
		free(l);
		return GW_E_NOMEM;
	}
	pthread_detach(t);
	return CONTROL_PENDING;
}

/* Exactly one selection (api/control.md 5.5); *ike says which kind. */
static int selection(struct control_req *req, json_t *args, bool *ike, bool *found)
{
	const char *conn, *child;
	uint64_t ike_uid, child_uid;
	bool has_ike, has_child;
	int r, n;

	if ((r = control_arg_str(req, args, "conn", false, 63, &conn)) ||
	    (r = control_arg_str(req, args, "child", false, 63, &child)) ||
	    (r = control_arg_uint(req, args, "ike_uid", INT64_MAX, &ike_uid, &has_ike)) ||
	    (r = control_arg_uint(req, args, "child_uid", INT64_MAX, &child_uid, &has_child)))
		return r;
	n = has_ike + has_child + (child != NULL) + (conn && !child);
	if (n != 1)
		return control_req_error(req, "invalid-argument",
					 "give exactly one of ike_uid, conn, child_uid, child");
	*ike = has_ike || (conn && !child);
	*found = (has_ike && ike_uid == 7) || (has_child && child_uid == 12) ||
		 (conn && !child && !strcmp(conn, "rw")) ||
		 (child && !strcmp(child, "net") && (!conn || !strcmp(conn, "rw")));
	if (has_ike && ike_uid == 9)
		return control_req_error(req, "bad-state", "IKE SA #9 is CONNECTING");
	if (!*found)
		return control_req_error(req, "not-found", "no SA matches");
	return 0;
}

static int h_terminate(struct control_req *req, json_t *args, void *arg, json_t **result)
{
	static const char *const allowed[] = {
		"ike_uid", "conn", "child_uid", "child", "wait", NULL
	};
	struct control *ctl = arg;
	bool ike, found, wait;
	int r;

	if ((r = control_args_allow(req, args, allowed)) ||
	    (r = control_arg_bool(req, args, "wait", true, &wait)) ||
	    (r = selection(req, args, &ike, &found)))
		return r;
	control_emit(ctl, "child-down",
		     json_pack("{s:i,s:s,s:i,s:s,s:s,s:i,s:i,s:i,s:i,s:i}", "ike_uid", 7, "conn",
			       "rw", "uid", 12, "name", "net", "reason",
			       ike ? "ike-down" : "terminated", "bytes_in", 123456, "packets_in",
			       789, "bytes_out", 654321, "packets_out", 987, "age", 3599));
	if (ike)
		control_emit(ctl, "ike-down",
			     json_pack("{s:i,s:s,s:s,s:{s:s,s:i,s:s},s:{s:s,s:i,s:s,s:s},s:s,s:i,"
				       "s:s}",
				       "uid", 7, "name", "rw", "role", "responder", "local", "addr",
				       "192.0.2.1", "port", 4500, "id", "vpn.example.com", "remote",
				       "addr", "198.51.100.7", "port", 4500, "id",
				       "alice@example.com", "eap_id", "alice", "established_at",
				       "2026-11-27T13:00:01Z", "age", 3600, "reason",
				       "terminated"));
	*result = json_pack("{s:o,s:[i]}", "ike_sas", ike ? json_pack("[i]", 7) : json_array(),
			    "child_sas", 12);
	return 0;
}

static int h_rekey(struct control_req *req, json_t *args, void *arg, json_t **result)
{
	static const char *const allowed[] = { "ike_uid", "conn", "child_uid", "child",
					       "reauth",  "wait", NULL };
	struct control *ctl = arg;
	bool ike, found, wait, reauth;
	json_t *entry;
	int r;

	if ((r = control_args_allow(req, args, allowed)) ||
	    (r = control_arg_bool(req, args, "wait", true, &wait)) ||
	    (r = control_arg_bool(req, args, "reauth", false, &reauth)) ||
	    (r = selection(req, args, &ike, &found)))
		return r;
	if (reauth && !ike)
		return control_req_error(req, "invalid-argument",
					 "reauth is for IKE SAs, not CHILD SAs");
	entry = json_pack("{s:i,s:o}", "old_uid", ike ? 7 : 12, "uid",
			  wait ? json_integer(ike ? 10 : 13) : json_null());
	if (wait && ike) {
		json_t *sa = canned(rw_sa_json);

		control_emit(ctl, "ike-rekeyed",
			     json_pack("{s:i,s:i,s:s,s:s,s:s,s:O}", "old_uid", 7, "uid", 10, "name",
				       "rw", "spi_i", "99aa99aa99aa99aa", "spi_r",
				       "77bb77bb77bb77bb", "ike", json_object_get(sa, "ike")));
		json_decref(sa);
	}
	*result = json_pack("{s:o,s:o}", "ike_sas", ike ? json_pack("[o]", entry) : json_array(),
			    "child_sas", ike ? json_array() : json_pack("[o]", entry));
	return 0;
}

static int h_stats(struct control_req *req, json_t *args, void *arg, json_t **result)
{
	static const char *const allowed[] = { NULL };
	json_t *st;
	int r;

	if ((r = control_args_allow(req, args, allowed)))
		return r;
	st = canned(stats_json);
	json_object_set_new(st, "control", control_stats_json(arg));
	*result = st;
	return 0;
}

static int reload_result(struct control_req *req, const char *what, const char *name,
			 json_t **result)
{
	if (name && !strcmp(name, "bad")) {
		*result = json_pack("{s:s,s:[],s:[],s:[],s:i,s:[{s:s,s:s}]}", "what", what, "added",
				    "changed", "removed", "unchanged", 0, "errors", "file",
				    "conns/bad.json", "message",
				    "$.ike.proposals[0]: unknown algorithm 'aes999'");
	} else if (name) {
		*result = json_pack("{s:s,s:[],s:[s++],s:[],s:i,s:[]}", "what", what, "added",
				    "changed", "conns/", name, ".json", "removed", "unchanged", 0,
				    "errors");
	} else {
		*result = json_pack("{s:s,s:[s],s:[s],s:[s],s:i,s:[]}", "what", what, "added",
				    "conns/new.json", "changed", "conns/rw.json", "removed",
				    "conns/old.json", "unchanged", 3, "errors");
	}
	return *result ? 0 : GW_E_NOMEM;
}

static int h_reload(struct control_req *req, json_t *args, void *arg, json_t **result)
{
	static const char *const allowed[] = { "what", "name", NULL };
	static const char *const whats[] = { "all",   "settings",  "conns", "cas",
					     "certs", "eap-users", "pools", NULL };
	const struct control_peer *p = control_req_peer(req);
	const char *what, *name;
	json_t *ev;
	size_t i;
	int r;

	if ((r = control_args_allow(req, args, allowed)) ||
	    (r = control_arg_str(req, args, "what", false, 16, &what)) ||
	    (r = control_arg_str(req, args, "name", false, 63, &name)))
		return r;
	what = what ? what : "all";
	for (i = 0; whats[i] && strcmp(whats[i], what); i++)
		;
	if (!whats[i])
		return control_req_error(req, "invalid-argument", "argument 'what': unknown '%s'",
					 what);
	if (name && strcmp(what, "conns") && strcmp(what, "cas") && strcmp(what, "certs"))
		return control_req_error(req, "invalid-argument",
					 "argument 'name' goes with conns, cas or certs");
	if ((r = reload_result(req, what, name, result)))
		return r;
	ev = json_deep_copy(*result);
	json_object_set_new(ev, "by",
			    json_pack("{s:i,s:i}", "uid", (int)p->cp_uid, "pid", (int)p->cp_pid));
	control_emit(arg, "reload", ev);
	return 0;
}

static int setup(struct control *ctl)
{
	int r;

	if ((r = control_register(ctl, "list-conns", h_list_conns, ctl, 0)) ||
	    (r = control_register(ctl, "list-sas", h_list_sas, ctl, 0)) ||
	    (r = control_register(ctl, "initiate", h_initiate, ctl, CONTROL_F_MUTATES)) ||
	    (r = control_register(ctl, "terminate", h_terminate, ctl, CONTROL_F_MUTATES)) ||
	    (r = control_register(ctl, "rekey", h_rekey, ctl, CONTROL_F_MUTATES)) ||
	    (r = control_register(ctl, "stats", h_stats, ctl, 0)) ||
	    (r = control_register(ctl, "reload", h_reload, ctl, CONTROL_F_MUTATES)))
		return r;
	return control_start(ctl);
}

int main(int argc, char **argv)
{
	struct control_config cfg = { 0 };
	struct control *ctl = NULL;
	sigset_t set;
	int sig, r;

	if (argc != 2) {
		fprintf(stderr, "usage: fake_gatewayd SOCKET\n");
		return 2;
	}
	log_init("fake_gatewayd", false, LOG_INFO);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	cfg.cc_path = argv[1];
	if ((r = control_new(&cfg, &ctl)) || (r = setup(ctl))) {
		fprintf(stderr, "fake_gatewayd: %s\n", gw_strerror(r));
		control_free(ctl);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	sigwait(&set, &sig);
	control_free(ctl);
	return 0;
}

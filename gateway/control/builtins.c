/*
 * builtins.c: the commands every control server answers itself:
 * "version" (daemon, protocol and the command list) and "subscribe",
 * which turns the connection into an event stream (api/control.md).
 */
#include <stdlib.h>
#include <string.h>

#include "control/control_int.h"
#include "util/err.h"
#include "util/log.h"

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmd_version(struct control_req *req, json_t *args, void *arg, json_t **result)
{
	static const char *const allowed[] = { NULL };
	struct control *ctl = req->r_ctl;
	const char *names[CTL_MAX_CMDS];
	json_t *cmds, *o;
	int r;

	if ((r = control_args_allow(req, args, allowed)))
		return r;
	for (size_t i = 0; i < ctl->ctl_n_cmds; i++)
		names[i] = ctl->ctl_cmds[i].cmd_name;
	qsort(names, ctl->ctl_n_cmds, sizeof(names[0]), cmp_names);
	if (!(cmds = json_array()))
		return GW_E_NOMEM;
	for (size_t i = 0; i < ctl->ctl_n_cmds; i++)
		json_array_append_new(cmds, json_string(names[i]));
	o = json_pack("{s:s,s:s,s:i,s:o}", "daemon", ctl->ctl_ident, "version", PACKAGE_VERSION,
		      "protocol", CONTROL_PROTOCOL, "commands", cmds);
	if (!o)
		return GW_E_NOMEM;
	*result = o;
	return 0;
}

/* The optional "events" filter: distinct event names. */
static int parse_filter(struct control_req *req, json_t *events, struct ctl_client *c)
{
	size_t i;
	json_t *v;

	if (!json_is_array(events) || json_array_size(events) > CTL_MAX_FILTER)
		return control_req_error(req, "invalid-argument",
					 "argument 'events': expected an array of at most %d names",
					 CTL_MAX_FILTER);
	json_array_foreach(events, i, v)
	{
		if (!json_is_string(v) || !ctl_name_valid(json_string_value(v)))
			return control_req_error(req, "invalid-argument",
						 "argument 'events'[%zu]: not an event name", i);
	}
	json_array_foreach(events, i, v)
	{
		if (!ctl_sub_wants(c, json_string_value(v)) || !c->c_n_filter)
			strcpy(c->c_filter[c->c_n_filter++], json_string_value(v));
	}
	return 0;
}

static int cmd_subscribe(struct control_req *req, json_t *args, void *arg, json_t **result)
{
	static const char *const allowed[] = { "events", NULL };
	struct ctl_client *c = req->r_conn;
	json_t *events = json_object_get(args, "events"), *list;
	int r;

	if ((r = control_args_allow(req, args, allowed)))
		return r;
	if (events && (r = parse_filter(req, events, c))) {
		c->c_n_filter = 0;
		return r;
	}
	if (!(list = json_array()))
		return GW_E_NOMEM;
	for (size_t i = 0; i < c->c_n_filter; i++)
		json_array_append_new(list, json_string(c->c_filter[i]));
	if (!c->c_n_filter)
		json_array_append_new(list, json_string("*"));
	c->c_subscribed = true;
	atomic_fetch_add(&req->r_ctl->ctl_n_subs, 1);
	log_debug(LOG_SUB_CTL, "uid %u pid %d subscribed", (unsigned)c->c_peer.cp_uid,
		  (int)c->c_peer.cp_pid);
	*result = json_pack("{s:o}", "events", list);
	return *result ? 0 : GW_E_NOMEM;
}

int ctl_builtins_register(struct control *ctl)
{
	int r;

	if ((r = control_register(ctl, "version", cmd_version, NULL, 0)))
		return r;
	return control_register(ctl, "subscribe", cmd_subscribe, NULL, 0);
}

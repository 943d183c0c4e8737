/*
 * dispatch.c: one request line -> one answer (api/control.md, Requests).
 * The line is parsed strictly (duplicate keys refused, no other top-level
 * members than id, cmd and args) and only a registered command runs, in
 * the manner of OpenSSH's monitor dispatch table. Handlers answer at once
 * or later through control_reply*() from any thread.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/control_int.h"
#include "util/err.h"
#include "util/log.h"

#define ID_STR_MAX 64

/* A JSON string from text that may hold bytes that are not UTF-8. */
json_t *ctl_json_text(const char *s)
{
	json_t *j = json_string(s ? s : "");
	char buf[512];
	size_t i;

	if (j)
		return j;
	for (i = 0; i < sizeof(buf) - 1 && s[i]; i++)
		buf[i] = (unsigned char)s[i] < 0x80 ? s[i] : (char)'?';
	buf[i] = 0;
	return json_string(buf);
}

char *ctl_reply_line(json_t *id, json_t *result, const char *code, const char *msg, size_t *len)
{
	json_t *o = json_object(), *err;
	char *s = NULL, *line = NULL;
	size_t n;

	if (!o)
		goto out;
	json_object_set(o, "id", id ? id : json_null());
	json_object_set_new(o, "ok", json_boolean(!code));
	if (code) {
		err = json_object();
		json_object_set_new(err, "code", ctl_json_text(code));
		json_object_set_new(err, "message", ctl_json_text(msg ? msg : ""));
		json_object_set_new(o, "error", err);
	} else {
		json_object_set_new(o, "result", result ? json_incref(result) : json_object());
	}
	/* Compact output never contains a raw newline: one line per answer. */
	if (!(s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER)))
		goto out;
	n = strlen(s);
	if ((line = malloc(n + 2))) {
		memcpy(line, s, n);
		line[n] = '\n';
		line[n + 1] = 0;
		*len = n + 1;
	}
out:
	free(s);
	json_decref(o);
	return line;
}

void ctl_send_error(struct ctl_client *c, json_t *id, const char *code, const char *msg)
{
	size_t len;
	char *line = ctl_reply_line(id, NULL, code, msg, &len);

	if (line)
		ctl_client_send(c, line, len);
	free(line);
}

static const char *code_of(int r)
{
	switch (r) {
	case GW_E_PARSE:
	case GW_E_INVAL:
		return "invalid-argument";
	case GW_E_NOTFOUND:
		return "not-found";
	case GW_E_STATE:
		return "bad-state";
	case GW_E_EXISTS:
		return "exists";
	case GW_E_UNSUP:
		return "not-supported";
	case GW_E_AGAIN:
	case GW_E_RANGE:
		return "busy";
	default:
		return "internal-error";
	}
}

/* The envelope: {"id": integer >= 0 or short string, "cmd": name, "args": {}}. */
static const char *check_envelope(json_t *req, json_t **id, const char **cmd, json_t **args)
{
	const char *key;
	json_t *v;

	if (!json_is_object(req))
		return "a request is a JSON object";
	v = json_object_get(req, "id");
	if (!(json_is_integer(v) && json_integer_value(v) >= 0) &&
	    !(json_is_string(v) && json_string_length(v) <= ID_STR_MAX))
		return "\"id\" must be a non-negative integer or a string of at most 64 bytes";
	*id = v;
	json_object_foreach(req, key, v)
	{
		if (strcmp(key, "id") != 0 && strcmp(key, "cmd") != 0 && strcmp(key, "args") != 0)
			return "unknown member in request (allowed: id, cmd, args)";
	}
	v = json_object_get(req, "cmd");
	if (!json_is_string(v))
		return "\"cmd\" must be a string";
	*cmd = json_string_value(v);
	v = json_object_get(req, "args");
	if (v && !json_is_object(v))
		return "\"args\" must be an object";
	*args = v;
	return NULL;
}

static const struct ctl_cmd *find_cmd(const struct control *ctl, const char *name)
{
	for (size_t i = 0; i < ctl->ctl_n_cmds; i++)
		if (!strcmp(ctl->ctl_cmds[i].cmd_name, name))
			return &ctl->ctl_cmds[i];
	return NULL;
}

/* State changes leave a trace: who asked for what (CONTROL_F_MUTATES). */
static void audit(const struct ctl_client *c, const struct ctl_cmd *cmd, json_t *args)
{
	char *s = NULL, esc[256];

	if (!log_enabled(LOG_INFO))
		return;
	if (!(cmd->cmd_flags & CONTROL_F_SECRET))
		s = json_dumps(args, JSON_COMPACT | JSON_PRESERVE_ORDER);
	log_escape(esc, sizeof(esc), s ? s : "", s ? strlen(s) : 0);
	log_info(LOG_SUB_CTL, "uid %u pid %d: %s %s", (unsigned)c->c_peer.cp_uid,
		 (int)c->c_peer.cp_pid, cmd->cmd_name,
		 cmd->cmd_flags & CONTROL_F_SECRET ? "(arguments not logged)" : esc);
	free(s);
}

static struct control_req *req_new(struct control *ctl, struct ctl_client *c, json_t *id,
				   const struct ctl_cmd *cmd)
{
	struct control_req *req = calloc(1, sizeof(*req));

	if (!req)
		return NULL;
	pthread_mutex_lock(&ctl->ctl_mbox->mb_lock);
	ctl->ctl_mbox->mb_refs++;
	pthread_mutex_unlock(&ctl->ctl_mbox->mb_lock);
	req->r_mbox = ctl->ctl_mbox;
	req->r_client = c->c_id;
	req->r_conn = c;
	req->r_ctl = ctl;
	req->r_id = json_incref(id);
	req->r_peer = c->c_peer;
	snprintf(req->r_cmd, sizeof(req->r_cmd), "%s", cmd->cmd_name);
	return req;
}

static void req_free(struct control_req *req)
{
	if (!req)
		return;
	json_decref(req->r_id);
	ctl_mbox_unref(req->r_mbox);
	free(req);
}

/* Run the handler and answer unless it went pending. */
static void run_cmd(struct control *ctl, struct ctl_client *c, json_t *id,
		    const struct ctl_cmd *cmd, json_t *args)
{
	struct control_req *req = req_new(ctl, c, id, cmd);
	json_t *result = NULL;
	char *line = NULL;
	size_t len = 0;
	int r;

	if (!req) {
		ctl_send_error(c, id, "internal-error", "out of memory");
		return;
	}
	if (cmd->cmd_flags & CONTROL_F_MUTATES)
		audit(c, cmd, args);
	r = cmd->cmd_fn(req, args, cmd->cmd_arg, &result);
	if (r == CONTROL_PENDING) {
		c->c_pending++; /* req belongs to the handler now */
		return;
	}
	if (r == 0) {
		line = ctl_reply_line(id, result, NULL, NULL, &len);
	} else {
		if (!req->r_code[0])
			snprintf(req->r_code, sizeof(req->r_code), "%s", code_of(r));
		if (!req->r_msg[0])
			snprintf(req->r_msg, sizeof(req->r_msg), "%s", gw_strerror(r));
		line = ctl_reply_line(id, NULL, req->r_code, req->r_msg, &len);
		atomic_fetch_add(&ctl->ctl_errors, 1);
	}
	if (line)
		ctl_client_send(c, line, len);
	else
		ctl_send_error(c, id, "internal-error", "cannot encode the result");
	free(line);
	json_decref(result);
	req_free(req);
}

void ctl_dispatch_line(struct control *ctl, struct ctl_client *c, const char *line, size_t len)
{
	json_t *req, *id = NULL, *args = NULL, *empty = NULL;
	const struct ctl_cmd *cmd;
	const char *cmd_name = NULL, *why;
	json_error_t jerr;
	char msg[300];

	if (len && line[len - 1] == '\r')
		len--;
	if (!len)
		return; /* blank lines keep a session open, nothing more */
	atomic_fetch_add(&ctl->ctl_requests, 1);
	if (!(req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr))) {
		snprintf(msg, sizeof(msg), "column %d: %s", jerr.column, jerr.text);
		ctl_send_error(c, NULL, "parse-error", msg);
		goto err;
	}
	if ((why = check_envelope(req, &id, &cmd_name, &args))) {
		ctl_send_error(c, id, "invalid-request", why);
		goto err;
	}
	if (!(cmd = find_cmd(ctl, cmd_name))) {
		snprintf(msg, sizeof(msg), "unknown command '%.64s'", cmd_name);
		ctl_send_error(c, id, "unknown-command", msg);
		goto err;
	}
	if (!args)
		args = empty = json_object();
	run_cmd(ctl, c, id, cmd, args);
	goto out;
err:
	atomic_fetch_add(&ctl->ctl_errors, 1);
out:
	json_decref(empty);
	json_decref(req);
}

/* ---- the public side of struct control_req ---- */

static void complete(struct control_req *req, json_t *result, const char *code, const char *msg)
{
	size_t len = 0;
	char *line = ctl_reply_line(req->r_id, result, code, msg, &len);

	if (!line) /* a result that cannot be encoded still gets an answer */
		line = ctl_reply_line(req->r_id, NULL, "internal-error", "cannot encode the result",
				      &len);
	if (line)
		ctl_mbox_post_reply(req->r_mbox, req->r_client, line, len, code != NULL);
	json_decref(result);
	req_free(req);
}

void control_reply(struct control_req *req, json_t *result)
{
	if (req)
		complete(req, result, NULL, NULL);
	else
		json_decref(result);
}

void control_reply_error(struct control_req *req, const char *code, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!req)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	complete(req, NULL, code ? code : "internal-error", msg);
}

int control_req_error(struct control_req *req, const char *code, const char *fmt, ...)
{
	va_list ap;

	snprintf(req->r_code, sizeof(req->r_code), "%s", code ? code : "internal-error");
	va_start(ap, fmt);
	vsnprintf(req->r_msg, sizeof(req->r_msg), fmt, ap);
	va_end(ap);
	return GW_E_INVAL;
}

const struct control_peer *control_req_peer(const struct control_req *req)
{
	return &req->r_peer;
}

const char *control_req_cmd(const struct control_req *req)
{
	return req->r_cmd;
}

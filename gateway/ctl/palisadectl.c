/*
 * palisadectl: the operator's command line for palisade-gatewayd's
 * control socket (api/control.md, section 8). Each command is one request;
 * the answer prints as text or, with --json, as the result object.
 * Exit status: 0 ok, 1 the daemon said no, 2 usage, 3 cannot connect.
 */
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"

struct opts {
	const char *o_socket;
	bool o_json;
	unsigned o_timeout;
	const char *o_conn;
	const char *o_child; /* initiate --child NAME */
	const char *o_id;    /* list-sas --id UID */
	bool o_child_flag;   /* terminate/rekey --child */
	bool o_no_wait;
	bool o_reauth;
	int o_npos;
	char **o_pos;
};

struct command {
	const char *cmd_name;
	const char *cmd_usage;
	unsigned cmd_opts; /* OPT_* below */
	int cmd_min_pos, cmd_max_pos;
	int (*cmd_run)(struct ctl_conn *c, struct opts *o);
};

enum {
	OPT_CONN = 1 << 0,
	OPT_ID = 1 << 1,
	OPT_CHILD_NAME = 1 << 2,
	OPT_CHILD_FLAG = 1 << 3,
	OPT_NO_WAIT = 1 << 4,
	OPT_REAUTH = 1 << 5,
};

static const char usage_text[] =
	"usage: palisadectl [--socket PATH] [--json] [--timeout SEC] COMMAND [ARGS]\n"
	"\n"
	"Commands:\n"
	"  version                              palisadectl's and the daemon's versions\n"
	"  list-conns [--conn NAME]             configured connections\n"
	"  list-sas [--conn NAME] [--id UID]    IKE SAs and their CHILD SAs\n"
	"  initiate CONN [--child NAME] [--no-wait]\n"
	"  terminate [--child] SA [--no-wait]   SA: a uid or a (connection or child) name\n"
	"  list-leases                          virtual-IP pools and their leases\n"
	"  rekey [--child] SA [--reauth] [--no-wait]\n"
	"  stats                                counters of the daemon\n"
	"  reload [WHAT [NAME]]                 all, settings, conns, cas, certs, eap-users, "
	"pools\n"
	"  subscribe [EVENT...]                 print events until interrupted\n"
	"\n"
	"Options:\n"
	"  --socket PATH   control socket (default " CTL_DEFAULT_SOCKET ")\n"
	"  --json          print the daemon's JSON (subscribe: the raw event lines)\n"
	"  --timeout SEC   wait at most SEC seconds for an answer (default 30, 0 = forever)\n"
	"  --version, --help\n"
	"\n"
	"Exit status: 0 ok, 1 error from the daemon, 2 usage, 3 cannot connect.\n";

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "palisadectl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'palisadectl --help'.\n");
	return CTL_EXIT_USAGE;
}

static void print_json(json_t *v)
{
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	printf("%s\n", s ? s : "null");
	free(s);
}

/* The daemon's answer: result shown, or the error reported (exit 1). */
static int answer(struct opts *o, int r, json_t *result, json_t *error,
		  void (*show)(FILE *f, json_t *result))
{
	if (r == CTL_EXIT_OK) {
		if (o->o_json)
			print_json(result);
		else
			show(stdout, result);
	} else if (error) {
		fprintf(stderr, "palisadectl: %s: %s\n", js(error, "code"), js(error, "message"));
		if (o->o_json)
			print_json(error);
	}
	json_decref(result);
	json_decref(error);
	return r;
}

static int call(struct ctl_conn *c, struct opts *o, const char *cmd, json_t *args,
		void (*show)(FILE *f, json_t *result))
{
	json_t *result = NULL, *error = NULL;
	int r = ctl_call(c, cmd, args, &result, &error);

	return answer(o, r, result, error, show);
}

/* "12" -> 12; uids are at least 1. */
static bool parse_uid(const char *s, json_int_t *uid)
{
	if (!s || !*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 18)
		return false;
	*uid = (json_int_t)strtoll(s, NULL, 10);
	return *uid > 0;
}

static int run_version(struct ctl_conn *c, struct opts *o)
{
	return call(c, o, "version", NULL, show_version);
}

static int run_list_conns(struct ctl_conn *c, struct opts *o)
{
	json_t *args = json_object();

	if (o->o_conn)
		json_object_set_new(args, "conn", json_string(o->o_conn));
	return call(c, o, "list-conns", args, show_conns);
}

static int run_list_sas(struct ctl_conn *c, struct opts *o)
{
	json_t *args = json_object();
	json_int_t uid;

	if (o->o_conn)
		json_object_set_new(args, "conn", json_string(o->o_conn));
	if (o->o_id && parse_uid(o->o_id, &uid))
		json_object_set_new(args, "ike_uid", json_integer(uid));
	return call(c, o, "list-sas", args, show_sas);
}

static int run_initiate(struct ctl_conn *c, struct opts *o)
{
	json_t *args = json_pack("{s:s,s:b}", "conn", o->o_pos[0], "wait", !o->o_no_wait);

	if (o->o_child)
		json_object_set_new(args, "child", json_string(o->o_child));
	return call(c, o, "initiate", args, show_initiate);
}

/* SA selection of terminate and rekey (api/control.md 5.5). */
static json_t *select_sa(struct opts *o)
{
	json_int_t uid;
	bool is_uid = parse_uid(o->o_pos[0], &uid);
	const char *key;

	if (o->o_child_flag)
		key = is_uid ? "child_uid" : "child";
	else
		key = is_uid ? "ike_uid" : "conn";
	return json_pack("{s:o,s:b}", key, is_uid ? json_integer(uid) : json_string(o->o_pos[0]),
			 "wait", !o->o_no_wait);
}

static int run_terminate(struct ctl_conn *c, struct opts *o)
{
	return call(c, o, "terminate", select_sa(o), show_terminate);
}

static int run_rekey(struct ctl_conn *c, struct opts *o)
{
	json_t *args = select_sa(o);

	if (o->o_reauth)
		json_object_set_new(args, "reauth", json_true());
	return call(c, o, "rekey", args, show_rekey);
}

static int run_stats(struct ctl_conn *c, struct opts *o)
{
	return call(c, o, "stats", NULL, show_stats);
}

static int run_list_leases(struct ctl_conn *c, struct opts *o)
{
	return call(c, o, "list-leases", NULL, show_leases);
}

static int run_reload(struct ctl_conn *c, struct opts *o)
{
	json_t *args = json_object(), *result = NULL, *error = NULL;
	bool errors;
	int r;

	if (o->o_npos > 0)
		json_object_set_new(args, "what", json_string(o->o_pos[0]));
	if (o->o_npos > 1)
		json_object_set_new(args, "name", json_string(o->o_pos[1]));
	r = ctl_call(c, "reload", args, &result, &error);
	errors = json_array_size(jo(result, "errors")) > 0;
	r = answer(o, r, result, error, show_reload);
	/* Files the daemon refused make the reload a failure for scripts. */
	return r ? r : errors ? CTL_EXIT_ERROR : CTL_EXIT_OK;
}

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static int stream_events(struct ctl_conn *c, struct opts *o)
{
	for (;;) {
		char *line = NULL;
		bool interrupted = false;
		json_t *ev;

		if (ctl_read_line(c, -1, &line, &interrupted))
			return interrupted || stop_signal ? CTL_EXIT_OK : CTL_EXIT_ERROR;
		if (o->o_json) {
			printf("%s\n", line);
		} else if ((ev = json_loads(line, 0, NULL))) {
			show_event(stdout, ev);
			json_decref(ev);
		}
		free(line);
		fflush(stdout);
	}
}

static int run_subscribe(struct ctl_conn *c, struct opts *o)
{
	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART */
	json_t *events = json_array(), *result = NULL, *error = NULL;
	int r;

	for (int i = 0; i < o->o_npos; i++)
		json_array_append_new(events, json_string(o->o_pos[i]));
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	r = ctl_call(c, "subscribe", json_pack("{s:o}", "events", events), &result, &error);
	if (r)
		return answer(o, r, result, error, NULL);
	json_decref(result);
	return stream_events(c, o);
}

static const struct command commands[] = {
	{ "version", "version", 0, 0, 0, run_version },
	{ "list-conns", "list-conns [--conn NAME]", OPT_CONN, 0, 0, run_list_conns },
	{ "list-sas", "list-sas [--conn NAME] [--id UID]", OPT_CONN | OPT_ID, 0, 0, run_list_sas },
	{ "initiate", "initiate CONN [--child NAME] [--no-wait]", OPT_CHILD_NAME | OPT_NO_WAIT, 1,
	  1, run_initiate },
	{ "terminate", "terminate [--child] SA [--no-wait]", OPT_CHILD_FLAG | OPT_NO_WAIT, 1, 1,
	  run_terminate },
	{ "rekey", "rekey [--child] SA [--reauth] [--no-wait]",
	  OPT_CHILD_FLAG | OPT_NO_WAIT | OPT_REAUTH, 1, 1, run_rekey },
	{ "stats", "stats", 0, 0, 0, run_stats },
	{ "list-leases", "list-leases", 0, 0, 0, run_list_leases },
	{ "reload", "reload [WHAT [NAME]]", 0, 0, 2, run_reload },
	{ "subscribe", "subscribe [EVENT...]", 0, 0, 32, run_subscribe },
};

enum { O_JSON = 'j', O_SOCKET = 's', O_TIMEOUT = 't', O_HELP = 'h', O_VERSION = 'V' };
enum { O_CONN = 256, O_ID, O_CHILD_NAME, O_CHILD_FLAG, O_NO_WAIT, O_REAUTH };

static int parse_timeout(const char *s, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*s || *end || s[0] == '-' || v > 86400)
		return usage_error("--timeout: expected seconds from 0 to 86400, not '%s'", s);
	*out = (unsigned)v;
	return 0;
}

/* Options every command shares, returned as handled (1) or not (0). */
static int common_opt(int ch, struct opts *o, int *err)
{
	switch (ch) {
	case O_JSON:
		o->o_json = true;
		return 1;
	case O_SOCKET:
		o->o_socket = optarg;
		return 1;
	case O_TIMEOUT:
		*err = parse_timeout(optarg, &o->o_timeout);
		return 1;
	case O_HELP:
		fputs(usage_text, stdout);
		exit(0);
	}
	return 0;
}

/* One command's table: the shared options plus those it declares. */
static void cmd_options(const struct command *cmd, struct option *lo)
{
	size_t n = 0;

	lo[n++] = (struct option){ "json", no_argument, NULL, O_JSON };
	lo[n++] = (struct option){ "socket", required_argument, NULL, O_SOCKET };
	lo[n++] = (struct option){ "timeout", required_argument, NULL, O_TIMEOUT };
	lo[n++] = (struct option){ "help", no_argument, NULL, O_HELP };
	if (cmd->cmd_opts & OPT_CONN)
		lo[n++] = (struct option){ "conn", required_argument, NULL, O_CONN };
	if (cmd->cmd_opts & OPT_ID)
		lo[n++] = (struct option){ "id", required_argument, NULL, O_ID };
	if (cmd->cmd_opts & OPT_CHILD_NAME)
		lo[n++] = (struct option){ "child", required_argument, NULL, O_CHILD_NAME };
	if (cmd->cmd_opts & OPT_CHILD_FLAG)
		lo[n++] = (struct option){ "child", no_argument, NULL, O_CHILD_FLAG };
	if (cmd->cmd_opts & OPT_NO_WAIT)
		lo[n++] = (struct option){ "no-wait", no_argument, NULL, O_NO_WAIT };
	if (cmd->cmd_opts & OPT_REAUTH)
		lo[n++] = (struct option){ "reauth", no_argument, NULL, O_REAUTH };
	lo[n] = (struct option){ NULL, 0, NULL, 0 };
}

static int cmd_opt(int ch, struct opts *o)
{
	json_int_t uid;

	switch (ch) {
	case O_CONN:
		o->o_conn = optarg;
		break;
	case O_ID:
		o->o_id = optarg;
		if (!parse_uid(optarg, &uid))
			return usage_error("--id: expected an IKE SA uid, not '%s'", optarg);
		break;
	case O_CHILD_NAME:
		o->o_child = optarg;
		break;
	case O_CHILD_FLAG:
		o->o_child_flag = true;
		break;
	case O_NO_WAIT:
		o->o_no_wait = true;
		break;
	case O_REAUTH:
		o->o_reauth = true;
		break;
	default:
		return CTL_EXIT_USAGE;
	}
	return 0;
}

/* argv[0] is the command's name. */
static int parse_cmd(const struct command *cmd, int argc, char **argv, struct opts *o)
{
	struct option lo[16];
	int ch, err = 0;

	cmd_options(cmd, lo);
	optind = 0; /* glibc: start over on the new vector */
	while (!err && (ch = getopt_long(argc, argv, "", lo, NULL)) != -1)
		if (!common_opt(ch, o, &err))
			err = cmd_opt(ch, o);
	if (err) {
		fprintf(stderr, "usage: palisadectl %s\n", cmd->cmd_usage);
		return CTL_EXIT_USAGE;
	}
	o->o_npos = argc - optind;
	o->o_pos = argv + optind;
	if (o->o_npos < cmd->cmd_min_pos)
		return usage_error("%s: missing argument", cmd->cmd_name);
	if (o->o_npos > cmd->cmd_max_pos)
		return usage_error("unexpected argument '%s'", o->o_pos[cmd->cmd_max_pos]);
	if (o->o_reauth && o->o_child_flag)
		return usage_error("%s: --reauth is for IKE SAs, not with --child", cmd->cmd_name);
	return 0;
}

static int parse_global(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, O_JSON },
		{ "socket", required_argument, NULL, O_SOCKET },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "help", no_argument, NULL, O_HELP },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int ch, err = 0;

	while (!err && (ch = getopt_long(argc, argv, "+", lo, NULL)) != -1) {
		if (ch == O_VERSION) {
			printf("palisadectl %s\n", PACKAGE_VERSION);
			exit(0);
		}
		if (!common_opt(ch, o, &err)) {
			fputs(usage_text, stderr);
			return CTL_EXIT_USAGE;
		}
	}
	return err;
}

int main(int argc, char **argv)
{
	struct opts o = { .o_socket = CTL_DEFAULT_SOCKET, .o_timeout = CTL_DEFAULT_TIMEOUT };
	const struct command *cmd = NULL;
	struct ctl_conn c;
	int r;

	if ((r = parse_global(argc, argv, &o)))
		return r;
	if (optind >= argc) {
		fputs(usage_text, stderr);
		return CTL_EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].cmd_name, argv[optind]))
			cmd = &commands[i];
	if (!cmd)
		return usage_error("unknown command '%s'", argv[optind]);
	if ((r = parse_cmd(cmd, argc - optind, argv + optind, &o)))
		return r;
	/* our own version even when the daemon cannot be reached */
	if (cmd->cmd_run == run_version && !o.o_json) {
		printf("palisadectl %s\n", PACKAGE_VERSION);
		fflush(stdout);
	}
	if ((r = ctl_connect(&c, o.o_socket, o.o_timeout)))
		return r;
	r = cmd->cmd_run(&c, &o);
	ctl_close(&c);
	return r;
}

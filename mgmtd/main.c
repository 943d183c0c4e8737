/*
 * palisade-mgmtd: the management daemon (DESIGN.md, REST API) and its
 * administration commands (tokens, users, the directory check). Command
 * lines are stable (DESIGN.md, Command lines):
 *   palisade-mgmtd --config-dir DIR --gateway-socket PATH --listen ADDR:PORT
 *                  [--tls-cert FILE --tls-key FILE] [--web-root DIR] [--insecure-http]
 *   palisade-mgmtd token create|revoke|list --config-dir DIR [--role ROLE] [--name NAME]
 *   palisade-mgmtd user add|del|list --config-dir DIR [--role ROLE] [--name NAME]
 *   palisade-mgmtd check --config-dir DIR
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "gateway/util/err.h"
#include "gateway/util/log.h"
#include "mgmtd/mgmtd.h"

struct opts {
	const char *o_dir, *o_socket, *o_listen, *o_cert, *o_key, *o_web, *o_role, *o_name;
	const char *o_log_level;
	unsigned long long o_ttl;
	bool o_insecure;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: palisade-mgmtd --config-dir DIR --gateway-socket PATH --listen ADDR:PORT\n"
		"                      [--tls-cert FILE --tls-key FILE] [--web-root DIR]\n"
		"                      [--insecure-http] [--log-level LEVEL]\n"
		"       palisade-mgmtd token create --config-dir DIR --role admin|operator|viewer\n"
		"                      --name NAME [--ttl SECONDS]   (prints the token once)\n"
		"       palisade-mgmtd token revoke --config-dir DIR --name NAME\n"
		"       palisade-mgmtd token list --config-dir DIR\n"
		"       palisade-mgmtd user add --config-dir DIR --role ROLE --name NAME\n"
		"                      (the password on standard input)\n"
		"       palisade-mgmtd user del --config-dir DIR --name NAME\n"
		"       palisade-mgmtd user list --config-dir DIR\n"
		"       palisade-mgmtd check --config-dir DIR\n"
		"       palisade-mgmtd --version | --help\n");
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "config-dir", required_argument, NULL, 'c' },
		{ "gateway-socket", required_argument, NULL, 's' },
		{ "listen", required_argument, NULL, 'l' },
		{ "tls-cert", required_argument, NULL, 'C' },
		{ "tls-key", required_argument, NULL, 'K' },
		{ "web-root", required_argument, NULL, 'w' },
		{ "insecure-http", no_argument, NULL, 'i' },
		{ "role", required_argument, NULL, 'r' },
		{ "name", required_argument, NULL, 'n' },
		{ "ttl", required_argument, NULL, 't' },
		{ "log-level", required_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	char *end;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->o_dir = optarg;
			break;
		case 's':
			o->o_socket = optarg;
			break;
		case 'l':
			o->o_listen = optarg;
			break;
		case 'C':
			o->o_cert = optarg;
			break;
		case 'K':
			o->o_key = optarg;
			break;
		case 'w':
			o->o_web = optarg;
			break;
		case 'i':
			o->o_insecure = true;
			break;
		case 'r':
			o->o_role = optarg;
			break;
		case 'n':
			o->o_name = optarg;
			break;
		case 'L':
			o->o_log_level = optarg;
			break;
		case 't':
			o->o_ttl = strtoull(optarg, &end, 10);
			if (*end || optarg[0] == '-')
				return -1;
			break;
		default:
			return -1;
		}
	}
	return optind < argc ? -1 : 0;
}

static struct store *open_store(const char *dir)
{
	struct store *st;
	char why[512] = "";

	if (!dir) {
		fprintf(stderr, "palisade-mgmtd: --config-dir is required\n");
		return NULL;
	}
	if (store_open(dir, &st, why, sizeof(why))) {
		fprintf(stderr, "palisade-mgmtd: %s\n", why[0] ? why : "cannot open the directory");
		return NULL;
	}
	return st;
}

static int print_list(struct store *st, int (*fn)(struct store *, json_t **))
{
	json_t *l;

	if (fn(st, &l))
		return 1;
	json_dumpf(l, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(l);
	return 0;
}

/* Password from standard input: one line, without its line end. */
static int read_password(char *pw, size_t cap, size_t *len)
{
	size_t n = fread(pw, 1, cap - 1, stdin);

	if (n == cap - 1)
		return GW_E_RANGE;
	while (n && (pw[n - 1] == '\n' || pw[n - 1] == '\r'))
		n--;
	pw[n] = '\0';
	if (memchr(pw, '\n', n))
		return GW_E_PARSE;
	*len = n;
	return 0;
}

static int cmd_token(const char *verb, const struct opts *o, struct store *st)
{
	char tok[AUTH_TOKEN_LEN];
	enum mg_role role;
	int r;

	if (!strcmp(verb, "list"))
		return print_list(st, authdb_tokens_json);
	if (!o->o_name || !mg_name_ok(o->o_name)) {
		fprintf(stderr, "palisade-mgmtd: --name NAME (A-Z a-z 0-9 _ . -) is required\n");
		return 2;
	}
	if (!strcmp(verb, "revoke")) {
		if ((r = authdb_token_revoke(st, o->o_name)))
			fprintf(stderr, "palisade-mgmtd: token '%s': %s\n", o->o_name,
				r == GW_E_NOTFOUND ? "no such token" : gw_strerror(r));
		return r ? 1 : 0;
	}
	if (strcmp(verb, "create") || mg_role_parse(o->o_role, &role)) {
		fprintf(stderr,
			"palisade-mgmtd: token create needs --role admin|operator|viewer\n");
		return 2;
	}
	if ((r = authdb_token_create(st, o->o_name, role, o->o_ttl, tok))) {
		fprintf(stderr, "palisade-mgmtd: token '%s': %s\n", o->o_name,
			r == GW_E_EXISTS ? "a token of that name exists (revoke it first)"
					 : gw_strerror(r));
		return 1;
	}
	/* shown once: only its hash is kept */
	printf("%s\n", tok);
	OPENSSL_cleanse(tok, sizeof(tok));
	return 0;
}

static int cmd_user(const char *verb, const struct opts *o, struct store *st)
{
	char pw[AUTH_PW_MAX + 2];
	enum mg_role role;
	size_t len = 0;
	int r;

	if (!strcmp(verb, "list"))
		return print_list(st, authdb_users_json);
	if (!o->o_name || !mg_name_ok(o->o_name)) {
		fprintf(stderr, "palisade-mgmtd: --name NAME (A-Z a-z 0-9 _ . -) is required\n");
		return 2;
	}
	if (!strcmp(verb, "del")) {
		if ((r = authdb_user_del(st, o->o_name)))
			fprintf(stderr, "palisade-mgmtd: user '%s': %s\n", o->o_name,
				r == GW_E_NOTFOUND ? "no such user" : gw_strerror(r));
		return r ? 1 : 0;
	}
	if (strcmp(verb, "add") || mg_role_parse(o->o_role, &role)) {
		fprintf(stderr, "palisade-mgmtd: user add needs --role admin|operator|viewer\n");
		return 2;
	}
	if (read_password(pw, sizeof(pw), &len) || len < 8) {
		OPENSSL_cleanse(pw, sizeof(pw));
		fprintf(stderr,
			"palisade-mgmtd: the password (standard input, one line) must have "
			"8 to %d bytes\n",
			AUTH_PW_MAX);
		return 2;
	}
	r = authdb_user_add(st, o->o_name, role, pw, len);
	OPENSSL_cleanse(pw, sizeof(pw));
	if (r)
		fprintf(stderr, "palisade-mgmtd: user '%s': %s\n", o->o_name, gw_strerror(r));
	return r ? 1 : 0;
}

static int admin_cmd(int argc, char **argv)
{
	const char *group = argv[1], *verb = argc > 2 ? argv[2] : "";
	struct opts o = { 0 };
	struct store *st;
	char why[1024] = "";
	int rc;

	if (parse_opts(argc - (strcmp(group, "check") ? 2 : 1),
		       argv + (strcmp(group, "check") ? 2 : 1), &o)) {
		usage(stderr);
		return 2;
	}
	if (!(st = open_store(o.o_dir)))
		return 1;
	if (!strcmp(group, "token")) {
		rc = cmd_token(verb, &o, st);
	} else if (!strcmp(group, "user")) {
		rc = cmd_user(verb, &o, st);
	} else if (store_check(st, why, sizeof(why))) {
		fprintf(stderr, "palisade-mgmtd: %s/%s\n", o.o_dir, why);
		rc = 1;
	} else {
		printf("%s: every file parses and validates\n", o.o_dir);
		rc = 0;
	}
	store_free(st);
	return rc;
}

/* "ADDR:PORT" or "[V6]:PORT" */
static int split_listen(const char *s, char *addr, size_t alen, uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	char *end;
	unsigned long p;
	size_t n;

	if (!colon)
		return GW_E_INVAL;
	n = (size_t)(colon - s);
	if (s[0] == '[') {
		if (n < 2 || s[n - 1] != ']')
			return GW_E_INVAL;
		s++;
		n -= 2;
	}
	if (n >= alen)
		return GW_E_INVAL;
	memcpy(addr, s, n);
	addr[n] = '\0';
	p = strtoul(colon + 1, &end, 10);
	if (*end || !colon[1] || p > 65535)
		return GW_E_INVAL;
	*port = (uint16_t)p;
	return 0;
}

static bool loopback(const char *addr)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (inet_pton(AF_INET, addr, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, addr, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

static int serve(int argc, char **argv)
{
	struct opts o = { 0 };
	char addr[64];
	uint16_t port;

	if (parse_opts(argc, argv, &o) || !o.o_dir || !o.o_socket || !o.o_listen) {
		usage(stderr);
		return 2;
	}
	if (split_listen(o.o_listen, addr, sizeof(addr), &port)) {
		fprintf(stderr, "palisade-mgmtd: --listen %s: expected ADDR:PORT or [ADDR]:PORT\n",
			o.o_listen);
		return 2;
	}
	if (!o.o_cert != !o.o_key) {
		fprintf(stderr, "palisade-mgmtd: --tls-cert and --tls-key go together\n");
		return 2;
	}
	/* Tokens and session cookies must not cross a network in clear. */
	if (!o.o_cert && !loopback(addr) && !o.o_insecure) {
		fprintf(stderr,
			"palisade-mgmtd: refusing to listen on %s without TLS: give --tls-cert and "
			"--tls-key, listen on a loopback address, or say --insecure-http\n",
			addr);
		return 2;
	}
	log_init("palisade-mgmtd", false,
		 o.o_log_level && log_level_parse(o.o_log_level) >= 0
			 ? log_level_parse(o.o_log_level)
			 : LOG_INFO);
	return mgmtd_serve(o.o_dir, o.o_socket, addr, port, o.o_cert, o.o_key, o.o_web);
}

int main(int argc, char **argv)
{
	model_json_wipe_init();
	if (argc > 1 && !strcmp(argv[1], "--version")) {
		printf("palisade-mgmtd %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (argc > 1 &&
	    (!strcmp(argv[1], "token") || !strcmp(argv[1], "user") || !strcmp(argv[1], "check")))
		return admin_cmd(argc, argv);
	return serve(argc, argv);
}

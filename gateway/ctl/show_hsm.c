/*
 * show_hsm.c: human output of "hsm" (api/control.md 5.10): the PKCS#11
 * module and, per token, whether it is there and logged in, its sessions
 * and what it signed or failed to.
 */
#include <stdio.h>

#include "ctl/ctl.h"

static void show_token(FILE *f, json_t *t)
{
	const char *err = js(t, "last_error");

	fprintf(f, "token '%s' (serial %s, %s, slot %lld): %s%s\n", js(t, "label"), js(t, "serial"),
		js(t, "model"), ji(t, "slot", 0), js(t, "state"),
		jb(t, "logged_in") ? ", logged in" : "");
	fprintf(f, "  sessions: %lld open, %lld in use; keys: %lld\n", ji(t, "sessions", 0),
		ji(t, "sessions_in_use", 0), ji(t, "keys", 0));
	fprintf(f, "  signatures: %lld, failures: %lld; lost %lld time(s), reopened %lld\n",
		ji(t, "signatures", 0), ji(t, "failures", 0), ji(t, "losses", 0),
		ji(t, "reopened", 0));
	if (err[0] && err[0] != '-')
		fprintf(f, "  last error: %s\n", err);
}

void show_hsm(FILE *f, json_t *r)
{
	json_t *tokens = jo(r, "tokens"), *t;
	size_t i;

	if (!json_is_string(json_object_get(r, "module"))) {
		fprintf(f, "no PKCS#11 module (gateway.json has no pkcs11 section)\n");
		return;
	}
	fprintf(f, "module: %s\n", js(r, "module"));
	if (json_array_size(tokens) == 0)
		fprintf(f, "no token opened (no connection names a pkcs11: key)\n");
	json_array_foreach(tokens, i, t)
	{
		show_token(f, t);
	}
}

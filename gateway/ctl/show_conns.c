/*
 * show_conns.c: `palisadectl list-conns` for humans, one block per
 * connection with its children, in the manner of `swanctl --list-conns`
 * (fields of api/control.md 5.2).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"

static void every(FILE *f, json_t *o, const char *key, const char *what, const char *never)
{
	long long v = ji(o, key, 0);

	if (v > 0)
		fprintf(f, ", %s every %llds", what, v);
	else if (never)
		fprintf(f, ", %s", never);
}

static void show_auth(FILE *f, const char *side, json_t *end)
{
	static const char *const keys[] = { "cert", "key", "ca", "eap_id", NULL };
	json_t *id = jo(end, "id");

	fprintf(f, "  %s %s authentication:\n", side, js(end, "auth"));
	fprintf(f, "    id: %s\n", json_is_string(id) ? json_string_value(id) : "(default)");
	for (size_t i = 0; keys[i]; i++)
		if (json_is_string(jo(end, keys[i])))
			fprintf(f, "    %s: %s\n", keys[i], js(end, keys[i]));
}

static void show_child(FILE *f, json_t *ch)
{
	char mode[16], buf[1024];
	size_t i;

	for (i = 0; i < sizeof(mode) - 1 && js(ch, "mode")[i]; i++)
		mode[i] = (char)toupper((unsigned char)js(ch, "mode")[i]);
	mode[i] = 0;
	fprintf(f, "  %s: %s", js(ch, "name"), mode);
	every(f, ch, "rekey_time", "rekeying", "no rekeying");
	fprintf(f, ", start %s, dpd %s, close %s\n", js(ch, "start_action"), js(ch, "dpd_action"),
		js(ch, "close_action"));
	fprintf(f, "    local:  %s\n", jlist(jo(ch, "local_ts"), ", ", buf, sizeof(buf)));
	fprintf(f, "    remote: %s\n", jlist(jo(ch, "remote_ts"), ", ", buf, sizeof(buf)));
	fprintf(f, "    esp: %s\n", jlist(jo(ch, "esp_proposals"), ", ", buf, sizeof(buf)));
}

static void show_conn(FILE *f, json_t *c)
{
	json_t *ike = jo(c, "ike"), *ch;
	long long n = ji(c, "ike_sas", 0);
	char buf[2048];
	size_t i;

	fprintf(f, "%s: IKEv2", js(c, "name"));
	every(f, ike, "rekey_time", "rekeying", "no rekeying");
	every(f, ike, "reauth_time", "reauth", "no reauthentication");
	if (ji(ike, "reauth_time", 0) > 0 && json_is_string(jo(ike, "reauth_mode")))
		fprintf(f, " (%s)", js(ike, "reauth_mode"));
	if (ji(ike, "dpd_delay", 0) > 0)
		fprintf(f, ", dpd %llds", ji(ike, "dpd_delay", 0));
	if (jb(ike, "encap"))
		fprintf(f, ", UDP encapsulation forced");
	fprintf(f, ", %lld IKE SA%s\n", n, n == 1 ? "" : "s");
	fprintf(f, "  local:  %s\n", jlist(jo(jo(c, "local"), "addrs"), ", ", buf, sizeof(buf)));
	fprintf(f, "  remote: %s (port %lld)\n",
		jlist(jo(jo(c, "remote"), "addrs"), ", ", buf, sizeof(buf)),
		ji(jo(c, "remote"), "port", 500));
	show_auth(f, "local", jo(c, "local"));
	show_auth(f, "remote", jo(c, "remote"));
	fprintf(f, "  proposals: %s\n", jlist(jo(ike, "proposals"), ", ", buf, sizeof(buf)));
	if (json_array_size(jo(c, "pools")))
		fprintf(f, "  pools: %s\n", jlist(jo(c, "pools"), ", ", buf, sizeof(buf)));
	if (jb(c, "psk_set"))
		fprintf(f, "  psk: set\n");
	json_array_foreach(jo(c, "children"), i, ch)
	{
		show_child(f, ch);
	}
}

void show_conns(FILE *f, json_t *result)
{
	json_t *conns = jo(result, "conns"), *c;
	size_t i;

	if (!json_array_size(conns)) {
		fprintf(f, "no connections\n");
		return;
	}
	json_array_foreach(conns, i, c)
	{
		show_conn(f, c);
	}
}

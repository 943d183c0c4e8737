/*
 * show_sas.c: `palisadectl list-sas` for humans, one block per IKE SA
 * with its CHILD SAs, in the manner of `swanctl --list-sas` (the fields
 * are those of api/control.md 5.3).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"

/* "aes256gcm16/prfsha384/x25519": the members present, in order. */
static const char *algs(json_t *o, const char *const *keys, bool esn, char *buf, size_t len,
			const char *none)
{
	size_t used = 0;

	buf[0] = 0;
	for (size_t i = 0; keys[i]; i++) {
		json_t *v = json_object_get(o, keys[i]);
		int n;

		if (!json_is_string(v))
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? "/" : "", json_string_value(v));
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
	if (esn && jb(o, "esn") && used < len)
		snprintf(buf + used, len - used, "%sesn", used ? "/" : "");
	return buf[0] ? buf : none;
}

static void upper(char *dst, const char *src, size_t len)
{
	size_t i;

	for (i = 0; i < len - 1 && src[i]; i++)
		dst[i] = (char)toupper((unsigned char)src[i]);
	dst[i] = 0;
}

static void show_end(FILE *f, const char *label, json_t *end)
{
	char ep[128], vips[512];
	json_t *id = jo(end, "id");

	fprintf(f, "  %s '%s' @ %s", label, json_is_string(id) ? json_string_value(id) : "%any",
		jendpoint(end, ep, sizeof(ep)));
	if (json_is_string(jo(end, "eap_id")))
		fprintf(f, " EAP: '%s'", js(end, "eap_id"));
	if (json_array_size(jo(end, "vips")))
		fprintf(f, " [%s]", jlist(jo(end, "vips"), ", ", vips, sizeof(vips)));
	fputc('\n', f);
}

static void show_nat(FILE *f, json_t *nat)
{
	static const struct {
		const char *key, *text;
	} flags[] = {
		{ "local", "local behind NAT" },
		{ "remote", "remote behind NAT" },
		{ "encap_forced", "UDP encapsulation forced" },
	};
	const char *sep = "  NAT: ";

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (!jb(nat, flags[i].key))
			continue;
		fprintf(f, "%s%s", sep, flags[i].text);
		sep = ", ";
	}
	if (strcmp(sep, "  NAT: "))
		fputc('\n', f);
}

static void show_traffic(FILE *f, json_t *ch, const char *dir)
{
	char spi[16], bytes[16], packets[16], last[16], buf[32];

	snprintf(spi, sizeof(spi), "spi_%s", dir);
	snprintf(bytes, sizeof(bytes), "bytes_%s", dir);
	snprintf(packets, sizeof(packets), "packets_%s", dir);
	snprintf(last, sizeof(last), "last_%s", dir);
	fprintf(f, "    %-3s %s, %lld bytes, %lld packets", dir, js(ch, spi), ji(ch, bytes, 0),
		ji(ch, packets, 0));
	if (json_is_integer(jo(ch, last)))
		fprintf(f, ", %s ago", jsec(ch, last, buf, sizeof(buf)));
	fputc('\n', f);
}

static void show_child(FILE *f, json_t *ch)
{
	static const char *const esp_keys[] = { "encr", "integ", "dh", NULL };
	char mode[16], alg[128], t1[32], t2[32], t3[32], ts[1024];

	upper(mode, js(ch, "mode"), sizeof(mode));
	fprintf(f, "  %s: #%lld, reqid %lld, %s, %s%s, %s:%s\n", js(ch, "name"), ji(ch, "uid", 0),
		ji(ch, "reqid", 0), js(ch, "state"), mode, jb(ch, "encap") ? "-in-UDP" : "",
		js(ch, "protocol")[0] == 'e' ? "ESP" : js(ch, "protocol"),
		algs(jo(ch, "esp"), esp_keys, true, alg, sizeof(alg), "-"));
	fprintf(f, "    installed %s ago (%s), rekeying in %s, expires in %s\n",
		jsec(ch, "age", t1, sizeof(t1)), js(ch, "installed_at"),
		jsec(ch, "rekey_in", t2, sizeof(t2)), jsec(ch, "expires_in", t3, sizeof(t3)));
	show_traffic(f, ch, "in");
	show_traffic(f, ch, "out");
	fprintf(f, "    local  %s\n", jlist(jo(ch, "local_ts"), ", ", ts, sizeof(ts)));
	fprintf(f, "    remote %s\n", jlist(jo(ch, "remote_ts"), ", ", ts, sizeof(ts)));
}

static void show_ike(FILE *f, json_t *sa)
{
	static const char *const ike_keys[] = { "encr", "integ", "prf", "dh", NULL };
	bool initiator = !strcmp(js(sa, "role"), "initiator");
	char alg[128], t1[32], t2[32];
	size_t i;
	json_t *ch;

	/* swanctl marks our own SPI with '*' */
	fprintf(f, "%s: #%lld, %s, IKEv%lld, %s, %s_i%s %s_r%s\n", js(sa, "name"), ji(sa, "uid", 0),
		js(sa, "state"), ji(sa, "version", 2), js(sa, "role"), js(sa, "spi_i"),
		initiator ? "*" : "", js(sa, "spi_r"), initiator ? "" : "*");
	show_end(f, "local ", jo(sa, "local"));
	show_end(f, "remote", jo(sa, "remote"));
	show_nat(f, jo(sa, "nat"));
	fprintf(f, "  %s\n",
		algs(jo(sa, "ike"), ike_keys, false, alg, sizeof(alg),
		     "(algorithms not negotiated yet)"));
	if (json_is_string(jo(sa, "established_at")))
		fprintf(f, "  created %s ago, established %s", jsec(sa, "age", t1, sizeof(t1)),
			js(sa, "established_at"));
	else
		fprintf(f, "  created %s ago, not established", jsec(sa, "age", t1, sizeof(t1)));
	if (json_is_integer(jo(sa, "rekey_in")))
		fprintf(f, ", rekeying in %s", jsec(sa, "rekey_in", t2, sizeof(t2)));
	if (json_is_integer(jo(sa, "reauth_in")))
		fprintf(f, ", reauth in %s", jsec(sa, "reauth_in", t2, sizeof(t2)));
	fputc('\n', f);
	json_array_foreach(jo(sa, "children"), i, ch)
	{
		show_child(f, ch);
	}
}

void show_sas(FILE *f, json_t *result)
{
	json_t *sas = jo(result, "ike_sas"), *sa;
	size_t i;

	if (!json_array_size(sas)) {
		fprintf(f, "no IKE SAs\n");
		return;
	}
	json_array_foreach(sas, i, sa)
	{
		show_ike(f, sa);
	}
}

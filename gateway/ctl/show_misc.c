/*
 * show_misc.c: human output of stats, version and the results of the
 * commands that change state (api/control.md 5.1, 5.4-5.8).
 */
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"

/* " (a 1, b 2)" with the non-zero members of a counter object. */
static void nonzero(FILE *f, json_t *counts)
{
	const char *key, *sep = " (";
	json_t *v;

	json_object_foreach(counts, key, v)
	{
		if (!json_is_integer(v) || !json_integer_value(v))
			continue;
		fprintf(f, "%s%s %lld", sep, key, (long long)json_integer_value(v));
		sep = ", ";
	}
	if (strcmp(sep, " ("))
		fputc(')', f);
}

void show_stats(FILE *f, json_t *r)
{
	json_t *ike = jo(r, "ike_sas"), *child = jo(r, "child_sas"), *setups = jo(r, "setups");
	json_t *pk = jo(r, "packets"), *w = jo(r, "workers"), *c = jo(r, "control");
	char t[32];

	fprintf(f, "uptime: %s, since %s (version %s)\n", jsec(r, "uptime", t, sizeof(t)),
		js(r, "started_at"), js(r, "version"));
	fprintf(f, "IKE SAs: %lld total, %lld established, %lld half-open\n", ji(ike, "total", 0),
		ji(ike, "established", 0), ji(ike, "half_open", 0));
	fprintf(f, "CHILD SAs: %lld total, %lld installed\n", ji(child, "total", 0),
		ji(child, "installed", 0));
	fprintf(f, "setups: %lld ok, %lld failed", ji(setups, "ok", 0), ji(setups, "failed", 0));
	nonzero(f, jo(setups, "failed_by_reason"));
	fprintf(f, "\ncookies sent: %lld\n", ji(r, "cookies_sent", 0));
	fprintf(f, "IKE packets: %lld rx, %lld tx (%lld retransmits), %lld dropped",
		ji(pk, "rx", 0), ji(pk, "tx", 0), ji(pk, "retransmits", 0), ji(pk, "dropped", 0));
	nonzero(f, jo(pk, "dropped_by_cause"));
	fprintf(f, "\ndata path: %s", js(jo(r, "datapath"), "backend"));
	if ((pk = jo(jo(r, "datapath"), "packets"))) {
		fprintf(f, ", ESP %lld rx (%lld delivered), %lld tx, %lld dropped", ji(pk, "rx", 0),
			ji(pk, "delivered", 0), ji(pk, "tx", 0), ji(pk, "dropped", 0));
		nonzero(f, jo(pk, "dropped_by_cause"));
	}
	fputc('\n', f);
	fprintf(f, "workers: %lld threads, %lld jobs, %lld timers, %lld dropped, %lld pending\n",
		ji(w, "threads", 0), ji(w, "jobs", 0), ji(w, "timers", 0), ji(w, "dropped", 0),
		ji(w, "pending", 0));
	fprintf(f,
		"control: %lld clients, %lld subscribers, %lld accepted, %lld refused, "
		"%lld requests, %lld errors, %lld events, %lld events dropped\n",
		ji(c, "clients", 0), ji(c, "subscribers", 0), ji(c, "accepted", 0),
		ji(c, "refused", 0), ji(c, "requests", 0), ji(c, "errors", 0), ji(c, "events", 0),
		ji(c, "events_dropped", 0));
	if (jb(jo(r, "hsm"), "configured"))
		fprintf(f, "hsm: %lld token(s), %lld ready, %lld signatures, %lld failures\n",
			ji(jo(r, "hsm"), "tokens", 0), ji(jo(r, "hsm"), "ready", 0),
			ji(jo(r, "hsm"), "signatures", 0), ji(jo(r, "hsm"), "failures", 0));
}

void show_version(FILE *f, json_t *r)
{
	char buf[1024];

	fprintf(f, "%s %s (control protocol %lld)\n", js(r, "daemon"), js(r, "version"),
		ji(r, "protocol", 0));
	fprintf(f, "commands: %s\n", jlist(jo(r, "commands"), ", ", buf, sizeof(buf)));
}

void show_initiate(FILE *f, json_t *r)
{
	json_t *ch;
	size_t i;

	fprintf(f, "%s: IKE SA #%lld %s\n", js(r, "conn"), ji(r, "ike_uid", 0), js(r, "state"));
	json_array_foreach(jo(r, "children"), i, ch)
	{
		if (json_is_integer(jo(ch, "uid")))
			fprintf(f, "  %s: CHILD SA #%lld %s\n", js(ch, "name"), ji(ch, "uid", 0),
				js(ch, "state"));
		else
			fprintf(f, "  %s: CHILD SA pending\n", js(ch, "name"));
	}
}

static void uid_list(FILE *f, json_t *r, const char *key, const char *what)
{
	json_t *v;
	size_t i;

	json_array_foreach(jo(r, key), i, v)
	{
		fprintf(f, "terminated %s #%lld\n", what,
			json_is_integer(v) ? (long long)json_integer_value(v) : 0LL);
	}
}

void show_terminate(FILE *f, json_t *r)
{
	uid_list(f, r, "ike_sas", "IKE SA");
	uid_list(f, r, "child_sas", "CHILD SA");
}

static void rekey_list(FILE *f, json_t *r, const char *key, const char *what)
{
	json_t *v;
	size_t i;

	json_array_foreach(jo(r, key), i, v)
	{
		if (json_is_integer(jo(v, "uid")))
			fprintf(f, "rekeyed %s #%lld -> #%lld\n", what, ji(v, "old_uid", 0),
				ji(v, "uid", 0));
		else
			fprintf(f, "rekeying %s #%lld\n", what, ji(v, "old_uid", 0));
	}
}

void show_rekey(FILE *f, json_t *r)
{
	rekey_list(f, r, "ike_sas", "IKE SA");
	rekey_list(f, r, "child_sas", "CHILD SA");
}

static void files(FILE *f, json_t *r, const char *key)
{
	json_t *v;
	size_t i;

	json_array_foreach(jo(r, key), i, v)
	{
		fprintf(f, "  %-8s %s\n", key, json_is_string(v) ? json_string_value(v) : "-");
	}
}

void show_reload(FILE *f, json_t *r)
{
	json_t *errs = jo(r, "errors"), *e;
	size_t i;

	fprintf(f, "reload %s: %zu added, %zu changed, %zu removed, %lld unchanged, %zu errors\n",
		js(r, "what"), json_array_size(jo(r, "added")), json_array_size(jo(r, "changed")),
		json_array_size(jo(r, "removed")), ji(r, "unchanged", 0), json_array_size(errs));
	files(f, r, "added");
	files(f, r, "changed");
	files(f, r, "removed");
	json_array_foreach(errs, i, e)
	{
		fprintf(f, "  %-8s %s: %s\n", "error", js(e, "file"), js(e, "message"));
	}
}

void show_leases(FILE *f, json_t *r)
{
	json_t *pools = jo(r, "pools"), *retired = jo(r, "retired"), *p, *l;
	size_t i, k;

	if (!json_array_size(pools))
		fprintf(f, "no pools\n");
	json_array_foreach(pools, i, p)
	{
		fprintf(f, "%s: IPv%lld, %lld of %lld leased\n", js(p, "name"), ji(p, "family", 0),
			ji(p, "leased", 0), ji(p, "size", 0));
		json_array_foreach(jo(p, "leases"), k, l)
			fprintf(f, "  %s  %s  since %s\n", js(l, "addr"), js(l, "identity"),
				js(l, "since"));
	}
	json_array_foreach(retired, k, l) fprintf(f, "retired: %s  %s  since %s\n", js(l, "addr"),
						  js(l, "identity"), js(l, "since"));
}

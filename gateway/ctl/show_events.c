/*
 * show_events.c: `palisadectl subscribe` for humans: one line per event
 * (api/control.md 6.1), "TIME EVENT details". Events this palisadectl
 * does not know print their data as compact JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"

static void ev_ike_up(FILE *f, json_t *d)
{
	char ep[128];
	json_t *r = jo(d, "remote");

	fprintf(f, "%s #%lld %s %s '%s'", js(d, "name"), ji(d, "uid", 0), js(d, "role"),
		jendpoint(r, ep, sizeof(ep)), js(r, "id"));
}

static void ev_ike_down(FILE *f, json_t *d)
{
	char ep[128];
	json_t *r = jo(d, "remote");

	fprintf(f, "%s #%lld %s '%s': %s", js(d, "name"), ji(d, "uid", 0),
		jendpoint(r, ep, sizeof(ep)), js(r, "id"), js(d, "reason"));
}

static void ev_ike_rekeyed(FILE *f, json_t *d)
{
	fprintf(f, "%s #%lld -> #%lld", js(d, "name"), ji(d, "old_uid", 0), ji(d, "uid", 0));
}

static void ev_ike_failed(FILE *f, json_t *d)
{
	char ep[128];

	fprintf(f, "%s #%lld %s %s: %s: %s", js(d, "conn"), ji(d, "uid", 0), js(d, "role"),
		jendpoint(jo(d, "remote"), ep, sizeof(ep)), js(d, "reason"), js(d, "message"));
}

static void ev_auth_failed(FILE *f, json_t *d)
{
	char ep[128];
	json_t *r = jo(d, "remote");

	fprintf(f, "%s #%lld %s '%s' %s %s: %s", js(d, "conn"), ji(d, "uid", 0),
		jendpoint(r, ep, sizeof(ep)), js(r, "id"), js(d, "direction"), js(d, "method"),
		js(d, "reason"));
}

static void ev_child_up(FILE *f, json_t *d)
{
	char l[512], r[512];
	json_t *ch = jo(d, "child");

	fprintf(f, "%s #%lld %s #%lld %s/%s %s === %s", js(d, "conn"), ji(d, "ike_uid", 0),
		js(ch, "name"), ji(ch, "uid", 0), js(ch, "spi_in"), js(ch, "spi_out"),
		jlist(jo(ch, "local_ts"), ",", l, sizeof(l)),
		jlist(jo(ch, "remote_ts"), ",", r, sizeof(r)));
}

static void ev_child_down(FILE *f, json_t *d)
{
	fprintf(f, "%s #%lld %s #%lld: %s, %lld bytes in, %lld bytes out", js(d, "conn"),
		ji(d, "ike_uid", 0), js(d, "name"), ji(d, "uid", 0), js(d, "reason"),
		ji(d, "bytes_in", 0), ji(d, "bytes_out", 0));
}

static void ev_child_rekeyed(FILE *f, json_t *d)
{
	json_t *ch = jo(d, "child");

	fprintf(f, "%s #%lld %s #%lld -> #%lld", js(d, "conn"), ji(d, "ike_uid", 0), js(ch, "name"),
		ji(d, "old_uid", 0), ji(ch, "uid", 0));
}

static void ev_reload(FILE *f, json_t *d)
{
	fprintf(f, "%s: %zu added, %zu changed, %zu removed, %zu errors", js(d, "what"),
		json_array_size(jo(d, "added")), json_array_size(jo(d, "changed")),
		json_array_size(jo(d, "removed")), json_array_size(jo(d, "errors")));
}

static void ev_dropped(FILE *f, json_t *d)
{
	fprintf(f, "%lld events lost (palisadectl read too slowly)", ji(d, "count", 0));
}

static const struct {
	const char *name;
	void (*fn)(FILE *f, json_t *data);
} printers[] = {
	{ "ike-up", ev_ike_up },           { "ike-down", ev_ike_down },
	{ "ike-rekeyed", ev_ike_rekeyed }, { "ike-failed", ev_ike_failed },
	{ "auth-failed", ev_auth_failed }, { "child-up", ev_child_up },
	{ "child-down", ev_child_down },   { "child-rekeyed", ev_child_rekeyed },
	{ "reload", ev_reload },           { "dropped", ev_dropped },
};

void show_event(FILE *f, json_t *ev)
{
	const char *name = js(ev, "event");
	json_t *data = jo(ev, "data");
	char *s;

	fprintf(f, "%s %s ", js(ev, "time"), name);
	for (size_t i = 0; i < sizeof(printers) / sizeof(printers[0]); i++) {
		if (!strcmp(printers[i].name, name)) {
			printers[i].fn(f, data);
			fputc('\n', f);
			return;
		}
	}
	s = json_dumps(data, JSON_COMPACT | JSON_PRESERVE_ORDER);
	fprintf(f, "%s\n", s ? s : "{}");
	free(s);
}

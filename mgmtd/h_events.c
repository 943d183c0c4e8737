/*
 * h_events.c: /api/v1/events, the gateway's event stream (api/control.md
 * section 6) as Server-Sent Events (WHATWG HTML, "Server-sent events"):
 * each event line becomes "id: SEQ", "event: NAME", "data: JSON". The
 * connection's thread blocks in the content callback until an event comes;
 * every 15 s without one a comment line keeps proxies from closing it and
 * notices a client that went away. The stream ends when the gateway
 * closes the subscription (the browser's EventSource then reconnects).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/util/err.h"
#include "mgmtd/mgmtd.h"

#define SSE_KEEPALIVE_MS 15000

struct sse {
	struct mgmtd *ss_md;
	struct gw_stream *ss_gs;
	char *ss_pend; /* formatted, not yet handed to MHD */
	size_t ss_len, ss_off;
};

/* One gateway event line as an SSE message (NULL for a line we skip). */
static char *sse_format(const char *line, size_t *len)
{
	json_t *ev = json_loads(line, JSON_REJECT_DUPLICATES, NULL);
	const char *name = json_string_value(json_object_get(ev, "event"));
	json_t *seq = json_object_get(ev, "seq");
	char *data, *out = NULL;
	int n;

	if (!name || strpbrk(name, "\r\n") || !(data = json_dumps(ev, JSON_COMPACT))) {
		json_decref(ev);
		return NULL;
	}
	if (json_is_integer(seq))
		n = asprintf(&out, "id: %lld\nevent: %s\ndata: %s\n\n",
			     (long long)json_integer_value(seq), name, data);
	else
		n = asprintf(&out, "event: %s\ndata: %s\n\n", name, data);
	free(data);
	json_decref(ev);
	if (n < 0)
		return NULL;
	*len = (size_t)n;
	return out;
}

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sse *ss = cls;

	while (!ss->ss_pend) {
		char *line;
		int r = gw_stream_next(ss->ss_gs, SSE_KEEPALIVE_MS, &line);

		if (r == GW_E_AGAIN) {
			ss->ss_pend = strdup(": keepalive\n\n");
			ss->ss_len = ss->ss_pend ? strlen(ss->ss_pend) : 0;
		} else if (r) {
			return MHD_CONTENT_READER_END_OF_STREAM;
		} else {
			ss->ss_pend = sse_format(line, &ss->ss_len);
			free(line);
		}
		ss->ss_off = 0;
	}
	size_t n = ss->ss_len - ss->ss_off < max ? ss->ss_len - ss->ss_off : max;

	memcpy(buf, ss->ss_pend + ss->ss_off, n);
	ss->ss_off += n;
	if (ss->ss_off == ss->ss_len) {
		free(ss->ss_pend);
		ss->ss_pend = NULL;
	}
	return (ssize_t)n;
}

static void sse_free(void *cls)
{
	struct sse *ss = cls;

	gw_stream_free(ss->ss_gs);
	free(ss->ss_pend);
	atomic_fetch_sub(&ss->ss_md->md_n_sse, 1);
	free(ss);
}

/* ?events=ike-up,ike-down -> ["ike-up", "ike-down"] (NULL: all). */
static json_t *event_filter(struct req *rq, bool *bad)
{
	char buf[1024];
	const char *q = req_query(rq, "events", buf, sizeof(buf), bad);
	json_t *a;
	char *save = NULL, *tok;

	if (!q || *bad)
		return NULL;
	a = json_array();
	for (tok = strtok_r(buf, ",", &save); tok && a; tok = strtok_r(NULL, ",", &save)) {
		if (strspn(tok, "abcdefghijklmnopqrstuvwxyz-") != strlen(tok) || strlen(tok) > 32 ||
		    json_array_size(a) >= 32) {
			*bad = true;
			json_decref(a);
			return NULL;
		}
		json_array_append_new(a, json_string(tok));
	}
	return a;
}

enum MHD_Result h_events(struct req *rq)
{
	struct mgmtd *md = rq->rq_md;
	struct MHD_Response *r;
	struct gw_fail err;
	struct sse *ss;
	bool bad = false;
	json_t *filter = event_filter(rq, &bad);

	if (bad)
		return reply_problem(rq, 400, "malformed", "$.events",
				     "events is a comma-separated list of event names");
	if (atomic_fetch_add(&md->md_n_sse, 1) >= MG_SSE_MAX) {
		atomic_fetch_sub(&md->md_n_sse, 1);
		json_decref(filter);
		return reply_problem(rq, 429, "rate-limited", NULL,
				     "too many event streams open (at most %d)", MG_SSE_MAX);
	}
	if (!(ss = calloc(1, sizeof(*ss)))) {
		atomic_fetch_sub(&md->md_n_sse, 1);
		json_decref(filter);
		return MHD_NO;
	}
	ss->ss_md = md;
	if (gw_subscribe(md->md_gw, filter, &ss->ss_gs, &err)) {
		sse_free(ss);
		return reply_gw_err(rq, &err);
	}
	ss->ss_pend = strdup("retry: 3000\n: subscribed to palisade-gatewayd events\n\n");
	ss->ss_len = ss->ss_pend ? strlen(ss->ss_pend) : 0;
	if (!(r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, sse_read, ss,
						    sse_free))) {
		sse_free(ss);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "X-Accel-Buffering", "no");
	reply_add_security_headers(r, md->md_tls);
	rq->rq_status = 200;
	enum MHD_Result ret = MHD_queue_response(rq->rq_conn, 200, r);

	MHD_destroy_response(r);
	return ret;
}

/*
 * h_stats.c: /api/v1/stats (the gateway's counters, api/control.md 5.7,
 * plus mgmtd's own), /metrics (the same in the Prometheus text exposition
 * format 0.0.4), /api/v1/hsm (the PKCS#11 tokens, control.md 5.10: read
 * from counters, it answers even while a token hangs), /healthz (mgmtd
 * runs) and /readyz (mgmtd can serve: the gateway answers and no change is
 * waiting for it; the HSM summary for the operator, not part of the verdict).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/util/err.h"
#include "mgmtd/mgmtd.h"

static json_t *mgmtd_json(struct mgmtd *md)
{
	return json_pack("{s:b, s:b, s:I, s:{s:I, s:I, s:I, s:I, s:I}, s:I}", "gateway_up",
			 gw_up(md->md_gw), "config_pending", gw_pending(md->md_gw), "config_writes",
			 (json_int_t)atomic_load(&md->md_writes), "http_requests", "1xx",
			 (json_int_t)atomic_load(&md->md_requests[1]), "2xx",
			 (json_int_t)atomic_load(&md->md_requests[2]), "3xx",
			 (json_int_t)atomic_load(&md->md_requests[3]), "4xx",
			 (json_int_t)atomic_load(&md->md_requests[4]), "5xx",
			 (json_int_t)atomic_load(&md->md_requests[5]), "event_streams",
			 (json_int_t)atomic_load(&md->md_n_sse));
}

enum MHD_Result h_stats(struct req *rq)
{
	struct gw_fail err;
	json_t *res, *out;

	if (live_get(rq->rq_md, LIVE_STATS, &res, &err))
		return reply_gw_err(rq, &err);
	out = json_copy(res); /* the cached document is shared: add to a copy */
	json_decref(res);
	if (out)
		json_object_set_new(out, "mgmtd", mgmtd_json(rq->rq_md));
	return reply_json(rq, 200, out, NULL);
}

/* ---- Prometheus text format ---- */

struct mbuf {
	char *mb_buf;
	size_t mb_len, mb_cap;
	bool mb_fail;
};

static void mb_printf(struct mbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void mb_printf(struct mbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->mb_buf ? b->mb_buf + b->mb_len : NULL,
			      b->mb_buf ? b->mb_cap - b->mb_len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->mb_fail = true;
			return;
		}
		if (b->mb_buf && b->mb_len + (size_t)n < b->mb_cap) {
			b->mb_len += (size_t)n;
			return;
		}
		size_t cap = b->mb_cap ? 2 * b->mb_cap : 8192;
		char *nb;

		while (cap < b->mb_len + (size_t)n + 1)
			cap *= 2;
		if (!(nb = realloc(b->mb_buf, cap))) {
			b->mb_fail = true;
			return;
		}
		b->mb_buf = nb;
		b->mb_cap = cap;
	}
}

static void family(struct mbuf *b, const char *name, const char *type, const char *help)
{
	mb_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A family of one sample without labels. */
static void one(struct mbuf *b, const char *name, const char *type, const char *help, long long v)
{
	family(b, name, type, help);
	mb_printf(b, "%s %lld\n", name, v);
}

static long long num(json_t *o, const char *path)
{
	char key[64];
	const char *dot;

	while ((dot = strchr(path, '.'))) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		o = json_object_get(o, key);
		path = dot + 1;
	}
	return json_integer_value(json_object_get(o, path));
}

/* A label value we print as it is: the gateway's fixed key words. */
static bool label_ok(const char *v)
{
	return *v && strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789-_") == strlen(v);
}

/* Every member of an object of counters as one labelled family. */
static void by_label(struct mbuf *b, json_t *obj, const char *name, const char *label)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v)
	{
		/* keys are the gateway's fixed names; keep only safe characters */
		if (label_ok(key))
			mb_printf(b, "%s{%s=\"%s\"} %lld\n", name, label, key,
				  (long long)json_integer_value(v));
	}
}

static void control_metrics(struct mbuf *b, json_t *s)
{
	one(b, "palisade_control_clients", "gauge", "Clients on the control socket now.",
	    num(s, "control.clients"));
	one(b, "palisade_control_requests_total", "counter",
	    "Requests answered on the control socket.", num(s, "control.requests"));
	one(b, "palisade_control_events_dropped_total", "counter",
	    "Events lost to slow subscribers of the control socket.",
	    num(s, "control.events_dropped"));
}

static void hsm_metrics(struct mbuf *b, json_t *s)
{
	one(b, "palisade_hsm_configured", "gauge", "1 if the gateway has a pkcs11 section.",
	    json_is_true(json_object_get(json_object_get(s, "hsm"), "configured")));
	family(b, "palisade_hsm_tokens", "gauge", "PKCS#11 tokens open, by readiness.");
	mb_printf(b, "palisade_hsm_tokens{state=\"open\"} %lld\n", num(s, "hsm.tokens"));
	mb_printf(b, "palisade_hsm_tokens{state=\"ready\"} %lld\n", num(s, "hsm.ready"));
	one(b, "palisade_hsm_signatures_total", "counter", "Signatures made by the HSM.",
	    num(s, "hsm.signatures"));
	one(b, "palisade_hsm_failures_total", "counter", "Failed HSM operations.",
	    num(s, "hsm.failures"));
}

/* The userspace data path's ESP counters; none with xfrm (the kernel's
 * are in /proc/net/xfrm_stat, node_exporter's to read). */
static void esp_metrics(struct mbuf *b, json_t *p)
{
	if (!json_is_object(p))
		return;
	family(b, "palisade_esp_packets_total", "counter",
	       "ESP packets of the userspace data path, by direction.");
	mb_printf(b, "palisade_esp_packets_total{direction=\"rx\"} %lld\n", num(p, "rx"));
	mb_printf(b, "palisade_esp_packets_total{direction=\"tx\"} %lld\n", num(p, "tx"));
	one(b, "palisade_esp_packets_delivered_total", "counter",
	    "Received ESP packets decrypted and written to the TUN device.", num(p, "delivered"));
	family(b, "palisade_esp_packets_dropped_total", "counter",
	       "Packets the userspace data path dropped, by cause.");
	by_label(b, json_object_get(p, "dropped_by_cause"), "palisade_esp_packets_dropped_total",
		 "cause");
}

static void gateway_metrics(struct mbuf *b, json_t *s)
{
	const char *backend =
		json_string_value(json_object_get(json_object_get(s, "datapath"), "backend")) ?: "";

	family(b, "palisade_ike_sas", "gauge", "IKE SAs in the SA table, by state.");
	mb_printf(b, "palisade_ike_sas{state=\"all\"} %lld\n", num(s, "ike_sas.total"));
	mb_printf(b, "palisade_ike_sas{state=\"established\"} %lld\n",
		  num(s, "ike_sas.established"));
	mb_printf(b, "palisade_ike_sas{state=\"half_open\"} %lld\n", num(s, "ike_sas.half_open"));
	family(b, "palisade_child_sas", "gauge", "CHILD SAs, by state.");
	mb_printf(b, "palisade_child_sas{state=\"all\"} %lld\n", num(s, "child_sas.total"));
	mb_printf(b, "palisade_child_sas{state=\"installed\"} %lld\n",
		  num(s, "child_sas.installed"));
	one(b, "palisade_ike_setups_total", "counter", "IKE SAs set up (IKE_AUTH completed).",
	    num(s, "setups.ok"));
	family(b, "palisade_ike_setup_failures_total", "counter",
	       "Failed IKE SA setups, by reason.");
	by_label(b, json_object_get(json_object_get(s, "setups"), "failed_by_reason"),
		 "palisade_ike_setup_failures_total", "reason");
	one(b, "palisade_cookies_sent_total", "counter", "IKE_SA_INIT answered with a cookie.",
	    num(s, "cookies_sent"));
	family(b, "palisade_ike_packets_total", "counter", "IKE datagrams, by direction.");
	mb_printf(b, "palisade_ike_packets_total{direction=\"rx\"} %lld\n", num(s, "packets.rx"));
	mb_printf(b, "palisade_ike_packets_total{direction=\"tx\"} %lld\n", num(s, "packets.tx"));
	one(b, "palisade_ike_retransmits_total", "counter", "IKE retransmissions sent.",
	    num(s, "packets.retransmits"));
	family(b, "palisade_ike_packets_dropped_total", "counter",
	       "IKE datagrams dropped, by cause.");
	by_label(b, json_object_get(json_object_get(s, "packets"), "dropped_by_cause"),
		 "palisade_ike_packets_dropped_total", "cause");
	family(b, "palisade_datapath_info", "gauge", "The data path backend in use (value 1).");
	mb_printf(b, "palisade_datapath_info{backend=\"%s\"} 1\n",
		  label_ok(backend) ? backend : "unknown");
	esp_metrics(b, json_object_get(json_object_get(s, "datapath"), "packets"));
	one(b, "palisade_worker_threads", "gauge", "Threads of the worker pool.",
	    num(s, "workers.threads"));
	one(b, "palisade_worker_jobs_total", "counter", "Jobs run by the worker pool.",
	    num(s, "workers.jobs"));
	one(b, "palisade_worker_jobs_dropped_total", "counter", "Jobs refused, queue full.",
	    num(s, "workers.dropped"));
	one(b, "palisade_worker_jobs_pending", "gauge", "Jobs queued now.",
	    num(s, "workers.pending"));
	one(b, "palisade_gateway_uptime_seconds", "gauge", "Seconds since the gateway started.",
	    num(s, "uptime"));
	if (json_is_object(json_object_get(s, "control")))
		control_metrics(b, s);
	if (json_is_object(json_object_get(s, "hsm")))
		hsm_metrics(b, s);
}

static void mgmtd_metrics(struct mbuf *b, struct mgmtd *md)
{
	family(b, "palisade_mgmtd_http_requests_total", "counter",
	       "Requests answered by mgmtd, by status class.");
	for (int i = 1; i <= 5; i++)
		mb_printf(b, "palisade_mgmtd_http_requests_total{code=\"%dxx\"} %llu\n", i,
			  (unsigned long long)atomic_load(&md->md_requests[i]));
	one(b, "palisade_mgmtd_config_writes_total", "counter", "Configuration files written.",
	    (long long)atomic_load(&md->md_writes));
	one(b, "palisade_mgmtd_config_pending", "gauge",
	    "1 while a change on disk waits for the gateway.", gw_pending(md->md_gw) ? 1 : 0);
}

enum MHD_Result h_metrics(struct req *rq)
{
	struct mbuf b = { 0 };
	struct gw_fail err;
	json_t *s = NULL;
	bool up = !live_get(rq->rq_md, LIVE_STATS, &s, &err);

	one(&b, "palisade_gateway_up", "gauge",
	    "1 if palisade-gatewayd answers on the control socket.", up ? 1 : 0);
	if (up)
		gateway_metrics(&b, s);
	json_decref(s);
	mgmtd_metrics(&b, rq->rq_md);
	if (b.mb_fail) {
		free(b.mb_buf);
		return reply_problem(rq, 500, "internal", NULL, "out of memory");
	}
	return reply_text(rq, 200, "text/plain; version=0.0.4; charset=utf-8", b.mb_buf, b.mb_len);
}

enum MHD_Result h_healthz(struct req *rq)
{
	return reply_json(rq, 200, json_pack("{s:s}", "status", "ok"), NULL);
}

enum MHD_Result h_hsm(struct req *rq)
{
	struct gw_fail err;
	json_t *res;

	if (gw_call(rq->rq_md->md_gw, "hsm", NULL, GW_CALL_TIMEOUT_MS, &res, &err))
		return reply_gw_err(rq, &err);
	return reply_json(rq, 200, res, NULL);
}

/* The hsm answer in short: is a module configured, tokens open, ready. */
static json_t *hsm_summary(json_t *res)
{
	json_int_t ready = 0;
	json_t *t;
	size_t i;

	json_array_foreach(json_object_get(res, "tokens"), i, t) ready +=
		!strcmp(json_string_value(json_object_get(t, "state")) ?: "", "ready");
	return json_pack("{s:b, s:I, s:I}", "configured",
			 json_is_string(json_object_get(res, "module")), "tokens",
			 (json_int_t)json_array_size(json_object_get(res, "tokens")), "ready",
			 ready);
}

enum MHD_Result h_readyz(struct req *rq)
{
	struct gw_fail err;
	json_t *res = NULL, *out;
	/* hsm, not version: as cheap (counters only), and it tells us more */
	bool up = !gw_call(rq->rq_md->md_gw, "hsm", NULL, 3000, &res, &err);
	bool pending = gw_pending(rq->rq_md->md_gw);

	out = json_pack("{s:s, s:b, s:b, s:s}", "status", up && !pending ? "ready" : "not-ready",
			"gateway_up", up, "config_pending", pending, "detail",
			up ? (pending ? "a configuration change waits for the gateway"
				      : "the gateway answers")
			   : err.ge_message);
	if (up && out)
		json_object_set_new(out, "hsm", hsm_summary(res));
	json_decref(res);
	return reply_json(rq, up && !pending ? 200 : 503, out, NULL);
}

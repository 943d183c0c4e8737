/*
 * reply.c: every answer of the API. JSON bodies are malloc'd by jansson
 * and handed to libmicrohttpd with MHD_RESPMEM_MUST_FREE (STYLE 2.4);
 * errors are RFC 9457 problem details (application/problem+json) whose
 * "errors" member carries the JSON path of the offending field.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgmtd/mgmtd.h"

void reply_add_security_headers(struct MHD_Response *r, bool tls)
{
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	if (tls)
		MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
}

static enum MHD_Result queue(struct req *rq, unsigned status, struct MHD_Response *r)
{
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	reply_add_security_headers(r, rq->rq_md->md_tls);
	if (!MHD_get_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL))
		MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (!MHD_get_response_header(r, "Content-Security-Policy"))
		MHD_add_response_header(r, "Content-Security-Policy",
					"default-src 'none'; frame-ancestors 'none'");
	rq->rq_status = (int)status;
	if (rq->rq_hold) {
		rq->rq_held = r;
		return MHD_YES;
	}
	ret = MHD_queue_response(rq->rq_conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result reply_held(struct req *rq)
{
	struct MHD_Response *r = rq->rq_held;
	enum MHD_Result ret;

	rq->rq_held = NULL;
	ret = MHD_queue_response(rq->rq_conn, (unsigned)rq->rq_status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result reply_text(struct req *rq, unsigned status, const char *ctype, char *body,
			   size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);

	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	return queue(rq, status, r);
}

static enum MHD_Result reply_json_type(struct req *rq, unsigned status, json_t *body,
				       const char *ctype, const char *etag,
				       struct MHD_Response **keep)
{
	char *s = json_dumps(body, JSON_COMPACT);
	struct MHD_Response *r;

	json_decref(body);
	if (!s)
		return MHD_NO;
	if (!(r = MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_FREE))) {
		free(s);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (etag)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
	if (keep) {
		*keep = r;
		return MHD_YES;
	}
	return queue(rq, status, r);
}

enum MHD_Result reply_json(struct req *rq, unsigned status, json_t *body, const char *etag)
{
	if (!body)
		return reply_problem(rq, 500, "internal", NULL, "out of memory");
	return reply_json_type(rq, status, body, "application/json", etag, NULL);
}

enum MHD_Result reply_json_ex(struct req *rq, unsigned status, json_t *body, const char *etag,
			      const char *location, int applied)
{
	struct MHD_Response *r = NULL;

	if (!body)
		return reply_problem(rq, 500, "internal", NULL, "out of memory");
	if (reply_json_type(rq, status, body, "application/json", etag, &r) != MHD_YES)
		return MHD_NO;
	if (location)
		MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, location);
	if (applied >= 0)
		apply_header(r, applied);
	return queue(rq, status, r);
}

enum MHD_Result reply_applied(struct req *rq, unsigned status, bool applied)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);

	if (!r)
		return MHD_NO;
	apply_header(r, applied);
	return queue(rq, status, r);
}

enum MHD_Result reply_empty(struct req *rq, unsigned status)
{
	return queue(rq, status, MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT));
}

static const char *status_title(unsigned status)
{
	switch (status) {
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 412:
		return "Precondition Failed";
	case 413:
		return "Content Too Large";
	case 415:
		return "Unsupported Media Type";
	case 422:
		return "Unprocessable Content";
	case 429:
		return "Too Many Requests";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	default:
		return status >= 500 ? "Internal Server Error" : "Error";
	}
}

/* "$.children[0].local_ts[2]" -> "/children/0/local_ts/2" (RFC 6901). */
static void path_to_pointer(const char *path, char *out, size_t len)
{
	size_t o = 0;

	if (path[0] == '$')
		path++;
	for (; *path && o + 3 < len; path++) {
		if (*path == '.' || *path == '[') {
			out[o++] = '/';
		} else if (*path == ']') {
			continue;
		} else if (*path == '~') {
			out[o++] = '~';
			out[o++] = '0';
		} else if (*path == '/') {
			out[o++] = '~';
			out[o++] = '1';
		} else {
			out[o++] = *path;
		}
	}
	out[o] = '\0';
}

static json_t *problem_body(struct req *rq, unsigned status, const char *type, const char *path,
			    const char *detail)
{
	char t[96], ptr[256];
	json_t *b;

	snprintf(t, sizeof(t), "urn:palisade:problem:%s", type);
	b = json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", t, "title", status_title(status),
		      "status", (int)status, "detail", detail, "instance", rq->rq_path);
	if (b && path) {
		path_to_pointer(path, ptr, sizeof(ptr));
		json_object_set_new(b, "errors",
				    json_pack("[{s:s, s:s, s:s}]", "path", path, "pointer", ptr,
					      "detail", detail));
	}
	return b;
}

static enum MHD_Result reply_problem_v(struct req *rq, unsigned status, const char *type,
				       const char *path, json_t *extra, const char *fmt, va_list ap)
	__attribute__((format(printf, 6, 0)));

static enum MHD_Result reply_problem_v(struct req *rq, unsigned status, const char *type,
				       const char *path, json_t *extra, const char *fmt, va_list ap)
{
	struct MHD_Response *r = NULL;
	char detail[1024];
	json_t *b;

	vsnprintf(detail, sizeof(detail), fmt, ap);
	if (!(b = problem_body(rq, status, type, path, detail))) {
		json_decref(extra);
		return MHD_NO;
	}
	if (extra)
		json_object_update_new(b, extra);
	if (reply_json_type(rq, status, b, "application/problem+json", NULL, &r) != MHD_YES)
		return MHD_NO;
	if (status == 401)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					"Bearer realm=\"palisade\"");
	if (status == 429)
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "60");
	if (status == 503)
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "5");
	return queue(rq, status, r);
}

enum MHD_Result reply_problem(struct req *rq, unsigned status, const char *type, const char *path,
			      const char *fmt, ...)
{
	enum MHD_Result ret;
	va_list ap;

	va_start(ap, fmt);
	ret = reply_problem_v(rq, status, type, path, NULL, fmt, ap);
	va_end(ap);
	return ret;
}

static enum MHD_Result problem_extra(struct req *rq, unsigned status, const char *type,
				     const char *path, json_t *extra, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static enum MHD_Result problem_extra(struct req *rq, unsigned status, const char *type,
				     const char *path, json_t *extra, const char *fmt, ...)
{
	enum MHD_Result ret;
	va_list ap;

	va_start(ap, fmt);
	ret = reply_problem_v(rq, status, type, path, extra, fmt, ap);
	va_end(ap);
	return ret;
}

enum MHD_Result reply_model_err(struct req *rq, const struct model_err *err)
{
	static const char unknown[] = "unknown key: '";
	char path[sizeof(err->me_path) + 80];
	const char *k = err->me_msg + strlen(unknown);

	snprintf(path, sizeof(path), "%s", err->me_path[0] ? err->me_path : "$");
	/* the model names the object with the unknown member: point at the member */
	if (!strncmp(err->me_msg, unknown, strlen(unknown)) && strchr(k, '\'') &&
	    strspn(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
		    (size_t)(strchr(k, '\'') - k))
		snprintf(path + strlen(path), sizeof(path) - strlen(path), ".%.*s",
			 (int)(strchr(k, '\'') - k), k);
	return reply_problem(rq, 422, "validation", path, "%s", err->me_msg);
}

enum MHD_Result reply_gw_err(struct req *rq, const struct gw_fail *err)
{
	static const struct {
		const char *code;
		unsigned status;
		const char *type;
	} map[] = {
		{ "unreachable", 503, "gateway-unavailable" },
		{ "not-found", 404, "not-found" },
		{ "bad-state", 409, "conflict" },
		{ "exists", 409, "conflict" },
		{ "busy", 503, "gateway-busy" },
		{ "invalid-argument", 422, "gateway-refused" },
		{ "not-supported", 422, "gateway-refused" },
		{ "ike-failed", 502, "ike-failed" },
		{ "auth-failed", 502, "ike-failed" },
		{ "child-failed", 502, "ike-failed" },
	};
	unsigned status = 502;
	const char *type = "gateway-error";

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i].code, err->ge_code)) {
			status = map[i].status;
			type = map[i].type;
		}
	return problem_extra(rq, status, type, NULL,
			     json_pack("{s:s}", "gateway_code", err->ge_code), "%s",
			     err->ge_message);
}

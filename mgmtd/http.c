/*
 * http.c: the HTTP server on libmicrohttpd, one thread per connection (a
 * handler may wait for the gateway). The access handler authenticates
 * before it accepts a body (an anonymous client cannot make us buffer
 * a megabyte), caps the body while it accumulates (413), then runs the
 * route's handler once the body is complete (STYLE 2.6). An answer given
 * before the body (401, 404, 413 on Content-Length) waits until the body
 * has been read and dropped, up to MG_DRAIN_MAX: closing on a client that
 * is still writing resets the connection, and it never sees the answer.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>

#include "gateway/util/err.h"
#include "gateway/util/log.h"
#include "mgmtd/mgmtd.h"

#define SESSION_COOKIE "palisade_session"

/* Leave the URL encoded: the router splits segments first. */
static size_t unescape_none(void *cls, struct MHD_Connection *c, char *s)
{
	return strlen(s);
}

static bool safe_method(const char *m)
{
	return !strcmp(m, "GET") || !strcmp(m, "HEAD") || !strcmp(m, "OPTIONS");
}

/* Bearer token or session cookie; an invalid token is answered 401 here. */
static bool authenticate(struct req *rq, enum MHD_Result *ret)
{
	const char *h = req_header(rq, MHD_HTTP_HEADER_AUTHORIZATION);
	const char *sid, *why;

	memset(&rq->rq_who, 0, sizeof(rq->rq_who));
	if (h) {
		if (strncasecmp(h, "Bearer ", 7) || !h[7]) {
			*ret = reply_problem(rq, 401, "unauthorized", NULL,
					     "malformed Authorization header: use 'Bearer TOKEN'");
			return false;
		}
		if (authdb_token_check(rq->rq_md->md_auth, h + 7, &rq->rq_who, &why)) {
			*ret = reply_problem(rq, 401, "unauthorized", NULL, "%s", why);
			return false;
		}
		return true;
	}
	sid = MHD_lookup_connection_value(rq->rq_conn, MHD_COOKIE_KIND, SESSION_COOKIE);
	if (sid && authdb_session_check(rq->rq_md->md_auth, sid, &rq->rq_who))
		memset(&rq->rq_who, 0, sizeof(rq->rq_who));
	return true;
}

/* Cookie sessions must echo their CSRF token on every unsafe method. */
static bool csrf_ok(struct req *rq)
{
	const char *h = req_header(rq, "X-CSRF-Token");
	size_t n = strlen(rq->rq_who.p_csrf);

	if (!rq->rq_who.p_session || safe_method(rq->rq_method))
		return true;
	return h && strlen(h) == n && !CRYPTO_memcmp(h, rq->rq_who.p_csrf, n);
}

static bool authorize(struct req *rq, enum MHD_Result *ret)
{
	enum mg_role need = rq->rq_route->rt_role;

	if (!authenticate(rq, ret))
		return false;
	if (need == MG_ROLE_NONE)
		return true;
	if (rq->rq_who.p_role == MG_ROLE_NONE) {
		*ret = reply_problem(rq, 401, "unauthorized", NULL,
				     "authentication required: a bearer token or a session");
		return false;
	}
	if (rq->rq_who.p_role < need) {
		*ret = reply_problem(rq, 403, "forbidden", NULL,
				     "role %s may not do this (needs %s)",
				     mg_role_name(rq->rq_who.p_role), mg_role_name(need));
		return false;
	}
	if (!csrf_ok(rq)) {
		*ret = reply_problem(rq, 403, "csrf", NULL,
				     "missing or wrong X-CSRF-Token for a session request");
		return false;
	}
	return true;
}

/* Content-Length above the route's cap: refuse before reading. */
static bool length_ok(struct req *rq, enum MHD_Result *ret)
{
	const char *cl = req_header(rq, MHD_HTTP_HEADER_CONTENT_LENGTH);
	unsigned long long n = cl ? strtoull(cl, NULL, 10) : 0;

	if (n <= rq->rq_limit)
		return true;
	*ret = reply_problem(rq, 413, "too-large", NULL, "the body may have at most %zu bytes",
			     rq->rq_limit);
	return false;
}

/* Can an answer given now wait for the body to be read and dropped? Not
 * when the client waits for "100 Continue" (it sends no body after an
 * answer), nor when it announces more than MG_DRAIN_MAX. */
static bool drainable(struct req *rq)
{
	const char *expect = req_header(rq, MHD_HTTP_HEADER_EXPECT);
	const char *cl = req_header(rq, MHD_HTTP_HEADER_CONTENT_LENGTH);
	unsigned long long n;

	if (expect && strcasestr(expect, "100-continue"))
		return false;
	if (!cl)
		return req_header(rq, MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL;
	n = strtoull(cl, NULL, 10);
	return n > 0 && n <= MG_DRAIN_MAX;
}

/* A body that is not kept: counted, and refused past MG_DRAIN_MAX. */
static enum MHD_Result body_drop(struct req *rq, size_t n)
{
	rq->rq_seen += n;
	return rq->rq_seen > MG_DRAIN_MAX ? MHD_NO : MHD_YES;
}

/* First call: route, authentication, authorization, size. */
static enum MHD_Result begin(struct req *rq, const char *url)
{
	enum MHD_Result ret = MHD_YES;
	char allow[128];
	bool mismatch;

	snprintf(rq->rq_path, sizeof(rq->rq_path), "%s", url);
	/* HEAD is GET without the body (libmicrohttpd drops it) */
	rq->rq_route = router_match(strcmp(rq->rq_method, "HEAD") ? rq->rq_method : "GET", url, rq,
				    &mismatch, allow, sizeof(allow));
	if (!rq->rq_route) {
		if (mismatch) {
			ret = reply_problem(rq, 405, "method-not-allowed", NULL,
					    "%s is not allowed here (allowed: %s)", rq->rq_method,
					    allow);
			return ret;
		}
		if (rq->rq_md->md_web_root && strncmp(url, "/api/", 5) &&
		    (!strcmp(rq->rq_method, "GET") || !strcmp(rq->rq_method, "HEAD")))
			return static_serve(rq, url);
		return reply_problem(rq, 404, "not-found", NULL, "no such resource: %s", url);
	}
	rq->rq_limit = rq->rq_route->rt_body_max;
	if (!authorize(rq, &ret) || !length_ok(rq, &ret))
		return ret;
	return MHD_YES;
}

static enum MHD_Result body_add(struct req *rq, const char *data, size_t n)
{
	if (rq->rq_too_large || rq->rq_len + n > rq->rq_limit) {
		rq->rq_too_large = true; /* keep reading, drop it: answered at the end */
		return body_drop(rq, n);
	}
	rq->rq_seen += n;
	if (rq->rq_len + n + 1 > rq->rq_cap) {
		size_t cap = rq->rq_cap ? rq->rq_cap : 4096;
		char *nb;

		while (cap < rq->rq_len + n + 1)
			cap *= 2;
		/* not realloc(): a moved body (passwords, NT hashes) would
		 * leave its old copy in the heap unwiped */
		if (!(nb = malloc(cap)))
			return MHD_NO;
		if (rq->rq_body) {
			memcpy(nb, rq->rq_body, rq->rq_len);
			OPENSSL_cleanse(rq->rq_body, rq->rq_cap);
			free(rq->rq_body);
		}
		rq->rq_body = nb;
		rq->rq_cap = cap;
	}
	memcpy(rq->rq_body + rq->rq_len, data, n);
	rq->rq_len += n;
	rq->rq_body[rq->rq_len] = '\0';
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct req *rq = *con_cls;
	enum MHD_Result ret;

	if (!rq) {
		if (!(rq = calloc(1, sizeof(*rq))))
			return MHD_NO;
		rq->rq_md = cls;
		rq->rq_conn = conn;
		rq->rq_method = method;
		*con_cls = rq;
		rq->rq_hold = drainable(rq);
		ret = begin(rq, url);
		rq->rq_hold = false;
		return ret;
	}
	if (rq->rq_held) { /* answered early: read the body, then answer */
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		return n ? body_drop(rq, n) : reply_held(rq);
	}
	if (rq->rq_status) { /* answered early, closing: discard the rest */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size) {
		enum MHD_Result r = body_add(rq, upload_data, *upload_data_size);

		*upload_data_size = 0;
		return r;
	}
	if (rq->rq_too_large)
		return reply_problem(rq, 413, "too-large", NULL,
				     "the body may have at most %zu bytes", rq->rq_limit);
	return rq->rq_route->rt_fn(rq);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct mgmtd *md = cls;
	struct req *rq = *con_cls;

	if (!rq)
		return;
	if (rq->rq_held) /* the client left before its body was read */
		MHD_destroy_response(rq->rq_held);
	if (rq->rq_status >= 100 && rq->rq_status < 600)
		atomic_fetch_add(&md->md_requests[rq->rq_status / 100], 1);
	if (rq->rq_route && rq->rq_route->rt_audit && rq->rq_status)
		audit_log(rq);
	for (size_t i = 0; i < rq->rq_n_params; i++)
		free(rq->rq_params[i]);
	if (rq->rq_body) {
		/* bodies carry PSKs and passwords */
		OPENSSL_cleanse(rq->rq_body, rq->rq_cap);
		free(rq->rq_body);
	}
	free(rq);
	*con_cls = NULL;
}

static int parse_addr(const char *addr, uint16_t port, struct sockaddr_storage *ss, unsigned *flags)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*flags |= MHD_USE_IPv6;
		return 0;
	}
	return GW_E_INVAL;
}

int http_start(struct mgmtd *md, const char *addr, uint16_t port, const char *cert_pem,
	       const char *key_pem)
{
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			 MHD_USE_POLL | MHD_USE_ERROR_LOG;
	struct sockaddr_storage ss;

	if (parse_addr(addr, port, &ss, &flags))
		return GW_E_INVAL;
	md->md_tls = cert_pem != NULL;
	if (md->md_tls)
		flags |= MHD_USE_TLS;
	md->md_mhd = MHD_start_daemon(flags, port, NULL, NULL, on_request, md, MHD_OPTION_SOCK_ADDR,
				      (struct sockaddr *)&ss, MHD_OPTION_NOTIFY_COMPLETED,
				      on_completed, md, MHD_OPTION_UNESCAPE_CALLBACK, unescape_none,
				      NULL, MHD_OPTION_CONNECTION_LIMIT, (unsigned)512,
				      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
				      MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
				      md->md_tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END,
				      cert_pem, MHD_OPTION_HTTPS_MEM_KEY, key_pem, MHD_OPTION_END);
	return md->md_mhd ? 0 : GW_E_IO;
}

void http_stop(struct mgmtd *md)
{
	if (md->md_mhd)
		MHD_stop_daemon(md->md_mhd);
	md->md_mhd = NULL;
}

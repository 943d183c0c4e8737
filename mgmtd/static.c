/*
 * static.c: the dashboard's files (--web-root). A path is decoded once,
 * refused if any segment starts with '.' (no "..", no dot files), then
 * resolved with realpath() and served only if it still lies under the
 * root (a symlink out of the root is refused too). MIME type from the
 * extension, nosniff, and cache validators (ETag from size and mtime).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mgmtd/mgmtd.h"

static const struct {
	const char *ext, *type;
} mime[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".mjs", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".json", "application/json" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".woff2", "font/woff2" },
	{ ".txt", "text/plain; charset=utf-8" },
	{ ".map", "application/json" },
};

static const char *mime_of(const char *path)
{
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot && i < sizeof(mime) / sizeof(mime[0]); i++)
		if (!strcmp(dot, mime[i].ext))
			return mime[i].type;
	return "application/octet-stream";
}

/* No segment may start with '.', no backslash, no empty name. */
static bool path_safe(const char *p)
{
	if (p[0] != '/' || strchr(p, '\\'))
		return false;
	for (const char *s = p; (s = strchr(s, '/')); s++)
		if (s[1] == '.')
			return false;
	return true;
}

enum MHD_Result static_serve(struct req *rq, const char *url)
{
	struct mgmtd *md = rq->rq_md;
	char dec[1024], full[PATH_MAX + 1100], real[PATH_MAX], etag[64];
	struct MHD_Response *r;
	const char *inm;
	struct stat sb;
	size_t rl = strlen(md->md_web_real);
	enum MHD_Result ret;
	int fd;

	if (pct_decode(url, strlen(url), dec, sizeof(dec)) || !path_safe(dec))
		return reply_problem(rq, 404, "not-found", NULL, "no such file");
	snprintf(full, sizeof(full), "%s%s%s", md->md_web_real, dec,
		 dec[strlen(dec) - 1] == '/' ? "index.html" : "");
	if (!realpath(full, real) || strncmp(real, md->md_web_real, rl) || real[rl] != '/' ||
	    (fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return reply_problem(rq, 404, "not-found", NULL, "no such file");
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return reply_problem(rq, 404, "not-found", NULL, "no such file");
	}
	snprintf(etag, sizeof(etag), "\"%llx-%llx\"", (unsigned long long)sb.st_size,
		 (unsigned long long)sb.st_mtim.tv_sec * 1000000000ull +
			 (unsigned long long)sb.st_mtim.tv_nsec);
	inm = req_header(rq, MHD_HTTP_HEADER_IF_NONE_MATCH);
	if (inm && !strcmp(inm, etag)) {
		close(fd);
		r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
		rq->rq_status = 304;
		ret = MHD_queue_response(rq->rq_conn, 304, r);
		MHD_destroy_response(r);
		return ret;
	}
	if (!(r = MHD_create_response_from_fd((size_t)sb.st_size, fd))) {
		close(fd);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, mime_of(real));
	MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
				strstr(mime_of(real), "text/html") ? "no-cache"
								   : "public, max-age=3600");
	MHD_add_response_header(r, "Content-Security-Policy",
				"default-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
				"form-action 'self'");
	reply_add_security_headers(r, md->md_tls);
	rq->rq_status = 200;
	ret = MHD_queue_response(rq->rq_conn, 200, r);
	MHD_destroy_response(r);
	return ret;
}

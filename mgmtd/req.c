/*
 * req.c: what every handler needs from a request: headers, decoded query
 * arguments, the JSON body (content type checked, duplicate keys refused:
 * STYLE 2.6), If-Match, pagination and names that become file names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "gateway/util/err.h"
#include "gateway/util/hex.h"
#include "mgmtd/mgmtd.h"

const char *req_header(struct req *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->rq_conn, MHD_HEADER_KIND, name);
}

/* %XX decoding; a NUL byte or a bad escape is an error. */
int pct_decode(const char *in, size_t n, char *out, size_t outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = in[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= n || (hi = util_hex_nibble(in[i + 1])) < 0 ||
			    (lo = util_hex_nibble(in[i + 2])) < 0)
				return GW_E_PARSE;
			c = (char)(hi << 4 | lo);
			i += 2;
			if (c == '\0')
				return GW_E_PARSE;
		}
		if (o + 1 >= outlen)
			return GW_E_RANGE;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

const char *req_query(struct req *rq, const char *name, char *buf, size_t len, bool *bad)
{
	const char *v = MHD_lookup_connection_value(rq->rq_conn, MHD_GET_ARGUMENT_KIND, name);
	char tmp[1024];
	size_t n;

	if (!v)
		return NULL;
	/* form encoding: '+' is a space */
	n = strlen(v);
	if (n >= sizeof(tmp)) {
		*bad = true;
		return NULL;
	}
	for (size_t i = 0; i <= n; i++)
		tmp[i] = v[i] == '+' ? ' ' : v[i];
	if (pct_decode(tmp, n, buf, len)) {
		*bad = true;
		return NULL;
	}
	return buf;
}

/* Content-Type is one of types ("a|b"), parameters (charset) allowed. */
static bool ctype_ok(const char *have, const char *types)
{
	size_t hl;

	if (!have)
		return false;
	hl = strcspn(have, "; \t");
	while (*types) {
		size_t tl = strcspn(types, "|");

		if (tl == hl && !strncasecmp(have, types, tl))
			return true;
		types += tl + (types[tl] == '|');
	}
	return false;
}

json_t *req_json_body(struct req *rq, const char *ctype, enum MHD_Result *ret)
{
	json_error_t e;
	json_t *doc;

	if (!ctype_ok(req_header(rq, MHD_HTTP_HEADER_CONTENT_TYPE), ctype)) {
		*ret = reply_problem(rq, 415, "unsupported-media-type", NULL, "the body must be %s",
				     ctype);
		return NULL;
	}
	if (!rq->rq_len) {
		*ret = reply_problem(rq, 400, "malformed", "$", "the request needs a JSON body");
		return NULL;
	}
	/* The text near a syntax error may be part of a secret: say where and
	 * what, never quote it. */
	doc = json_loadb(rq->rq_body, rq->rq_len, JSON_REJECT_DUPLICATES, &e);
	if (!doc) {
		*ret = reply_problem(rq, 400, "malformed", "$",
				     json_error_code(&e) == json_error_duplicate_key
					     ? "malformed JSON at line %d, column %d: a key is "
					       "repeated in an object"
					     : "malformed JSON at line %d, column %d",
				     e.line, e.column);
		return NULL;
	}
	return doc;
}

/* One of the comma-separated entity tags of header matches etag. */
static bool etag_listed(const char *header, const char *etag)
{
	size_t el = strlen(etag);

	while (*header) {
		size_t n;

		header += strspn(header, " \t,");
		if (!strncmp(header, "W/", 2))
			header += 2; /* If-Match uses the strong comparison: a weak tag never
					matches */
		n = strcspn(header, ",");
		while (n && (header[n - 1] == ' ' || header[n - 1] == '\t'))
			n--;
		if (n == el && !memcmp(header, etag, el))
			return true;
		header += strcspn(header, ",");
	}
	return false;
}

bool req_if_match(struct req *rq, const char *etag, enum MHD_Result *ret)
{
	const char *h = req_header(rq, MHD_HTTP_HEADER_IF_MATCH);

	if (!h)
		return true;
	if (etag && (!strcmp(h, "*") || etag_listed(h, etag)))
		return true;
	*ret = reply_problem(rq, 412, "precondition-failed", NULL,
			     etag ? "the object changed since you read it (If-Match %s, now %s): "
				    "read it again and retry"
				  : "If-Match %s%s: the object does not exist",
			     h, etag ? etag : "");
	return false;
}

static bool parse_size(const char *s, size_t max, size_t *out)
{
	char *end;
	unsigned long long v;

	if (!s[0] || s[0] == '-' || s[0] == '+')
		return false;
	v = strtoull(s, &end, 10);
	if (*end || v > max)
		return false;
	*out = (size_t)v;
	return true;
}

bool req_page(struct req *rq, size_t *offset, size_t *limit, enum MHD_Result *ret)
{
	char buf[32];
	bool bad = false;
	const char *l = req_query(rq, "limit", buf, sizeof(buf), &bad);

	*offset = 0;
	*limit = MG_PAGE_DEFAULT;
	if (bad || (l && (!parse_size(l, MG_PAGE_MAX, limit) || *limit == 0))) {
		*ret = reply_problem(rq, 400, "malformed", "$.limit",
				     "limit must be an integer from 1 to %d", MG_PAGE_MAX);
		return false;
	}
	const char *o = req_query(rq, "offset", buf, sizeof(buf), &bad);

	if (bad || (o && !parse_size(o, 1u << 30, offset))) {
		*ret = reply_problem(rq, 400, "malformed", "$.offset",
				     "offset must be a non-negative integer");
		return false;
	}
	return true;
}

json_t *page_json(json_t *items, size_t offset, size_t limit)
{
	size_t total = json_array_size(items);
	json_t *page = json_array();

	for (size_t i = offset; page && i < total && i < offset + limit; i++)
		json_array_append(page, json_array_get(items, i));
	json_decref(items);
	if (!page)
		return NULL;
	return json_pack("{s:o, s:I, s:I, s:I}", "items", page, "total", (json_int_t)total,
			 "offset", (json_int_t)offset, "limit", (json_int_t)limit);
}

enum MHD_Result reply_page(struct req *rq, json_t *items, size_t offset, size_t limit)
{
	return reply_json(rq, 200, page_json(items, offset, limit), NULL);
}

enum MHD_Result reply_page_dir(struct req *rq, const char *dir, const char *ext, reply_item_fn item,
			       void *arg)
{
	struct store *st = rq->rq_md->md_store;
	enum MHD_Result ret;
	size_t n, off, lim;
	char **names;
	json_t *items;

	if (!req_page(rq, &off, &lim, &ret))
		return ret;
	if (store_list(st, dir, ext, &names, &n))
		return reply_problem(rq, 500, "storage", NULL, "cannot list %s/", dir);
	items = json_array();
	for (size_t i = 0; items && i < n; i++) {
		json_t *j = item(st, names[i], arg);

		if (j)
			json_array_append_new(items, j);
	}
	store_names_free(names, n);
	return reply_page(rq, items, off, lim);
}

bool mg_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= MODEL_NAME_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum =
			(c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

		/* the model's rule: no '/', no leading '.', so "../x" is no name */
		if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
			return false;
	}
	return true;
}

bool req_name_ok(struct req *rq, const char *name, enum MHD_Result *ret)
{
	if (mg_name_ok(name))
		return true;
	*ret = reply_problem(rq, 400, "invalid-name", "$.name",
			     "not a valid name: 1-63 characters A-Z a-z 0-9 _ . -, starting with "
			     "a letter or digit");
	return false;
}

void mg_time_str(int64_t t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

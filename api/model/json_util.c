#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api/model/json_util.h"
#include "gateway/util/err.h"
#include "gateway/util/log.h"

int mj_fail(struct model_err *err, const char *path, const char *fmt, ...)
{
	va_list ap;

	snprintf(err->me_path, sizeof(err->me_path), "%s", path);
	va_start(ap, fmt);
	vsnprintf(err->me_msg, sizeof(err->me_msg), fmt, ap);
	va_end(ap);
	return GW_E_INVAL;
}

int mj_fail_value(struct model_err *err, const char *path, const char *what, const char *value)
{
	char esc[80];

	log_escape(esc, sizeof(esc), value, strlen(value));
	return mj_fail(err, path, "%s: '%s'", what, esc);
}

const char *model_err_str(const struct model_err *err, const char *file, char *buf, size_t len)
{
	snprintf(buf, len, "%s: %s: %s", file, err->me_path, err->me_msg);
	return buf;
}

int mj_load(const char *json, size_t len, json_t **out, struct model_err *err)
{
	json_error_t je;

	*out = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (!*out) {
		mj_fail(err, "$", "line %d column %d: %s", je.line, je.column, je.text);
		return GW_E_PARSE;
	}
	return 0;
}

/*
 * Jansson's messages quote the input: "... near '<token>'", "unable to
 * decode byte 0x..", "invalid Unicode '\\u..'". In a document holding a
 * secret that token may be part of it, so keep only what the parser says
 * went wrong, and where.
 */
int mj_load_quiet(const char *json, size_t len, json_t **out, struct model_err *err)
{
	json_error_t je;
	char *near;

	*out = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (*out)
		return 0;
	if ((near = strstr(je.text, " near ")) != NULL)
		*near = '\0';
	if (strstr(je.text, "0x") || strchr(je.text, '\\'))
		snprintf(je.text, sizeof(je.text), "invalid character or escape");
	mj_fail(err, "$", "line %d column %d: %s", je.line, je.column, je.text);
	OPENSSL_cleanse(&je, sizeof(je));
	return GW_E_PARSE;
}

int mj_uint(json_t *v, const char *key, uint64_t min, uint64_t max, uint64_t *out,
	    struct model_err *err)
{
	char path[64];
	json_int_t n;

	snprintf(path, sizeof(path), "$.%s", key);
	if (!json_is_integer(v))
		return mj_fail(err, path, "must be an integer");
	n = json_integer_value(v);
	if (n < 0 || (uint64_t)n < min || (uint64_t)n > max)
		return mj_fail(err, path, "must be between %llu and %llu: '%lld'",
			       (unsigned long long)min, (unsigned long long)max, (long long)n);
	*out = (uint64_t)n;
	return 0;
}

static void mj_free_wiped(char *p, size_t n)
{
	if (p)
		OPENSSL_cleanse(p, n);
	free(p);
}

int mj_read_file(const char *path, size_t max, char **buf, size_t *len, struct model_err *err)
{
	FILE *f = fopen(path, "rb");
	size_t n = 0, cap = 4096;
	char *p = NULL, *np;

	if (!f) {
		if (errno == ENOENT)
			return GW_E_NOTFOUND;
		mj_fail(err, "$", "cannot open: %s", strerror(errno));
		return GW_E_IO;
	}
	/* Files may hold secrets (conns/ PSKs): read straight into our buffer,
	 * and wipe the old one when growing instead of realloc()ing it. */
	setvbuf(f, NULL, _IONBF, 0);
	for (;;) {
		size_t got;

		if (!(np = malloc(cap + 1))) {
			mj_free_wiped(p, n);
			fclose(f);
			return GW_E_NOMEM;
		}
		if (p)
			memcpy(np, p, n);
		mj_free_wiped(p, n);
		p = np;
		got = fread(p + n, 1, cap - n, f);
		n += got;
		if (n < cap)
			break;
		if (cap >= max) {
			mj_free_wiped(p, n);
			fclose(f);
			mj_fail(err, "$", "file larger than %zu bytes", max);
			return GW_E_RANGE;
		}
		cap = cap * 2 > max ? max : cap * 2;
	}
	if (ferror(f)) {
		mj_free_wiped(p, n);
		fclose(f);
		mj_fail(err, "$", "read error");
		return GW_E_IO;
	}
	fclose(f);
	p[n] = '\0';
	*buf = p;
	*len = n;
	return 0;
}

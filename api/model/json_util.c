#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	for (;;) {
		size_t got;

		if (!(np = realloc(p, cap + 1))) {
			free(p);
			fclose(f);
			return GW_E_NOMEM;
		}
		p = np;
		got = fread(p + n, 1, cap - n, f);
		n += got;
		if (n < cap)
			break;
		if (cap >= max) {
			free(p);
			fclose(f);
			mj_fail(err, "$", "file larger than %zu bytes", max);
			return GW_E_RANGE;
		}
		cap = cap * 2 > max ? max : cap * 2;
	}
	if (ferror(f)) {
		free(p);
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

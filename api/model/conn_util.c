/* conn_util.c: typed field checks for the connection validators. */
#include <stdio.h>
#include <string.h>

#include "api/model/conn_int.h"
#include "api/model/json_util.h"
#include "gateway/util/err.h"

void mc_path_key(char *out, const char *base, const char *key)
{
	snprintf(out, MC_PATH_LEN, "%s.%s", base, key);
}

void mc_path_idx(char *out, const char *base, size_t i)
{
	snprintf(out, MC_PATH_LEN, "%s[%zu]", base, i);
}

int mc_string(json_t *v, const char *path, size_t size, const char **s, struct model_err *err)
{
	if (!json_is_string(v))
		return mj_fail(err, path, "must be a string");
	/* Jansson refuses \u0000 by default, so strlen() is the whole string. */
	if (json_string_length(v) >= size)
		return mj_fail(err, path, "longer than %zu characters", size - 1);
	*s = json_string_value(v);
	return 0;
}

bool mc_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= MODEL_NAME_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			     (ch >= '0' && ch <= '9');

		/* No '/', and no leading '.': a name is also a file name. */
		if (!alnum && (i == 0 || (ch != '_' && ch != '.' && ch != '-')))
			return false;
	}
	return true;
}

int mc_name(json_t *v, const char *path, bool may_be_empty, char *out, struct model_err *err)
{
	const char *s;

	if (!json_is_string(v))
		return mj_fail(err, path, "must be a string");
	s = json_string_value(v);
	if (!(may_be_empty && s[0] == '\0') && !mc_name_ok(s))
		return mj_fail_value(err, path,
				     "must be a name of 1-63 characters A-Z a-z 0-9 _ . - "
				     "(starting with a letter or digit)",
				     s);
	snprintf(out, MODEL_NAME_LEN, "%s", s);
	return 0;
}

int mc_enum(json_t *v, const char *path, const struct mc_word *words, size_t n, const char *what,
	    int *out, struct model_err *err)
{
	const char *s = json_string_value(v);

	if (!s)
		return mj_fail(err, path, "must be a string: %s", what);
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(s, words[i].w_name)) {
			*out = words[i].w_value;
			return 0;
		}
	}
	{
		char msg[128];

		snprintf(msg, sizeof(msg), "must be %s", what);
		return mj_fail_value(err, path, msg, s);
	}
}

int mc_uint(json_t *v, const char *path, uint64_t min, uint64_t max, uint64_t *out,
	    struct model_err *err)
{
	/* mj_uint() prefixes "$." itself. */
	return mj_uint(v, path + 2, min, max, out, err);
}

int mc_bool(json_t *v, const char *path, bool *out, struct model_err *err)
{
	if (!json_is_boolean(v))
		return mj_fail(err, path, "must be true or false");
	*out = json_is_true(v);
	return 0;
}

int mc_known_keys(json_t *v, const char *path, const char *const *keys, size_t n,
		  struct model_err *err)
{
	const char *key;
	json_t *val;

	if (!json_is_object(v))
		return mj_fail(err, path, "must be an object");
	json_object_foreach(v, key, val)
	{
		size_t i;

		for (i = 0; i < n && strcmp(key, keys[i]); i++)
			;
		if (i == n)
			return mj_fail_value(err, path, "unknown key", key);
	}
	return 0;
}

int mc_array(json_t *v, const char *path, size_t max, bool may_be_empty, struct model_err *err)
{
	size_t n;

	if (!json_is_array(v))
		return mj_fail(err, path, "must be an array");
	n = json_array_size(v);
	if (n == 0 && !may_be_empty)
		return mj_fail(err, path, "must not be empty");
	if (n > max)
		return mj_fail(err, path, "at most %zu entries, not %zu", max, n);
	return 0;
}

/*
 * args.c: argument checks for command handlers and the value formats the
 * results share (api/control.md, Conventions). A failed check leaves an
 * "invalid-argument" error on the request that names the argument, so
 * every handler refuses bad input in the same words.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "control/control_int.h"
#include "util/err.h"

bool ctl_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > CTL_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

int control_args_allow(struct control_req *req, json_t *args, const char *const *keys)
{
	const char *key;
	json_t *v;

	json_object_foreach(args, key, v)
	{
		size_t i;

		for (i = 0; keys[i]; i++)
			if (!strcmp(keys[i], key))
				break;
		if (!keys[i])
			return control_req_error(req, "invalid-argument",
						 "unknown argument '%.64s'", key);
	}
	return 0;
}

int control_arg_str(struct control_req *req, json_t *args, const char *key, bool required,
		    size_t maxlen, const char **out)
{
	json_t *v = json_object_get(args, key);

	*out = NULL;
	if (!v) {
		if (required)
			return control_req_error(req, "invalid-argument", "missing argument '%s'",
						 key);
		return 0;
	}
	if (!json_is_string(v))
		return control_req_error(req, "invalid-argument",
					 "argument '%s': expected a string", key);
	if (!json_string_length(v) || json_string_length(v) > maxlen ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return control_req_error(req, "invalid-argument",
					 "argument '%s': expected 1 to %zu bytes without NUL", key,
					 maxlen);
	*out = json_string_value(v);
	return 0;
}

int control_arg_uint(struct control_req *req, json_t *args, const char *key, uint64_t max,
		     uint64_t *out, bool *present)
{
	json_t *v = json_object_get(args, key);

	*present = false;
	*out = 0;
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max)
		return control_req_error(req, "invalid-argument",
					 "argument '%s': expected an integer from 0 to %" PRIu64,
					 key, max);
	*out = (uint64_t)json_integer_value(v);
	*present = true;
	return 0;
}

int control_arg_bool(struct control_req *req, json_t *args, const char *key, bool dflt, bool *out)
{
	json_t *v = json_object_get(args, key);

	*out = dflt;
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return control_req_error(req, "invalid-argument",
					 "argument '%s': expected true or false", key);
	*out = json_is_true(v);
	return 0;
}

json_t *control_json_time(time_t t)
{
	char buf[32];

	if (!t)
		return json_null();
	ctl_format_time(t, buf, sizeof(buf));
	return json_string(buf);
}

json_t *control_json_hex(uint64_t v, unsigned bytes)
{
	char buf[17];

	if (bytes < 1 || bytes > 8)
		bytes = 8;
	if (bytes < 8)
		v &= (UINT64_C(1) << (bytes * 8)) - 1;
	snprintf(buf, sizeof(buf), "%0*" PRIx64, (int)bytes * 2, v);
	return json_string(buf);
}

/*
 * fmt.c: tolerant JSON accessors for palisadectl's printers. The daemon
 * may be newer or older than palisadectl: a member that is missing or of
 * another type prints as "-", it never stops the output.
 */
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"

const char *js(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : "-";
}

long long ji(json_t *o, const char *key, long long dflt)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

bool jb(json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

json_t *jo(json_t *o, const char *key)
{
	return json_object_get(o, key);
}

const char *jsec(json_t *o, const char *key, char *buf, size_t len)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		return "-";
	snprintf(buf, len, "%llds", (long long)json_integer_value(v));
	return buf;
}

const char *jlist(json_t *arr, const char *sep, char *buf, size_t len)
{
	size_t used = 0, i;
	json_t *v;

	buf[0] = 0;
	json_array_foreach(arr, i, v)
	{
		const char *s = json_is_string(v) ? json_string_value(v) : "-";
		int n = snprintf(buf + used, len - used, "%s%s", used ? sep : "", s);

		if (n < 0 || (size_t)n >= len - used) {
			/* Too long for one line: mark the cut. */
			if (len > 4)
				strcpy(buf + len - 4, "...");
			return buf;
		}
		used += (size_t)n;
	}
	return used ? buf : "-";
}

const char *jendpoint(json_t *end, char *buf, size_t len)
{
	const char *addr = js(end, "addr");
	long long port = ji(end, "port", -1);

	/* swanctl's form, for IPv6 too: "2001:db8::1[4500]" */
	if (port < 0)
		snprintf(buf, len, "%s", addr);
	else
		snprintf(buf, len, "%s[%lld]", addr, port);
	return buf;
}

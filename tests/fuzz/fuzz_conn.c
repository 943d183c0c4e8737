/*
 * fuzz_conn: libFuzzer target for connection documents (conns/NAME.json
 * through api/model). Any bytes give either a connection or a model_err
 * with a path and a message; a connection must survive to_json and parse
 * back to the same struct. The same bytes, as a string, go through the
 * traffic selector parser, whose canonical form must parse back equal.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/model/model.h"
#include "conn_rt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_conn(const struct model_conn *c)
{
	static char why[16384];

	if (strcmp(c->c_name, "rw") || c->c_n_props == 0 || c->c_n_props > MODEL_MAX_PROPS ||
	    c->c_n_children > MODEL_MAX_CHILDREN || c->c_n_pools > MODEL_MAX_POOLS ||
	    c->c_psk_len > MODEL_PSK_MAX || c->c_local.e_n_addrs == 0 ||
	    c->c_local.e_n_addrs > MODEL_MAX_ADDRS)
		abort();
	for (size_t i = 0; i < c->c_n_children; i++) {
		const struct model_child *ch = &c->c_children[i];

		if (ch->c_rekey_time && ch->c_life_time <= ch->c_rekey_time)
			abort();
	}
	if (conn_rt_check(c, "rw", why, sizeof(why))) {
		fprintf(stderr, "round trip: %s\n", why);
		abort();
	}
}

static void check_ts(const uint8_t *data, size_t size)
{
	struct model_ts ts, again;
	char s[160], buf[160];

	if (size >= sizeof(s) || memchr(data, '\0', size))
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	if (model_ts_parse(s, &ts, buf, sizeof(buf))) {
		if (!buf[0])
			abort(); /* a refusal says why */
		return;
	}
	if (model_ts_format(&ts, buf, sizeof(buf)) || model_ts_parse(buf, &again, NULL, 0) ||
	    memcmp(&ts, &again, sizeof(ts)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct model_conn *c = NULL;
	struct model_err err;

	memset(&err, 0, sizeof(err));
	if (model_conn_parse((const char *)data, size, "rw", &c, &err)) {
		/* Every refusal names where and why, and leaves nothing behind. */
		if (c || err.me_path[0] != '$' || !err.me_msg[0])
			abort();
	} else {
		check_conn(c);
		model_conn_free(c);
	}
	check_ts(data, size);
	return 0;
}

/*
 * uses.c: which connections refer to an object (a CA, a certificate, a
 * pool), for "used_by" in the API and for the 409 that protects an object
 * in use from deletion. Reads conns/ through api/model, as gatewayd does.
 */
#include <string.h>

#include "mgmtd/mgmtd.h"

static bool refers(const struct model_conn *c, enum uses_kind kind, const char *name)
{
	switch (kind) {
	case USES_CA:
		return !strcmp(c->c_remote.e_ca, name);
	case USES_CERT:
		return !strcmp(c->c_local.e_cert, name) || !strcmp(c->c_remote.e_cert, name);
	case USES_POOL:
		for (size_t i = 0; i < c->c_n_pools; i++)
			if (!strcmp(c->c_pools[i], name))
				return true;
		return false;
	}
	return false;
}

json_t *uses_find(struct store *st, enum uses_kind kind, const char *name)
{
	json_t *a = json_array();
	char **names;
	size_t n;

	if (!a || store_list(st, "conns", ".json", &names, &n))
		return a;
	for (size_t i = 0; i < n; i++) {
		struct model_conn *c;
		struct model_err err;

		if (model_conn_load(store_dir(st), names[i], &c, &err))
			continue;
		if (refers(c, kind, name)) {
			bool local = !strcmp(c->c_local.e_cert, name) && c->c_local.e_key[0];

			if (kind == USES_CERT)
				json_array_append_new(
					a, json_pack("{s:s, s:o}", "connection", names[i], "key",
						     local ? json_string(c->c_local.e_key)
							   : json_null()));
			else
				json_array_append_new(a, json_string(names[i]));
		}
		model_conn_free(c);
	}
	store_names_free(names, n);
	return a;
}

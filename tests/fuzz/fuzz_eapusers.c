/*
 * fuzz_eapusers: libFuzzer target for the remote-access documents of
 * api/model. The first byte picks eap-users.json (even) or pools.json
 * (odd); the rest is the document. A refusal must name a path and a
 * reason; an accepted document must survive to_json and back: users
 * without any secret in the output, pools with the same ranges, and
 * every pool's first and last address mapping back to their index.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/model/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void users(const char *doc, size_t len)
{
	struct model_eap_users *u = NULL;
	struct model_err err;
	json_t *root;
	char *js;

	memset(&err, 0, sizeof(err));
	if (model_eap_users_parse(doc, len, &u, &err)) {
		if (u || !err.me_path[0] || !err.me_msg[0])
			abort();
		return;
	}
	for (size_t i = 0; i < model_eap_users_count(u); i++) {
		const struct model_eap_user *e = model_eap_users_at(u, i);

		if (model_eap_users_find(u, e->eu_identity, e->eu_id_len) != e)
			abort();
		if (!e->eu_password == !e->eu_nt_hash)
			abort();
	}
	if (!(js = model_eap_users_to_json(u)) || !(root = json_loads(js, 0, NULL)))
		abort();
	if (json_array_size(root) != model_eap_users_count(u))
		abort();
	for (size_t i = 0; i < json_array_size(root); i++) {
		json_t *o = json_array_get(root, i);

		if (json_object_get(o, "password") || json_object_get(o, "nt_hash"))
			abort();
	}
	json_decref(root);
	free(js);
	model_eap_users_free(u);
}

static void pools(const char *doc, size_t len)
{
	struct model_pools *p = NULL, *q = NULL;
	struct model_err err;
	char *js;

	memset(&err, 0, sizeof(err));
	if (model_pools_parse(doc, len, &p, &err)) {
		if (p || !err.me_path[0] || !err.me_msg[0])
			abort();
		return;
	}
	for (size_t i = 0; i < p->ps_n; i++) {
		const struct model_pool *x = &p->ps_pools[i];
		uint8_t a[16];
		uint64_t idx;

		if (x->p_size == 0 || x->p_size > MODEL_POOL_SIZE_MAX)
			abort();
		if (model_pool_addr(x, 0, a) || model_pool_index(x, a, &idx) || idx != 0)
			abort();
		if (model_pool_addr(x, x->p_size - 1, a) || model_pool_index(x, a, &idx) ||
		    idx != x->p_size - 1)
			abort();
		if (model_pool_addr(x, x->p_size, a) != -4 /* GW_E_RANGE */)
			abort();
	}
	if (!(js = model_pools_to_json(p)) || model_pools_parse(js, strlen(js), &q, &err))
		abort();
	if (q->ps_n != p->ps_n)
		abort();
	for (size_t i = 0; i < p->ps_n; i++)
		if (q->ps_pools[i].p_size != p->ps_pools[i].p_size ||
		    q->ps_pools[i].p_prefix != p->ps_pools[i].p_prefix ||
		    memcmp(q->ps_pools[i].p_ranges, p->ps_pools[i].p_ranges,
			   sizeof(p->ps_pools[i].p_ranges)))
			abort();
	free(js);
	model_pools_free(p);
	model_pools_free(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		pools((const char *)data + 1, size - 1);
	else
		users((const char *)data + 1, size - 1);
	return 0;
}

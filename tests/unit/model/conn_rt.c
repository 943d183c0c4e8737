/* conn_rt.c: parse -> to_json -> parse must give the same connection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "conn_rt.h"

static json_t *psk_hex(const struct model_conn *c)
{
	char hex[2 + 2 * MODEL_PSK_MAX + 1];
	json_t *v;

	hex[0] = '0';
	hex[1] = 'x';
	for (size_t i = 0; i < c->c_psk_len; i++)
		snprintf(hex + 2 + 2 * i, 3, "%02x", c->c_psk[i]);
	hex[2 + 2 * c->c_psk_len] = '\0';
	v = json_string(hex);
	OPENSSL_cleanse(hex, sizeof(hex));
	return v;
}

/* The document to_json produced, with the PSK back instead of psk_set. */
static char *rebuild(const struct model_conn *c, const char *js, char *why, size_t len)
{
	json_t *root = json_loads(js, JSON_REJECT_DUPLICATES, NULL);
	json_t *set = root ? json_object_get(root, "psk_set") : NULL;
	char *out = NULL;

	if (!json_is_boolean(set)) {
		snprintf(why, len, "to_json gave no psk_set boolean: %s", js);
		goto out;
	}
	if (json_is_true(set) != (c->c_psk_len > 0)) {
		snprintf(why, len, "psk_set is %d with a %zu-byte PSK", json_is_true(set),
			 c->c_psk_len);
		goto out;
	}
	json_object_del(root, "psk_set");
	if (c->c_psk_len && json_object_set_new(root, "psk", psk_hex(c))) {
		snprintf(why, len, "out of memory");
		goto out;
	}
	if (!(out = json_dumps(root, JSON_COMPACT)))
		snprintf(why, len, "json_dumps failed");
out:
	json_decref(root);
	return out;
}

int conn_rt_check(const struct model_conn *c, const char *name, char *why, size_t len)
{
	char *js = model_conn_to_json(c), *doc = NULL;
	struct model_conn *c2 = NULL;
	struct model_err err;
	int rc = -1;

	if (!js) {
		snprintf(why, len, "to_json returned NULL");
		return -1;
	}
	if (!(doc = rebuild(c, js, why, len)))
		goto out;
	if (model_conn_parse(doc, strlen(doc), name, &c2, &err)) {
		snprintf(why, len, "to_json output does not parse: %s: %s\n%s", err.me_path,
			 err.me_msg, js);
		goto out;
	}
	for (size_t i = 0; i < sizeof(*c); i++) {
		if (((const unsigned char *)c)[i] != ((const unsigned char *)c2)[i]) {
			snprintf(why, len, "re-parsed struct differs at byte %zu\n%s", i, js);
			goto out;
		}
	}
	rc = 0;
out:
	if (doc)
		OPENSSL_cleanse(doc, strlen(doc));
	free(doc);
	free(js);
	model_conn_free(c2);
	return rc;
}

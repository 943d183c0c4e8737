/*
 * listfile.c: eap-users.json and pools.json are each one JSON array of
 * objects; the API edits one member at a time. These helpers read the
 * array, find a member by its key, and give a member its own ETag (an
 * HMAC of its canonical serialisation, secrets included, so a changed
 * password changes the ETag without revealing anything).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "gateway/util/err.h"
#include "mgmtd/mgmtd.h"

int listfile_read(struct store *st, const char *rel, json_t **doc)
{
	char *buf;
	size_t len;
	int r = store_read(st, rel, STORE_FILE_MAX, &buf, &len);

	*doc = NULL;
	if (r == GW_E_NOTFOUND)
		return (*doc = json_array()) ? 0 : GW_E_NOMEM;
	if (r)
		return r;
	*doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
	store_buf_free(buf, len);
	if (!json_is_array(*doc)) {
		json_decref(*doc);
		*doc = NULL;
		return GW_E_PARSE;
	}
	return 0;
}

json_t *listfile_find(json_t *doc, const char *key, const char *value, size_t *idx)
{
	json_t *e;
	size_t i;

	json_array_foreach(doc, i, e)
	{
		json_t *v = json_object_get(e, key);

		if (json_is_string(v) && json_string_length(v) == strlen(value) &&
		    !memcmp(json_string_value(v), value, strlen(value))) {
			if (idx)
				*idx = i;
			return e;
		}
	}
	return NULL;
}

void listfile_etag(struct store *st, json_t *member, char *etag)
{
	char *s = json_dumps(member, JSON_COMPACT | JSON_SORT_KEYS);

	store_etag(st, s ? s : "", s ? strlen(s) : 0, etag);
	if (s) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

bool listfile_if_match(struct req *rq, json_t *member, enum MHD_Result *ret)
{
	char etag[STORE_ETAG_LEN];

	if (member)
		listfile_etag(rq->rq_md->md_store, member, etag);
	return req_if_match(rq, member ? etag : NULL, ret);
}

size_t listfile_put(json_t *doc, json_t *old, size_t idx, json_t *member)
{
	if (old) {
		json_array_set(doc, idx, member);
		return idx;
	}
	json_array_append(doc, member);
	return json_array_size(doc) - 1;
}

void listfile_err_focus(struct model_err *err, size_t focus)
{
	char pre[32];
	size_t n = (size_t)snprintf(pre, sizeof(pre), "$[%zu]", focus);

	if (!strncmp(err->me_path, pre, n))
		memmove(err->me_path + 1, err->me_path + n, strlen(err->me_path + n) + 1);
}

char *listfile_dump(json_t *doc)
{
	return json_dumps(doc, JSON_INDENT(2));
}

void listfile_wipe_free(char *s)
{
	if (s) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

/* Jansson keeps copies of strings: wipe the secret members before decref. */
void listfile_wipe_secrets(json_t *doc)
{
	static const char *const keys[] = { "password", "nt_hash" };
	json_t *e;
	size_t i;

	json_array_foreach(doc, i, e)
	{
		for (size_t k = 0; k < 2; k++) {
			json_t *s = json_object_get(e, keys[k]);

			if (json_is_string(s))
				OPENSSL_cleanse((char *)json_string_value(s),
						json_string_length(s));
		}
	}
}

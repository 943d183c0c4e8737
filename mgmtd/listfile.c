/*
 * listfile.c: eap-users.json and pools.json are each one JSON array of
 * objects; the API edits one member at a time. These helpers read the
 * array, find a member by its key, and give a member its own ETag (an
 * HMAC of its canonical serialisation, secrets included, so a changed
 * password changes the ETag without revealing anything).
 */
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

/*
 * merge.c: JSON Merge Patch (RFC 7396 section 2): an object patch merges
 * member by member, null removes a member, anything else replaces.
 */
#include "mgmtd/mgmtd.h"

json_t *merge_patch(json_t *target, json_t *patch)
{
	const char *key;
	json_t *v;

	if (!json_is_object(patch)) {
		json_decref(target);
		return json_incref(patch);
	}
	if (!json_is_object(target)) {
		json_decref(target);
		if (!(target = json_object()))
			return NULL;
	}
	json_object_foreach(patch, key, v)
	{
		if (json_is_null(v)) {
			json_object_del(target, key);
			continue;
		}
		json_t *cur = json_incref(json_object_get(target, key));
		json_t *merged = merge_patch(cur, v);

		if (!merged || json_object_set_new(target, key, merged)) {
			json_decref(target);
			return NULL;
		}
	}
	return target;
}

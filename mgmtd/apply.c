/*
 * apply.c: a configuration change, end to end. The caller holds the store
 * lock and has validated the new file with api/model. We keep the old
 * bytes, write the new file atomically and ask the gateway to reload
 * (api/control.md 5.8). If the gateway refuses (it checks more than the
 * model can: certificates against keys, CAs that exist), the old file is
 * put back, the gateway reloads again, and the client gets the gateway's
 * reason. If the gateway is down, the change stays on disk and the
 * watcher applies it when the gateway answers again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/util/err.h"
#include "gateway/util/log.h"
#include "mgmtd/mgmtd.h"

void apply_header(struct MHD_Response *r, bool applied)
{
	MHD_add_response_header(r, "Palisade-Applied", applied ? "true" : "pending");
}

/* Put the old version back (or remove the new file). */
static void restore(struct store *st, const char *rel, const char *old, size_t old_len,
		    unsigned mode, bool had_old)
{
	int r = had_old ? store_write(st, rel, old, old_len, mode) : store_remove(st, rel);

	if (r && r != GW_E_NOTFOUND)
		log_msg(LOG_SUB_CFG, LOG_ERR, "%s: could not restore the previous version: %s", rel,
			gw_strerror(r));
}

/* The reload's result lists file errors even when ok is true. */
static bool reload_errors(json_t *res, char *msg, size_t len)
{
	json_t *errs = json_object_get(res, "errors");
	json_t *e = json_array_get(errs, 0);

	if (!e)
		return false;
	snprintf(msg, len, "%s: %s", json_string_value(json_object_get(e, "file")) ?: "?",
		 json_string_value(json_object_get(e, "message")) ?: "refused");
	return true;
}

static int reload(struct mgmtd *md, struct gw_fail *err)
{
	json_t *res = NULL;
	int r = gw_call(md->md_gw, "reload", NULL, GW_CALL_TIMEOUT_MS, &res, err);

	live_invalidate(md->md_live);

	if (!r && reload_errors(res, err->ge_message, sizeof(err->ge_message))) {
		snprintf(err->ge_code, sizeof(err->ge_code), "invalid-argument");
		r = GW_E_INVAL;
	}
	json_decref(res);
	return r;
}

int apply_change(struct req *rq, const char *rel, const char *new_data, size_t new_len,
		 unsigned mode, bool *applied, enum MHD_Result *ret)
{
	struct mgmtd *md = rq->rq_md;
	struct store *st = md->md_store;
	char *old = NULL;
	size_t old_len = 0;
	struct gw_fail err, err2;
	bool had_old;
	int r;

	*applied = false;
	snprintf(rq->rq_audit_obj, sizeof(rq->rq_audit_obj), "%s", rel);
	r = store_read(st, rel, STORE_FILE_MAX, &old, &old_len);
	if (r && r != GW_E_NOTFOUND)
		goto io_fail;
	had_old = !r;
	r = new_data ? store_write(st, rel, new_data, new_len, mode) : store_remove(st, rel);
	if (r)
		goto io_fail;
	atomic_fetch_add(&md->md_writes, 1);
	r = reload(md, &err);
	/* busy is no refusal: the change waits, like with the gateway down */
	if (r == GW_E_INVAL && !strcmp(err.ge_code, "busy"))
		r = GW_E_IO;
	if (r == GW_E_IO) {
		gw_set_pending(md->md_gw, true);
		r = 0;
	} else if (r) {
		restore(st, rel, old, old_len, mode, had_old);
		if (reload(md, &err2) == GW_E_IO)
			gw_set_pending(md->md_gw, true);
		*ret = reply_problem(rq, 422, "gateway-refused", NULL,
				     "palisade-gatewayd refused the change, the previous version "
				     "is back: %s",
				     err.ge_message);
	} else {
		*applied = true;
		gw_set_pending(md->md_gw, false);
	}
	store_buf_free(old, old_len);
	return r;
io_fail:
	store_buf_free(old, old_len);
	log_msg(LOG_SUB_CFG, LOG_ERR, "%s: write failed: %s", rel, gw_strerror(r));
	*ret = reply_problem(rq, 500, "storage", NULL,
			     "could not write %s (%s): the previous version is unchanged", rel,
			     gw_strerror(r));
	return r;
}

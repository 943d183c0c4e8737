/*
 * live.c: the gateway's live data (list-sas, stats, list-leases) shared by every
 * client for LIVE_TTL_MS. Ten dashboards polling, or 64 benchmark
 * connections, cost the gateway one list-sas per interval instead of one
 * per request: its control thread and the SA table stay free for IKE
 * (tests/bench/api_bench.sh measures it). Requests that arrive while a
 * fetch is under way answer from the previous document if it is younger
 * than LIVE_STALE_MS, else wait for that fetch instead of starting their own.
 * A change made through mgmtd (terminate, initiate, rekey, reload)
 * drops the cache, so the next read is fresh. The cached documents are
 * never modified once published; jansson's reference counts are atomic.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gateway/util/err.h"
#include "mgmtd/mgmtd.h"

#define LIVE_TTL_MS   1000
#define LIVE_STALE_MS 3000 /* the last document still serves while a fetch runs */
#define LIVE_PAGES    8    /* serialised answers kept per document (queries differ) */

/* GET /api/v1/sas serialised once per document and query: with 1,000 SAs
 * the JSON text is over a megabyte, and making it is most of a request. */
struct live_page {
	const json_t *lp_doc; /* made from this document */
	char lp_key[160];
	char *lp_body;
	size_t lp_len;
};

struct live_slot {
	const char *ls_cmd;
	json_t *ls_doc; /* the result, annotated; NULL: none */
	struct gw_fail ls_err;
	int ls_rc;
	long long ls_when;
	unsigned ls_gen; /* lv_gen when the fetch started */
	bool ls_busy;
};

struct live {
	pthread_mutex_t lv_lock;
	pthread_cond_t lv_cond;
	unsigned lv_gen; /* +1 for every change made through mgmtd */
	struct live_slot lv_slots[LIVE_KINDS];
	struct live_page lv_pages[LIVE_PAGES];
	unsigned lv_next_page;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct live *live_new(void)
{
	struct live *lv = calloc(1, sizeof(*lv));

	if (!lv)
		return NULL;
	pthread_mutex_init(&lv->lv_lock, NULL);
	pthread_cond_init(&lv->lv_cond, NULL);
	lv->lv_slots[LIVE_SAS].ls_cmd = "list-sas";
	lv->lv_slots[LIVE_STATS].ls_cmd = "stats";
	lv->lv_slots[LIVE_LEASES].ls_cmd = "list-leases";
	return lv;
}

void live_free(struct live *lv)
{
	if (!lv)
		return;
	for (size_t i = 0; i < LIVE_KINDS; i++)
		json_decref(lv->lv_slots[i].ls_doc);
	for (size_t i = 0; i < LIVE_PAGES; i++)
		free(lv->lv_pages[i].lp_body);
	pthread_cond_destroy(&lv->lv_cond);
	pthread_mutex_destroy(&lv->lv_lock);
	free(lv);
}

void live_invalidate(struct live *lv)
{
	pthread_mutex_lock(&lv->lv_lock);
	lv->lv_gen++;
	pthread_mutex_unlock(&lv->lv_lock);
}

/* Fetch outside the lock; the result gets its rates before anyone sees it. */
static void fetch(struct mgmtd *md, struct live_slot *s, enum live_kind kind, unsigned gen)
{
	struct gw_fail err;
	json_t *res = NULL;
	int rc = gw_call(md->md_gw, s->ls_cmd, NULL, GW_CALL_TIMEOUT_MS, &res, &err);

	if (!rc && kind == LIVE_SAS)
		rates_annotate(md->md_rates, json_object_get(res, "ike_sas"));
	pthread_mutex_lock(&md->md_live->lv_lock);
	json_decref(s->ls_doc);
	s->ls_doc = rc ? NULL : res;
	s->ls_rc = rc;
	s->ls_err = err;
	s->ls_when = now_ms();
	s->ls_gen = gen;
	s->ls_busy = false;
	pthread_cond_broadcast(&md->md_live->lv_cond);
	pthread_mutex_unlock(&md->md_live->lv_lock);
}

int live_get(struct mgmtd *md, enum live_kind kind, json_t **doc, struct gw_fail *err)
{
	struct live *lv = md->md_live;
	struct live_slot *s = &lv->lv_slots[kind];
	unsigned mine;
	int rc;

	*doc = NULL;
	pthread_mutex_lock(&lv->lv_lock);
	mine = lv->lv_gen; /* a result fetched before a change we may have made won't do */
	for (;;) {
		bool current = s->ls_when && (int)(s->ls_gen - mine) >= 0;
		long long age = now_ms() - s->ls_when;

		if (!s->ls_busy && current && age < LIVE_TTL_MS)
			break;
		/* stale while revalidating: one thread fetches, the others keep
		 * answering from the last document for a little longer */
		if (s->ls_busy && current && !s->ls_rc && age < LIVE_STALE_MS)
			break;
		if (!s->ls_busy) {
			unsigned gen = lv->lv_gen;

			s->ls_busy = true;
			pthread_mutex_unlock(&lv->lv_lock);
			fetch(md, s, kind, gen);
			pthread_mutex_lock(&lv->lv_lock);
			break;
		}
		pthread_cond_wait(&lv->lv_cond, &lv->lv_lock);
	}
	rc = s->ls_rc;
	if (rc)
		*err = s->ls_err;
	else
		*doc = json_incref(s->ls_doc);
	pthread_mutex_unlock(&lv->lv_lock);
	return rc;
}

char *live_page_get(struct mgmtd *md, json_t *doc, const char *key, size_t *len)
{
	struct live *lv = md->md_live;
	char *out = NULL;

	pthread_mutex_lock(&lv->lv_lock);
	for (size_t i = 0; i < LIVE_PAGES; i++) {
		struct live_page *p = &lv->lv_pages[i];

		if (p->lp_body && p->lp_doc == doc && !strcmp(p->lp_key, key)) {
			if ((out = malloc(p->lp_len + 1))) {
				memcpy(out, p->lp_body, p->lp_len + 1);
				*len = p->lp_len;
			}
			break;
		}
	}
	pthread_mutex_unlock(&lv->lv_lock);
	return out;
}

void live_page_put(struct mgmtd *md, json_t *doc, const char *key, const char *body, size_t len)
{
	struct live *lv = md->md_live;
	struct live_page *p;
	char *copy;

	if (strlen(key) >= sizeof(p->lp_key) || !(copy = malloc(len + 1)))
		return;
	memcpy(copy, body, len + 1);
	pthread_mutex_lock(&lv->lv_lock);
	/* only for the current document: its address cannot be reused while
	 * the caller holds it, and an older one is never served again */
	if (doc == lv->lv_slots[LIVE_SAS].ls_doc) {
		p = &lv->lv_pages[lv->lv_next_page++ % LIVE_PAGES];
		free(p->lp_body);
		p->lp_doc = doc;
		snprintf(p->lp_key, sizeof(p->lp_key), "%s", key);
		p->lp_body = copy;
		p->lp_len = len;
		copy = NULL;
	}
	pthread_mutex_unlock(&lv->lv_lock);
	free(copy);
}

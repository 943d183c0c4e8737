/*
 * Data path events (datapath.h): a soft expire starts a CHILD SA rekey, a
 * hard expire means the SA is gone (RFC 4301 4.4.2.1: lifetimes). They
 * come from a backend thread with an SPI and a reqid; a small index maps
 * the reqid (shared by a child and the children that rekey it) to the IKE
 * SA that owns it, and the event runs as a job on that SA's worker.
 */
#include <pthread.h>
#include <stdlib.h>

#include "datapath/datapath.h"
#include "sa/sa_int.h"
#include "sa/table.h"
#include "util/err.h"
#include "util/log.h"

#define BUCKETS 1024

struct reqid_ent {
	struct reqid_ent *r_next;
	uint32_t r_reqid;
	uint64_t r_spi;
};

struct sa_reqids {
	pthread_mutex_t ri_lock;
	struct reqid_ent *ri_b[BUCKETS];
};

static struct sa_reqids *reqids(struct sa_engine *e)
{
	return e->e_reqids;
}

struct sa_reqids *sa_reqids_new(void)
{
	struct sa_reqids *r = calloc(1, sizeof(*r));

	if (r)
		pthread_mutex_init(&r->ri_lock, NULL);
	return r;
}

void sa_reqids_free(struct sa_reqids *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < BUCKETS; i++)
		for (struct reqid_ent *x = r->ri_b[i], *n; x; x = n) {
			n = x->r_next;
			free(x);
		}
	pthread_mutex_destroy(&r->ri_lock);
	free(r);
}

void sa_reqid_set(struct sa_engine *e, uint32_t reqid, uint64_t ike_spi)
{
	struct sa_reqids *r = reqids(e);
	struct reqid_ent *x;

	if (!r)
		return;
	pthread_mutex_lock(&r->ri_lock);
	for (x = r->ri_b[reqid % BUCKETS]; x && x->r_reqid != reqid; x = x->r_next)
		;
	if (!x && (x = calloc(1, sizeof(*x)))) {
		x->r_reqid = reqid;
		x->r_next = r->ri_b[reqid % BUCKETS];
		r->ri_b[reqid % BUCKETS] = x;
	}
	if (x)
		x->r_spi = ike_spi;
	pthread_mutex_unlock(&r->ri_lock);
}

bool sa_reqid_del(struct sa_engine *e, uint32_t reqid, uint64_t ike_spi)
{
	struct sa_reqids *r = reqids(e);
	bool moved = false;

	if (!r)
		return false;
	pthread_mutex_lock(&r->ri_lock);
	for (struct reqid_ent **pp = &r->ri_b[reqid % BUCKETS]; *pp; pp = &(*pp)->r_next) {
		struct reqid_ent *x = *pp;

		if (x->r_reqid != reqid)
			continue;
		moved = x->r_spi != ike_spi; /* then it stays */
		if (!moved) {
			*pp = x->r_next;
			free(x);
		}
		break;
	}
	pthread_mutex_unlock(&r->ri_lock);
	return moved;
}

static int reqid_get(struct sa_engine *e, uint32_t reqid, uint64_t *spi)
{
	struct sa_reqids *r = reqids(e);
	int rc = GW_E_NOTFOUND;

	if (!r)
		return rc;
	pthread_mutex_lock(&r->ri_lock);
	for (struct reqid_ent *x = r->ri_b[reqid % BUCKETS]; x; x = x->r_next)
		if (x->r_reqid == reqid) {
			*spi = x->r_spi;
			rc = 0;
			break;
		}
	pthread_mutex_unlock(&r->ri_lock);
	return rc;
}

struct dp_job {
	struct sa_engine *dj_e;
	uint64_t dj_spi;
	struct dp_event dj_ev;
};

/* Which child the event is about: the SA pair that holds this SPI. */
static struct child_sa *child_of(struct ike_sa *sa, const struct dp_event *ev)
{
	for (struct child_sa *c = sa->s_children; c; c = c->c_next)
		if (c->c_reqid == ev->ev_reqid &&
		    (c->c_spi_in == ev->ev_spi || c->c_spi_out == ev->ev_spi))
			return c;
	return NULL;
}

static void dp_job_run(void *arg)
{
	struct dp_job *j = arg;
	struct sa_engine *e = j->dj_e;
	struct ike_sa *sa = sa_table_checkout(e->e_table, j->dj_spi);
	struct child_sa *c;
	char pfx[96];

	if (!sa)
		goto out;
	if (sa->s_state == IKE_ST_DEAD || !(c = child_of(sa, &j->dj_ev)))
		goto checkin;
	if (j->dj_ev.ev_type == DP_EV_SOFT_EXPIRE) {
		if (c->c_state == CHILD_ST_INSTALLED) {
			log_info(LOG_SUB_CHILD,
				 "%s: CHILD_SA {%u}: soft lifetime reached, rekeying",
				 ike_sa_prefix(sa, pfx, sizeof(pfx)), c->c_uid);
			sa_task_add(e, sa, SA_TASK_CHILD_REKEY, c->c_uid, NULL, NULL);
		}
	} else if (c->c_state == CHILD_ST_REKEYED) {
		child_sa_remove(e, sa, c, NULL); /* replaced anyway */
	} else {
		/* the data path dropped the SA: tell the peer the pair is gone */
		log_info(LOG_SUB_CHILD, "%s: CHILD_SA {%u}: hard lifetime reached",
			 ike_sa_prefix(sa, pfx, sizeof(pfx)), c->c_uid);
		c->c_end_why = "expired";
		sa_task_add(e, sa, SA_TASK_CHILD_DELETE, c->c_uid, NULL, NULL);
	}
checkin:
	ike_sa_checkin(e, sa);
out:
	free(j);
}

void sa_engine_dp_event(struct sa_engine *e, const struct dp_event *ev)
{
	struct dp_job *j;
	uint64_t spi;

	if (ev->ev_type == DP_EV_ACQUIRE || !e->e_pool || reqid_get(e, ev->ev_reqid, &spi))
		return;
	if (!(j = malloc(sizeof(*j))))
		return;
	*j = (struct dp_job){ e, spi, *ev };
	if (pool_submit(e->e_pool, spi, dp_job_run, j))
		free(j);
}

/*
 * rates.c: current traffic rates of each CHILD SA. The gateway gives
 * counters only; we keep the previous sample per CHILD SA uid and derive
 * bytes/s and packets/s over at least RATE_MIN_MS, so that two clients
 * polling at once do not see rates over a few microseconds. Samples of
 * CHILD SAs no longer listed are dropped. Any thread (one mutex).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mgmtd/mgmtd.h"

#define RATE_MIN_MS 1000
#define RATE_SLOTS  8192

struct rate_slot {
	json_int_t rs_uid; /* 0 = free */
	long long rs_ms;   /* when the sample was taken */
	json_int_t rs_bytes_in, rs_bytes_out, rs_pkts_in, rs_pkts_out;
	double rs_rate[4]; /* last computed: bytes in/out, packets in/out per second */
	unsigned rs_seen;  /* generation of the last listing that had it */
};

struct rates {
	pthread_mutex_t r_lock;
	unsigned r_gen;
	struct rate_slot r_slots[RATE_SLOTS];
};

struct rates *rates_new(void)
{
	struct rates *r = calloc(1, sizeof(*r));

	if (r)
		pthread_mutex_init(&r->r_lock, NULL);
	return r;
}

void rates_free(struct rates *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->r_lock);
	free(r);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Open addressing on the uid; NULL when full. */
static struct rate_slot *slot_of(struct rates *r, json_int_t uid, bool *fresh)
{
	size_t h = (size_t)uid * 2654435761u % RATE_SLOTS;

	for (size_t i = 0; i < RATE_SLOTS; i++) {
		struct rate_slot *s = &r->r_slots[(h + i) % RATE_SLOTS];

		if (s->rs_uid == uid) {
			*fresh = false;
			return s;
		}
		if (!s->rs_uid || s->rs_seen + 2 < r->r_gen) {
			memset(s, 0, sizeof(*s));
			s->rs_uid = uid;
			*fresh = true;
			return s;
		}
	}
	return NULL;
}

static json_int_t ji(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static void annotate_child(struct rates *r, json_t *c, long long now)
{
	json_int_t cur[4] = { ji(c, "bytes_in"), ji(c, "bytes_out"), ji(c, "packets_in"),
			      ji(c, "packets_out") };
	bool fresh;
	struct rate_slot *s = slot_of(r, ji(c, "uid"), &fresh);

	if (s) {
		json_int_t *prev[4] = { &s->rs_bytes_in, &s->rs_bytes_out, &s->rs_pkts_in,
					&s->rs_pkts_out };

		if (!fresh && now - s->rs_ms >= RATE_MIN_MS) {
			for (int i = 0; i < 4; i++) {
				json_int_t d = cur[i] - *prev[i];

				s->rs_rate[i] =
					d > 0 ? (double)d * 1000.0 / (double)(now - s->rs_ms) : 0;
			}
		}
		if (fresh || now - s->rs_ms >= RATE_MIN_MS) {
			for (int i = 0; i < 4; i++)
				*prev[i] = cur[i];
			s->rs_ms = now;
		}
		s->rs_seen = r->r_gen;
	}
	json_object_set_new(c, "rates",
			    json_pack("{s:f, s:f, s:f, s:f}", "bytes_in", s ? s->rs_rate[0] : 0.0,
				      "bytes_out", s ? s->rs_rate[1] : 0.0, "packets_in",
				      s ? s->rs_rate[2] : 0.0, "packets_out",
				      s ? s->rs_rate[3] : 0.0));
}

void rates_annotate(struct rates *r, json_t *ike_sas)
{
	long long now = now_ms();
	json_t *sa, *c;
	size_t i, j;

	pthread_mutex_lock(&r->r_lock);
	r->r_gen++;
	json_array_foreach(ike_sas, i, sa)
	{
		json_int_t tot[4] = { 0 };
		double rt[4] = { 0 };

		json_array_foreach(json_object_get(sa, "children"), j, c)
		{
			json_t *cr;

			annotate_child(r, c, now);
			cr = json_object_get(c, "rates");
			tot[0] += ji(c, "bytes_in");
			tot[1] += ji(c, "bytes_out");
			tot[2] += ji(c, "packets_in");
			tot[3] += ji(c, "packets_out");
			rt[0] += json_real_value(json_object_get(cr, "bytes_in"));
			rt[1] += json_real_value(json_object_get(cr, "bytes_out"));
			rt[2] += json_real_value(json_object_get(cr, "packets_in"));
			rt[3] += json_real_value(json_object_get(cr, "packets_out"));
		}
		json_object_set_new(sa, "traffic",
				    json_pack("{s:I, s:I, s:I, s:I, s:{s:f, s:f, s:f, s:f}}",
					      "bytes_in", tot[0], "bytes_out", tot[1], "packets_in",
					      tot[2], "packets_out", tot[3], "rates", "bytes_in",
					      rt[0], "bytes_out", rt[1], "packets_in", rt[2],
					      "packets_out", rt[3]));
	}
	pthread_mutex_unlock(&r->r_lock);
}

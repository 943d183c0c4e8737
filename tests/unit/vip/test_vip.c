/*
 * test_vip.c: the virtual-IP lease allocator (gateway/vip): order of
 * preference, a full pool, release rules, IPv6, requested addresses,
 * several pools, reloads, uniqueness under concurrent threads, and the
 * cost of 100,000 acquire/release on a /16.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runner.h"
#include "util/err.h"
#include "vip/vip.h"

static struct model_pools *pools(const char *doc)
{
	struct model_pools *p = NULL;
	struct model_err err;
	int rc = model_pools_parse(doc, strlen(doc), &p, &err);

	if (rc)
		fprintf(stderr, "\n%s: %s\n", err.me_path, err.me_msg);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	return p;
}

static struct vip *vip_with(const char *doc)
{
	struct model_pools *p = pools(doc);
	struct vip *v = NULL;

	CU_ASSERT_EQUAL_FATAL(vip_new(&v), 0);
	CU_ASSERT_EQUAL_FATAL(vip_set_pools(v, p), 0);
	model_pools_free(p);
	return v;
}

static int get(struct vip *v, const char *pool, int family, const char *id, const char *requested,
	       struct model_addr *out, char *why)
{
	const char *names[] = { pool };
	struct model_addr req = { 0 };
	char w[256];

	if (requested) {
		req.a_family = strchr(requested, ':') ? AF_INET6 : AF_INET;
		inet_pton(req.a_family, requested, req.a_addr);
	}
	return vip_acquire(v, names, 1, family, (const uint8_t *)id, strlen(id),
			   requested ? &req : NULL, out, why ? why : w, 256);
}

static const char *str(const struct model_addr *a, char *buf)
{
	return inet_ntop(a->a_family, a->a_addr, buf, INET6_ADDRSTRLEN);
}

/* Acquire and compare with the expected address. */
static void expect(struct vip *v, const char *pool, const char *id, const char *want)
{
	struct model_addr a;
	char buf[INET6_ADDRSTRLEN];
	int fam = strchr(want, ':') ? AF_INET6 : AF_INET;

	CU_ASSERT_EQUAL_FATAL(get(v, pool, fam, id, NULL, &a, NULL), 0);
	if (strcmp(str(&a, buf), want))
		fprintf(stderr, "\n%s got %s, expected %s\n", id, buf, want);
	CU_ASSERT_STRING_EQUAL(buf, want);
}

static void put(struct vip *v, const char *addr, const char *id)
{
	struct model_addr a = { .a_family = strchr(addr, ':') ? AF_INET6 : AF_INET };

	inet_pton(a.a_family, addr, a.a_addr);
	CU_ASSERT_EQUAL(vip_release(v, &a, (const uint8_t *)id, strlen(id)), 0);
}

/* Never-used addresses first; a returning identity gets its own back. */
static void test_order(void)
{
	struct vip *v = vip_with("[{\"name\":\"p\",\"ranges\":\"10.3.0.0/29\"}]");
	struct vip_lease_info *l = NULL;
	size_t n = 0;
	char buf[INET6_ADDRSTRLEN];
	uint64_t now = (uint64_t)time(NULL);

	expect(v, "p", "alice", "10.3.0.1");
	expect(v, "p", "bob", "10.3.0.2");
	put(v, "10.3.0.1", "alice");
	expect(v, "p", "carol", "10.3.0.3"); /* not alice's */
	expect(v, "p", "alice", "10.3.0.1");
	CU_ASSERT_EQUAL(vip_list(v, &l, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT_STRING_EQUAL(str(&l[0].vl_addr, buf), "10.3.0.1");
	CU_ASSERT(l[0].vl_id_len == 5 && !memcmp(l[0].vl_identity, "alice", 5));
	CU_ASSERT_STRING_EQUAL(l[0].vl_pool, "p");
	CU_ASSERT(l[0].vl_since >= now && l[0].vl_since <= now + 5);
	CU_ASSERT_FALSE(l[0].vl_retired);
	CU_ASSERT(l[2].vl_id_len == 5 && !memcmp(l[2].vl_identity, "carol", 5));
	free(l);
	vip_free(v);
	vip_free(NULL);
}

/* A full pool says so; a released address then goes to whoever asks. */
static void test_full(void)
{
	struct vip *v = vip_with("[{\"name\":\"tiny\",\"ranges\":\"10.9.0.0/30\"}]");
	struct model_addr a;
	struct vip_usage *u = NULL;
	size_t n = 0;
	char why[256];

	expect(v, "tiny", "a", "10.9.0.1");
	expect(v, "tiny", "b", "10.9.0.2");
	CU_ASSERT_EQUAL(get(v, "tiny", AF_INET, "c", NULL, &a, why), GW_E_RANGE);
	CU_ASSERT_STRING_EQUAL(why, "IPv4 pool full: 'tiny' has all 2 addresses leased;");
	CU_ASSERT_EQUAL(vip_usage(v, &u, &n), 0);
	CU_ASSERT(n == 1 && u[0].vu_size == 2 && u[0].vu_leased == 2 &&
		  !strcmp(u[0].vu_pool, "tiny") && u[0].vu_family == AF_INET);
	free(u);
	put(v, "10.9.0.1", "a");
	expect(v, "tiny", "c", "10.9.0.1");
	/* a's address is gone to c: a finds the pool full. */
	CU_ASSERT_EQUAL(get(v, "tiny", AF_INET, "a", NULL, &a, NULL), GW_E_RANGE);
	put(v, "10.9.0.2", "b");
	expect(v, "tiny", "a", "10.9.0.2");
	vip_free(v);
}

/* One identity on two devices: two leases; the latest release wins. */
static void test_two_devices(void)
{
	struct vip *v = vip_with("[{\"name\":\"p\",\"ranges\":\"10.3.0.0/28\"}]");

	expect(v, "p", "alice", "10.3.0.1");
	expect(v, "p", "alice", "10.3.0.2");
	put(v, "10.3.0.1", "alice");
	put(v, "10.3.0.2", "alice");
	expect(v, "p", "alice", "10.3.0.2");
	/* .1 is free and anonymous: it goes out after the never-used ones. */
	for (int i = 3; i <= 14; i++) {
		char id[16], want[16];

		snprintf(id, sizeof(id), "u%d", i);
		snprintf(want, sizeof(want), "10.3.0.%d", i);
		expect(v, "p", id, want);
	}
	expect(v, "p", "zed", "10.3.0.1");
	vip_free(v);
}

static void test_release_rules(void)
{
	struct vip *v = vip_with("[{\"name\":\"p\",\"ranges\":\"10.3.0.0/29\"}]");
	struct model_addr a = { .a_family = AF_INET };

	expect(v, "p", "alice", "10.3.0.1");
	inet_pton(AF_INET, "10.3.0.1", a.a_addr);
	CU_ASSERT_EQUAL(vip_release(v, &a, (const uint8_t *)"bob", 3), GW_E_NOTFOUND);
	CU_ASSERT_EQUAL(vip_release(v, &a, (const uint8_t *)"alic", 4), GW_E_NOTFOUND);
	CU_ASSERT_EQUAL(vip_release(v, &a, (const uint8_t *)"alice", 5), 0);
	CU_ASSERT_EQUAL(vip_release(v, &a, (const uint8_t *)"alice", 5), GW_E_NOTFOUND);
	inet_pton(AF_INET, "10.3.0.5", a.a_addr);
	CU_ASSERT_EQUAL(vip_release(v, &a, (const uint8_t *)"alice", 5), GW_E_NOTFOUND);
	a.a_family = AF_INET6;
	CU_ASSERT_EQUAL(vip_release(v, &a, (const uint8_t *)"alice", 5), GW_E_NOTFOUND);
	vip_free(v);
}

/* The address the client asked for, when it may have it. */
static void test_requested(void)
{
	struct vip *v = vip_with("[{\"name\":\"p\",\"ranges\":\"10.3.0.0/29\"}]");
	struct model_addr a;
	char buf[INET6_ADDRSTRLEN];

	CU_ASSERT_EQUAL(get(v, "p", AF_INET, "alice", "10.3.0.5", &a, NULL), 0);
	CU_ASSERT_STRING_EQUAL(str(&a, buf), "10.3.0.5");
	expect(v, "p", "bob", "10.3.0.1");
	/* bob's address is live: alice gets another. */
	CU_ASSERT_EQUAL(get(v, "p", AF_INET, "carol", "10.3.0.1", &a, NULL), 0);
	CU_ASSERT_STRING_EQUAL(str(&a, buf), "10.3.0.2");
	put(v, "10.3.0.1", "bob");
	/* bob's address is remembered for bob. */
	CU_ASSERT_EQUAL(get(v, "p", AF_INET, "dave", "10.3.0.1", &a, NULL), 0);
	CU_ASSERT_STRING_EQUAL(str(&a, buf), "10.3.0.3");
	CU_ASSERT_EQUAL(get(v, "p", AF_INET, "bob", "10.3.0.1", &a, NULL), 0);
	CU_ASSERT_STRING_EQUAL(str(&a, buf), "10.3.0.1");
	/* Outside the pool (the network address too): ignored. */
	CU_ASSERT_EQUAL(get(v, "p", AF_INET, "erin", "10.3.0.0", &a, NULL), 0);
	CU_ASSERT_STRING_EQUAL(str(&a, buf), "10.3.0.4");
	CU_ASSERT_EQUAL(get(v, "p", AF_INET, "fay", "192.0.2.1", &a, NULL), 0);
	CU_ASSERT_STRING_EQUAL(str(&a, buf), "10.3.0.6");
	/* The hwm scan skips the address handed out on request. */
	CU_ASSERT_EQUAL(get(v, "p", AF_INET, "gus", NULL, &a, NULL), GW_E_RANGE);
	vip_free(v);
}

/* A reauthenticating client (make-before-break) asks for the address it
 * holds: the lease is held twice and free only after both releases;
 * another identity asking for it gets another one. */
static void test_held_twice(void)
{
	struct vip *v = vip_with("[{\"name\":\"p\",\"ranges\":\"10.3.0.1-10.3.0.2\"}]");
	struct vip_lease_info *l = NULL;
	struct model_addr a, b;
	char buf[INET6_ADDRSTRLEN];
	bool gone = true;
	size_t n = 0;

	expect(v, "p", "alice", "10.3.0.1");
	CU_ASSERT_EQUAL(get(v, "p", AF_INET, "alice", "10.3.0.1", &a, NULL), 0);
	CU_ASSERT_STRING_EQUAL(str(&a, buf), "10.3.0.1");
	CU_ASSERT_EQUAL(get(v, "p", AF_INET, "bob", "10.3.0.1", &b, NULL), 0);
	CU_ASSERT_STRING_EQUAL(str(&b, buf), "10.3.0.2");
	/* listed once, and the pool counts it once */
	CU_ASSERT_EQUAL(vip_list(v, &l, &n), 0);
	CU_ASSERT_EQUAL(n, 2);
	free(l);
	CU_ASSERT_EQUAL(vip_release_hold(v, &a, (const uint8_t *)"alice", 5, &gone), 0);
	CU_ASSERT_FALSE(gone);
	CU_ASSERT_EQUAL(get(v, "p", AF_INET, "carol", NULL, &b, NULL), GW_E_RANGE);
	CU_ASSERT_EQUAL(vip_release_hold(v, &a, (const uint8_t *)"alice", 5, &gone), 0);
	CU_ASSERT_TRUE(gone);
	CU_ASSERT_EQUAL(vip_release_hold(v, &a, (const uint8_t *)"alice", 5, &gone), GW_E_NOTFOUND);
	CU_ASSERT_FALSE(gone);
	/* free now: remembered for alice, so carol gets it only as the last one */
	expect(v, "p", "carol", "10.3.0.1");
	vip_free(v);
}

/* Several pools in the connection's order, by family. */
static void test_pools_and_families(void)
{
	struct vip *v = vip_with("[{\"name\":\"a\",\"ranges\":\"10.1.0.1\"},"
				 "{\"name\":\"b\",\"ranges\":\"10.2.0.0/30\"},"
				 "{\"name\":\"v6\",\"ranges\":\"fd00::/125\"}]");
	const char *names[] = { "nope", "a", "v6", "b" };
	struct model_addr a;
	char buf[INET6_ADDRSTRLEN], why[256];

	CU_ASSERT_EQUAL(vip_acquire(v, names, 4, AF_INET, (const uint8_t *)"x", 1, NULL, &a, why,
				    sizeof(why)),
			0);
	CU_ASSERT_STRING_EQUAL(str(&a, buf), "10.1.0.1");
	CU_ASSERT_EQUAL(vip_acquire(v, names, 4, AF_INET, (const uint8_t *)"y", 1, NULL, &a, why,
				    sizeof(why)),
			0);
	CU_ASSERT_STRING_EQUAL(str(&a, buf), "10.2.0.1");
	CU_ASSERT_EQUAL(vip_acquire(v, names, 4, AF_INET6, (const uint8_t *)"y", 1, NULL, &a, why,
				    sizeof(why)),
			0);
	CU_ASSERT_STRING_EQUAL(str(&a, buf), "fd00::1");
	CU_ASSERT_EQUAL(vip_acquire(v, names, 2, AF_INET6, (const uint8_t *)"z", 1, NULL, &a, why,
				    sizeof(why)),
			GW_E_NOTFOUND);
	CU_ASSERT_STRING_EQUAL(why, "no IPv6 pool among the connection's pools (nope, a)");
	CU_ASSERT_EQUAL(vip_acquire(v, names, 4, AF_INET, (const uint8_t *)"z", 1, NULL, &a, why,
				    sizeof(why)),
			0);
	CU_ASSERT_EQUAL(vip_acquire(v, names, 4, AF_INET, (const uint8_t *)"w", 1, NULL, &a, why,
				    sizeof(why)),
			GW_E_RANGE);
	CU_ASSERT_STRING_EQUAL(why, "IPv4 pool full: 'a' has all 1 addresses leased; "
				    "'b' has all 2 addresses leased;");
	CU_ASSERT_EQUAL(vip_acquire(v, names, 4, AF_UNIX, (const uint8_t *)"w", 1, NULL, &a, why,
				    sizeof(why)),
			GW_E_INVAL);
	CU_ASSERT_EQUAL(vip_acquire(v, names, 4, AF_INET, (const uint8_t *)"w", 0, NULL, &a, why,
				    sizeof(why)),
			GW_E_INVAL);
	vip_free(v);
}

static void test_ipv6(void)
{
	struct vip *v = vip_with(
		"[{\"name\":\"v6\",\"ranges\":[\"fd00::/125\",\"fd00:1::fffe-fd00:1::1:1\"]}]");
	static const char *const want[] = { "fd00::1",     "fd00::2",      "fd00::3",
					    "fd00::4",     "fd00::5",      "fd00::6",
					    "fd00::7",     "fd00:1::fffe", "fd00:1::ffff",
					    "fd00:1::1:0", "fd00:1::1:1" };
	struct model_addr a;
	char id[16];

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		snprintf(id, sizeof(id), "c%zu", i);
		expect(v, "v6", id, want[i]);
	}
	CU_ASSERT_EQUAL(get(v, "v6", AF_INET6, "more", NULL, &a, NULL), GW_E_RANGE);
	put(v, "fd00:1::1:0", "c9");
	expect(v, "v6", "c9", "fd00:1::1:0");
	vip_free(v);
}

/* Reloads: leases survive, stay unique, remembered addresses move along. */
static void test_reload(void)
{
	struct vip *v = vip_with("[{\"name\":\"p\",\"ranges\":\"10.0.0.0/29\"}]");
	struct model_pools *np;
	struct vip_lease_info *l = NULL;
	size_t n = 0;
	struct model_addr a;

	expect(v, "p", "a", "10.0.0.1");
	expect(v, "p", "b", "10.0.0.2");
	expect(v, "p", "c", "10.0.0.3");
	put(v, "10.0.0.3", "c");
	/* Grown (other ranges): a and b keep theirs, c is remembered. */
	np = pools("[{\"name\":\"p\",\"ranges\":[\"10.0.0.0/28\"]}]");
	CU_ASSERT_EQUAL(vip_set_pools(v, np), 0);
	model_pools_free(np);
	expect(v, "p", "d", "10.0.0.4");
	expect(v, "p", "c", "10.0.0.3");
	/* Renamed: the same addresses are still taken. */
	np = pools("[{\"name\":\"q\",\"ranges\":\"10.0.0.0/29\"}]");
	CU_ASSERT_EQUAL(vip_set_pools(v, np), 0);
	model_pools_free(np);
	expect(v, "q", "e", "10.0.0.5");
	expect(v, "q", "f", "10.0.0.6");
	CU_ASSERT_EQUAL(get(v, "q", AF_INET, "g", NULL, &a, NULL), GW_E_RANGE);
	CU_ASSERT_EQUAL(get(v, "p", AF_INET, "g", NULL, &a, NULL), GW_E_NOTFOUND);
	/* Removed: the leases are retired, listed, and released normally. */
	np = pools("[{\"name\":\"other\",\"ranges\":\"10.9.0.0/29\"}]");
	CU_ASSERT_EQUAL(vip_set_pools(v, np), 0);
	model_pools_free(np);
	CU_ASSERT_EQUAL(vip_list(v, &l, &n), 0);
	CU_ASSERT_EQUAL(n, 6);
	for (size_t i = 0; i < n; i++)
		CU_ASSERT(l[i].vl_retired && l[i].vl_pool[0] == '\0');
	free(l);
	put(v, "10.0.0.1", "a");
	put(v, "10.0.0.2", "b");
	CU_ASSERT_EQUAL(vip_list(v, &l, &n), 0);
	CU_ASSERT_EQUAL(n, 4);
	free(l);
	/* Back again: the retired live leases belong to the pool once more. */
	np = pools("[{\"name\":\"p\",\"ranges\":\"10.0.0.0/29\"}]");
	CU_ASSERT_EQUAL(vip_set_pools(v, np), 0);
	model_pools_free(np);
	expect(v, "p", "h", "10.0.0.1");
	expect(v, "p", "i", "10.0.0.2");
	CU_ASSERT_EQUAL(get(v, "p", AF_INET, "j", NULL, &a, NULL), GW_E_RANGE);
	/* To no pools at all. */
	CU_ASSERT_EQUAL(vip_set_pools(v, NULL), 0);
	CU_ASSERT_EQUAL(vip_list(v, &l, &n), 0);
	CU_ASSERT_EQUAL(n, 6);
	free(l);
	vip_free(v);
}

/* ---- threads: no address is ever handed out twice ---- */

#define THREADS 8
#define ROUNDS  4000
#define HOLD    64

static atomic_uchar owned[1 << 12]; /* by the last octets of 10.7.0.0/20 */
static atomic_int dupes;

struct worker {
	struct vip *w_vip;
	int w_no;
};

static size_t slot_of(const struct model_addr *a)
{
	return ((size_t)(a->a_addr[2] & 0x0f) << 8) | a->a_addr[3];
}

static void *worker(void *arg)
{
	struct worker *w = arg;
	const char *names[] = { "big" };
	struct model_addr held[HOLD];
	char ids[HOLD][16];
	unsigned seed = (unsigned)w->w_no * 7919u + 1;
	int n = 0;

	for (int r = 0; r < ROUNDS; r++) {
		seed = seed * 1103515245u + 12345u;
		if (n == HOLD || (n > 0 && (seed >> 16) % 3 == 0)) {
			int k = (int)((seed >> 8) % (unsigned)n);

			atomic_store(&owned[slot_of(&held[k])], 0);
			if (vip_release(w->w_vip, &held[k], (const uint8_t *)ids[k],
					strlen(ids[k])))
				atomic_fetch_add(&dupes, 1);
			held[k] = held[n - 1];
			memcpy(ids[k], ids[n - 1], sizeof(ids[k]));
			n--;
			continue;
		}
		snprintf(ids[n], sizeof(ids[n]), "t%d-%u", w->w_no, (seed >> 4) % 200);
		if (vip_acquire(w->w_vip, names, 1, AF_INET, (const uint8_t *)ids[n],
				strlen(ids[n]), NULL, &held[n], NULL, 0))
			continue;
		if (atomic_exchange(&owned[slot_of(&held[n])], 1))
			atomic_fetch_add(&dupes, 1);
		n++;
	}
	for (int k = 0; k < n; k++) {
		atomic_store(&owned[slot_of(&held[k])], 0);
		vip_release(w->w_vip, &held[k], (const uint8_t *)ids[k], strlen(ids[k]));
	}
	return NULL;
}

static void test_threads(void)
{
	/* 400 addresses for 8 threads holding up to 64 each: it runs full. */
	struct vip *v = vip_with("[{\"name\":\"big\",\"ranges\":\"10.7.0.1-10.7.1.144\"}]");
	pthread_t t[THREADS];
	struct worker w[THREADS];
	struct vip_usage *u = NULL;
	size_t n;

	atomic_store(&dupes, 0);
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ v, i };
		CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, worker, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	CU_ASSERT_EQUAL(atomic_load(&dupes), 0);
	CU_ASSERT_EQUAL(vip_usage(v, &u, &n), 0);
	CU_ASSERT(n == 1 && u[0].vu_leased == 0 && u[0].vu_size == 400);
	free(u);
	vip_free(v);
}

/* 100,000 acquire/release pairs on a /16, about 30,000 leases live. */
static void test_perf(void)
{
	struct vip *v = vip_with("[{\"name\":\"b16\",\"ranges\":\"10.200.0.0/16\"}]");
	const char *names[] = { "b16" };
	struct model_addr *live = calloc(100000, sizeof(*live));
	struct timespec t0, t1;
	size_t head = 0, tail = 0;
	double secs;
	char id[32];

	CU_ASSERT_PTR_NOT_NULL_FATAL(live);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	for (int i = 0; i < 100000; i++) {
		snprintf(id, sizeof(id), "user%d", i % 40000);
		if (vip_acquire(v, names, 1, AF_INET, (const uint8_t *)id, strlen(id), NULL,
				&live[head++], NULL, 0)) {
			CU_FAIL("acquire");
			break;
		}
		if (head - tail > 30000) {
			snprintf(id, sizeof(id), "user%zu", tail % 40000);
			CU_ASSERT_EQUAL(
				vip_release(v, &live[tail], (const uint8_t *)id, strlen(id)), 0);
			tail++;
		}
	}
	while (tail < head) {
		snprintf(id, sizeof(id), "user%zu", tail % 40000);
		vip_release(v, &live[tail], (const uint8_t *)id, strlen(id));
		tail++;
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	/* CPU time: the build machines are shared, wall time says little. */
	printf("\n100000 acquire + 100000 release on a /16: %.3f s of CPU ", secs);
	CU_ASSERT(secs < 1.0);
	free(live);
	vip_free(v);
}

static const struct ut_case cases[] = {
	{ "order of preference", test_order },
	{ "full pool", test_full },
	{ "one identity, two devices", test_two_devices },
	{ "release rules", test_release_rules },
	{ "requested address", test_requested },
	{ "held twice (reauthentication)", test_held_twice },
	{ "several pools and families", test_pools_and_families },
	{ "IPv6", test_ipv6 },
	{ "reload", test_reload },
	{ "uniqueness under threads", test_threads },
	{ "100k on a /16", test_perf },
	{ NULL, NULL },
};

static const struct ut_suite suite = { "vip", cases };

int main(void)
{
	static const struct ut_suite *const suites[] = { &suite, NULL };

	return ut_main(suites);
}

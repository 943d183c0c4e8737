/*
 * pools.c: pools.json, the virtual-IP pools remote-access clients get
 * their addresses from (RFC 7296 3.15). Each pool is one address family;
 * its ranges are CIDRs, "a-b" ranges or single addresses, kept as the
 * inclusive [start, end] the allocator (gateway/vip) hands out from.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/model/conn_int.h"
#include "api/model/json_util.h"
#include "gateway/util/err.h"

#define POOLS_FILE_MAX (4u << 20)

static const char *const pool_keys[] = { "name", "ranges", "dns", "netmask", "prefix" };

/* Addresses as 128-bit numbers (IPv4 in the low 32 bits). */
struct u128 {
	uint64_t hi, lo;
};

static struct u128 addr_val(int family, const uint8_t a[16])
{
	struct u128 v = { 0, 0 };

	if (family == AF_INET) {
		v.lo = (uint64_t)a[0] << 24 | (uint64_t)a[1] << 16 | (uint64_t)a[2] << 8 | a[3];
		return v;
	}
	for (int i = 0; i < 8; i++) {
		v.hi = v.hi << 8 | a[i];
		v.lo = v.lo << 8 | a[8 + i];
	}
	return v;
}

static void val_addr(int family, struct u128 v, uint8_t a[16])
{
	memset(a, 0, 16);
	if (family == AF_INET) {
		for (int i = 0; i < 4; i++)
			a[i] = (uint8_t)(v.lo >> (24 - 8 * i));
		return;
	}
	for (int i = 0; i < 8; i++) {
		a[i] = (uint8_t)(v.hi >> (56 - 8 * i));
		a[8 + i] = (uint8_t)(v.lo >> (56 - 8 * i));
	}
}

static int u128_cmp(struct u128 a, struct u128 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	return a.lo < b.lo ? -1 : a.lo > b.lo;
}

static struct u128 u128_add(struct u128 a, uint64_t n)
{
	struct u128 r = { a.hi, a.lo + n };

	r.hi += r.lo < a.lo;
	return r;
}

/* end - start + 1, saturated at UINT64_MAX. */
static uint64_t range_count(struct u128 start, struct u128 end)
{
	uint64_t hi = end.hi - start.hi - (end.lo < start.lo), lo = end.lo - start.lo;

	if (hi || lo == UINT64_MAX)
		return UINT64_MAX;
	return lo + 1;
}

/* Leading bits a and b share, within the family's width. */
static unsigned common_bits(int family, const uint8_t a[16], const uint8_t b[16])
{
	unsigned bits = family == AF_INET ? 32 : 128, n = 0;

	while (n < bits && !((a[n / 8] ^ b[n / 8]) & (0x80 >> (n % 8))))
		n++;
	return n;
}

/*
 * One entry of "ranges". A CIDR hands out its hosts: for IPv4 up to /30
 * without the network and broadcast addresses, for IPv6 up to /126
 * without the Subnet-Router anycast address (RFC 4291 2.6.1), which
 * routers answer to.
 */
static int pool_range(const char *s, const char *path, struct model_pool *p, size_t k,
		      struct model_err *err)
{
	struct model_pool_range *r = &p->p_ranges[k];
	char why[MODEL_ERR_LEN];
	int family;
	struct u128 a, b;

	if (mc_addr_range(s, &family, r->pr_start, r->pr_end, why, sizeof(why)))
		return mj_fail(err, path, "%s", why);
	if (k > 0 && family != p->p_family)
		return mj_fail_value(
			err, path,
			family == AF_INET
				? "IPv4 range in an IPv6 pool (the first range sets the family)"
				: "IPv6 range in an IPv4 pool (the first range sets the family)",
			s);
	p->p_family = family;
	a = addr_val(family, r->pr_start);
	b = addr_val(family, r->pr_end);
	if (strchr(s, '/')) {
		unsigned plen = common_bits(family, r->pr_start, r->pr_end);

		if (family == AF_INET && plen <= 30) {
			a = u128_add(a, 1);
			b.lo--;
		} else if (family == AF_INET6 && plen <= 126) {
			a = u128_add(a, 1);
		}
		val_addr(family, a, r->pr_start);
		val_addr(family, b, r->pr_end);
	}
	r->pr_size = range_count(a, b);
	snprintf(r->pr_text, sizeof(r->pr_text), "%s", s);
	return 0;
}

static int pool_ranges(json_t *v, const char *base, struct model_pool *p, struct model_err *err)
{
	char path[MC_PATH_LEN];
	const char *s;
	json_t *a;
	size_t i;

	mc_path_key(path, base, "ranges");
	if (json_is_string(v)) {
		if (mc_string(v, path, sizeof(p->p_ranges[0].pr_text), &s, err))
			return GW_E_INVAL;
		p->p_n_ranges = 1;
		return pool_range(s, path, p, 0, err);
	}
	if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > MODEL_POOL_RANGES)
		return mj_fail(err, path, "must be an address range or an array of 1-%d of them",
			       MODEL_POOL_RANGES);
	json_array_foreach(v, i, a)
	{
		char ip[MC_PATH_LEN];

		mc_path_idx(ip, path, i);
		if (mc_string(a, ip, sizeof(p->p_ranges[0].pr_text), &s, err) ||
		    pool_range(s, ip, p, i, err))
			return GW_E_INVAL;
	}
	p->p_n_ranges = json_array_size(v);
	return 0;
}

static int pool_dns(json_t *v, const char *base, struct model_pool *p, struct model_err *err)
{
	char path[MC_PATH_LEN], ip[MC_PATH_LEN];
	json_t *a;
	size_t i;

	mc_path_key(path, base, "dns");
	if (mc_array(v, path, MODEL_POOL_DNS, true, err))
		return GW_E_INVAL;
	json_array_foreach(v, i, a)
	{
		struct model_addr *d = &p->p_dns[i];
		const char *s = json_string_value(a);

		mc_path_idx(ip, path, i);
		if (!s)
			return mj_fail(err, ip, "must be a string");
		memset(d, 0, sizeof(*d));
		if (inet_pton(AF_INET, s, d->a_addr) == 1)
			d->a_family = AF_INET;
		else if (inet_pton(AF_INET6, s, d->a_addr) == 1)
			d->a_family = AF_INET6;
		else
			return mj_fail_value(err, ip, "not an IP address", s);
	}
	p->p_n_dns = json_array_size(v);
	return 0;
}

/* A dotted IPv4 netmask with contiguous ones. */
static int pool_netmask(json_t *v, const char *path, uint8_t *prefix, struct model_err *err)
{
	const char *s = json_string_value(v);
	uint8_t m[4];
	uint32_t mask, inv;

	if (!s || inet_pton(AF_INET, s, m) != 1)
		return mj_fail_value(err, path, "must be an IPv4 netmask such as 255.255.255.0",
				     s ? s : "(not a string)");
	mask = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
	inv = ~mask;
	/* 0.0.0.0 is /0: what a pool spanning far apart ranges derives. */
	if ((inv & (inv + 1)) != 0)
		return mj_fail_value(err, path, "not a contiguous netmask", s);
	*prefix = (uint8_t)(32 - __builtin_popcount(inv));
	return 0;
}

static int pool_field(const char *key, json_t *v, const char *base, struct model_pool *p,
		      struct model_err *err)
{
	char path[MC_PATH_LEN];
	uint64_t n;

	mc_path_key(path, base, key);
	if (!strcmp(key, "name"))
		return mc_name(v, path, false, p->p_name, err);
	if (!strcmp(key, "ranges"))
		return pool_ranges(v, base, p, err);
	if (!strcmp(key, "dns"))
		return pool_dns(v, base, p, err);
	p->p_prefix_set = true;
	if (!strcmp(key, "netmask"))
		return pool_netmask(v, path, &p->p_prefix, err);
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 128)
		return mj_fail(err, path, "must be a prefix length of 0-128");
	n = (uint64_t)json_integer_value(v);
	p->p_prefix = (uint8_t)n;
	return 0;
}

/* The longest prefix holding every range: what the CP reply announces
 * unless the admin set one (which must then hold them too). */
static int pool_prefix(json_t *v, const char *base, struct model_pool *p, struct model_err *err)
{
	bool has_mask = json_object_get(v, "netmask") != NULL;
	bool has_prefix = json_object_get(v, "prefix") != NULL;
	uint8_t lo[16], hi[16];
	unsigned need;
	char path[MC_PATH_LEN];

	memcpy(lo, p->p_ranges[0].pr_start, 16);
	memcpy(hi, p->p_ranges[0].pr_end, 16);
	for (size_t k = 1; k < p->p_n_ranges; k++) {
		if (memcmp(p->p_ranges[k].pr_start, lo, 16) < 0)
			memcpy(lo, p->p_ranges[k].pr_start, 16);
		if (memcmp(p->p_ranges[k].pr_end, hi, 16) > 0)
			memcpy(hi, p->p_ranges[k].pr_end, 16);
	}
	need = common_bits(p->p_family, lo, hi);
	mc_path_key(path, base, has_mask ? "netmask" : "prefix");
	if (has_mask && has_prefix)
		return mj_fail(err, path, "give netmask (IPv4) or prefix (IPv6), not both");
	if (has_mask && p->p_family != AF_INET)
		return mj_fail(err, path, "only for IPv4 pools; an IPv6 pool takes \"prefix\"");
	if (has_prefix && p->p_family == AF_INET)
		return mj_fail(err, path, "only for IPv6 pools; an IPv4 pool takes \"netmask\"");
	if (!p->p_prefix_set) {
		p->p_prefix = (uint8_t)need;
		return 0;
	}
	if (p->p_prefix > need)
		return mj_fail(err, path,
			       "/%u does not hold the pool's addresses (they need /%u or shorter)",
			       p->p_prefix, need);
	return 0;
}

static int pool_parse(json_t *v, size_t i, struct model_pool *p, struct model_err *err)
{
	char base[MC_PATH_LEN], path[MC_PATH_LEN];
	const char *key;
	json_t *f;

	mc_path_idx(base, "$", i);
	if (mc_known_keys(v, base, pool_keys, sizeof(pool_keys) / sizeof(pool_keys[0]), err))
		return GW_E_INVAL;
	json_object_foreach(v, key, f)
	{
		if (pool_field(key, f, base, p, err))
			return GW_E_INVAL;
	}
	if (!p->p_name[0]) {
		mc_path_key(path, base, "name");
		return mj_fail(err, path, "required");
	}
	mc_path_key(path, base, "ranges");
	if (p->p_n_ranges == 0)
		return mj_fail(err, path, "required (CIDRs, a-b ranges or addresses)");
	p->p_size = 0;
	for (size_t k = 0; k < p->p_n_ranges; k++) {
		uint64_t n = p->p_ranges[k].pr_size;

		p->p_size = n > UINT64_MAX - p->p_size ? UINT64_MAX : p->p_size + n;
	}
	if (p->p_size > MODEL_POOL_SIZE_MAX)
		return mj_fail(err, path,
			       "pool too large: at most %u addresses (an IPv4 /8, an IPv6 /104)",
			       MODEL_POOL_SIZE_MAX);
	return pool_prefix(v, base, p, err);
}

struct span {
	int sp_family;
	struct u128 sp_start, sp_end;
	size_t sp_pool, sp_range;
};

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	int c;

	if (x->sp_family != y->sp_family)
		return x->sp_family < y->sp_family ? -1 : 1;
	if ((c = u128_cmp(x->sp_start, y->sp_start)) != 0)
		return c;
	if (x->sp_pool != y->sp_pool)
		return x->sp_pool < y->sp_pool ? -1 : 1;
	return x->sp_range < y->sp_range ? -1 : x->sp_range > y->sp_range;
}

/* Every range of every pool, sorted: an overlap is a range starting at or
 * below the highest end seen so far in its family. The later one in the
 * document is reported, naming the other. */
static int pools_overlap(json_t *root, const struct model_pools *ps, struct model_err *err)
{
	size_t n = 0, m = 0;
	struct span *sp;
	int rc = 0;

	for (size_t i = 0; i < ps->ps_n; i++)
		n += ps->ps_pools[i].p_n_ranges;
	if (!(sp = calloc(n ? n : 1, sizeof(*sp))))
		return mj_fail(err, "$", "out of memory");
	for (size_t i = 0; i < ps->ps_n; i++) {
		const struct model_pool *p = &ps->ps_pools[i];

		for (size_t k = 0; k < p->p_n_ranges; k++, m++) {
			sp[m].sp_family = p->p_family;
			sp[m].sp_start = addr_val(p->p_family, p->p_ranges[k].pr_start);
			sp[m].sp_end = addr_val(p->p_family, p->p_ranges[k].pr_end);
			sp[m].sp_pool = i;
			sp[m].sp_range = k;
		}
	}
	qsort(sp, n, sizeof(*sp), span_cmp);
	for (size_t k = 1, top = 0; k < n && rc == 0; k++) {
		const struct span *a = &sp[top], *b = &sp[k], *later;
		char path[MC_PATH_LEN], msg[MC_PATH_LEN + 64];

		if (a->sp_family != b->sp_family || u128_cmp(b->sp_start, a->sp_end) > 0) {
			top = k; /* sorted by start: b also ends above a */
			continue;
		}
		later = a->sp_pool > b->sp_pool ||
					(a->sp_pool == b->sp_pool && a->sp_range > b->sp_range)
				? a
				: b;
		a = later == a ? b : a;
		/* "ranges" written as one string has no index in its path. */
		if (json_is_string(json_object_get(json_array_get(root, later->sp_pool), "ranges")))
			snprintf(path, sizeof(path), "$[%zu].ranges", later->sp_pool);
		else
			snprintf(path, sizeof(path), "$[%zu].ranges[%zu]", later->sp_pool,
				 later->sp_range);
		snprintf(msg, sizeof(msg), "overlaps $[%zu].ranges[%zu] (pool '%s')", a->sp_pool,
			 a->sp_range, ps->ps_pools[a->sp_pool].p_name);
		rc = mj_fail_value(err, path, msg,
				   ps->ps_pools[later->sp_pool].p_ranges[later->sp_range].pr_text);
	}
	free(sp);
	return rc;
}

static int pools_fill(json_t *root, struct model_pools *ps, struct model_err *err)
{
	size_t i, n;
	json_t *v;

	if (!json_is_array(root))
		return mj_fail(err, "$", "must be an array of pools");
	if ((n = json_array_size(root)) > MODEL_POOLS_MAX)
		return mj_fail(err, "$", "at most %d pools, not %zu", MODEL_POOLS_MAX, n);
	if (!(ps->ps_pools = calloc(n ? n : 1, sizeof(*ps->ps_pools))))
		return mj_fail(err, "$", "out of memory");
	json_array_foreach(root, i, v)
	{
		if (pool_parse(v, i, &ps->ps_pools[i], err))
			return GW_E_INVAL;
		ps->ps_n = i + 1;
		for (size_t j = 0; j < i; j++) {
			char path[MC_PATH_LEN], msg[64];

			if (strcmp(ps->ps_pools[j].p_name, ps->ps_pools[i].p_name))
				continue;
			snprintf(path, sizeof(path), "$[%zu].name", i);
			snprintf(msg, sizeof(msg), "pool name already used at $[%zu]", j);
			return mj_fail_value(err, path, msg, ps->ps_pools[i].p_name);
		}
	}
	return pools_overlap(root, ps, err);
}

int model_pools_parse(const char *json, size_t len, struct model_pools **out, struct model_err *err)
{
	struct model_pools *ps = NULL;
	json_t *root = NULL;
	int rc;

	*out = NULL;
	if ((rc = mj_load(json, len, &root, err)) != 0)
		return rc;
	if (!(ps = calloc(1, sizeof(*ps)))) {
		rc = mj_fail(err, "$", "out of memory");
		goto out;
	}
	if ((rc = pools_fill(root, ps, err)) != 0)
		goto out;
	*out = ps;
	ps = NULL;
out:
	json_decref(root);
	model_pools_free(ps);
	return rc;
}

int model_pools_load(const char *dir, struct model_pools **out, struct model_err *err)
{
	char path[4096];
	char *buf;
	size_t len;
	int rc;

	*out = NULL;
	snprintf(path, sizeof(path), "%s/pools.json", dir);
	rc = mj_read_file(path, POOLS_FILE_MAX, &buf, &len, err);
	if (rc == GW_E_NOTFOUND)
		return model_pools_parse("[]", 2, out, err);
	if (rc)
		return rc;
	rc = model_pools_parse(buf, len, out, err);
	free(buf);
	return rc;
}

void model_pools_free(struct model_pools *ps)
{
	if (!ps)
		return;
	free(ps->ps_pools);
	free(ps);
}

const struct model_pool *model_pools_find(const struct model_pools *ps, const char *name)
{
	for (size_t i = 0; ps && i < ps->ps_n; i++)
		if (!strcmp(ps->ps_pools[i].p_name, name))
			return &ps->ps_pools[i];
	return NULL;
}

int model_pool_addr(const struct model_pool *p, uint64_t i, uint8_t addr[16])
{
	for (size_t k = 0; k < p->p_n_ranges; k++) {
		const struct model_pool_range *r = &p->p_ranges[k];

		if (i < r->pr_size) {
			val_addr(p->p_family, u128_add(addr_val(p->p_family, r->pr_start), i),
				 addr);
			return 0;
		}
		i -= r->pr_size;
	}
	return GW_E_RANGE;
}

int model_pool_index(const struct model_pool *p, const uint8_t addr[16], uint64_t *i)
{
	struct u128 a = addr_val(p->p_family, addr);
	uint64_t base = 0;

	for (size_t k = 0; k < p->p_n_ranges; k++) {
		const struct model_pool_range *r = &p->p_ranges[k];
		struct u128 s = addr_val(p->p_family, r->pr_start);

		if (u128_cmp(a, s) >= 0 && u128_cmp(a, addr_val(p->p_family, r->pr_end)) <= 0) {
			*i = base + range_count(s, a) - 1;
			return 0;
		}
		base += r->pr_size;
	}
	return GW_E_NOTFOUND;
}

static json_t *pool_json(const struct model_pool *p)
{
	json_t *o = json_object(), *ranges = json_array(), *dns = json_array();
	bool failed = !o || !ranges || !dns;
	char buf[INET6_ADDRSTRLEN];

	for (size_t k = 0; !failed && k < p->p_n_ranges; k++)
		failed = json_array_append_new(ranges, json_string(p->p_ranges[k].pr_text)) != 0;
	for (size_t k = 0; !failed && k < p->p_n_dns; k++)
		failed = !inet_ntop(p->p_dns[k].a_family, p->p_dns[k].a_addr, buf, sizeof(buf)) ||
			 json_array_append_new(dns, json_string(buf)) != 0;
	failed = failed || json_object_set_new(o, "name", json_string(p->p_name)) ||
		 json_object_set(o, "ranges", ranges) || json_object_set(o, "dns", dns);
	if (!failed && p->p_family == AF_INET) {
		uint8_t m[16] = { 0 };

		for (unsigned b = 0; b < p->p_prefix; b++)
			m[b / 8] |= (uint8_t)(0x80 >> (b % 8));
		failed = !inet_ntop(AF_INET, m, buf, sizeof(buf)) ||
			 json_object_set_new(o, "netmask", json_string(buf));
	} else if (!failed) {
		failed = json_object_set_new(o, "prefix", json_integer(p->p_prefix)) != 0;
	}
	json_decref(ranges);
	json_decref(dns);
	if (failed) {
		json_decref(o);
		return NULL;
	}
	return o;
}

char *model_pools_to_json(const struct model_pools *ps)
{
	json_t *root = json_array();
	bool failed = !root;
	char *out = NULL;

	for (size_t i = 0; !failed && ps && i < ps->ps_n; i++) {
		json_t *o = pool_json(&ps->ps_pools[i]);

		failed = !o || json_array_append_new(root, o);
	}
	if (!failed)
		out = json_dumps(root, JSON_INDENT(2));
	json_decref(root);
	return out;
}

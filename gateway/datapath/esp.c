/*
 * esp.c: ESP packet processing (RFC 4303) over caller buffers: the SA's
 * sequence numbers, the receiver's replay window, lifetimes and counters.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <openssl/crypto.h>

#include "datapath/esp.h"
#include "datapath/esp_replay.h"
#include "datapath/pkt.h"
#include "util/err.h"
#include "util/reader.h"

#define CACHELINE    64
#define ESP_EKEY_MAX 36 /* AES-256 | salt */
#define ESP_AKEY_MAX 64 /* HMAC-SHA2-512 */

/* A keyed crypto context; threads pick one by index and lock it. It is
 * keyed from the SA's keys when its thread first uses it: an OpenSSL
 * AES-GCM context is ~1.2 KiB, and an idle SA would otherwise hold one per
 * packet thread and external caller (12 per CHILD SA with 2 CPUs). */
struct esp_slot {
	pthread_mutex_t sl_lock;
	struct esp_cctx sl_cc;
} __attribute__((aligned(CACHELINE)));

struct esp_sa {
	/* Set at creation, read-only afterwards (the lifetimes excepted). The
	 * keys (encryption, then integrity) follow the struct, as long as
	 * they are (sa_keys()): the slots are keyed from them on first use;
	 * wiped with the SA. */
	uint32_t es_spi;
	bool es_inbound;
	bool es_esn;
	uint8_t es_ekey_len, es_akey_len;
	enum dp_mode es_mode;
	uint32_t es_reqid;
	unsigned es_nslots;
	struct dp_addr es_dst;
	/* Lifetimes: dp_sa_update() may change them while packets flow. */
	_Atomic uint32_t es_time_soft, es_time_hard;
	uint64_t es_add_time;
	dp_event_fn es_event;
	void *es_event_arg;
	const struct esp_suite *es_suite;    /* shared, see suite_get() */
	_Atomic(struct esp_slot *) es_slots; /* made by the first packet */
	_Atomic uint64_t es_bytes_soft, es_bytes_hard;
	_Atomic uint64_t es_packets_soft, es_packets_hard;
	atomic_bool es_soft_done, es_hard_done;

	/* Hot counters, on their own cache line. */
	_Alignas(CACHELINE) _Atomic uint64_t es_seq; /* outbound: last sequence number sent */
	_Atomic uint64_t es_bytes;
	_Atomic uint64_t es_packets;
	_Atomic uint64_t es_last_use;

	/* Inbound only (an outbound SA is allocated without this part, see
	 * esp_sa_base()): its counters and the window, under its own lock. It
	 * shares the counters' line: one packet thread receives each SA
	 * (SPI % workers), and that thread writes both. */
	_Atomic uint64_t es_replay_errors;
	_Atomic uint64_t es_integrity_failures;
	pthread_mutex_t es_rp_lock;
	struct esp_replay es_rp;
};

/* The read-only part fits two cache lines: more would cost a whole line
 * of padding per SA before the counters. */
_Static_assert(offsetof(struct esp_sa, es_seq) == 2 * CACHELINE, "esp_sa grew");

/* Suites are per algorithm, not per SA (the salt is in each context): SAs
 * share one, made by the first SA of its algorithm and kept until exit
 * (each cipher, key size and HMAC: a few dozen at most). */
#define SUITES_MAX 64

static pthread_mutex_t suites_lock = PTHREAD_MUTEX_INITIALIZER;
static struct esp_suite *suites[SUITES_MAX];
static size_t nsuites;

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool suite_same(const struct esp_suite *a, const struct esp_suite *b)
{
	return a->su_kind == b->su_kind && a->su_iv_len == b->su_iv_len &&
	       a->su_icv_len == b->su_icv_len && a->su_block == b->su_block &&
	       str_eq(a->su_name, b->su_name) && str_eq(a->su_digest, b->su_digest);
}

static int suite_get(const struct dp_sa *d, const struct esp_suite **out)
{
	struct esp_suite su, *p = NULL;
	int r;

	*out = NULL;
	if ((r = esp_suite_init(&su, d)) < 0)
		return r;
	pthread_mutex_lock(&suites_lock);
	for (size_t i = 0; i < nsuites && !*out; i++)
		if (suite_same(suites[i], &su))
			*out = suites[i];
	if (!*out && nsuites < SUITES_MAX && (p = malloc(sizeof(*p)))) {
		*p = su; /* the table owns its fetched algorithms now */
		suites[nsuites++] = p;
		*out = p;
	}
	pthread_mutex_unlock(&suites_lock);
	if (!p)
		esp_suite_fini(&su);
	return *out ? 0 : GW_E_NOMEM;
}

static uint8_t *sa_keys(const struct esp_sa *sa);

/* Keeps the keys for the slots, which are made and keyed on first use
 * (in the room esp_sa_new() made for them after the struct). */
static int slots_init(struct esp_sa *sa, const struct dp_sa *d, unsigned n)
{
	struct esp_cctx cc;
	int r;

	sa->es_nslots = n;
	if (d->sa_enc_key_len > ESP_EKEY_MAX || d->sa_int_key_len > ESP_AKEY_MAX ||
	    (d->sa_int_key_len && !d->sa_int_key) || (d->sa_enc_key_len && !d->sa_enc_key))
		return GW_E_INVAL;
	if (d->sa_enc_key_len)
		memcpy(sa_keys(sa), d->sa_enc_key, d->sa_enc_key_len);
	if (d->sa_int_key_len)
		memcpy(sa_keys(sa) + d->sa_enc_key_len, d->sa_int_key, d->sa_int_key_len);
	/* keyed once now so that a bad key fails the add, not a packet */
	if ((r = esp_cctx_init(&cc, sa->es_suite, d, !d->sa_inbound)) < 0)
		return r;
	esp_cctx_fini(&cc);
	return 0;
}

static void slots_free(struct esp_slot *sl, unsigned n)
{
	for (unsigned i = 0; sl && i < n; i++) {
		esp_cctx_fini(&sl[i].sl_cc);
		pthread_mutex_destroy(&sl[i].sl_lock);
	}
	free(sl);
}

/* The slots, made by the first thread that needs one (a race is settled
 * by a compare-and-swap; the loser frees its array). */
static struct esp_slot *slots_get(struct esp_sa *sa)
{
	struct esp_slot *sl = atomic_load_explicit(&sa->es_slots, memory_order_acquire),
			*none = NULL;
	size_t n = sa->es_nslots;

	if (sl)
		return sl;
	if (posix_memalign((void **)&sl, CACHELINE, n * sizeof(*sl)) != 0)
		return NULL;
	memset(sl, 0, n * sizeof(*sl));
	for (unsigned i = 0; i < n; i++)
		pthread_mutex_init(&sl[i].sl_lock, NULL);
	if (!atomic_compare_exchange_strong_explicit(&sa->es_slots, &none, sl, memory_order_acq_rel,
						     memory_order_acquire)) {
		slots_free(sl, sa->es_nslots);
		return none;
	}
	return sl;
}

static int slot_key(struct esp_sa *sa, struct esp_slot *sl)
{
	struct dp_sa d = { .sa_enc_key = sa_keys(sa),
			   .sa_enc_key_len = sa->es_ekey_len,
			   .sa_int_key = sa_keys(sa) + sa->es_ekey_len,
			   .sa_int_key_len = sa->es_akey_len };

	return esp_cctx_init(&sl->sl_cc, sa->es_suite, &d, !sa->es_inbound);
}

/* The slot of ctx, locked, with its context keyed; NULL on failure. */
static struct esp_slot *slot_lock(struct esp_sa *sa, unsigned ctx, int *r)
{
	struct esp_slot *sl = slots_get(sa);

	if (!sl) {
		*r = GW_E_NOMEM;
		return NULL;
	}
	sl += ctx % sa->es_nslots;
	pthread_mutex_lock(&sl->sl_lock);
	*r = 0;
	if (!sl->sl_cc.cc_cipher && (*r = slot_key(sa, sl)) < 0) {
		pthread_mutex_unlock(&sl->sl_lock);
		return NULL;
	}
	return sl;
}

/* An outbound SA has no replay window: its allocation ends before the
 * inbound-only part (es_replay_errors on), which it never touches. The
 * keys follow either part. */
static size_t esp_sa_base(bool inbound)
{
	return inbound ? offsetof(struct esp_sa, es_rp) + sizeof(struct esp_replay)
		       : offsetof(struct esp_sa, es_replay_errors);
}

static uint8_t *sa_keys(const struct esp_sa *sa)
{
	return (uint8_t *)sa + esp_sa_base(sa->es_inbound);
}

static size_t esp_sa_size(const struct esp_sa *sa)
{
	return esp_sa_base(sa->es_inbound) + sa->es_ekey_len + sa->es_akey_len;
}

int esp_sa_new(const struct dp_sa *d, const struct esp_opts *o, struct esp_sa **out)
{
	size_t base = esp_sa_base(d->sa_inbound), size;
	struct esp_sa *sa;
	int r;

	*out = NULL;
	if (o->eo_nctx == 0 || o->eo_nctx > 1024 ||
	    (d->sa_mode != DP_MODE_TUNNEL && d->sa_mode != DP_MODE_TRANSPORT))
		return GW_E_INVAL;
	/* room for keys of a valid size; slots_init() refuses longer ones */
	size = base + (d->sa_enc_key_len > ESP_EKEY_MAX ? 0 : d->sa_enc_key_len) +
	       (d->sa_int_key_len > ESP_AKEY_MAX ? 0 : d->sa_int_key_len);
	if (posix_memalign((void **)&sa, CACHELINE, size) != 0)
		return GW_E_NOMEM;
	memset(sa, 0, size);
	sa->es_ekey_len = (uint8_t)(d->sa_enc_key_len > ESP_EKEY_MAX ? 0 : d->sa_enc_key_len);
	sa->es_akey_len = (uint8_t)(d->sa_int_key_len > ESP_AKEY_MAX ? 0 : d->sa_int_key_len);
	sa->es_inbound = d->sa_inbound;
	if (sa->es_inbound)
		pthread_mutex_init(&sa->es_rp_lock, NULL);
	sa->es_spi = d->sa_spi;
	sa->es_esn = d->sa_esn;
	sa->es_mode = d->sa_mode;
	sa->es_dst = d->sa_dst;
	sa->es_reqid = d->sa_reqid;
	sa->es_add_time = o->eo_now;
	sa->es_event = o->eo_event;
	sa->es_event_arg = o->eo_event_arg;
	esp_sa_set_lifetime(sa, &d->sa_lt);
	if ((r = suite_get(d, &sa->es_suite)) < 0)
		goto out;
	if ((r = slots_init(sa, d, o->eo_nctx)) < 0)
		goto out;
	if (d->sa_inbound &&
	    (r = esp_replay_init(&sa->es_rp,
				 d->sa_replay_window ? d->sa_replay_window : o->eo_window,
				 d->sa_esn)) < 0)
		goto out;
	*out = sa;
out:
	if (r < 0)
		esp_sa_free(sa);
	return r;
}

void esp_sa_free(struct esp_sa *sa)
{
	if (!sa)
		return;
	slots_free(atomic_load(&sa->es_slots), sa->es_nslots);
	if (sa->es_inbound) {
		esp_replay_fini(&sa->es_rp);
		pthread_mutex_destroy(&sa->es_rp_lock);
	}
	OPENSSL_cleanse(sa, esp_sa_size(sa));
	free(sa);
}

uint32_t esp_sa_spi(const struct esp_sa *sa)
{
	return sa->es_spi;
}

const char *esp_sa_alg_name(const struct esp_sa *sa)
{
	return sa->es_suite->su_name;
}

void esp_sa_set_lifetime(struct esp_sa *sa, const struct dp_lifetime *lt)
{
	atomic_store(&sa->es_bytes_soft, lt->l_bytes_soft);
	atomic_store(&sa->es_bytes_hard, lt->l_bytes_hard);
	atomic_store(&sa->es_packets_soft, lt->l_packets_soft);
	atomic_store(&sa->es_packets_hard, lt->l_packets_hard);
	atomic_store(&sa->es_time_soft, lt->l_time_soft);
	atomic_store(&sa->es_time_hard, lt->l_time_hard);
}

void esp_sa_get_stats(const struct esp_sa *sa, struct dp_sa_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->st_bytes = atomic_load(&sa->es_bytes);
	st->st_packets = atomic_load(&sa->es_packets);
	if (sa->es_inbound) {
		st->st_replay_errors = atomic_load(&sa->es_replay_errors);
		st->st_integrity_failures = atomic_load(&sa->es_integrity_failures);
	}
	st->st_add_time = sa->es_add_time;
	st->st_last_use = atomic_load(&sa->es_last_use);
}

void esp_sa_set_seq(struct esp_sa *sa, uint64_t seq)
{
	if (!sa->es_inbound) {
		atomic_store(&sa->es_seq, seq);
		return;
	}
	pthread_mutex_lock(&sa->es_rp_lock);
	if (sa->es_rp.rp_map)
		memset(sa->es_rp.rp_map, 0, sa->es_rp.rp_bits / 8u);
	sa->es_rp.rp_top = seq;
	pthread_mutex_unlock(&sa->es_rp_lock);
}

bool esp_sa_dead(const struct esp_sa *sa)
{
	return atomic_load(&sa->es_hard_done);
}

/* Raises the soft or hard expire once per SA, from whichever thread sees
 * the limit first. */
static void expire(struct esp_sa *sa, bool hard)
{
	struct dp_event ev;

	if (atomic_exchange(hard ? &sa->es_hard_done : &sa->es_soft_done, true))
		return;
	if (!sa->es_event)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.ev_type = hard ? DP_EV_HARD_EXPIRE : DP_EV_SOFT_EXPIRE;
	ev.ev_spi = sa->es_spi;
	ev.ev_dst = sa->es_dst;
	ev.ev_reqid = sa->es_reqid;
	sa->es_event(sa->es_event_arg, &ev);
}

static bool over(uint64_t used, uint64_t limit)
{
	return limit != 0 && used >= limit;
}

/*
 * Checked before each packet, as XFRM does: the packet that finds the
 * counters at the hard limit is dropped; the one that finds them at the
 * soft limit starts a rekey and goes through.
 */
static int check_expire(struct esp_sa *sa)
{
	uint64_t p, b;

	if (atomic_load_explicit(&sa->es_hard_done, memory_order_relaxed))
		return GW_E_STATE;
	p = atomic_load_explicit(&sa->es_packets, memory_order_relaxed);
	b = atomic_load_explicit(&sa->es_bytes, memory_order_relaxed);
	if (over(p, atomic_load_explicit(&sa->es_packets_hard, memory_order_relaxed)) ||
	    over(b, atomic_load_explicit(&sa->es_bytes_hard, memory_order_relaxed))) {
		expire(sa, true);
		return GW_E_STATE;
	}
	if (!atomic_load_explicit(&sa->es_soft_done, memory_order_relaxed) &&
	    (over(p, atomic_load_explicit(&sa->es_packets_soft, memory_order_relaxed)) ||
	     over(b, atomic_load_explicit(&sa->es_bytes_soft, memory_order_relaxed))))
		expire(sa, false);
	return 0;
}

bool esp_sa_tick(struct esp_sa *sa, uint64_t now)
{
	uint64_t age = now > sa->es_add_time ? now - sa->es_add_time : 0;

	if (over(age, atomic_load(&sa->es_time_hard)))
		expire(sa, true);
	else if (over(age, atomic_load(&sa->es_time_soft)))
		expire(sa, false);
	return esp_sa_dead(sa);
}

static void count(struct esp_sa *sa, size_t bytes, uint64_t now)
{
	atomic_fetch_add_explicit(&sa->es_packets, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&sa->es_bytes, bytes, memory_order_relaxed);
	if (atomic_load_explicit(&sa->es_last_use, memory_order_relaxed) != now)
		atomic_store_explicit(&sa->es_last_use, now, memory_order_relaxed);
}

int esp_peek_spi(const uint8_t *pkt, size_t len, uint32_t *spi)
{
	struct reader rd;

	rd_init(&rd, pkt, len);
	*spi = rd_u32(&rd);
	return rd_ok(&rd) ? 0 : GW_E_PARSE;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Where the protected payload of an outbound packet starts, and its next
 * header: the whole packet in tunnel mode (RFC 4303 section 3.1.2), what
 * follows the IP header in transport mode (section 3.1.1). */
static int payload_of(const struct esp_sa *sa, const uint8_t *ip, size_t len, size_t *hl,
		      uint8_t *nh)
{
	struct pkt_flow f;

	if (sa->es_mode == DP_MODE_TUNNEL) {
		if (len == 0 || (ip[0] >> 4 != 4 && ip[0] >> 4 != 6))
			return GW_E_PARSE;
		*hl = 0;
		*nh = ip[0] >> 4 == 4 ? IPPROTO_IPIP : IPPROTO_IPV6;
		return 0;
	}
	if (pkt_parse(ip, len, &f) < 0 || f.pf_tot_len != len)
		return GW_E_PARSE;
	/* An IPv4 fragment has its offset in the header that ESP replaces. */
	if (f.pf_family == AF_INET && f.pf_frag)
		return GW_E_UNSUP;
	*hl = f.pf_hdr_len;
	*nh = f.pf_nh;
	return 0;
}

static int seal(struct esp_sa *sa, unsigned ctx, uint8_t *esp, size_t n, uint64_t seq)
{
	struct esp_slot *sl;
	int r;

	if (!(sl = slot_lock(sa, ctx, &r)))
		return r;
	r = esp_crypto_seal(sa->es_suite, &sl->sl_cc, esp, n, sa->es_esn, seq);
	pthread_mutex_unlock(&sl->sl_lock);
	return r;
}

/*
 * RFC 4303 section 3.3: ESP header, IV, payload, padding 1, 2, 3, ...
 * (section 2.4), pad length, next header, ICV. No TFC padding.
 */
int esp_encap(struct esp_sa *sa, unsigned ctx, uint8_t *buf, size_t cap, size_t off, size_t len,
	      uint64_t now, struct esp_pkt *out)
{
	const struct esp_suite *su = sa->es_suite;
	size_t hl, pl, pad, ct, esp;
	uint8_t nh, *tr;
	uint64_t seq;
	int r;

	if (sa->es_inbound || off < ESP_HEADROOM || len > cap || off > cap - len ||
	    cap - off - len < ESP_TAILROOM || len > 0xffff)
		return GW_E_INVAL;
	if ((r = payload_of(sa, buf + off, len, &hl, &nh)) < 0)
		return r;
	pl = len - hl;
	pad = (su->su_block - (pl + 2) % su->su_block) % su->su_block;
	ct = pl + pad + 2;
	esp = off + hl - ESP_HDR_LEN - su->su_iv_len;
	if ((r = check_expire(sa)) < 0)
		return r;
	seq = atomic_fetch_add_explicit(&sa->es_seq, 1, memory_order_relaxed) + 1;
	/* RFC 4303 section 3.3.3: the counter must not cycle; rekey first. */
	if (!sa->es_esn && seq > UINT32_MAX) {
		expire(sa, true);
		return GW_E_STATE;
	}
	put_be32(buf + esp, sa->es_spi);
	put_be32(buf + esp + 4, (uint32_t)seq);
	tr = buf + off + len;
	for (size_t i = 0; i < pad; i++)
		tr[i] = (uint8_t)(i + 1);
	tr[pad] = (uint8_t)pad;
	tr[pad + 1] = nh;
	if ((r = seal(sa, ctx, buf + esp, ct, seq)) < 0)
		return r;
	count(sa, pl, now);
	out->ep_off = esp;
	out->ep_len = ESP_HDR_LEN + su->su_iv_len + ct + su->su_icv_len;
	out->ep_nh = nh;
	out->ep_seq = seq;
	return 0;
}

static int replay_check(struct esp_sa *sa, uint32_t seq_lo, uint64_t *seq)
{
	int r;

	pthread_mutex_lock(&sa->es_rp_lock);
	r = esp_replay_check(&sa->es_rp, seq_lo, seq);
	pthread_mutex_unlock(&sa->es_rp_lock);
	if (r < 0)
		atomic_fetch_add_explicit(&sa->es_replay_errors, 1, memory_order_relaxed);
	return r;
}

/* RFC 4303 section 3.4.3: the window moves only for packets whose ICV
 * verified; a duplicate that raced us through decryption loses here. */
static int replay_update(struct esp_sa *sa, uint64_t seq)
{
	int r;

	pthread_mutex_lock(&sa->es_rp_lock);
	r = esp_replay_update(&sa->es_rp, seq);
	pthread_mutex_unlock(&sa->es_rp_lock);
	if (r == GW_E_EXISTS)
		atomic_fetch_add_explicit(&sa->es_replay_errors, 1, memory_order_relaxed);
	return r;
}

static int open_icv(struct esp_sa *sa, unsigned ctx, uint8_t *pkt, size_t ct, uint64_t seq)
{
	struct esp_slot *sl;
	int r;

	if (!(sl = slot_lock(sa, ctx, &r)))
		return r;
	r = esp_crypto_open(sa->es_suite, &sl->sl_cc, pkt, ct, sa->es_esn, seq);
	pthread_mutex_unlock(&sl->sl_lock);
	if (r == GW_E_AUTH)
		atomic_fetch_add_explicit(&sa->es_integrity_failures, 1, memory_order_relaxed);
	return r;
}

/*
 * RFC 4303 section 2.4: padding bytes are 1, 2, 3, ... and the receiver
 * checks them; pad length and next header end the plaintext. Returns the
 * payload length.
 */
static int parse_trailer(const uint8_t *pt, size_t ct, size_t *pl, uint8_t *nh)
{
	struct reader rd;
	const uint8_t *pad;
	uint8_t padlen;

	if (ct < 2)
		return GW_E_PARSE;
	rd_init(&rd, pt + ct - 2, 2);
	padlen = rd_u8(&rd);
	*nh = rd_u8(&rd);
	if ((size_t)padlen + 2 > ct)
		return GW_E_PARSE;
	*pl = ct - 2 - padlen;
	rd_init(&rd, pt + *pl, padlen);
	pad = rd_bytes(&rd, padlen);
	for (size_t i = 0; pad && i < padlen; i++)
		if (pad[i] != (uint8_t)(i + 1))
			return GW_E_PARSE;
	return pad ? 0 : GW_E_PARSE;
}

/* Tunnel mode: the payload must be the IP packet its next header names;
 * anything after the packet's own length (TFC padding, RFC 4303 section
 * 2.7) is dropped. */
static int check_inner(const uint8_t *p, size_t *len, uint8_t nh)
{
	struct pkt_flow f;

	if (pkt_parse(p, *len, &f) < 0)
		return GW_E_PARSE;
	if ((nh == IPPROTO_IPIP) != (f.pf_family == AF_INET) ||
	    (nh != IPPROTO_IPIP && nh != IPPROTO_IPV6))
		return GW_E_PARSE;
	*len = f.pf_tot_len;
	return 0;
}

/*
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |               Security Parameters Index (SPI)                 |
 * |                      Sequence Number                          |
 * |                    IV (8 or 16 bytes) ...                     |
 * |                    Payload Data, Padding ...                  |
 * |               |  Pad Length   | Next Header   |               |
 * |         Integrity Check Value (12 to 32 bytes) ...            |
 * RFC 4303 section 2; processing order of section 3.4: SA, replay
 * pre-check, ICV (constant time), decryption, window update.
 */
int esp_decap(struct esp_sa *sa, unsigned ctx, uint8_t *pkt, size_t len, uint64_t now,
	      struct esp_pkt *out)
{
	const struct esp_suite *su = sa->es_suite;
	struct reader rd;
	uint32_t spi, seq_lo;
	size_t ct, pl;
	uint64_t seq;
	uint8_t nh;
	int r;

	rd_init(&rd, pkt, len);
	spi = rd_u32(&rd);
	seq_lo = rd_u32(&rd);
	rd_skip(&rd, su->su_iv_len);
	if (!rd_ok(&rd) || rd_left(&rd) < (size_t)su->su_icv_len + 2 || !sa->es_inbound)
		return GW_E_PARSE;
	ct = rd_left(&rd) - su->su_icv_len;
	if (spi != sa->es_spi)
		return GW_E_NOTFOUND;
	if ((r = check_expire(sa)) < 0)
		return r;
	if ((r = replay_check(sa, seq_lo, &seq)) < 0)
		return r;
	if ((r = open_icv(sa, ctx, pkt, ct, seq)) < 0)
		return r;
	if ((r = replay_update(sa, seq)) < 0)
		return r;
	out->ep_off = ESP_HDR_LEN + su->su_iv_len;
	out->ep_seq = seq;
	if ((r = parse_trailer(pkt + out->ep_off, ct, &pl, &nh)) < 0)
		return r;
	out->ep_nh = nh;
	out->ep_len = pl;
	if (nh == ESP_NH_NONE)
		return 0; /* dummy packet (RFC 4303 section 2.6): authentic, discarded */
	if (sa->es_mode == DP_MODE_TUNNEL && (r = check_inner(pkt + out->ep_off, &pl, nh)) < 0)
		return r;
	out->ep_len = pl;
	count(sa, pl, now);
	return 0;
}

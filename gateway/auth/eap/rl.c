/*
 * rl.c: failed EAP authentications per identity, so that a client cannot
 * guess a password at the speed of IKE. An identity with rc_failures
 * failures inside rc_window_s is refused for rc_block_s, doubled for each
 * block that follows without a long quiet spell, up to rc_block_max_s.
 *
 * Memory is fixed: a set-associative table of rc_slots entries (8 ways),
 * indexed by a keyed hash (SipHash with a random key, so a client cannot
 * aim identities at one set to push another identity's record out). A
 * flood of random identities evicts idle records first, then the least
 * recently touched unblocked ones, blocked ones last. Only the hash is
 * stored, never the identity. One mutex; every operation is O(ways).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "auth/eap/eap_int.h"
#include "util/err.h"
#include "util/log.h"

#define RL_WAYS 8

struct rl_slot {
	uint64_t sl_tag; /* keyed hash of the identity; 0: free */
	uint64_t sl_touched_ms;
	uint64_t sl_blocked_until;
	uint64_t sl_fail_ms[EAP_RL_MAX_FAILURES]; /* ring of recent failures */
	uint8_t sl_n;                             /* failures in the ring */
	uint8_t sl_next;                          /* next ring position */
	uint8_t sl_blocks;                        /* blocks so far (doubling) */
};

struct eap_rl {
	struct eap_rl_cfg rl_cfg;
	pthread_mutex_t rl_lock;
	size_t rl_sets; /* a power of two */
	struct rl_slot *rl_slots;
	EVP_MAC_CTX *rl_mac; /* keyed; duplicated per use (under the lock) */
	struct log_rl rl_log;
};

void eap_rl_defaults(struct eap_rl_cfg *cfg)
{
	cfg->rc_failures = 5;
	cfg->rc_window_s = 60;
	cfg->rc_block_s = 60;
	cfg->rc_block_max_s = 900;
	cfg->rc_slots = 4096;
}

static int rl_mac_new(struct eap_rl *rl)
{
	uint8_t key[16];
	size_t size = 8;
	OSSL_PARAM params[] = { OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size),
				OSSL_PARAM_construct_end() };
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "SIPHASH", NULL);
	int rc = GW_E_CRYPTO;

	if (!mac)
		return GW_E_UNSUP;
	if ((rl->rl_mac = EVP_MAC_CTX_new(mac)) && crypto_random(key, sizeof(key)) == 0 &&
	    EVP_MAC_init(rl->rl_mac, key, sizeof(key), params))
		rc = 0;
	crypto_wipe(key, sizeof(key));
	EVP_MAC_free(mac);
	return rc;
}

int eap_rl_new(const struct eap_rl_cfg *cfg, struct eap_rl **out)
{
	struct eap_rl *rl;
	size_t sets = 1;
	int rc;

	*out = NULL;
	if (!(rl = calloc(1, sizeof(*rl))))
		return GW_E_NOMEM;
	if (cfg)
		rl->rl_cfg = *cfg;
	else
		eap_rl_defaults(&rl->rl_cfg);
	cfg = &rl->rl_cfg;
	if (cfg->rc_failures < 1 || cfg->rc_failures > EAP_RL_MAX_FAILURES ||
	    cfg->rc_window_s < 1 || cfg->rc_block_s < 1 || cfg->rc_block_max_s < cfg->rc_block_s ||
	    cfg->rc_slots < 1 || cfg->rc_slots > (1u << 24)) {
		free(rl);
		return GW_E_INVAL;
	}
	while (sets * RL_WAYS < cfg->rc_slots)
		sets *= 2;
	rl->rl_sets = sets;
	rl->rl_log = (struct log_rl)LOG_RL_INIT(5);
	if (!(rl->rl_slots = calloc(sets * RL_WAYS, sizeof(*rl->rl_slots)))) {
		free(rl);
		return GW_E_NOMEM;
	}
	if ((rc = rl_mac_new(rl)) != 0) {
		EVP_MAC_CTX_free(rl->rl_mac);
		free(rl->rl_slots);
		free(rl);
		return rc;
	}
	pthread_mutex_init(&rl->rl_lock, NULL);
	*out = rl;
	return 0;
}

void eap_rl_free(struct eap_rl *rl)
{
	if (!rl)
		return;
	pthread_mutex_destroy(&rl->rl_lock);
	EVP_MAC_CTX_free(rl->rl_mac);
	free(rl->rl_slots);
	free(rl);
}

/* Caller holds the lock. 0 when the MAC fails (then nothing is tracked). */
static uint64_t rl_tag(struct eap_rl *rl, const uint8_t *id, size_t len)
{
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(rl->rl_mac);
	uint8_t out[8];
	size_t n = 0;
	uint64_t tag = 0;

	if (ctx && EVP_MAC_update(ctx, id, len) && EVP_MAC_final(ctx, out, &n, sizeof(out)) &&
	    n == sizeof(out)) {
		memcpy(&tag, out, sizeof(tag));
		tag |= 1; /* never 0, which marks a free slot */
	}
	EVP_MAC_CTX_free(ctx);
	return tag;
}

static struct rl_slot *rl_set(struct eap_rl *rl, uint64_t tag)
{
	return &rl->rl_slots[(size_t)(tag >> 32) % rl->rl_sets * RL_WAYS];
}

static uint64_t newest_failure(const struct eap_rl *rl, const struct rl_slot *sl)
{
	uint8_t last =
		(uint8_t)((sl->sl_next + rl->rl_cfg.rc_failures - 1) % rl->rl_cfg.rc_failures);

	return sl->sl_n ? sl->sl_fail_ms[last] : 0;
}

/* Neither blocked nor holding a failure inside the window. */
static bool slot_idle(const struct eap_rl *rl, const struct rl_slot *sl, uint64_t now)
{
	uint64_t window = (uint64_t)rl->rl_cfg.rc_window_s * 1000;

	return now >= sl->sl_blocked_until &&
	       (sl->sl_n == 0 || now - newest_failure(rl, sl) >= window);
}

static struct rl_slot *rl_find(struct eap_rl *rl, uint64_t tag)
{
	struct rl_slot *set = rl_set(rl, tag);

	for (int i = 0; i < RL_WAYS; i++)
		if (set[i].sl_tag == tag)
			return &set[i];
	return NULL;
}

/* A slot for a new identity: free, else idle, else the least recently
 * touched unblocked one, else the block that ends first. */
static struct rl_slot *rl_victim(struct eap_rl *rl, uint64_t tag, uint64_t now)
{
	struct rl_slot *set = rl_set(rl, tag), *lru = NULL, *soonest = NULL;

	for (int i = 0; i < RL_WAYS; i++) {
		struct rl_slot *sl = &set[i];

		if (sl->sl_tag == 0 || slot_idle(rl, sl, now))
			return sl;
		if (now >= sl->sl_blocked_until) {
			if (!lru || sl->sl_touched_ms < lru->sl_touched_ms)
				lru = sl;
		} else if (!soonest || sl->sl_blocked_until < soonest->sl_blocked_until) {
			soonest = sl;
		}
	}
	return lru ? lru : soonest;
}

int eap_rl_check(struct eap_rl *rl, const uint8_t *id, size_t len, uint64_t now_ms,
		 unsigned *retry_s)
{
	struct rl_slot *sl;
	int rc = 0;

	if (retry_s)
		*retry_s = 0;
	pthread_mutex_lock(&rl->rl_lock);
	sl = rl_find(rl, rl_tag(rl, id, len));
	if (sl && now_ms < sl->sl_blocked_until) {
		if (retry_s)
			*retry_s = (unsigned)((sl->sl_blocked_until - now_ms + 999) / 1000);
		rc = GW_E_AGAIN;
	}
	pthread_mutex_unlock(&rl->rl_lock);
	return rc;
}

/* The oldest failure kept is inside the window: block, doubling each time. */
static uint64_t rl_block(struct eap_rl *rl, struct rl_slot *sl, uint64_t now)
{
	const struct eap_rl_cfg *cfg = &rl->rl_cfg;
	uint64_t dur = (uint64_t)cfg->rc_block_s * 1000;

	for (unsigned i = 0; i < sl->sl_blocks && dur < (uint64_t)cfg->rc_block_max_s * 1000; i++)
		dur *= 2;
	if (dur > (uint64_t)cfg->rc_block_max_s * 1000)
		dur = (uint64_t)cfg->rc_block_max_s * 1000;
	sl->sl_blocked_until = now + dur;
	if (sl->sl_blocks < 32)
		sl->sl_blocks++;
	sl->sl_n = 0; /* after the block, a fresh count */
	sl->sl_next = 0;
	return dur / 1000;
}

static void rl_log_block(struct eap_rl *rl, const uint8_t *id, size_t len, uint64_t secs)
{
	unsigned missed = 0;
	char esc[128];

	if (!log_rl_allow(&rl->rl_log, &missed))
		return;
	log_escape(esc, sizeof(esc), id, len);
	log_warn(LOG_SUB_AUTH,
		 "EAP identity '%s' blocked for %llu s after %u failures within %u s"
		 " (%u similar lines suppressed)",
		 esc, (unsigned long long)secs, rl->rl_cfg.rc_failures, rl->rl_cfg.rc_window_s,
		 missed);
}

bool eap_rl_failed(struct eap_rl *rl, const uint8_t *id, size_t len, uint64_t now_ms)
{
	const struct eap_rl_cfg *cfg = &rl->rl_cfg;
	uint64_t tag, secs = 0;
	struct rl_slot *sl;
	bool blocked = false;

	pthread_mutex_lock(&rl->rl_lock);
	if ((tag = rl_tag(rl, id, len)) == 0)
		goto out;
	if (!(sl = rl_find(rl, tag))) {
		sl = rl_victim(rl, tag, now_ms);
		memset(sl, 0, sizeof(*sl));
		sl->sl_tag = tag;
	} else if (now_ms - sl->sl_touched_ms > (uint64_t)cfg->rc_block_max_s * 1000) {
		sl->sl_blocks = 0; /* a long quiet spell forgives earlier blocks */
	}
	sl->sl_touched_ms = now_ms;
	sl->sl_fail_ms[sl->sl_next] = now_ms;
	sl->sl_next = (uint8_t)((sl->sl_next + 1) % cfg->rc_failures);
	if (sl->sl_n < cfg->rc_failures)
		sl->sl_n++;
	/* With the ring full, sl_next points at the oldest failure kept. */
	if (sl->sl_n == cfg->rc_failures && now_ms >= sl->sl_blocked_until &&
	    now_ms - sl->sl_fail_ms[sl->sl_next] < (uint64_t)cfg->rc_window_s * 1000) {
		secs = rl_block(rl, sl, now_ms);
		blocked = true;
	}
out:
	pthread_mutex_unlock(&rl->rl_lock);
	if (blocked)
		rl_log_block(rl, id, len, secs);
	return blocked;
}

void eap_rl_succeeded(struct eap_rl *rl, const uint8_t *id, size_t len)
{
	struct rl_slot *sl;

	pthread_mutex_lock(&rl->rl_lock);
	if ((sl = rl_find(rl, rl_tag(rl, id, len))) != NULL)
		memset(sl, 0, sizeof(*sl));
	pthread_mutex_unlock(&rl->rl_lock);
}

size_t eap_rl_tracked(struct eap_rl *rl)
{
	size_t n = 0;

	pthread_mutex_lock(&rl->rl_lock);
	for (size_t i = 0; i < rl->rl_sets * RL_WAYS; i++)
		n += rl->rl_slots[i].sl_tag != 0;
	pthread_mutex_unlock(&rl->rl_lock);
	return n;
}

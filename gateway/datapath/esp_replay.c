/*
 * esp_replay.c: the receiver's sliding window (RFC 4303 section 3.4.3,
 * appendix A for 64-bit ESN).
 */
#include <stdlib.h>
#include <string.h>

#include "datapath/esp_replay.h"
#include "util/err.h"

int esp_replay_init(struct esp_replay *rp, uint32_t window, bool esn)
{
	memset(rp, 0, sizeof(*rp));
	if (window == 0)
		window = ESP_REPLAY_DEFAULT;
	if (window > ESP_REPLAY_MAX)
		return GW_E_RANGE;
	rp->rp_window = window;
	rp->rp_bits = (window + 63u) & ~63u;
	rp->rp_esn = esn;
	/* The bitmap comes with the first packet (esp_replay_update): an idle
	 * SA would hold 128 bytes of zeroes for the default window. */
	rp->rp_map = NULL;
	return 0;
}

void esp_replay_fini(struct esp_replay *rp)
{
	free(rp->rp_map);
	rp->rp_map = NULL;
}

static bool bit_test(const struct esp_replay *rp, uint64_t seq)
{
	uint32_t i = (uint32_t)(seq % rp->rp_bits);

	if (!rp->rp_map) /* nothing received yet */
		return false;
	return (rp->rp_map[i / 64u] >> (i % 64u)) & 1u;
}

static void bit_set(struct esp_replay *rp, uint64_t seq)
{
	uint32_t i = (uint32_t)(seq % rp->rp_bits);

	rp->rp_map[i / 64u] |= (uint64_t)1 << (i % 64u);
}

/*
 * RFC 4303 A2.2: the high half of the sequence number is not sent; the
 * receiver picks the epoch that puts the packet closest to the window.
 * Case A: the window lies within one epoch (Tl >= W - 1). Case B: the
 * window straddles an epoch boundary.
 */
static int infer_high(const struct esp_replay *rp, uint32_t seq_lo, uint32_t *high)
{
	uint32_t tl = (uint32_t)rp->rp_top, th = (uint32_t)(rp->rp_top >> 32);
	uint32_t w = rp->rp_window;
	uint32_t bottom = tl - w + 1u; /* wraps in case B, as the RFC intends */

	if (tl >= w - 1u) {
		if (seq_lo >= bottom) {
			*high = th;
		} else {
			if (th == UINT32_MAX)
				return GW_E_EXISTS; /* the 2^64 space is spent */
			*high = th + 1u;
		}
		return 0;
	}
	if (seq_lo >= bottom) {
		if (th == 0)
			return GW_E_EXISTS; /* an epoch before the first one */
		*high = th - 1u;
	} else {
		*high = th;
	}
	return 0;
}

int esp_replay_check(const struct esp_replay *rp, uint32_t seq_lo, uint64_t *seq)
{
	uint32_t high = 0;
	uint64_t s;
	int r;

	if (rp->rp_esn && (r = infer_high(rp, seq_lo, &high)) < 0)
		return r;
	s = (uint64_t)high << 32 | seq_lo;
	/* Sequence numbers start at 1 (RFC 4303 section 3.3.3). */
	if (s == 0)
		return GW_E_EXISTS;
	*seq = s;
	if (s > rp->rp_top)
		return 0;
	if (rp->rp_top - s >= rp->rp_window)
		return GW_E_EXISTS;
	return bit_test(rp, s) ? GW_E_EXISTS : 0;
}

/* Clear the ring positions of top+1 .. seq, a word at a time where whole. */
static void slide(struct esp_replay *rp, uint64_t seq)
{
	uint64_t x = rp->rp_top + 1u;

	if (seq - rp->rp_top >= rp->rp_bits) {
		memset(rp->rp_map, 0, rp->rp_bits / 8u);
		return;
	}
	while (x <= seq) {
		uint32_t i = (uint32_t)(x % rp->rp_bits);

		if (i % 64u == 0 && seq - x >= 63u) {
			rp->rp_map[i / 64u] = 0;
			x += 64u;
		} else {
			rp->rp_map[i / 64u] &= ~((uint64_t)1 << (i % 64u));
			x++;
		}
	}
}

int esp_replay_update(struct esp_replay *rp, uint64_t seq)
{
	if (seq == 0)
		return GW_E_EXISTS;
	if (!rp->rp_map && !(rp->rp_map = calloc(rp->rp_bits / 64u, sizeof(uint64_t))))
		return GW_E_NOMEM;
	if (seq > rp->rp_top) {
		slide(rp, seq);
		rp->rp_top = seq;
		bit_set(rp, seq);
		return 0;
	}
	if (rp->rp_top - seq >= rp->rp_window || bit_test(rp, seq))
		return GW_E_EXISTS;
	bit_set(rp, seq);
	return 0;
}

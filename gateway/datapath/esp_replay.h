/*
 * esp_replay.h: the ESP anti-replay window (RFC 4303 section 3.4.3) with
 * 64-bit extended sequence numbers (RFC 4303 appendix A). Internal to
 * datapath/. A value type with no lock: esp.c serialises access per SA.
 * The bitmap is a ring (RFC 6479): the bit of sequence number s sits at
 * s mod rp_bits, so sliding the window only clears the bits it passes.
 */
#ifndef PAL_DATAPATH_ESP_REPLAY_H
#define PAL_DATAPATH_ESP_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ESP_REPLAY_DEFAULT 1024u
#define ESP_REPLAY_MAX     65536u /* packets; bounds the bitmap at 8 KiB */

struct esp_replay {
	uint64_t rp_top;    /* highest authenticated sequence number, 0 = none yet */
	uint32_t rp_window; /* packets accepted behind rp_top */
	uint32_t rp_bits;   /* bitmap size: rp_window rounded up to 64 */
	bool rp_esn;
	uint64_t *rp_map; /* NULL until the first packet: all clear */
};

/* window 0 = ESP_REPLAY_DEFAULT; above ESP_REPLAY_MAX is GW_E_RANGE. */
int esp_replay_init(struct esp_replay *rp, uint32_t window, bool esn);
void esp_replay_fini(struct esp_replay *rp);

/*
 * Reconstructs the full sequence number of a packet from its low 32 bits
 * (RFC 4303 A2.2) and says whether it may be new: 0 with *seq set, or
 * GW_E_EXISTS for a duplicate, a number behind the window or an
 * impossible one (0 without ESN, or before the first epoch).
 */
int esp_replay_check(const struct esp_replay *rp, uint32_t seq_lo, uint64_t *seq);
/* Marks seq as received (after its ICV verified). GW_E_EXISTS when another
 * packet took it in the meantime (the caller re-checks under its lock);
 * GW_E_NOMEM when the first packet cannot get the bitmap. */
int esp_replay_update(struct esp_replay *rp, uint64_t seq);

#endif

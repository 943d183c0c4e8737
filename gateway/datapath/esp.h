/*
 * esp.h: ESP encapsulation and decapsulation (RFC 4303) for the userspace
 * backend, internal to datapath/. An esp_sa is one direction of an SA:
 * keyed crypto contexts, the sequence counter or replay window, counters
 * and lifetimes. The packet functions are pure over caller buffers (no
 * I/O, no allocation) and may run on several threads at once: counters are
 * atomics, the replay window has its own lock, and each thread passes the
 * index of the crypto context it uses (a context is locked while in use).
 */
#ifndef PAL_DATAPATH_ESP_H
#define PAL_DATAPATH_ESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datapath/datapath.h"
#include "datapath/esp_crypto.h"

#define ESP_HDR_LEN  8
#define ESP_HEADROOM (ESP_HDR_LEN + ESP_IV_MAX)            /* before the inner packet */
#define ESP_TAILROOM (ESP_BLOCK_MAX - 1 + 2 + ESP_ICV_MAX) /* after it */
#define ESP_NH_NONE  59                                    /* dummy packet (RFC 4303 section 2.6) */

struct esp_sa;

struct esp_opts {
	uint32_t eo_window;   /* replay window when the SA says 0; 0 = 1024 */
	unsigned eo_nctx;     /* crypto contexts (threads using the SA at once); >= 1 */
	dp_event_fn eo_event; /* soft/hard expires; may be NULL */
	void *eo_event_arg;
	uint64_t eo_now; /* unix seconds: the SA's add time */
};

/* Where a result lies in the caller's buffer. */
struct esp_pkt {
	size_t ep_off; /* encap: the ESP packet (SPI first); decap: the payload data */
	size_t ep_len;
	uint8_t ep_nh; /* next header: 4/41 in tunnel mode, the upper protocol in transport */
	uint64_t ep_seq;
};

/* GW_E_UNSUP for an algorithm we do not offer, GW_E_INVAL for bad keys. */
int esp_sa_new(const struct dp_sa *sa, const struct esp_opts *o, struct esp_sa **out);
void esp_sa_free(struct esp_sa *sa);

uint32_t esp_sa_spi(const struct esp_sa *sa);
const char *esp_sa_alg_name(const struct esp_sa *sa);
void esp_sa_set_lifetime(struct esp_sa *sa, const struct dp_lifetime *lt);
void esp_sa_get_stats(const struct esp_sa *sa, struct dp_sa_stats *st);
/* Moves the sequence counter: outbound, the last number sent; inbound, the
 * window's top (emptied). For tests and a future SA migration. */
void esp_sa_set_seq(struct esp_sa *sa, uint64_t seq);
/* True once the SA hard-expired (it processes nothing more). */
bool esp_sa_dead(const struct esp_sa *sa);
/* Time lifetimes at now (unix seconds): raises soft/hard expire events
 * once each; returns esp_sa_dead(). */
bool esp_sa_tick(struct esp_sa *sa, uint64_t now);

/* The SPI of an ESP packet (first 4 bytes), GW_E_PARSE if too short. */
int esp_peek_spi(const uint8_t *pkt, size_t len, uint32_t *spi);

/*
 * Outbound: the IP packet at buf + off (len bytes) becomes an ESP packet in
 * place: tunnel mode carries the whole packet, transport mode its payload
 * (the IP header's fields are read first; the ESP header overwrites its
 * tail). Needs off >= ESP_HEADROOM and off + len + ESP_TAILROOM <= cap.
 * GW_E_STATE when the SA has expired (or its sequence numbers ran out),
 * GW_E_PARSE for a packet that is not IP, GW_E_UNSUP for an IPv4 fragment
 * in transport mode.
 */
int esp_encap(struct esp_sa *sa, unsigned ctx, uint8_t *buf, size_t cap, size_t off, size_t len,
	      uint64_t now, struct esp_pkt *out);

/*
 * Inbound: pkt holds one ESP packet (SPI first, len bytes) and is
 * decrypted in place. Errors: GW_E_NOTFOUND (SPI is not this SA's),
 * GW_E_STATE (expired), GW_E_EXISTS (replayed or behind the window;
 * counted), GW_E_AUTH (ICV mismatch; counted), GW_E_PARSE (truncated, bad
 * padding, bad inner packet). A dummy packet (next header 59) returns 0
 * with ep_nh == ESP_NH_NONE: drop it.
 */
int esp_decap(struct esp_sa *sa, unsigned ctx, uint8_t *pkt, size_t len, uint64_t now,
	      struct esp_pkt *out);

#endif

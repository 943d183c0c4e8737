/*
 * xfrm_msg.h: the XFRM netlink messages of the xfrm backend (internal to
 * datapath/). Pure functions: they build libnl messages from dp_* structs
 * and decode what the kernel sends, with no socket, so unit tests check
 * every attribute without a kernel. Thread-safe.
 *
 * Ownership tags: the kernel has no owner field on states or policies, so
 * ours carry a tag that survives a crash of the daemon and lets dp_new()
 * remove exactly what an earlier run left behind:
 *  - an SA's km.seq (xfrm_usersa_info.seq) is XFRM_TAG | n; the kernel
 *    stores it and reports it in dumps, and only compares it with its own
 *    acquire sequence numbers, which count up from 1 and would need ~1.3e9
 *    acquires to reach the tag;
 *  - ALLOCSPI ignores seq for the larval state it creates (it only uses it
 *    to find an existing one), so a larval state carries the tag in its
 *    reqid, unique per call: the kernel would otherwise hand the same
 *    larval state, and SPI, to two ALLOCSPIs for the same addresses;
 *  - a policy's index is XFRM_TAG | n << 3 | dir; the kernel keeps a
 *    user-chosen index when it is free (the low three bits name the
 *    direction, as the kernel requires).
 */
#ifndef PAL_DATAPATH_XFRM_MSG_H
#define PAL_DATAPATH_XFRM_MSG_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/xfrm.h>
#include <netlink/msg.h>

#include "datapath/datapath.h"

#define XFRM_TAG        0x50400000u /* "P@": Palisade */
#define XFRM_TAG_MASK   0xfff00000u
#define XFRM_TAG_N_MAX  0x000fffffu /* seq counter */
#define XFRM_POL_N_MAX  0x0001ffffu /* index counter (bits 3..19) */
#define XFRM_WINDOW_DEF 1024u
/* The kernel takes at most 128 bitmap words (verify_replay()). */
#define XFRM_WINDOW_MAX 4096u

/* SPI range we ask ALLOCSPI for (1-255 are reserved, RFC 4303 2.1). */
#define XFRM_SPI_MIN 0x00001000u
#define XFRM_SPI_MAX 0xfffffffeu

static inline bool xfrm_tagged(uint32_t v)
{
	return (v & XFRM_TAG_MASK) == XFRM_TAG;
}

/* An algorithm as the kernel's crypto API names it. */
struct xfrm_alg {
	const char *xa_name;
	unsigned xa_key_bits; /* with the 32-bit salt for AEADs */
	unsigned xa_icv_bits; /* AEAD ICV or HMAC truncation */
	bool xa_aead;
};

/* IKE ENCR ID + key length (bits, 0 = default) -> kernel cipher. */
int xfrm_msg_alg_encr(uint16_t encr, uint16_t keylen, struct xfrm_alg *out);
/* IKE INTEG ID -> kernel HMAC with its truncation (RFC 4868 2.3). */
int xfrm_msg_alg_integ(uint16_t integ, struct xfrm_alg *out);

/* Sequence numbers and window bitmap of an SA, to carry over when an SA
 * is re-added with new addresses (MOBIKE-style update). */
struct xfrm_replay_carry {
	uint32_t rc_oseq, rc_oseq_hi;
	uint32_t rc_seq, rc_seq_hi;
	uint32_t rc_bmp_len;
	uint32_t rc_bmp[XFRM_WINDOW_MAX / 32];
};

/*
 * XFRM_MSG_NEWSA or XFRM_MSG_UPDSA (type) for sa, with the owner tag
 * seq. window: the backend default used when sa->sa_replay_window is 0.
 * carry may be NULL. The message holds the keys: free it with
 * xfrm_msg_free(), which wipes it.
 */
int xfrm_msg_sa(int type, const struct dp_sa *sa, uint32_t window, uint32_t seq,
		const struct xfrm_replay_carry *carry, struct nl_msg **out);
/* XFRM_MSG_DELSA or XFRM_MSG_GETSA for one ESP SA. */
int xfrm_msg_sa_id(int type, uint32_t spi, const struct dp_addr *dst, uint32_t mark,
		   uint32_t mark_mask, struct nl_msg **out);
/* XFRM_MSG_ALLOCSPI: a larval ESP state src->dst, tagged by its reqid. */
int xfrm_msg_allocspi(const struct dp_addr *src, const struct dp_addr *dst, uint32_t reqid,
		      uint32_t min, uint32_t max, struct nl_msg **out);
/* XFRM_MSG_NEWPOLICY with index (XFRM_TAG | n << 3 | dir). */
int xfrm_msg_policy(const struct dp_policy *p, uint32_t index, struct nl_msg **out);
/* XFRM_MSG_DELPOLICY by selector (index 0) or by index. */
int xfrm_msg_policy_del(const struct dp_selector *sel, enum dp_dir dir, uint32_t index,
			uint32_t mark, uint32_t mark_mask, struct nl_msg **out);
/* A dump request: XFRM_MSG_GETSA or XFRM_MSG_GETPOLICY. */
int xfrm_msg_dump(int type, struct nl_msg **out);
/* Wipes the whole message (it may hold keys), then frees it. NULL is fine. */
void xfrm_msg_free(struct nl_msg *msg);

/* What we read back from an SA (NEWSA reply to GETSA, dump entries). */
struct xfrm_sa_info {
	uint32_t si_spi;
	struct dp_addr si_dst;
	uint8_t si_proto;
	uint32_t si_seq;
	uint32_t si_reqid;
	uint32_t si_mark, si_mark_mask;
	struct dp_sa_stats si_stats;
	bool si_has_replay;
	struct xfrm_replay_carry si_replay;
};
int xfrm_msg_parse_sa(const struct nlmsghdr *nlh, struct xfrm_sa_info *out);

/* A policy from a dump. */
struct xfrm_pol_info {
	uint32_t pi_index;
	uint8_t pi_dir;
	struct dp_selector pi_sel;
	uint32_t pi_mark, pi_mark_mask;
};
int xfrm_msg_parse_policy(const struct nlmsghdr *nlh, struct xfrm_pol_info *out);

/* An XFRM_MSG_EXPIRE or XFRM_MSG_ACQUIRE, with what identifies its owner:
 * the SA's mark (expire) or the policy's index (acquire). */
struct xfrm_notice {
	struct dp_event xn_ev;
	uint32_t xn_mark, xn_mark_mask;
	uint32_t xn_pol_index;
};
/* GW_E_NOTFOUND for messages that are neither. */
int xfrm_msg_parse_notice(const struct nlmsghdr *nlh, struct xfrm_notice *out);

/* Conversions shared with the backend. */
void xfrm_sel_from_dp(struct xfrm_selector *xs, const struct dp_selector *s);
void xfrm_sel_to_dp(struct dp_selector *s, const struct xfrm_selector *xs);
int xfrm_addr_from_dp(xfrm_address_t *xa, const struct dp_addr *a);
void xfrm_addr_to_dp(struct dp_addr *a, int family, const xfrm_address_t *xa);
bool xfrm_addr_equal(const struct dp_addr *a, const struct dp_addr *b);

#endif

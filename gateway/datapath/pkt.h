/*
 * pkt.h: the IP headers the userspace data path reads and writes, internal
 * to datapath/: the flow of a packet (addresses, protocol, ports) for
 * selector matching, the header of a transport-mode packet rebuilt after
 * decapsulation, and its TCP/UDP checksum. Pure functions, any thread.
 */
#ifndef PAL_DATAPATH_PKT_H
#define PAL_DATAPATH_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datapath/datapath.h"

#define PKT_IP4_HDR 20
#define PKT_IP6_HDR 40

struct pkt_flow {
	int pf_family; /* AF_INET or AF_INET6 */
	uint8_t pf_src[16];
	uint8_t pf_dst[16];
	uint8_t pf_proto;    /* upper-layer protocol (past IPv6 extension headers) */
	uint8_t pf_nh;       /* IPv4 protocol / the IPv6 fixed header's next header */
	uint16_t pf_sport;   /* host order; ICMP: type, as XFRM selectors use it */
	uint16_t pf_dport;   /* host order; ICMP: code */
	uint16_t pf_hdr_len; /* IPv4: IHL * 4; IPv6: 40 */
	uint32_t pf_tot_len; /* IPv4 total length, IPv6 40 + payload length */
	bool pf_frag;        /* a fragment (IPv4 MF/offset, IPv6 fragment header) */
	bool pf_ports;       /* ports/type known (not a later fragment) */
};

/* Parses an IP packet (version from the first nibble). GW_E_PARSE when the
 * headers are truncated or inconsistent with len. */
int pkt_parse(const uint8_t *p, size_t len, struct pkt_flow *f);

/* The flow of a transport-mode payload (upper-layer header l4, len bytes)
 * under a header with these addresses and next header proto. */
void pkt_flow_l4(struct pkt_flow *f, int family, const uint8_t *src, const uint8_t *dst,
		 uint8_t proto, const uint8_t *l4, size_t len);

/* All-zero selector: matches anything. */
bool pkt_sel_is_any(const struct dp_selector *sel);
bool pkt_sel_match(const struct dp_selector *sel, const struct pkt_flow *f);

/*
 * Writes the IP header of a transport-mode packet rebuilt after ESP input
 * (RFC 4303 section 3.4.4: the outer header minus ESP): 20 bytes for
 * IPv4, 40 for IPv6; returns the length, 0 for a bad family or size.
 */
size_t pkt_build_hdr(uint8_t *hdr, int family, const uint8_t *src, const uint8_t *dst,
		     uint8_t proto, size_t payload_len);

/*
 * Recomputes the TCP or UDP checksum of a transport-mode payload for the
 * rebuilt header's addresses. RFC 3948 section 3.1.2: a NAT rewrote the
 * outer source the checksum was computed over; the ESP ICV already proved
 * the payload intact. Other protocols (and UDP over IPv4 without a
 * checksum) are left alone.
 */
void pkt_fix_l4_csum(int family, const uint8_t *src, const uint8_t *dst, uint8_t proto,
		     uint8_t *payload, size_t len);

#endif

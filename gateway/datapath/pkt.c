/*
 * pkt.c: IP header parsing (RFC 791, RFC 8200) for selector matching, and
 * the header and checksum work of transport-mode decapsulation.
 */
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "datapath/pkt.h"
#include "util/err.h"
#include "util/reader.h"

#define IP6_MAX_EXT 8 /* extension headers we walk before giving up */

/*
 * Ports (or ICMP type and code) of the upper-layer header, which all
 * start with two 16-bit fields or two bytes (RFC 792, RFC 4443).
 */
static void parse_ports(struct reader *rd, struct pkt_flow *f)
{
	switch (f->pf_proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
		f->pf_sport = rd_u16(rd);
		f->pf_dport = rd_u16(rd);
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		f->pf_sport = rd_u8(rd);
		f->pf_dport = rd_u8(rd);
		break;
	default:
		return;
	}
	/* A truncated first fragment still matches on addresses. */
	f->pf_ports = rd_ok(rd);
	if (!f->pf_ports)
		f->pf_sport = f->pf_dport = 0;
}

/*
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |Version|  IHL  |Type of Service|          Total Length         |
 * |         Identification        |Flags|      Fragment Offset    |
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * |                       Source Address                          |
 * |                    Destination Address                        |
 * RFC 791 section 3.1
 */
static int parse_ip4(struct reader *rd, size_t len, struct pkt_flow *f)
{
	uint8_t vihl = rd_u8(rd);
	uint16_t frag;
	struct reader opts;

	f->pf_family = AF_INET;
	f->pf_hdr_len = (uint16_t)((vihl & 0x0f) * 4u);
	rd_skip(rd, 1);
	f->pf_tot_len = rd_u16(rd);
	rd_skip(rd, 2);
	frag = rd_u16(rd);
	rd_skip(rd, 1);
	f->pf_nh = f->pf_proto = rd_u8(rd);
	rd_skip(rd, 2);
	rd_copy(rd, f->pf_src, 4);
	rd_copy(rd, f->pf_dst, 4);
	if (!rd_ok(rd) || f->pf_hdr_len < PKT_IP4_HDR || f->pf_tot_len < f->pf_hdr_len ||
	    f->pf_tot_len > len)
		return GW_E_PARSE;
	if (!rd_sub(rd, f->pf_hdr_len - PKT_IP4_HDR, &opts))
		return GW_E_PARSE;
	f->pf_frag = (frag & 0x3fff) != 0;
	if ((frag & 0x1fff) == 0)
		parse_ports(rd, f);
	return 0;
}

static bool is_ip6_ext(uint8_t nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING || nh == IPPROTO_DSTOPTS ||
	       nh == IPPROTO_AH || nh == IPPROTO_FRAGMENT;
}

/*
 * RFC 8200 section 4: walk Hop-by-Hop, Routing, Destination Options,
 * Fragment and AH headers to the upper-layer protocol. True when rd stands
 * at the upper-layer header (not for a later fragment or too many headers).
 */
static bool walk_ip6_ext(struct reader *rd, struct pkt_flow *f)
{
	for (int i = 0; i < IP6_MAX_EXT && is_ip6_ext(f->pf_proto); i++) {
		uint8_t nh = f->pf_proto, next = rd_u8(rd), hl = rd_u8(rd);

		if (nh == IPPROTO_FRAGMENT) {
			f->pf_frag = true;
			if ((rd_u16(rd) & 0xfff8) != 0) {
				f->pf_proto = next;
				return false;
			}
			rd_skip(rd, 4);
		} else if (nh == IPPROTO_AH) {
			/* RFC 4302 section 2.2: length in 4-byte words, minus 2 */
			rd_skip(rd, (size_t)(hl + 2) * 4u - 2u);
		} else {
			rd_skip(rd, (size_t)(hl + 1) * 8u - 2u);
		}
		if (!rd_ok(rd))
			return false;
		f->pf_proto = next;
	}
	return !is_ip6_ext(f->pf_proto);
}

/* RFC 8200 section 3: version, traffic class, flow label, payload length,
 * next header, hop limit, source, destination. */
static int parse_ip6(struct reader *rd, size_t len, struct pkt_flow *f)
{
	struct reader up;
	uint16_t plen;

	f->pf_family = AF_INET6;
	f->pf_hdr_len = PKT_IP6_HDR;
	rd_skip(rd, 4);
	plen = rd_u16(rd);
	f->pf_nh = f->pf_proto = rd_u8(rd);
	rd_skip(rd, 1);
	rd_copy(rd, f->pf_src, 16);
	rd_copy(rd, f->pf_dst, 16);
	f->pf_tot_len = PKT_IP6_HDR + (uint32_t)plen;
	if (!rd_ok(rd) || f->pf_tot_len > len)
		return GW_E_PARSE;
	if (!rd_sub(rd, plen, &up))
		return GW_E_PARSE;
	if (walk_ip6_ext(&up, f))
		parse_ports(&up, f);
	return 0;
}

int pkt_parse(const uint8_t *p, size_t len, struct pkt_flow *f)
{
	struct reader rd;

	memset(f, 0, sizeof(*f));
	if (len == 0)
		return GW_E_PARSE;
	rd_init(&rd, p, len);
	switch (p[0] >> 4) {
	case 4:
		return parse_ip4(&rd, len, f);
	case 6:
		return parse_ip6(&rd, len, f);
	default:
		return GW_E_PARSE;
	}
}

void pkt_flow_l4(struct pkt_flow *f, int family, const uint8_t *src, const uint8_t *dst,
		 uint8_t proto, const uint8_t *l4, size_t len)
{
	size_t alen = family == AF_INET ? 4 : 16;
	struct reader rd;

	memset(f, 0, sizeof(*f));
	f->pf_family = family;
	memcpy(f->pf_src, src, alen);
	memcpy(f->pf_dst, dst, alen);
	f->pf_nh = f->pf_proto = proto;
	f->pf_hdr_len = family == AF_INET ? PKT_IP4_HDR : PKT_IP6_HDR;
	f->pf_tot_len = (uint32_t)(f->pf_hdr_len + len);
	rd_init(&rd, l4, len);
	if (family == AF_INET6 && !walk_ip6_ext(&rd, f))
		return;
	parse_ports(&rd, f);
}

bool pkt_sel_is_any(const struct dp_selector *sel)
{
	static const struct dp_selector zero;

	return memcmp(sel, &zero, sizeof(zero)) == 0;
}

static bool prefix_match(const uint8_t *a, const uint8_t *b, unsigned plen, unsigned max)
{
	unsigned bytes, bits;

	if (plen > max)
		plen = max;
	bytes = plen / 8u;
	bits = plen % 8u;
	if (memcmp(a, b, bytes) != 0)
		return false;
	if (bits == 0)
		return true;
	return ((a[bytes] ^ b[bytes]) & (uint8_t)(0xff00u >> bits)) == 0;
}

bool pkt_sel_match(const struct dp_selector *sel, const struct pkt_flow *f)
{
	unsigned max = f->pf_family == AF_INET ? 32u : 128u;

	if (sel->s_family) {
		if (sel->s_family != f->pf_family)
			return false;
		if (!prefix_match(sel->s_src.a_addr, f->pf_src, sel->s_src_plen, max) ||
		    !prefix_match(sel->s_dst.a_addr, f->pf_dst, sel->s_dst_plen, max))
			return false;
	}
	if (sel->s_proto && sel->s_proto != f->pf_proto)
		return false;
	if (((f->pf_sport ^ sel->s_sport) & sel->s_sport_mask) != 0)
		return false;
	return ((f->pf_dport ^ sel->s_dport) & sel->s_dport_mask) == 0;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* RFC 1071: the Internet checksum, summed 16 bits at a time. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1u)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t pkt_build_hdr(uint8_t *hdr, int family, const uint8_t *src, const uint8_t *dst,
		     uint8_t proto, size_t payload_len)
{
	if (family == AF_INET) {
		if (payload_len > 0xffffu - PKT_IP4_HDR)
			return 0;
		memset(hdr, 0, PKT_IP4_HDR);
		hdr[0] = 0x45;
		put16(hdr + 2, (uint16_t)(PKT_IP4_HDR + payload_len));
		hdr[6] = 0x40; /* DF: the peer's fragments were reassembled already */
		hdr[8] = 64;
		hdr[9] = proto;
		memcpy(hdr + 12, src, 4);
		memcpy(hdr + 16, dst, 4);
		put16(hdr + 10, csum_fold(csum_add(0, hdr, PKT_IP4_HDR)));
		return PKT_IP4_HDR;
	}
	if (family != AF_INET6 || payload_len > 0xffffu)
		return 0;
	memset(hdr, 0, PKT_IP6_HDR);
	hdr[0] = 0x60;
	put16(hdr + 4, (uint16_t)payload_len);
	hdr[6] = proto;
	hdr[7] = 64;
	memcpy(hdr + 8, src, 16);
	memcpy(hdr + 24, dst, 16);
	return PKT_IP6_HDR;
}

void pkt_fix_l4_csum(int family, const uint8_t *src, const uint8_t *dst, uint8_t proto,
		     uint8_t *payload, size_t len)
{
	size_t alen = family == AF_INET ? 4 : 16, off;
	uint8_t tail[4];
	uint32_t sum;
	uint16_t c;

	if (proto == IPPROTO_TCP)
		off = 16;
	else if (proto == IPPROTO_UDP)
		off = 6;
	else
		return;
	if (len < off + 2 || len > 0xffffu)
		return;
	if (proto == IPPROTO_UDP && family == AF_INET && payload[6] == 0 && payload[7] == 0)
		return; /* RFC 768: no checksum */
	/* Pseudo-header: RFC 793 section 3.1, RFC 768, RFC 8200 section 8.1. */
	sum = csum_add(0, src, alen);
	sum = csum_add(sum, dst, alen);
	put16(tail, 0);
	tail[2] = 0;
	tail[3] = proto;
	sum = csum_add(sum, tail, sizeof(tail));
	sum += (uint32_t)len;
	payload[off] = payload[off + 1] = 0;
	c = csum_fold(csum_add(sum, payload, len));
	if (c == 0 && proto == IPPROTO_UDP)
		c = 0xffff; /* zero means "none" for UDP */
	put16(payload + off, c);
}

/*
 * NAT detection (RFC 7296 2.23): NAT_DETECTION_SOURCE_IP and
 * _DESTINATION_IP carry SHA-1(SPIi | SPIr | IP | port). A source hash
 * that does not match where the message came from means the peer is
 * behind a NAT; a destination hash that does not match our address means
 * we are. `encap` fakes our source hash so that the peer sees a NAT and
 * both sides encapsulate ESP in UDP (as strongSwan's encap=yes does).
 */
#include <string.h>

#include <openssl/evp.h>

#include "sa/sa_int.h"
#include "util/err.h"

#define NATD_LEN 20

int sa_natd_hash(uint64_t spi_i, uint64_t spi_r, const struct sa_ep *ep, uint8_t out[NATD_LEN])
{
	uint8_t in[8 + 8 + 16 + 2];
	size_t alen = ep->ep_family == AF_INET ? 4 : 16, n = 0;
	unsigned int len = 0;

	for (int i = 0; i < 8; i++)
		in[n++] = (uint8_t)(spi_i >> (56 - 8 * i));
	for (int i = 0; i < 8; i++)
		in[n++] = (uint8_t)(spi_r >> (56 - 8 * i));
	memcpy(in + n, ep->ep_addr, alen);
	n += alen;
	in[n++] = (uint8_t)(ep->ep_port >> 8);
	in[n++] = (uint8_t)ep->ep_port;
	if (!EVP_Digest(in, n, out, &len, EVP_sha1(), NULL) || len != NATD_LEN)
		return GW_E_CRYPTO;
	return 0;
}

/* Append both NAT-D notifies for the message we are building. */
void sa_natd_build(struct ike_builder *b, const struct ike_sa *sa, uint64_t spi_r, bool fake_src)
{
	uint8_t src[NATD_LEN], dst[NATD_LEN];
	struct ike_pld_notify n = { .n_data = src, .n_len = NATD_LEN };

	if (sa_natd_hash(sa->s_spi_i, spi_r, &sa->s_local, src) ||
	    sa_natd_hash(sa->s_spi_i, spi_r, &sa->s_remote, dst))
		return;
	if (fake_src) /* any value that cannot match */
		src[0] ^= 0xff;
	n.n_type = IKE_N_NAT_DETECTION_SOURCE_IP;
	ike_build_notify(b, &n);
	n.n_type = IKE_N_NAT_DETECTION_DESTINATION_IP;
	n.n_data = dst;
	ike_build_notify(b, &n);
}

/*
 * Compare the peer's NAT-D notifies of an IKE_SA_INIT message with what we
 * see. src is where the message came from, dst our address it came to.
 * No notifies at all: the peer does not do NAT-T, nothing is detected.
 */
void sa_natd_check(struct ike_sa *sa, const struct ike_msg *msg, uint64_t spi_r)
{
	uint8_t h_src[NATD_LEN], h_dst[NATD_LEN];
	bool seen_src = false, src_match = false, dst_seen = false, dst_match = false;

	if (sa_natd_hash(sa->s_spi_i, spi_r, &sa->s_remote, h_src) ||
	    sa_natd_hash(sa->s_spi_i, spi_r, &sa->s_local, h_dst))
		return;
	for (size_t i = 0; i < msg->m_n; i++) {
		struct ike_pld_notify n;
		struct ike_err err;

		if (msg->m_pld[i].p_type != IKE_PLD_NOTIFY ||
		    ike_pld_notify_parse(&msg->m_pld[i], &n, &err) || n.n_len != NATD_LEN)
			continue;
		/* several source hashes are allowed (multi-homed peers) */
		if (n.n_type == IKE_N_NAT_DETECTION_SOURCE_IP) {
			seen_src = true;
			src_match |= !memcmp(n.n_data, h_src, NATD_LEN);
		} else if (n.n_type == IKE_N_NAT_DETECTION_DESTINATION_IP) {
			dst_seen = true;
			dst_match |= !memcmp(n.n_data, h_dst, NATD_LEN);
		}
	}
	if (seen_src)
		sa->s_nat_remote = !src_match;
	if (dst_seen)
		sa->s_nat_local = !dst_match;
}

/*
 * xfrm_msg.c: XFRM netlink messages (linux/xfrm.h, the kernel's xfrm_user
 * interface) for ESP SAs (RFC 4303), ESP-in-UDP (RFC 3948) and policies.
 *
 * Messages are built with libnl's generic nl_msg/nla helpers rather than
 * libnl-xfrm's xfrmnl_sa objects: those copy keys into heap buffers that
 * are freed without wiping, and have no way to pass a large replay window
 * without ESN. Here keys go straight into the message buffer, which
 * xfrm_msg_free() wipes.
 */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/udp.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <openssl/crypto.h>

#include "datapath/xfrm_msg.h"
#include "util/err.h"
#include "util/iana.h"

struct encr_alg {
	uint16_t ea_id;
	const char *ea_name;
	unsigned ea_icv_bits; /* 0: not an AEAD */
};

/*
 * ESP ciphers. RFC 4106 section 8.1 (AES-GCM for ESP) and RFC 7634
 * section 2 (ChaCha20-Poly1305 for ESP): the keying material is the
 * cipher key followed by a 4-byte salt, which the kernel's rfc4106 and
 * rfc7539esp templates expect as the last 32 bits of the key. The ICV is
 * 8, 12 or 16 bytes for GCM (RFC 4106 section 6), 16 for ChaCha20.
 * 3DES-CBC (RFC 2451) has a fixed 192-bit key and no Key Length attribute.
 */
static const struct encr_alg encr_algs[] = {
	{ IKE_ENCR_AES_CBC, "cbc(aes)", 0 },
	{ IKE_ENCR_3DES, "cbc(des3_ede)", 0 },
	{ IKE_ENCR_AES_GCM_8, "rfc4106(gcm(aes))", 64 },
	{ IKE_ENCR_AES_GCM_12, "rfc4106(gcm(aes))", 96 },
	{ IKE_ENCR_AES_GCM_16, "rfc4106(gcm(aes))", 128 },
	{ IKE_ENCR_CHACHA20_POLY1305, "rfc7539esp(chacha20,poly1305)", 128 },
};

struct integ_alg {
	uint16_t ia_id;
	const char *ia_name;
	unsigned ia_key_bits;
	unsigned ia_trunc_bits;
};

/* RFC 2404 (HMAC-SHA1-96) and RFC 4868 section 2.3: the key is as long as
 * the hash output, the ICV is half of it. */
static const struct integ_alg integ_algs[] = {
	{ IKE_INTEG_HMAC_SHA1_96, "hmac(sha1)", 160, 96 },
	{ IKE_INTEG_HMAC_SHA2_256_128, "hmac(sha256)", 256, 128 },
	{ IKE_INTEG_HMAC_SHA2_384_192, "hmac(sha384)", 384, 192 },
	{ IKE_INTEG_HMAC_SHA2_512_256, "hmac(sha512)", 512, 256 },
};

int xfrm_msg_alg_encr(uint16_t encr, uint16_t keylen, struct xfrm_alg *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < sizeof(encr_algs) / sizeof(encr_algs[0]); i++) {
		const struct encr_alg *ea = &encr_algs[i];

		if (ea->ea_id != encr)
			continue;
		if (encr == IKE_ENCR_CHACHA20_POLY1305 || encr == IKE_ENCR_3DES) {
			unsigned fixed = encr == IKE_ENCR_3DES ? 192 : 256;

			if (keylen != 0 && keylen != fixed)
				return GW_E_INVAL;
			keylen = (uint16_t)fixed;
		} else if (keylen != 128 && keylen != 192 && keylen != 256) {
			return GW_E_INVAL;
		}
		out->xa_name = ea->ea_name;
		out->xa_aead = ea->ea_icv_bits != 0;
		out->xa_icv_bits = ea->ea_icv_bits;
		out->xa_key_bits = keylen + (out->xa_aead ? 32 : 0);
		return 0;
	}
	return GW_E_UNSUP;
}

int xfrm_msg_alg_integ(uint16_t integ, struct xfrm_alg *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < sizeof(integ_algs) / sizeof(integ_algs[0]); i++) {
		if (integ_algs[i].ia_id != integ)
			continue;
		out->xa_name = integ_algs[i].ia_name;
		out->xa_key_bits = integ_algs[i].ia_key_bits;
		out->xa_icv_bits = integ_algs[i].ia_trunc_bits;
		return 0;
	}
	return GW_E_UNSUP;
}

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

int xfrm_addr_from_dp(xfrm_address_t *xa, const struct dp_addr *a)
{
	size_t len = addr_len(a->a_family);

	memset(xa, 0, sizeof(*xa));
	if (len == 0)
		return GW_E_INVAL;
	memcpy(xa, a->a_addr, len);
	return 0;
}

void xfrm_addr_to_dp(struct dp_addr *a, int family, const xfrm_address_t *xa)
{
	memset(a, 0, sizeof(*a));
	a->a_family = family;
	memcpy(a->a_addr, xa, addr_len(family));
}

bool xfrm_addr_equal(const struct dp_addr *a, const struct dp_addr *b)
{
	size_t len = addr_len(a->a_family);

	return a->a_family == b->a_family && memcmp(a->a_addr, b->a_addr, len) == 0;
}

static int sel_check(const struct dp_selector *s)
{
	unsigned max;

	if (s->s_family == 0)
		return s->s_src_plen == 0 && s->s_dst_plen == 0 ? 0 : GW_E_INVAL;
	max = s->s_family == AF_INET ? 32 : s->s_family == AF_INET6 ? 128 : 0;
	if (max == 0 || s->s_src_plen > max || s->s_dst_plen > max)
		return GW_E_INVAL;
	return 0;
}

void xfrm_sel_from_dp(struct xfrm_selector *xs, const struct dp_selector *s)
{
	size_t len = addr_len(s->s_family);

	memset(xs, 0, sizeof(*xs));
	xs->family = s->s_family;
	memcpy(&xs->saddr, s->s_src.a_addr, len);
	memcpy(&xs->daddr, s->s_dst.a_addr, len);
	xs->prefixlen_s = s->s_src_plen;
	xs->prefixlen_d = s->s_dst_plen;
	xs->proto = s->s_proto;
	xs->sport = htons(s->s_sport);
	xs->sport_mask = htons(s->s_sport_mask);
	xs->dport = htons(s->s_dport);
	xs->dport_mask = htons(s->s_dport_mask);
}

void xfrm_sel_to_dp(struct dp_selector *s, const struct xfrm_selector *xs)
{
	int family = xs->family == AF_INET || xs->family == AF_INET6 ? xs->family : 0;

	memset(s, 0, sizeof(*s));
	s->s_family = family;
	if (family != 0) {
		xfrm_addr_to_dp(&s->s_src, family, &xs->saddr);
		xfrm_addr_to_dp(&s->s_dst, family, &xs->daddr);
	}
	s->s_src_plen = xs->prefixlen_s;
	s->s_dst_plen = xs->prefixlen_d;
	s->s_proto = xs->proto;
	s->s_sport = ntohs(xs->sport);
	s->s_sport_mask = ntohs(xs->sport_mask);
	s->s_dport = ntohs(xs->dport);
	s->s_dport_mask = ntohs(xs->dport_mask);
}

static uint64_t limit(uint64_t v)
{
	return v == 0 ? XFRM_INF : v;
}

static void lifetime_from_dp(struct xfrm_lifetime_cfg *c, const struct dp_lifetime *l)
{
	memset(c, 0, sizeof(*c));
	c->soft_byte_limit = limit(l->l_bytes_soft);
	c->hard_byte_limit = limit(l->l_bytes_hard);
	c->soft_packet_limit = limit(l->l_packets_soft);
	c->hard_packet_limit = limit(l->l_packets_hard);
	c->soft_add_expires_seconds = l->l_time_soft;
	c->hard_add_expires_seconds = l->l_time_hard;
}

static bool is_zero(const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != 0)
			return false;
	return true;
}

static int sa_info(struct xfrm_usersa_info *p, const struct dp_sa *sa, uint32_t seq)
{
	int family = sa->sa_dst.a_family;

	memset(p, 0, sizeof(*p));
	if (sa->sa_spi == 0 || sa->sa_src.a_family != family)
		return GW_E_INVAL;
	if (xfrm_addr_from_dp(&p->id.daddr, &sa->sa_dst) < 0 ||
	    xfrm_addr_from_dp(&p->saddr, &sa->sa_src) < 0 || sel_check(&sa->sa_sel) < 0)
		return GW_E_INVAL;
	if (sa->sa_mode != DP_MODE_TUNNEL && sa->sa_mode != DP_MODE_TRANSPORT)
		return GW_E_INVAL;
	p->id.spi = htonl(sa->sa_spi);
	p->id.proto = IPPROTO_ESP;
	p->family = family;
	p->mode = sa->sa_mode == DP_MODE_TUNNEL ? XFRM_MODE_TUNNEL : XFRM_MODE_TRANSPORT;
	p->reqid = sa->sa_reqid;
	p->seq = seq;
	xfrm_sel_from_dp(&p->sel, &sa->sa_sel);
	/* A tunnel SA that may carry any traffic: let it carry the other
	 * family too (IPv6 in IPv4 and back), as the selector says "any". */
	if (sa->sa_mode == DP_MODE_TUNNEL && is_zero(&sa->sa_sel, sizeof(sa->sa_sel)))
		p->flags |= XFRM_STATE_AF_UNSPEC;
	if (sa->sa_esn)
		p->flags |= XFRM_STATE_ESN;
	/* replay_window stays 0: the window goes in XFRMA_REPLAY_ESN_VAL */
	lifetime_from_dp(&p->lft, &sa->sa_lt);
	return 0;
}

static int put_key(struct nl_msg *msg, int type, size_t hdr, size_t keylen, void **data)
{
	struct nlattr *nla = nla_reserve(msg, type, hdr + keylen);

	if (nla == NULL)
		return GW_E_NOMEM;
	*data = nla_data(nla);
	memset(*data, 0, hdr + keylen);
	return 0;
}

static int put_aead(struct nl_msg *msg, const struct xfrm_alg *a, const struct dp_sa *sa)
{
	struct xfrm_algo_aead *x;
	int rc;

	if (sa->sa_integ != IKE_INTEG_NONE) /* RFC 4106 section 4: no separate ICV */
		return GW_E_INVAL;
	if ((rc = put_key(msg, XFRMA_ALG_AEAD, sizeof(*x), sa->sa_enc_key_len, (void **)&x)) < 0)
		return rc;
	strcpy(x->alg_name, a->xa_name);
	x->alg_key_len = a->xa_key_bits;
	x->alg_icv_len = a->xa_icv_bits;
	memcpy(x->alg_key, sa->sa_enc_key, sa->sa_enc_key_len);
	return 0;
}

static int put_cbc_hmac(struct nl_msg *msg, const struct xfrm_alg *enc, const struct dp_sa *sa)
{
	struct xfrm_algo *c;
	struct xfrm_algo_auth *a;
	struct xfrm_alg integ;
	int rc;

	if ((rc = xfrm_msg_alg_integ(sa->sa_integ, &integ)) < 0)
		return sa->sa_integ == IKE_INTEG_NONE ? GW_E_INVAL : rc;
	if (sa->sa_int_key == NULL || sa->sa_int_key_len != integ.xa_key_bits / 8)
		return GW_E_INVAL;
	if ((rc = put_key(msg, XFRMA_ALG_CRYPT, sizeof(*c), sa->sa_enc_key_len, (void **)&c)) < 0)
		return rc;
	strcpy(c->alg_name, enc->xa_name);
	c->alg_key_len = enc->xa_key_bits;
	memcpy(c->alg_key, sa->sa_enc_key, sa->sa_enc_key_len);
	/* AUTH_TRUNC, not AUTH: the kernel's plain XFRMA_ALG_AUTH assumes
	 * 96-bit truncation, wrong for SHA-2 (RFC 4868 section 2.3). */
	if ((rc = put_key(msg, XFRMA_ALG_AUTH_TRUNC, sizeof(*a), sa->sa_int_key_len, (void **)&a)) <
	    0)
		return rc;
	strcpy(a->alg_name, integ.xa_name);
	a->alg_key_len = integ.xa_key_bits;
	a->alg_trunc_len = integ.xa_icv_bits;
	memcpy(a->alg_key, sa->sa_int_key, sa->sa_int_key_len);
	return 0;
}

static int put_algs(struct nl_msg *msg, const struct dp_sa *sa)
{
	struct xfrm_alg enc;
	int rc;

	if ((rc = xfrm_msg_alg_encr(sa->sa_encr, sa->sa_encr_keylen, &enc)) < 0)
		return rc;
	if (sa->sa_enc_key == NULL || sa->sa_enc_key_len != enc.xa_key_bits / 8)
		return GW_E_INVAL;
	return enc.xa_aead ? put_aead(msg, &enc, sa) : put_cbc_hmac(msg, &enc, sa);
}

/*
 * RFC 4303 section 3.4.3: the receiver's anti-replay window. The kernel's
 * struct xfrm_usersa_info has an 8-bit window; larger windows, and ESN
 * (RFC 4303 section 2.2.1, with XFRM_STATE_ESN), take the bitmap form.
 * We always use it, on both directions: an outbound ESN SA needs it too.
 */
static int put_replay(struct nl_msg *msg, uint32_t w, const struct xfrm_replay_carry *carry)
{
	struct xfrm_replay_state_esn *rs;
	uint32_t words = (w + 31) / 32, n;
	int rc;

	if (w == 0 || w > XFRM_WINDOW_MAX)
		return GW_E_RANGE;
	if ((rc = put_key(msg, XFRMA_REPLAY_ESN_VAL, sizeof(*rs), words * sizeof(uint32_t),
			  (void **)&rs)) < 0)
		return rc;
	rs->bmp_len = words;
	rs->replay_window = w;
	if (carry != NULL) {
		rs->oseq = carry->rc_oseq;
		rs->oseq_hi = carry->rc_oseq_hi;
		rs->seq = carry->rc_seq;
		rs->seq_hi = carry->rc_seq_hi;
		n = carry->rc_bmp_len < words ? carry->rc_bmp_len : words;
		memcpy(rs->bmp, carry->rc_bmp, n * sizeof(uint32_t));
	}
	return 0;
}

/* RFC 3948 section 2.1: ESP in UDP, the ports IKE uses (4500 or NATed). */
static int put_encap(struct nl_msg *msg, const struct dp_sa *sa)
{
	struct xfrm_encap_tmpl et;

	if (sa->sa_encap_sport == 0 && sa->sa_encap_dport == 0)
		return 0;
	if (sa->sa_encap_sport == 0 || sa->sa_encap_dport == 0)
		return GW_E_INVAL;
	memset(&et, 0, sizeof(et));
	et.encap_type = UDP_ENCAP_ESPINUDP;
	et.encap_sport = htons(sa->sa_encap_sport);
	et.encap_dport = htons(sa->sa_encap_dport);
	return nla_put(msg, XFRMA_ENCAP, sizeof(et), &et) < 0 ? GW_E_NOMEM : 0;
}

static int put_mark(struct nl_msg *msg, uint32_t mark, uint32_t mask)
{
	struct xfrm_mark m = { .v = mark, .m = mask };

	if (mask == 0)
		return mark == 0 ? 0 : GW_E_INVAL; /* would never match */
	return nla_put(msg, XFRMA_MARK, sizeof(m), &m) < 0 ? GW_E_NOMEM : 0;
}

static int msg_new(int type, int flags, const void *hdr, size_t len, struct nl_msg **out)
{
	struct nl_msg *msg = nlmsg_alloc_simple(type, flags);

	*out = NULL;
	if (msg == NULL)
		return GW_E_NOMEM;
	if (len > 0 && nlmsg_append(msg, (void *)hdr, len, NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		return GW_E_NOMEM;
	}
	*out = msg;
	return 0;
}

int xfrm_msg_sa(int type, const struct dp_sa *sa, uint32_t window, uint32_t seq,
		const struct xfrm_replay_carry *carry, struct nl_msg **out)
{
	struct xfrm_usersa_info info;
	struct nl_msg *msg = NULL;
	uint32_t w;
	int rc;

	*out = NULL;
	if (type != XFRM_MSG_NEWSA && type != XFRM_MSG_UPDSA)
		return GW_E_INVAL;
	if ((rc = sa_info(&info, sa, seq)) < 0)
		return rc;
	w = sa->sa_replay_window ? sa->sa_replay_window : window ? window : XFRM_WINDOW_DEF;
	if ((rc = msg_new(type, 0, &info, sizeof(info), &msg)) < 0)
		return rc;
	if ((rc = put_algs(msg, sa)) < 0 || (rc = put_replay(msg, w, carry)) < 0 ||
	    (rc = put_encap(msg, sa)) < 0 ||
	    (rc = put_mark(msg, sa->sa_mark, sa->sa_mark_mask)) < 0)
		goto out;
	*out = msg;
	msg = NULL;
out:
	xfrm_msg_free(msg);
	return rc;
}

int xfrm_msg_sa_id(int type, uint32_t spi, const struct dp_addr *dst, uint32_t mark,
		   uint32_t mark_mask, struct nl_msg **out)
{
	struct xfrm_usersa_id id;
	struct nl_msg *msg;
	int rc;

	*out = NULL;
	if (type != XFRM_MSG_DELSA && type != XFRM_MSG_GETSA)
		return GW_E_INVAL;
	memset(&id, 0, sizeof(id));
	if (xfrm_addr_from_dp(&id.daddr, dst) < 0)
		return GW_E_INVAL;
	id.spi = htonl(spi);
	id.family = dst->a_family;
	id.proto = IPPROTO_ESP;
	if ((rc = msg_new(type, 0, &id, sizeof(id), &msg)) < 0)
		return rc;
	if ((rc = put_mark(msg, mark, mark_mask)) < 0) {
		nlmsg_free(msg);
		return rc;
	}
	*out = msg;
	return 0;
}

int xfrm_msg_allocspi(const struct dp_addr *src, const struct dp_addr *dst, uint32_t reqid,
		      uint32_t min, uint32_t max, struct nl_msg **out)
{
	struct xfrm_userspi_info u;

	*out = NULL;
	memset(&u, 0, sizeof(u));
	if (src->a_family != dst->a_family || min == 0 || min > max ||
	    xfrm_addr_from_dp(&u.info.id.daddr, dst) < 0 ||
	    xfrm_addr_from_dp(&u.info.saddr, src) < 0)
		return GW_E_INVAL;
	u.info.id.proto = IPPROTO_ESP;
	u.info.family = dst->a_family;
	u.info.reqid = reqid;
	u.min = min;
	u.max = max;
	return msg_new(XFRM_MSG_ALLOCSPI, 0, &u, sizeof(u), out);
}

static int dir_to_xfrm(enum dp_dir dir)
{
	switch (dir) {
	case DP_DIR_IN:
		return XFRM_POLICY_IN;
	case DP_DIR_OUT:
		return XFRM_POLICY_OUT;
	case DP_DIR_FWD:
		return XFRM_POLICY_FWD;
	}
	return -1;
}

static int put_tmpl(struct nl_msg *msg, const struct dp_policy *p)
{
	struct xfrm_user_tmpl t;

	memset(&t, 0, sizeof(t));
	t.id.proto = IPPROTO_ESP;
	t.reqid = p->p_reqid;
	t.aalgos = t.ealgos = t.calgos = ~0u;
	if (p->p_mode == DP_MODE_TUNNEL) {
		if (p->p_tmpl_src.a_family != p->p_tmpl_dst.a_family ||
		    xfrm_addr_from_dp(&t.id.daddr, &p->p_tmpl_dst) < 0 ||
		    xfrm_addr_from_dp(&t.saddr, &p->p_tmpl_src) < 0)
			return GW_E_INVAL;
		t.mode = XFRM_MODE_TUNNEL;
		t.family = p->p_tmpl_dst.a_family;
	} else if (p->p_mode == DP_MODE_TRANSPORT) {
		/* addresses of the packet itself: the template leaves them 0 */
		if (p->p_sel.s_family == 0)
			return GW_E_INVAL;
		t.mode = XFRM_MODE_TRANSPORT;
		t.family = p->p_sel.s_family;
	} else {
		return GW_E_INVAL;
	}
	return nla_put(msg, XFRMA_TMPL, sizeof(t), &t) < 0 ? GW_E_NOMEM : 0;
}

int xfrm_msg_policy(const struct dp_policy *p, uint32_t index, struct nl_msg **out)
{
	struct xfrm_userpolicy_info pi;
	struct nl_msg *msg;
	int dir = dir_to_xfrm(p->p_dir), rc;

	*out = NULL;
	if (dir < 0 || sel_check(&p->p_sel) < 0 || (index & 7) != (uint32_t)dir)
		return GW_E_INVAL;
	memset(&pi, 0, sizeof(pi));
	xfrm_sel_from_dp(&pi.sel, &p->p_sel);
	pi.lft.soft_byte_limit = pi.lft.hard_byte_limit = XFRM_INF;
	pi.lft.soft_packet_limit = pi.lft.hard_packet_limit = XFRM_INF;
	pi.priority = p->p_priority;
	pi.index = index;
	pi.dir = dir;
	pi.action = XFRM_POLICY_ALLOW;
	pi.share = XFRM_SHARE_ANY;
	if ((rc = msg_new(XFRM_MSG_NEWPOLICY, 0, &pi, sizeof(pi), &msg)) < 0)
		return rc;
	if ((rc = put_tmpl(msg, p)) < 0 || (rc = put_mark(msg, p->p_mark, p->p_mark_mask)) < 0) {
		nlmsg_free(msg);
		return rc;
	}
	*out = msg;
	return 0;
}

int xfrm_msg_policy_del(const struct dp_selector *sel, enum dp_dir dir, uint32_t index,
			uint32_t mark, uint32_t mark_mask, struct nl_msg **out)
{
	struct xfrm_userpolicy_id id;
	struct nl_msg *msg;
	int xdir = dir_to_xfrm(dir), rc;

	*out = NULL;
	if (xdir < 0 || (sel != NULL && sel_check(sel) < 0) || (sel == NULL && index == 0))
		return GW_E_INVAL;
	memset(&id, 0, sizeof(id));
	if (sel != NULL)
		xfrm_sel_from_dp(&id.sel, sel);
	id.index = index;
	id.dir = xdir;
	if ((rc = msg_new(XFRM_MSG_DELPOLICY, 0, &id, sizeof(id), &msg)) < 0)
		return rc;
	if ((rc = put_mark(msg, mark, mark_mask)) < 0) {
		nlmsg_free(msg);
		return rc;
	}
	*out = msg;
	return 0;
}

int xfrm_msg_dump(int type, struct nl_msg **out)
{
	/* No payload: the kernel parses a dump request's body as attributes
	 * (filters), so a zeroed header would be misread. */
	if (type != XFRM_MSG_GETSA && type != XFRM_MSG_GETPOLICY)
		return GW_E_INVAL;
	return msg_new(type, NLM_F_DUMP, NULL, 0, out);
}

void xfrm_msg_free(struct nl_msg *msg)
{
	struct nlmsghdr *h;

	if (msg == NULL)
		return;
	h = nlmsg_hdr(msg);
	OPENSSL_cleanse(h, h->nlmsg_len);
	nlmsg_free(msg);
}

/*
 * xfrm_parse.c: decoding what the kernel's xfrm_user sends us: SAs
 * (GETSA replies and dumps), policies (dumps), and the EXPIRE and ACQUIRE
 * notifications of the XFRMNLGRP_EXPIRE / XFRMNLGRP_ACQUIRE groups.
 * nlmsg_parse() checks the fixed header length and every attribute's
 * bounds; each attribute we read is checked for its minimum size here.
 */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "datapath/xfrm_msg.h"
#include "util/err.h"

static int parse(const struct nlmsghdr *nlh, size_t hdrlen, struct nlattr **tb)
{
	if (nlmsg_parse((struct nlmsghdr *)nlh, (int)hdrlen, tb, XFRMA_MAX, NULL) < 0)
		return GW_E_PARSE;
	return 0;
}

static const void *attr(struct nlattr **tb, int type, size_t min)
{
	if (tb[type] == NULL || (size_t)nla_len(tb[type]) < min)
		return NULL;
	return nla_data(tb[type]);
}

static void get_mark(struct nlattr **tb, uint32_t *v, uint32_t *m)
{
	const struct xfrm_mark *mark = attr(tb, XFRMA_MARK, sizeof(*mark));

	*v = mark ? mark->v : 0;
	*m = mark ? mark->m : 0;
}

static bool get_replay(struct nlattr **tb, struct xfrm_replay_carry *rc)
{
	const struct xfrm_replay_state_esn *rs = attr(tb, XFRMA_REPLAY_ESN_VAL, sizeof(*rs));

	memset(rc, 0, sizeof(*rc));
	if (rs == NULL || rs->bmp_len > XFRM_WINDOW_MAX / 32 ||
	    (size_t)nla_len(tb[XFRMA_REPLAY_ESN_VAL]) < sizeof(*rs) + rs->bmp_len * 4)
		return false;
	rc->rc_oseq = rs->oseq;
	rc->rc_oseq_hi = rs->oseq_hi;
	rc->rc_seq = rs->seq;
	rc->rc_seq_hi = rs->seq_hi;
	rc->rc_bmp_len = rs->bmp_len;
	memcpy(rc->rc_bmp, rs->bmp, rs->bmp_len * sizeof(uint32_t));
	return true;
}

static int family_ok(int family)
{
	return family == AF_INET || family == AF_INET6;
}

int xfrm_msg_parse_sa(const struct nlmsghdr *nlh, struct xfrm_sa_info *out)
{
	struct nlattr *tb[XFRMA_MAX + 1];
	const struct xfrm_usersa_info *p;

	memset(out, 0, sizeof(*out));
	if ((nlh->nlmsg_type != XFRM_MSG_NEWSA && nlh->nlmsg_type != XFRM_MSG_UPDSA) ||
	    parse(nlh, sizeof(*p), tb) < 0)
		return GW_E_PARSE;
	p = nlmsg_data(nlh);
	if (!family_ok(p->family))
		return GW_E_PARSE;
	out->si_spi = ntohl(p->id.spi);
	xfrm_addr_to_dp(&out->si_dst, p->family, &p->id.daddr);
	out->si_proto = p->id.proto;
	out->si_seq = p->seq;
	out->si_reqid = p->reqid;
	get_mark(tb, &out->si_mark, &out->si_mark_mask);
	/* XFRMA_LTIME_VAL is only in async events; a full SA carries the
	 * same counters in curlft. Replay errors: duplicates (replay) and
	 * packets left of the window (replay_window), RFC 4303 3.4.3. */
	out->si_stats.st_bytes = p->curlft.bytes;
	out->si_stats.st_packets = p->curlft.packets;
	out->si_stats.st_add_time = p->curlft.add_time;
	out->si_stats.st_last_use = p->curlft.use_time;
	out->si_stats.st_replay_errors = (uint64_t)p->stats.replay + p->stats.replay_window;
	out->si_stats.st_integrity_failures = p->stats.integrity_failed;
	out->si_has_replay = get_replay(tb, &out->si_replay);
	return 0;
}

int xfrm_msg_parse_policy(const struct nlmsghdr *nlh, struct xfrm_pol_info *out)
{
	struct nlattr *tb[XFRMA_MAX + 1];
	const struct xfrm_userpolicy_info *p;

	memset(out, 0, sizeof(*out));
	if ((nlh->nlmsg_type != XFRM_MSG_NEWPOLICY && nlh->nlmsg_type != XFRM_MSG_UPDPOLICY) ||
	    parse(nlh, sizeof(*p), tb) < 0)
		return GW_E_PARSE;
	p = nlmsg_data(nlh);
	out->pi_index = p->index;
	out->pi_dir = p->dir;
	xfrm_sel_to_dp(&out->pi_sel, &p->sel);
	get_mark(tb, &out->pi_mark, &out->pi_mark_mask);
	return 0;
}

/* An SA reached a soft or hard limit (struct xfrm_user_expire). */
static int parse_expire(const struct nlmsghdr *nlh, struct xfrm_notice *out)
{
	struct nlattr *tb[XFRMA_MAX + 1];
	const struct xfrm_user_expire *ue;

	if (parse(nlh, sizeof(*ue), tb) < 0)
		return GW_E_PARSE;
	ue = nlmsg_data(nlh);
	if (!family_ok(ue->state.family))
		return GW_E_PARSE;
	out->xn_ev.ev_type = ue->hard ? DP_EV_HARD_EXPIRE : DP_EV_SOFT_EXPIRE;
	out->xn_ev.ev_spi = ntohl(ue->state.id.spi);
	xfrm_addr_to_dp(&out->xn_ev.ev_dst, ue->state.family, &ue->state.id.daddr);
	out->xn_ev.ev_reqid = ue->state.reqid;
	xfrm_sel_to_dp(&out->xn_ev.ev_sel, &ue->state.sel);
	get_mark(tb, &out->xn_mark, &out->xn_mark_mask);
	return 0;
}

/*
 * Traffic matched a policy whose template has no SA (struct
 * xfrm_user_acquire): sel is the packet's own selector (full-length
 * prefixes, protocol and ports), id.daddr the template's destination,
 * XFRMA_TMPL the policy's templates (family and reqid of the first).
 */
static int parse_acquire(const struct nlmsghdr *nlh, struct xfrm_notice *out)
{
	struct nlattr *tb[XFRMA_MAX + 1];
	const struct xfrm_user_acquire *ua;
	const struct xfrm_user_tmpl *t;
	int family;

	if (parse(nlh, sizeof(*ua), tb) < 0)
		return GW_E_PARSE;
	ua = nlmsg_data(nlh);
	t = attr(tb, XFRMA_TMPL, sizeof(*t));
	family = t != NULL && family_ok(t->family) ? t->family : ua->sel.family;
	if (!family_ok(family))
		return GW_E_PARSE;
	out->xn_ev.ev_type = DP_EV_ACQUIRE;
	out->xn_ev.ev_spi = 0;
	xfrm_addr_to_dp(&out->xn_ev.ev_dst, family, &ua->id.daddr);
	out->xn_ev.ev_reqid = t != NULL ? t->reqid : 0;
	xfrm_sel_to_dp(&out->xn_ev.ev_sel, &ua->sel);
	out->xn_pol_index = ua->policy.index;
	get_mark(tb, &out->xn_mark, &out->xn_mark_mask);
	return 0;
}

int xfrm_msg_parse_notice(const struct nlmsghdr *nlh, struct xfrm_notice *out)
{
	memset(out, 0, sizeof(*out));
	switch (nlh->nlmsg_type) {
	case XFRM_MSG_EXPIRE:
		return parse_expire(nlh, out);
	case XFRM_MSG_ACQUIRE:
		return parse_acquire(nlh, out);
	default:
		return GW_E_NOTFOUND;
	}
}

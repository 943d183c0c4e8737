/*
 * xfrm_flush.c: removing our SAs and policies, never others'. At start
 * (dp_new) we dump the kernel's tables and delete what carries our tag
 * (xfrm_msg.h: an earlier run that crashed); at stop (dp_free) we delete
 * exactly the entries of our lists. XFRM_MSG_FLUSHSA/FLUSHPOLICY are
 * never used: they would take other daemons' SAs with them.
 */
#include <stdlib.h>

#include "datapath/xfrm_be.h"
#include "util/err.h"
#include "util/log.h"

struct victims {
	struct xfrm_sa_info *v_sas;
	size_t v_nsas, v_capsas;
	struct xfrm_pol_info *v_pols;
	size_t v_npols, v_cappols;
};

static int collect_sa(const struct nlmsghdr *nlh, void *arg)
{
	struct victims *v = arg;
	struct xfrm_sa_info si;
	void *p;

	if (xfrm_msg_parse_sa(nlh, &si) < 0 || si.si_proto != IPPROTO_ESP ||
	    (!xfrm_tagged(si.si_seq) && !xfrm_tagged(si.si_reqid)))
		return 0;
	if (v->v_nsas == v->v_capsas) {
		v->v_capsas = v->v_capsas ? v->v_capsas * 2 : 16;
		if ((p = realloc(v->v_sas, v->v_capsas * sizeof(si))) == NULL)
			return GW_E_NOMEM;
		v->v_sas = p;
	}
	v->v_sas[v->v_nsas++] = si;
	return 0;
}

static int collect_pol(const struct nlmsghdr *nlh, void *arg)
{
	struct victims *v = arg;
	struct xfrm_pol_info pi;
	void *p;

	if (xfrm_msg_parse_policy(nlh, &pi) < 0 || !xfrm_tagged(pi.pi_index))
		return 0;
	if (v->v_npols == v->v_cappols) {
		v->v_cappols = v->v_cappols ? v->v_cappols * 2 : 16;
		if ((p = realloc(v->v_pols, v->v_cappols * sizeof(pi))) == NULL)
			return GW_E_NOMEM;
		v->v_pols = p;
	}
	v->v_pols[v->v_npols++] = pi;
	return 0;
}

static int dump(struct xfrm_be *xb, int type, xfrm_reply_fn fn, struct victims *v)
{
	struct nl_msg *msg;
	int rc;

	if ((rc = xfrm_msg_dump(type, &msg)) < 0)
		return rc;
	return xfrm_be_request(xb, msg, fn, v);
}

static int del_sa(struct xfrm_be *xb, uint32_t spi, const struct dp_addr *dst, uint32_t mark,
		  uint32_t mask)
{
	struct nl_msg *msg;
	int rc;

	if ((rc = xfrm_msg_sa_id(XFRM_MSG_DELSA, spi, dst, mark, mask, &msg)) < 0)
		return rc;
	return xfrm_be_request(xb, msg, NULL, NULL);
}

static enum dp_dir dir_from_xfrm(uint8_t d)
{
	return d == XFRM_POLICY_IN ? DP_DIR_IN : d == XFRM_POLICY_OUT ? DP_DIR_OUT : DP_DIR_FWD;
}

static int del_pol(struct xfrm_be *xb, uint32_t index, enum dp_dir dir, uint32_t mark,
		   uint32_t mask)
{
	struct nl_msg *msg;
	int rc;

	if ((rc = xfrm_msg_policy_del(NULL, dir, index, mark, mask, &msg)) < 0)
		return rc;
	return xfrm_be_request(xb, msg, NULL, NULL);
}

int xfrm_flush_tagged(struct xfrm_be *xb, unsigned *nsa, unsigned *npol)
{
	struct victims v = { 0 };
	size_t i;
	int rc;

	*nsa = *npol = 0;
	if ((rc = dump(xb, XFRM_MSG_GETSA, collect_sa, &v)) < 0 ||
	    (rc = dump(xb, XFRM_MSG_GETPOLICY, collect_pol, &v)) < 0)
		goto out;
	for (i = 0; i < v.v_nsas; i++) {
		const struct xfrm_sa_info *si = &v.v_sas[i];

		if (del_sa(xb, si->si_spi, &si->si_dst, si->si_mark, si->si_mark_mask) == 0)
			(*nsa)++;
	}
	for (i = 0; i < v.v_npols; i++) {
		const struct xfrm_pol_info *pi = &v.v_pols[i];

		if (pi->pi_dir > XFRM_POLICY_FWD)
			continue; /* socket policies are not ours */
		if (del_pol(xb, pi->pi_index, dir_from_xfrm(pi->pi_dir), pi->pi_mark,
			    pi->pi_mark_mask) == 0)
			(*npol)++;
	}
out:
	/* the SA infos hold no keys: parse_sa copies counters and ids only */
	free(v.v_sas);
	free(v.v_pols);
	return rc;
}

void xfrm_flush_owned(struct xfrm_be *xb)
{
	struct xfrm_own_sa os;
	struct xfrm_own_pol op;
	int rc;

	while (xfrm_own_pol_pop(xb, &op))
		if ((rc = del_pol(xb, op.op_index, op.op_dir, op.op_mark, op.op_mark_mask)) < 0 &&
		    rc != GW_E_NOTFOUND)
			log_warn(LOG_SUB_KNL, "xfrm: removing policy index 0x%x: %s", op.op_index,
				 gw_strerror(rc));
	while (xfrm_own_sa_pop(xb, &os))
		if ((rc = del_sa(xb, os.os_spi, &os.os_dst, os.os_mark, os.os_mark_mask)) < 0 &&
		    rc != GW_E_NOTFOUND)
			log_warn(LOG_SUB_KNL, "xfrm: removing SA spi 0x%08x: %s", os.os_spi,
				 gw_strerror(rc));
}

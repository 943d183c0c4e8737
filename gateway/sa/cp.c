/*
 * The configuration payload (RFC 7296 3.15): the responder leases virtual
 * IPs from the connection's pools (gateway/vip) and answers a CFG_REQUEST
 * with addresses, netmask and DNS servers; the initiator asks for them
 * and installs what it gets as its inner source address. Caller holds
 * checkout.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sa/sa_int.h"
#include "util/err.h"
#include "util/log.h"

struct sa_ra *sa_ra_get(struct ike_sa *sa)
{
	if (!sa->s_ra)
		sa->s_ra = calloc(1, sizeof(*sa->s_ra));
	return sa->s_ra;
}

/* Who holds the leases: the EAP identity if EAP ran, else the IKE id. */
static void lease_identity(struct ike_sa *sa, struct sa_ra *ra)
{
	struct auth_id pid;
	char buf[300];

	if (ra->r_lease_id_len)
		return;
	if (ra->r_eap_id_len) {
		memcpy(ra->r_lease_id, ra->r_eap_id, ra->r_eap_id_len);
		ra->r_lease_id_len = ra->r_eap_id_len;
	} else if (sa_peer_id(sa, &pid)) {
		auth_id_str(&pid, buf, sizeof(buf));
		ra->r_lease_id_len = strnlen(buf, VIP_ID_MAX);
		memcpy(ra->r_lease_id, buf, ra->r_lease_id_len);
	}
}

static void addr_attr(struct ike_pld_cp *cp, uint16_t type, const uint8_t *data, uint16_t len)
{
	if (cp->cp_n < IKE_MAX_CP_ATTRS)
		cp->cp_attr[cp->cp_n++] = (struct ike_cp_attr){ type, data, len };
}

/* The addresses this pool's family needs in the reply, into storage that
 * outlives the builder call. */
struct cp_reply {
	struct ike_pld_cp cr_cp;
	uint8_t cr_v4[4], cr_mask[4], cr_v6[17];
	uint8_t cr_dns[MODEL_POOL_DNS * 2][16];
	size_t cr_n_dns;
};

static void reply_add(struct cp_reply *r, const struct model_pool *pool, const struct model_addr *a)
{
	if (a->a_family == AF_INET) {
		uint32_t m = pool->p_prefix ? 0xffffffffu << (32 - pool->p_prefix) : 0;

		memcpy(r->cr_v4, a->a_addr, 4);
		r->cr_mask[0] = (uint8_t)(m >> 24);
		r->cr_mask[1] = (uint8_t)(m >> 16);
		r->cr_mask[2] = (uint8_t)(m >> 8);
		r->cr_mask[3] = (uint8_t)m;
		addr_attr(&r->cr_cp, IKE_CA_INTERNAL_IP4_ADDRESS, r->cr_v4, 4);
		addr_attr(&r->cr_cp, IKE_CA_INTERNAL_IP4_NETMASK, r->cr_mask, 4);
	} else {
		memcpy(r->cr_v6, a->a_addr, 16);
		r->cr_v6[16] = pool->p_prefix ? pool->p_prefix : 128;
		addr_attr(&r->cr_cp, IKE_CA_INTERNAL_IP6_ADDRESS, r->cr_v6, 17);
	}
	for (size_t i = 0; i < pool->p_n_dns && r->cr_n_dns < MODEL_POOL_DNS * 2; i++) {
		const struct model_addr *d = &pool->p_dns[i];
		uint8_t *slot = r->cr_dns[r->cr_n_dns++];

		memcpy(slot, d->a_addr, 16);
		addr_attr(&r->cr_cp,
			  d->a_family == AF_INET ? IKE_CA_INTERNAL_IP4_DNS
						 : IKE_CA_INTERNAL_IP6_DNS,
			  slot, d->a_family == AF_INET ? 4 : 16);
	}
}

/* Which families the request asks for, and an address it asks for. */
static unsigned requested(const struct ike_pld_cp *cp, struct model_addr want[2])
{
	static const uint8_t zero[16];
	unsigned fams = 0;

	memset(want, 0, 2 * sizeof(*want));
	for (uint8_t i = 0; i < cp->cp_n; i++) {
		const struct ike_cp_attr *a = &cp->cp_attr[i];

		if (a->ca_type == IKE_CA_INTERNAL_IP4_ADDRESS) {
			fams |= 1;
			if (a->ca_len == 4 && memcmp(a->ca_data, zero, 4)) {
				want[0].a_family = AF_INET;
				memcpy(want[0].a_addr, a->ca_data, 4);
			}
		} else if (a->ca_type == IKE_CA_INTERNAL_IP6_ADDRESS) {
			fams |= 2;
			if (a->ca_len == 17 && memcmp(a->ca_data, zero, 16)) {
				want[1].a_family = AF_INET6;
				memcpy(want[1].a_addr, a->ca_data, 16);
			}
		}
	}
	return fams;
}

/* The connection's pool that an address came from. */
static const struct model_pool *pool_of(const struct ike_sa *sa, const struct model_addr *a)
{
	const struct model_conn *c = sa->s_conn->sc_conn;

	for (size_t i = 0; i < c->c_n_pools; i++) {
		const struct model_pool *p = model_pools_find(sa->s_cfg->cf_pools, c->c_pools[i]);
		uint64_t idx;

		if (p && p->p_family == a->a_family && !model_pool_index(p, a->a_addr, &idx))
			return p;
	}
	return NULL;
}

static int lease_one(struct sa_engine *e, struct ike_sa *sa, struct sa_ra *ra, int family,
		     const struct model_addr *want, struct cp_reply *r)
{
	const struct model_conn *c = sa->s_conn->sc_conn;
	const char *pools[MODEL_MAX_POOLS];
	struct model_addr got;
	char why[256], pfx[96], abuf[INET6_ADDRSTRLEN], who[4 * 64 + 1];
	int rc;

	for (size_t i = 0; i < c->c_n_pools; i++)
		pools[i] = c->c_pools[i];
	rc = vip_acquire(e->e_vip, pools, c->c_n_pools, family, ra->r_lease_id, ra->r_lease_id_len,
			 want->a_family ? want : NULL, &got, why, sizeof(why));
	if (rc == GW_E_NOTFOUND)
		return 0; /* no pool of this family: the client gets none */
	if (rc) {         /* name the client: the admin looks for whom the pool failed */
		log_escape(who, sizeof(who), ra->r_lease_id, ra->r_lease_id_len);
		log_warn(LOG_SUB_IKE, "%s: no virtual IP for '%s' (INTERNAL_ADDRESS_FAILURE): %s",
			 ike_sa_prefix(sa, pfx, sizeof(pfx)), who, why);
		return rc;
	}
	ra->r_vips[ra->r_n_vips++] = got;
	reply_add(r, pool_of(sa, &got), &got);
	log_info(LOG_SUB_IKE, "%s: virtual IP %s leased", ike_sa_prefix(sa, pfx, sizeof(pfx)),
		 inet_ntop(family, got.a_addr, abuf, sizeof(abuf)));
	sa_event_lease(e, sa, &got);
	return 0;
}

uint16_t cp_respond(struct sa_engine *e, struct ike_sa *sa, const struct ike_msg *msg,
		    struct ike_builder *b)
{
	const struct ike_pld *p = ike_msg_find(msg, IKE_PLD_CP);
	struct cp_reply *r = NULL;
	struct model_addr want[2];
	struct ike_pld_cp *cp = NULL;
	struct ike_err err;
	struct sa_ra *ra;
	unsigned fams;
	uint16_t why = 0;

	if (!p || !sa->s_conn->sc_conn->c_n_pools || !e->e_vip)
		return 0; /* nothing asked, or nothing to give: no CP in the answer */
	if (!(cp = malloc(sizeof(*cp))) || !(r = calloc(1, sizeof(*r))) || !(ra = sa_ra_get(sa)) ||
	    ike_pld_cp_parse(p, cp, &err) || cp->cp_type != IKE_CFG_REQUEST)
		goto out;
	lease_identity(sa, ra);
	fams = requested(cp, want);
	r->cr_cp.cp_type = IKE_CFG_REPLY;
	if (((fams & 1) && lease_one(e, sa, ra, AF_INET, &want[0], r)) ||
	    ((fams & 2) && lease_one(e, sa, ra, AF_INET6, &want[1], r))) {
		why = IKE_N_INTERNAL_ADDRESS_FAILURE;
		cp_release(e, sa);
		goto out;
	}
	if (r->cr_cp.cp_n)
		ike_build_cp(b, &r->cr_cp);
out:
	free(cp);
	free(r);
	return why;
}

/* The address to ask for: the one a reauthentication keeps (2.8.3: the
 * new IKE SA asks for what the old one has, so traffic keeps its source),
 * else the configured one (0.0.0.0 / :: for any). */
static const uint8_t *want_of(const struct ike_sa *sa, int family, const uint8_t *configured)
{
	for (size_t i = 0; sa->s_ra && i < sa->s_ra->r_n_want && i < 2; i++)
		if (sa->s_ra->r_want[i].a_family == family)
			return sa->s_ra->r_want[i].a_addr;
	return configured;
}

void cp_request(const struct ike_sa *sa, struct ike_builder *b)
{
	const struct model_end *l = &sa->s_conn->sc_conn->c_local;
	static const uint8_t zero[17];
	struct ike_pld_cp cp = { .cp_type = IKE_CFG_REQUEST };
	uint8_t v6[17];

	if (!l->e_n_vips)
		return;
	for (size_t i = 0; i < l->e_n_vips && i < 2; i++) {
		const uint8_t *want = want_of(sa, l->e_vip_family[i], l->e_vip_addr[i]);
		bool any = !memcmp(want, zero, 16);

		if (l->e_vip_family[i] == AF_INET) {
			addr_attr(&cp, IKE_CA_INTERNAL_IP4_ADDRESS, any ? NULL : want, any ? 0 : 4);
			addr_attr(&cp, IKE_CA_INTERNAL_IP4_DNS, NULL, 0);
		} else {
			memcpy(v6, want, 16);
			v6[16] = 128;
			addr_attr(&cp, IKE_CA_INTERNAL_IP6_ADDRESS, any ? NULL : v6, any ? 0 : 17);
			addr_attr(&cp, IKE_CA_INTERNAL_IP6_DNS, NULL, 0);
		}
	}
	ike_build_cp(b, &cp);
}

/* Log the DNS servers the gateway named (applying them to the system's
 * resolver is the admin's business: we do not rewrite resolv.conf). */
static void note_dns(const struct ike_sa *sa, const struct ike_cp_attr *a)
{
	char buf[INET6_ADDRSTRLEN], pfx[96];
	int fam = a->ca_type == IKE_CA_INTERNAL_IP4_DNS ? AF_INET : AF_INET6;

	if (a->ca_len == (fam == AF_INET ? 4 : 16) && inet_ntop(fam, a->ca_data, buf, sizeof(buf)))
		log_info(LOG_SUB_IKE, "%s: DNS server %s offered",
			 ike_sa_prefix(sa, pfx, sizeof(pfx)), buf);
}

int cp_apply(struct sa_engine *e, struct ike_sa *sa, const struct ike_msg *msg)
{
	const struct ike_pld *p = ike_msg_find(msg, IKE_PLD_CP);
	struct ike_pld_cp *cp;
	struct ike_err err;
	struct sa_ra *ra;
	char buf[INET6_ADDRSTRLEN], pfx[96];
	int rc = 0;

	(void)e;
	if (!p || !sa->s_conn->sc_conn->c_local.e_n_vips)
		return 0;
	if (!(cp = malloc(sizeof(*cp))) || !(ra = sa_ra_get(sa)) || ike_pld_cp_parse(p, cp, &err) ||
	    cp->cp_type != IKE_CFG_REPLY) {
		free(cp);
		return GW_E_PARSE;
	}
	for (uint8_t i = 0; i < cp->cp_n && ra->r_n_vips < 2; i++) {
		const struct ike_cp_attr *a = &cp->cp_attr[i];
		struct model_addr *v = &ra->r_vips[ra->r_n_vips];

		if (a->ca_type == IKE_CA_INTERNAL_IP4_DNS || a->ca_type == IKE_CA_INTERNAL_IP6_DNS)
			note_dns(sa, a);
		if (!((a->ca_type == IKE_CA_INTERNAL_IP4_ADDRESS && a->ca_len == 4) ||
		      (a->ca_type == IKE_CA_INTERNAL_IP6_ADDRESS && a->ca_len == 17)))
			continue;
		memset(v, 0, sizeof(*v));
		v->a_family = a->ca_len == 4 ? AF_INET : AF_INET6;
		memcpy(v->a_addr, a->ca_data, a->ca_len == 4 ? 4 : 16);
		if ((rc = net_local_addr(v->a_family, v->a_addr, true)))
			break;
		ra->r_n_vips++;
		log_info(LOG_SUB_IKE, "%s: virtual IP %s assigned to us",
			 ike_sa_prefix(sa, pfx, sizeof(pfx)),
			 inet_ntop(v->a_family, v->a_addr, buf, sizeof(buf)));
	}
	free(cp);
	return rc;
}

size_t cp_vips(const struct ike_sa *sa, struct sa_ep *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; sa->s_ra && i < sa->s_ra->r_n_vips && n < max; i++, n++) {
		memset(&out[n], 0, sizeof(out[n]));
		out[n].ep_family = (uint8_t)sa->s_ra->r_vips[i].a_family;
		memcpy(out[n].ep_addr, sa->s_ra->r_vips[i].a_addr, 16);
	}
	return n;
}

void cp_release(struct sa_engine *e, struct ike_sa *sa)
{
	struct sa_ra *ra = sa->s_ra;
	char abuf[INET6_ADDRSTRLEN], pfx[96];

	for (size_t i = 0; ra && i < ra->r_n_vips; i++) {
		const struct model_addr *v = &ra->r_vips[i];
		bool gone;

		inet_ntop(v->a_family, v->a_addr, abuf, sizeof(abuf));
		if (sa->s_orig_initiator)
			net_local_addr(v->a_family, v->a_addr, false);
		else if (e->e_vip &&
			 !vip_release_hold(e->e_vip, v, ra->r_lease_id, ra->r_lease_id_len, &gone))
			log_info(LOG_SUB_IKE, "%s: virtual IP %s %s",
				 ike_sa_prefix(sa, pfx, sizeof(pfx)), abuf,
				 gone ? "released"
				      : "kept (a newer IKE SA of the client holds it)");
	}
	if (ra)
		ra->r_n_vips = 0;
}

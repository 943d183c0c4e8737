/*
 * Choosing: a proposal from the peer's SA payload (RFC 7296 2.7, 3.3.6)
 * against ours, in our order of preference; and the connections whose
 * addresses fit a peer.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sa/sa_int.h"
#include "util/err.h"

/* Does the peer's proposal q offer transform (type, id, keylen)? */
static bool offers(const struct ike_proposal *q, uint8_t type, uint16_t id, uint16_t keylen)
{
	for (uint8_t i = 0; i < q->pr_n; i++) {
		const struct ike_transform *t = &q->pr_xf[i];

		if (t->t_type == type && t->t_id == id && t->t_keylen == keylen &&
		    !t->t_unknown_attr)
			return true;
	}
	return false;
}

/* Transform types the peer's proposal carries (INTEG NONE counts as none;
 * KE is ignored when strip_ke: children created in IKE_AUTH, 1.2). */
static unsigned types_of_offer(const struct ike_proposal *q, bool strip_ke)
{
	unsigned m = 0;

	for (uint8_t i = 0; i < q->pr_n; i++) {
		const struct ike_transform *t = &q->pr_xf[i];

		if (t->t_type == IKE_XF_INTEG && t->t_id == IKE_INTEG_NONE)
			continue;
		if (t->t_type == IKE_XF_KE && (strip_ke || t->t_id == IKE_KE_NONE))
			continue;
		if (t->t_type < 32)
			m |= 1u << t->t_type;
	}
	return m;
}

static bool ours_has(const struct proposal *p, uint8_t type, uint16_t id)
{
	for (uint8_t i = 0; i < p->p_n; i++)
		if (p->p_xf[i].x_type == type && p->p_xf[i].x_id == id)
			return true;
	return false;
}

/* One of ours against one of theirs: first match per type, in our order;
 * for KE the group the peer already sent wins when both accept it (no
 * INVALID_KE_PAYLOAD round trip for nothing). */
static bool match_one(const struct proposal *p, const struct ike_proposal *q, bool strip_ke,
		      uint16_t prefer_ke, struct ike_proposal *out)
{
	unsigned want = 0, got = 0;

	out->pr_n = 0;
	if (prefer_ke && !strip_ke && ours_has(p, IKE_XF_KE, prefer_ke) &&
	    offers(q, IKE_XF_KE, prefer_ke, 0)) {
		got |= 1u << IKE_XF_KE;
		out->pr_xf[out->pr_n++] = (struct ike_transform){ IKE_XF_KE, prefer_ke, 0, false };
	}
	for (uint8_t i = 0; i < p->p_n; i++) {
		const struct proposal_xf *x = &p->p_xf[i];

		if (x->x_type == IKE_XF_KE && strip_ke)
			continue;
		want |= 1u << x->x_type;
		if (got & (1u << x->x_type) || !offers(q, x->x_type, x->x_id, x->x_keylen))
			continue;
		got |= 1u << x->x_type;
		out->pr_xf[out->pr_n++] =
			(struct ike_transform){ x->x_type, x->x_id, x->x_keylen, false };
	}
	return got == want && types_of_offer(q, strip_ke) == want;
}

int sa_select_proposal(const struct ike_pld_sa *offer, const struct model_proposal *ours,
		       size_t n_ours, uint8_t proto, bool strip_ke, struct ike_proposal *chosen)
{
	return sa_select_proposal_ke(offer, ours, n_ours, proto, strip_ke, 0, chosen);
}

int sa_select_proposal_ke(const struct ike_pld_sa *offer, const struct model_proposal *ours,
			  size_t n_ours, uint8_t proto, bool strip_ke, uint16_t prefer_ke,
			  struct ike_proposal *chosen)
{
	for (size_t i = 0; i < n_ours; i++) {
		for (uint8_t k = 0; k < offer->sa_n; k++) {
			const struct ike_proposal *q = &offer->sa_prop[k];

			if (q->pr_proto != proto)
				continue;
			if (match_one(&ours[i].mp_prop, q, strip_ke, prefer_ke, chosen)) {
				chosen->pr_num = q->pr_num;
				chosen->pr_proto = proto;
				chosen->pr_spi_len = q->pr_spi_len;
				memcpy(chosen->pr_spi, q->pr_spi, q->pr_spi_len);
				return 0;
			}
		}
	}
	return GW_E_NOTFOUND;
}

/* The selected transform of a type, 0 when absent. */
uint16_t sa_proposal_get(const struct ike_proposal *p, uint8_t type, uint16_t *keylen)
{
	for (uint8_t i = 0; i < p->pr_n; i++) {
		if (p->pr_xf[i].t_type == type) {
			if (keylen)
				*keylen = p->pr_xf[i].t_keylen;
			return p->pr_xf[i].t_id;
		}
	}
	if (keylen)
		*keylen = 0;
	return 0;
}

/* An SA payload of our proposals (with spi when non-NULL). */
void sa_offer_from_config(const struct model_proposal *ours, size_t n, const uint8_t *spi,
			  uint8_t spi_len, bool strip_ke, struct ike_pld_sa *sa)
{
	memset(sa, 0, sizeof(*sa));
	for (size_t i = 0; i < n && i < IKE_MAX_PROPOSALS; i++) {
		const struct proposal *p = &ours[i].mp_prop;
		struct ike_proposal *q = &sa->sa_prop[sa->sa_n++];

		q->pr_num = (uint8_t)(i + 1);
		q->pr_proto = p->p_proto;
		q->pr_spi_len = spi_len;
		if (spi_len)
			memcpy(q->pr_spi, spi, spi_len);
		for (uint8_t k = 0; k < p->p_n && q->pr_n < IKE_MAX_TRANSFORMS; k++) {
			if (strip_ke && p->p_xf[k].x_type == IKE_XF_KE)
				continue;
			q->pr_xf[q->pr_n++] =
				(struct ike_transform){ p->p_xf[k].x_type, p->p_xf[k].x_id,
							p->p_xf[k].x_keylen, false };
		}
	}
}

/* ---- addresses ---- */

static bool in_range(const uint8_t *a, const uint8_t *lo, const uint8_t *hi, size_t n)
{
	return memcmp(a, lo, n) >= 0 && memcmp(a, hi, n) <= 0;
}

/* Does an address spec of the config ("%any", IP, CIDR, range) cover ep?
 * DNS names match nothing here (they are for initiating). */
bool sa_addr_match(const char *spec, const struct sa_ep *ep)
{
	struct model_ts ts;
	char err[64];
	size_t n = ep->ep_family == AF_INET ? 4 : 16;

	if (!strcmp(spec, "%any"))
		return true;
	if (model_ts_parse(spec, &ts, err, sizeof(err)) || ts.t_dynamic)
		return false;
	return ts.t_family == ep->ep_family && in_range(ep->ep_addr, ts.t_start, ts.t_end, n);
}

bool sa_end_addrs_match(const struct model_end *end, const struct sa_ep *ep)
{
	if (end->e_n_addrs == 0)
		return true;
	for (size_t i = 0; i < end->e_n_addrs; i++)
		if (sa_addr_match(end->e_addrs[i], ep))
			return true;
	return false;
}

/* A transform without a keyword of ours, as its IANA type and ID
 * (RFC 7296 3.3.2): "encr#13/128", "ke#28". Appended at *n, clamped. */
static void put_unknown(const struct ike_transform *t, char *buf, size_t len, size_t *n)
{
	static const char *const types[] = { "type0", "encr", "prf", "integ", "ke", "esn" };
	const char *ty = t->t_type < 6 ? types[t->t_type] : "type";
	int w;

	if (*n >= len)
		return;
	w = t->t_keylen ? snprintf(buf + *n, len - *n, "-%s#%u/%u", ty, t->t_id, t->t_keylen)
			: snprintf(buf + *n, len - *n, "-%s#%u", ty, t->t_id);
	if (w > 0)
		*n += (size_t)w;
}

/*
 * "aes256gcm16-prfsha256-x25519" for a selected or an offered proposal
 * (logs, list-sas). What we do not implement follows as IANA type#ID, so
 * a refused offer shows whole (strongSwan's default IKE proposal carries
 * Camellia and brainpool groups; Windows offers DES in ESP); text that
 * does not fit ends in "...".
 */
const char *sa_proposal_str(const struct ike_proposal *p, char *buf, size_t len)
{
	struct proposal q = { .p_proto = p->pr_proto };
	char known[512], extra[512] = "";
	size_t x = 0;
	int w;

	if (len == 0)
		return buf;
	for (uint8_t i = 0; i < p->pr_n; i++) {
		struct proposal one = { .p_proto = p->pr_proto, .p_n = 1 };
		char tmp[32];

		one.p_xf[0] = (struct proposal_xf){ p->pr_xf[i].t_type, p->pr_xf[i].t_id,
						    p->pr_xf[i].t_keylen };
		if (q.p_n < PROPOSAL_MAX_XF && !proposal_format(&one, tmp, sizeof(tmp)))
			q.p_xf[q.p_n++] = one.p_xf[0];
		else
			put_unknown(&p->pr_xf[i], extra, sizeof(extra), &x);
	}
	if (proposal_format(&q, known, sizeof(known)))
		snprintf(known, sizeof(known), "?");
	w = snprintf(buf, len, "%s%s", known, known[0] ? extra : extra + (extra[0] == '-'));
	if ((w < 0 || (size_t)w >= len || x >= sizeof(extra)) && len >= 4)
		memcpy(buf + len - 4, "...", 4);
	return buf;
}

/* Offered proposals as text, for the admin reading why nothing matched
 * (a NO_PROPOSAL_CHOSEN log line names the offer and what we allow). */
void sa_offer_str(const struct ike_pld_sa *o, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (uint8_t i = 0; i < o->sa_n && n + 2 < len; i++) {
		char one[512];
		int w;

		/* whole, with what we do not implement as type#ID */
		sa_proposal_str(&o->sa_prop[i], one, sizeof(one));
		w = snprintf(buf + n, len - n, "%s%s", n ? "," : "", one);
		if (w < 0 || (size_t)w >= len - n) {
			if (len >= 4)
				memcpy(buf + len - 4, "...", 4);
			break;
		}
		n += (size_t)w;
	}
}

/* The ESP proposals a connection's children allow, comma-separated
 * without repeats ("none" if it has none). */
void sa_child_allowed_str(const struct model_conn *c, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < c->c_n_children; i++) {
		const struct model_child *cc = &c->c_children[i];

		for (size_t k = 0; k < cc->c_n_props && n + 2 < len; k++) {
			const char *p = cc->c_props[k].mp_str;
			size_t pl = strlen(p);
			const char *at = strstr(buf, p);
			int w;

			/* already listed (a whole item of the list)? */
			while (at && !((at == buf || at[-1] == ',') && (at[pl] == ',' || !at[pl])))
				at = strstr(at + 1, p);
			if (at)
				continue;
			w = snprintf(buf + n, len - n, "%s%s", n ? "," : "", p);
			if (w < 0 || (size_t)w >= len - n) {
				buf[n] = '\0';
				break;
			}
			n += (size_t)w;
		}
	}
	if (!n)
		snprintf(buf, len, "none");
}

/* The negotiated IKE suite as a one-proposal list of transforms. */
void sa_suite_proposal(const struct ike_suite *s, struct ike_proposal *p)
{
	memset(p, 0, sizeof(*p));
	p->pr_num = 1;
	p->pr_proto = IKE_PROTO_IKE;
	p->pr_xf[p->pr_n++] =
		(struct ike_transform){ IKE_XF_ENCR, s->s_encr, s->s_encr_keylen, false };
	if (s->s_integ)
		p->pr_xf[p->pr_n++] = (struct ike_transform){ IKE_XF_INTEG, s->s_integ, 0, false };
	p->pr_xf[p->pr_n++] = (struct ike_transform){ IKE_XF_PRF, s->s_prf, 0, false };
	p->pr_xf[p->pr_n++] = (struct ike_transform){ IKE_XF_KE, s->s_ke, 0, false };
}

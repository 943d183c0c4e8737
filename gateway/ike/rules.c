/*
 * rules.c: which payloads each exchange carries (RFC 7296 1.2-1.5, 2.6,
 * 2.16; RFC 9242 for IKE_INTERMEDIATE), in the style of strongSwan's
 * message.c tables: for requests and responses, the payload types allowed,
 * how many of each, and whether they travel inside SK. Checked once per
 * message, after the SK payload is opened and before any state changes.
 * Violations give GW_E_STATE (the engine answers INVALID_SYNTAX).
 */
#include "ike/ike_int.h"
#include "util/err.h"

#define MAX_N       32 /* Notify payloads per message */
#define MAX_V       16
#define MAX_CERT    8 /* end entity and intermediates */
#define MAX_CERTREQ 16
#define MAX_D       16

struct rule {
	uint8_t r_type;
	uint8_t r_min;
	uint8_t r_max;
	bool r_sk; /* must be inside SK (else must be outside) */
};

struct exch_rules {
	uint8_t x_exch;
	bool x_response;
	const struct rule *x_rules;
	size_t x_n;
};

/* 1.2, 2.6: nothing is encrypted yet. CERTREQ only from the responder. */
static const struct rule sa_init_i[] = {
	{ IKE_PLD_SA, 1, 1, false },         { IKE_PLD_KE, 1, 1, false },
	{ IKE_PLD_NONCE, 1, 1, false },      { IKE_PLD_NOTIFY, 0, MAX_N, false },
	{ IKE_PLD_VENDOR, 0, MAX_V, false },
};

static const struct rule sa_init_r[] = {
	{ IKE_PLD_SA, 1, 1, false },         { IKE_PLD_KE, 1, 1, false },
	{ IKE_PLD_NONCE, 1, 1, false },      { IKE_PLD_CERTREQ, 0, MAX_CERTREQ, false },
	{ IKE_PLD_NOTIFY, 0, MAX_N, false }, { IKE_PLD_VENDOR, 0, MAX_V, false },
};

/* 1.2, 2.16: every minimum is 0. With EAP the first request has no AUTH,
 * and later rounds carry only EAP (then only AUTH); without a CHILD_SA
 * (RFC 6023) there are no SA/TS payloads. */
static const struct rule auth_i[] = {
	{ IKE_PLD_IDI, 0, 1, true },
	{ IKE_PLD_CERT, 0, MAX_CERT, true },
	{ IKE_PLD_CERTREQ, 0, MAX_CERTREQ, true },
	{ IKE_PLD_IDR, 0, 1, true },
	{ IKE_PLD_AUTH, 0, 1, true },
	{ IKE_PLD_EAP, 0, 1, true },
	{ IKE_PLD_CP, 0, 1, true },
	{ IKE_PLD_SA, 0, 1, true },
	{ IKE_PLD_TSI, 0, 1, true },
	{ IKE_PLD_TSR, 0, 1, true },
	{ IKE_PLD_NOTIFY, 0, MAX_N, true },
	{ IKE_PLD_VENDOR, 0, MAX_V, true },
};

static const struct rule auth_r[] = {
	{ IKE_PLD_IDR, 0, 1, true },        { IKE_PLD_CERT, 0, MAX_CERT, true },
	{ IKE_PLD_AUTH, 0, 1, true },       { IKE_PLD_EAP, 0, 1, true },
	{ IKE_PLD_CP, 0, 1, true },         { IKE_PLD_SA, 0, 1, true },
	{ IKE_PLD_TSI, 0, 1, true },        { IKE_PLD_TSR, 0, 1, true },
	{ IKE_PLD_NOTIFY, 0, MAX_N, true }, { IKE_PLD_VENDOR, 0, MAX_V, true },
};

/* 1.3: new CHILD_SA (with TS), CHILD_SA rekey, IKE SA rekey (no TS). */
static const struct rule create_child[] = {
	{ IKE_PLD_SA, 1, 1, true },         { IKE_PLD_NONCE, 1, 1, true },
	{ IKE_PLD_KE, 0, 1, true },         { IKE_PLD_TSI, 0, 1, true },
	{ IKE_PLD_TSR, 0, 1, true },        { IKE_PLD_CP, 0, 1, true },
	{ IKE_PLD_NOTIFY, 0, MAX_N, true }, { IKE_PLD_VENDOR, 0, MAX_V, true },
};

/* 1.4: an empty INFORMATIONAL is a liveness check. */
static const struct rule informational[] = {
	{ IKE_PLD_NOTIFY, 0, MAX_N, true },
	{ IKE_PLD_DELETE, 0, MAX_D, true },
	{ IKE_PLD_CP, 0, 1, true },
	{ IKE_PLD_VENDOR, 0, MAX_V, true },
};

/* RFC 9242 2, RFC 9370 2.2.2: additional key exchanges. */
static const struct rule intermediate[] = {
	{ IKE_PLD_KE, 0, 1, true },
	{ IKE_PLD_NOTIFY, 0, MAX_N, true },
	{ IKE_PLD_VENDOR, 0, MAX_V, true },
};

#define RULES(exch, resp, tbl)                                  \
	{                                                       \
		exch, resp, tbl, sizeof(tbl) / sizeof((tbl)[0]) \
	}

static const struct exch_rules exch_rules[] = {
	RULES(IKE_EXCH_SA_INIT, false, sa_init_i),
	RULES(IKE_EXCH_SA_INIT, true, sa_init_r),
	RULES(IKE_EXCH_AUTH, false, auth_i),
	RULES(IKE_EXCH_AUTH, true, auth_r),
	RULES(IKE_EXCH_CREATE_CHILD_SA, false, create_child),
	RULES(IKE_EXCH_CREATE_CHILD_SA, true, create_child),
	RULES(IKE_EXCH_INFORMATIONAL, false, informational),
	RULES(IKE_EXCH_INFORMATIONAL, true, informational),
	RULES(IKE_EXCH_INTERMEDIATE, false, intermediate),
	RULES(IKE_EXCH_INTERMEDIATE, true, intermediate),
};

static const struct exch_rules *rules_find(uint8_t exch, bool response)
{
	for (size_t i = 0; i < sizeof(exch_rules) / sizeof(exch_rules[0]); i++)
		if (exch_rules[i].x_exch == exch && exch_rules[i].x_response == response)
			return &exch_rules[i];
	return NULL;
}

static const struct rule *rule_find(const struct exch_rules *x, uint8_t type)
{
	for (size_t i = 0; i < x->x_n; i++)
		if (x->x_rules[i].r_type == type)
			return &x->x_rules[i];
	return NULL;
}

static bool exch_encrypted(const struct exch_rules *x)
{
	for (size_t i = 0; i < x->x_n; i++)
		if (x->x_rules[i].r_sk)
			return true;
	return false;
}

/* 2.21.1, 2.6, 1.2: a message reporting an error, or asking for a cookie
 * or another KE group, stands in for the exchange's required payloads. */
static bool notify_waives_minimums(const struct ike_pld *p)
{
	struct reader rd;
	uint16_t type;

	if (p->p_type != IKE_PLD_NOTIFY)
		return false;
	ike_pld_reader(p, &rd);
	rd_skip(&rd, 2);
	type = rd_u16(&rd);
	return rd_ok(&rd) && (type < IKE_N_STATUS_MIN || type == IKE_N_COOKIE);
}

static int rule_check_one(const struct exch_rules *x, const struct ike_pld *p, uint8_t *counts,
			  struct ike_err *err)
{
	const char *exch = ike_exch_name(x->x_exch), *dir = x->x_response ? "response" : "request";
	const struct rule *r;

	if (p->p_type == IKE_PLD_SK || p->p_type == IKE_PLD_SKF) {
		if (!exch_encrypted(x))
			return ike_err_set(err, GW_E_STATE, p->p_type, p->p_off,
					   "not allowed in %s", exch);
		return 0;
	}
	/* Unknown payloads are here only without the critical bit: skip
	 * them (2.5). */
	if (!ike_pld_known(p->p_type))
		return 0;
	if (!(r = rule_find(x, p->p_type)))
		return ike_err_set(err, GW_E_STATE, p->p_type, p->p_off, "not allowed in %s %s",
				   exch, dir);
	if (r->r_sk != p->p_in_sk)
		return ike_err_set(err, GW_E_STATE, p->p_type, p->p_off, "%s SK in %s %s",
				   r->r_sk ? "outside" : "inside", exch, dir);
	if (++counts[p->p_type] > r->r_max)
		return ike_err_set(err, GW_E_STATE, p->p_type, p->p_off, "more than %u in %s %s",
				   r->r_max, exch, dir);
	return 0;
}

int ike_msg_check_rules(const struct ike_msg *msg, struct ike_err *err)
{
	const struct ike_hdr *h = &msg->m_hdr;
	bool response = (h->h_flags & IKE_FLAG_RESPONSE) != 0, waived = false;
	uint8_t counts[256] = { 0 };
	const struct exch_rules *x;
	int rc;

	if (!(x = rules_find(h->h_exch, response)))
		return ike_err_set(err, GW_E_UNSUP, 0, 18, "unsupported exchange type %u",
				   h->h_exch);
	for (size_t i = 0; i < msg->m_n; i++) {
		if ((rc = rule_check_one(x, &msg->m_pld[i], counts, err)) != 0)
			return rc;
		waived = waived || notify_waives_minimums(&msg->m_pld[i]);
	}
	if (exch_encrypted(x) && msg->m_sk < 0)
		return ike_err_set(err, GW_E_STATE, 0, 0, "%s %s without an SK payload",
				   ike_exch_name(x->x_exch), response ? "response" : "request");
	if (waived)
		return 0;
	for (size_t i = 0; i < x->x_n; i++)
		if (counts[x->x_rules[i].r_type] < x->x_rules[i].r_min)
			return ike_err_set(err, GW_E_STATE, x->x_rules[i].r_type, 0,
					   "required in %s %s but missing",
					   ike_exch_name(x->x_exch),
					   response ? "response" : "request");
	return 0;
}

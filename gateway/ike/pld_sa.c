/*
 * pld_sa.c: the Security Association payload (RFC 7296 3.3): proposals,
 * transforms and transform attributes. Every length is checked against the
 * structure that encloses it; counts beyond IKE_MAX_* give GW_E_RANGE.
 */
#include <string.h>

#include "ike/ike_int.h"
#include "util/err.h"

#define LAST_PROPOSAL_MORE  2 /* 3.3.1 */
#define LAST_TRANSFORM_MORE 3 /* 3.3.2 */
#define SUBSTRUCT_HDR_LEN   8 /* proposal and transform headers */

/* Where we are in the SA payload, for error messages. */
struct sa_ctx {
	const struct ike_pld *sc_p;
	struct ike_err *sc_err;
	unsigned sc_prop; /* 1-based position of the proposal */
	unsigned sc_xf;   /* 1-based position of the transform */
};

#define SA_FAIL(c, code, ...) \
	ike_err_set((c)->sc_err, code, (c)->sc_p->p_type, (c)->sc_p->p_off, __VA_ARGS__)

/*
 * 3.3.5 Transform attributes
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |A|       Attribute Type        |    AF=0  Attribute Length     |
 * |F|                             |    AF=1  Attribute Value      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                   AF=0  Attribute Value                       |
 * |                   AF=1  Not Transmitted                       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Key Length (14) is the only attribute RFC 7296 defines and is TV only.
 * Unknown attributes are skipped and flagged (3.3.6: the transform is then
 * not acceptable), so policy can refuse the transform.
 */
static int attrs_parse(struct sa_ctx *c, struct reader *tr, struct ike_transform *xf)
{
	while (rd_left(tr)) {
		uint16_t type, val;

		if (rd_left(tr) < 4)
			return SA_FAIL(
				c, GW_E_PARSE,
				"proposal %u transform %u: attribute needs 4 bytes, %zu left",
				c->sc_prop, c->sc_xf, rd_left(tr));
		type = rd_u16(tr);
		val = rd_u16(tr);
		if (!(type & IKE_ATTR_AF)) {
			if (val > rd_left(tr))
				return SA_FAIL(c, GW_E_PARSE,
					       "proposal %u transform %u: attribute length %u "
					       "exceeds the %zu bytes left",
					       c->sc_prop, c->sc_xf, val, rd_left(tr));
			if (type == IKE_ATTR_KEY_LENGTH)
				return SA_FAIL(
					c, GW_E_PARSE,
					"proposal %u transform %u: Key Length not in TV format",
					c->sc_prop, c->sc_xf);
			rd_skip(tr, val);
			xf->t_unknown_attr = true;
			continue;
		}
		if ((type & ~IKE_ATTR_AF) != IKE_ATTR_KEY_LENGTH) {
			xf->t_unknown_attr = true;
			continue;
		}
		if (xf->t_keylen || val == 0)
			return SA_FAIL(c, GW_E_PARSE, "proposal %u transform %u: %s Key Length %u",
				       c->sc_prop, c->sc_xf, xf->t_keylen ? "second" : "invalid",
				       val);
		xf->t_keylen = val;
	}
	return 0;
}

/*
 * 3.3.2 Transform substructure
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Last Substruc |   RESERVED    |        Transform Length       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Transform Type |   RESERVED    |          Transform ID         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                      Transform Attributes                     ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
static int transform_parse(struct sa_ctx *c, struct reader *pr, struct ike_transform *xf,
			   bool *last)
{
	size_t left = rd_left(pr);
	struct reader tr;
	uint8_t ls;
	uint16_t tlen;

	if (left < SUBSTRUCT_HDR_LEN)
		return SA_FAIL(c, GW_E_PARSE, "proposal %u transform %u needs 8 bytes, %zu left",
			       c->sc_prop, c->sc_xf, left);
	ls = rd_u8(pr);
	rd_skip(pr, 1);
	tlen = rd_u16(pr);
	if (ls != 0 && ls != LAST_TRANSFORM_MORE)
		return SA_FAIL(c, GW_E_PARSE, "proposal %u transform %u: last-substructure %u",
			       c->sc_prop, c->sc_xf, ls);
	if (tlen < SUBSTRUCT_HDR_LEN)
		return SA_FAIL(c, GW_E_PARSE, "proposal %u transform %u length %u is less than 8",
			       c->sc_prop, c->sc_xf, tlen);
	if (tlen > left)
		return SA_FAIL(c, GW_E_PARSE,
			       "proposal %u transform %u length %u exceeds the %zu bytes left",
			       c->sc_prop, c->sc_xf, tlen, left);
	rd_sub(pr, tlen - 4u, &tr);
	memset(xf, 0, sizeof(*xf));
	xf->t_type = rd_u8(&tr);
	rd_skip(&tr, 1);
	xf->t_id = rd_u16(&tr);
	*last = ls == 0;
	return attrs_parse(c, &tr, xf);
}

/* 3.3.1: IKE SPIs are 0 (IKE_SA_INIT) or 8 bytes (rekey), ESP/AH 4. */
static int spi_check(struct sa_ctx *c, uint8_t proto, uint8_t spi_len, size_t left)
{
	bool ok;

	if (spi_len > IKE_MAX_SPI_LEN)
		return SA_FAIL(c, GW_E_RANGE, "proposal %u: SPI size %u exceeds %d", c->sc_prop,
			       spi_len, IKE_MAX_SPI_LEN);
	switch (proto) {
	case IKE_PROTO_IKE:
		ok = spi_len == 0 || spi_len == 8;
		break;
	case IKE_PROTO_AH:
	case IKE_PROTO_ESP:
		ok = spi_len == 4;
		break;
	default:
		return SA_FAIL(c, GW_E_PARSE, "proposal %u: unknown protocol %u", c->sc_prop,
			       proto);
	}
	if (!ok)
		return SA_FAIL(c, GW_E_PARSE, "proposal %u: SPI size %u invalid for protocol %u",
			       c->sc_prop, spi_len, proto);
	if (spi_len > left)
		return SA_FAIL(c, GW_E_PARSE, "proposal %u: SPI size %u exceeds the %zu bytes left",
			       c->sc_prop, spi_len, left);
	return 0;
}

/* The transforms of one proposal; their count must match Num Transforms. */
static int transforms_parse(struct sa_ctx *c, struct reader *pr, struct ike_proposal *prop,
			    uint8_t nxf)
{
	bool last = false;
	unsigned n = 0;
	int rc;

	if (!rd_left(pr))
		return SA_FAIL(c, GW_E_PARSE, "proposal %u has no transforms", c->sc_prop);
	while (!last) {
		if (!rd_left(pr))
			return SA_FAIL(c, GW_E_PARSE,
				       "proposal %u: transform %u claims a successor", c->sc_prop,
				       n);
		if (n == IKE_MAX_TRANSFORMS)
			return SA_FAIL(c, GW_E_RANGE, "proposal %u: more than %d transforms",
				       c->sc_prop, IKE_MAX_TRANSFORMS);
		c->sc_xf = n + 1;
		if ((rc = transform_parse(c, pr, &prop->pr_xf[n], &last)) != 0)
			return rc;
		n++;
	}
	if (rd_left(pr))
		return SA_FAIL(c, GW_E_PARSE, "proposal %u: %zu bytes after the last transform",
			       c->sc_prop, rd_left(pr));
	if (n != nxf)
		return SA_FAIL(c, GW_E_PARSE, "proposal %u: Num Transforms %u, but %u present",
			       c->sc_prop, nxf, n);
	prop->pr_n = (uint8_t)n;
	return 0;
}

/*
 * 3.3.1 Proposal substructure
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Last Substruc |   RESERVED    |         Proposal Length       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Proposal Num  |  Protocol ID  |    SPI Size   |Num  Transforms|
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                        SPI (variable)                         ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                        <Transforms>                           ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
static int proposal_parse(struct sa_ctx *c, struct reader *rd, struct ike_proposal *prop,
			  bool *last)
{
	size_t left = rd_left(rd);
	struct reader pr;
	uint8_t ls, nxf;
	uint16_t plen;
	int rc;

	if (left < SUBSTRUCT_HDR_LEN)
		return SA_FAIL(c, GW_E_PARSE, "proposal %u needs 8 bytes, %zu left", c->sc_prop,
			       left);
	ls = rd_u8(rd);
	rd_skip(rd, 1);
	plen = rd_u16(rd);
	if (ls != 0 && ls != LAST_PROPOSAL_MORE)
		return SA_FAIL(c, GW_E_PARSE, "proposal %u: last-substructure %u", c->sc_prop, ls);
	if (plen < SUBSTRUCT_HDR_LEN)
		return SA_FAIL(c, GW_E_PARSE, "proposal %u length %u is less than 8", c->sc_prop,
			       plen);
	if (plen > left)
		return SA_FAIL(c, GW_E_PARSE, "proposal %u length %u exceeds the %zu bytes left",
			       c->sc_prop, plen, left);
	rd_sub(rd, plen - 4u, &pr);
	prop->pr_num = rd_u8(&pr);
	prop->pr_proto = rd_u8(&pr);
	prop->pr_spi_len = rd_u8(&pr);
	nxf = rd_u8(&pr);
	if ((rc = spi_check(c, prop->pr_proto, prop->pr_spi_len, rd_left(&pr))) != 0)
		return rc;
	rd_copy(&pr, prop->pr_spi, prop->pr_spi_len);
	*last = ls == 0;
	return transforms_parse(c, &pr, prop, nxf);
}

/* 3.3.1: proposals are numbered 1, 2, 3...; an accepted proposal (the
 * only one in a response) keeps the number it was offered with. */
static int numbering_check(struct sa_ctx *c, const struct ike_pld_sa *sa)
{
	unsigned num = sa->sa_prop[sa->sa_n].pr_num;

	if (sa->sa_n == 0 && num == 0)
		return SA_FAIL(c, GW_E_PARSE, "proposal 1: number 0");
	if (sa->sa_n == 1 && sa->sa_prop[0].pr_num != 1)
		return SA_FAIL(c, GW_E_PARSE, "proposal 1: number %u, but more proposals follow",
			       sa->sa_prop[0].pr_num);
	if (sa->sa_n > 0 && num != sa->sa_prop[sa->sa_n - 1].pr_num + 1u)
		return SA_FAIL(c, GW_E_PARSE, "proposal %u: number %u, expected %u", c->sc_prop,
			       num, sa->sa_prop[sa->sa_n - 1].pr_num + 1u);
	return 0;
}

/*
 * 3.3 Security Association payload
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                          <Proposals>                          ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
int ike_pld_sa_parse(const struct ike_pld *p, struct ike_pld_sa *sa, struct ike_err *err)
{
	struct sa_ctx c = { .sc_p = p, .sc_err = err };
	bool last = false;
	struct reader rd;
	int rc;

	sa->sa_n = 0;
	if ((rc = ike_pld_expect(p, IKE_PLD_SA, IKE_PLD_SA, err)) != 0)
		return rc;
	ike_pld_reader(p, &rd);
	if (!rd_left(&rd))
		return SA_FAIL(&c, GW_E_PARSE, "no proposals");
	while (!last) {
		c.sc_prop = sa->sa_n + 1u;
		if (!rd_left(&rd))
			return SA_FAIL(&c, GW_E_PARSE, "proposal %u claims a successor", sa->sa_n);
		if (sa->sa_n == IKE_MAX_PROPOSALS)
			return SA_FAIL(&c, GW_E_RANGE, "more than %d proposals", IKE_MAX_PROPOSALS);
		memset(&sa->sa_prop[sa->sa_n], 0, sizeof(sa->sa_prop[0]));
		if ((rc = proposal_parse(&c, &rd, &sa->sa_prop[sa->sa_n], &last)) != 0 ||
		    (rc = numbering_check(&c, sa)) != 0)
			return rc;
		sa->sa_n++;
	}
	if (rd_left(&rd))
		return SA_FAIL(&c, GW_E_PARSE, "%zu bytes after the last proposal", rd_left(&rd));
	return 0;
}

static void transform_write(struct writer *wr, const struct ike_transform *xf, bool last)
{
	size_t off = wr_len(wr);

	wr_u8(wr, last ? 0 : LAST_TRANSFORM_MORE);
	wr_u8(wr, 0);
	wr_u16(wr, 0); /* length, patched */
	wr_u8(wr, xf->t_type);
	wr_u8(wr, 0);
	wr_u16(wr, xf->t_id);
	/* Attributes we could not parse are not echoed (3.3.6). */
	if (xf->t_keylen) {
		wr_u16(wr, IKE_ATTR_AF | IKE_ATTR_KEY_LENGTH);
		wr_u16(wr, xf->t_keylen);
	}
	ike_wr_patch_len(wr, off, 2);
}

static void proposal_write(struct writer *wr, const struct ike_proposal *prop, bool last)
{
	size_t off = wr_len(wr);

	if (prop->pr_spi_len > IKE_MAX_SPI_LEN || prop->pr_n == 0 ||
	    prop->pr_n > IKE_MAX_TRANSFORMS) {
		ike_wr_fail(wr, GW_E_INVAL);
		return;
	}
	wr_u8(wr, last ? 0 : LAST_PROPOSAL_MORE);
	wr_u8(wr, 0);
	wr_u16(wr, 0); /* length, patched */
	wr_u8(wr, prop->pr_num);
	wr_u8(wr, prop->pr_proto);
	wr_u8(wr, prop->pr_spi_len);
	wr_u8(wr, prop->pr_n);
	wr_bytes(wr, prop->pr_spi, prop->pr_spi_len);
	for (unsigned i = 0; i < prop->pr_n; i++)
		transform_write(wr, &prop->pr_xf[i], i + 1u == prop->pr_n);
	ike_wr_patch_len(wr, off, 2);
}

void ike_pld_sa_write(struct writer *wr, const struct ike_pld_sa *sa)
{
	if (sa->sa_n == 0 || sa->sa_n > IKE_MAX_PROPOSALS) {
		ike_wr_fail(wr, GW_E_INVAL);
		return;
	}
	for (unsigned i = 0; i < sa->sa_n; i++)
		proposal_write(wr, &sa->sa_prop[i], i + 1u == sa->sa_n);
}

/* pld_cp.c: the Configuration payload (RFC 7296 3.15). */
#include "ike/ike_int.h"
#include "util/err.h"

#define CP_ATTR_R 0x8000 /* reserved bit, ignored on receipt */

/* 3.15.1: allowed value lengths per attribute type (a request sends them
 * empty). Types not listed may have any length. */
struct cp_len {
	uint16_t cl_type;
	uint8_t cl_len; /* the one non-zero length allowed */
	bool cl_list;   /* any multiple of 2 instead */
};

static const struct cp_len cp_lens[] = {
	{ IKE_CA_INTERNAL_IP4_ADDRESS, 4, false }, { IKE_CA_INTERNAL_IP4_NETMASK, 4, false },
	{ IKE_CA_INTERNAL_IP4_DNS, 4, false },     { IKE_CA_INTERNAL_IP4_NBNS, 4, false },
	{ IKE_CA_INTERNAL_IP4_DHCP, 4, false },    { IKE_CA_INTERNAL_IP6_ADDRESS, 17, false },
	{ IKE_CA_INTERNAL_IP6_DNS, 16, false },    { IKE_CA_INTERNAL_IP6_DHCP, 16, false },
	{ IKE_CA_INTERNAL_IP4_SUBNET, 8, false },  { IKE_CA_SUPPORTED_ATTRIBUTES, 0, true },
	{ IKE_CA_INTERNAL_IP6_SUBNET, 17, false },
};

static bool attr_len_ok(uint16_t type, uint16_t len)
{
	for (size_t i = 0; i < sizeof(cp_lens) / sizeof(cp_lens[0]); i++)
		if (cp_lens[i].cl_type == type)
			return cp_lens[i].cl_list ? len % 2 == 0
						  : len == 0 || len == cp_lens[i].cl_len;
	return true;
}

/*
 * 3.15.1 Configuration attribute
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |R|         Attribute Type      |            Length             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                             Value                             ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
static int attr_parse(const struct ike_pld *p, struct reader *rd, unsigned i,
		      struct ike_cp_attr *ca, struct ike_err *err)
{
	size_t left = rd_left(rd);

	if (left < 4)
		return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off,
				   "attribute %u needs 4 bytes, %zu left", i, left);
	ca->ca_type = rd_u16(rd) & ~CP_ATTR_R;
	ca->ca_len = rd_u16(rd);
	if (ca->ca_len > rd_left(rd))
		return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off,
				   "attribute %u length %u exceeds the %zu bytes left", i,
				   ca->ca_len, rd_left(rd));
	if (!attr_len_ok(ca->ca_type, ca->ca_len))
		return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off,
				   "attribute %u: type %u with length %u", i, ca->ca_type,
				   ca->ca_len);
	ca->ca_data = rd_bytes(rd, ca->ca_len);
	return 0;
}

/*
 * 3.15 Configuration payload
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C| RESERVED    |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   CFG Type    |                    RESERVED                   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                   Configuration Attributes                    ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
int ike_pld_cp_parse(const struct ike_pld *p, struct ike_pld_cp *cp, struct ike_err *err)
{
	struct reader rd;
	int rc;

	cp->cp_n = 0;
	if ((rc = ike_pld_expect(p, IKE_PLD_CP, IKE_PLD_CP, err)) != 0)
		return rc;
	ike_pld_reader(p, &rd);
	if (rd_left(&rd) < 4)
		return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off,
				   "body of %zu bytes, needs 4", p->p_len);
	cp->cp_type = rd_u8(&rd);
	rd_skip(&rd, 3);
	while (rd_left(&rd)) {
		if (cp->cp_n == IKE_MAX_CP_ATTRS)
			return ike_err_set(err, GW_E_RANGE, p->p_type, p->p_off,
					   "more than %d attributes", IKE_MAX_CP_ATTRS);
		if ((rc = attr_parse(p, &rd, cp->cp_n + 1u, &cp->cp_attr[cp->cp_n], err)) != 0)
			return rc;
		cp->cp_n++;
	}
	return 0;
}

void ike_pld_cp_write(struct writer *wr, const struct ike_pld_cp *cp)
{
	if (cp->cp_n > IKE_MAX_CP_ATTRS) {
		ike_wr_fail(wr, GW_E_INVAL);
		return;
	}
	wr_u8(wr, cp->cp_type);
	wr_zero(wr, 3);
	for (unsigned i = 0; i < cp->cp_n; i++) {
		wr_u16(wr, cp->cp_attr[i].ca_type & ~CP_ATTR_R);
		wr_u16(wr, cp->cp_attr[i].ca_len);
		wr_bytes(wr, cp->cp_attr[i].ca_data, cp->cp_attr[i].ca_len);
	}
}

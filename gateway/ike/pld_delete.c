/* pld_delete.c: the Delete payload (RFC 7296 3.11). */
#include "ike/ike_int.h"
#include "util/err.h"

static bool spis_valid(const struct ike_pld_delete *d)
{
	switch (d->d_proto) {
	case IKE_PROTO_IKE:
		return d->d_spi_len == 0 && d->d_n == 0;
	case IKE_PROTO_AH:
	case IKE_PROTO_ESP:
		return d->d_spi_len == 4;
	}
	return false;
}

/*
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Protocol ID   |   SPI Size    |          Num of SPIs          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~               Security Parameter Index(es) (SPI)              ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * IKE SA: SPI size 0 and no SPIs (the header names the SA); ESP/AH: 4-byte
 * SPIs, exactly Num of SPIs of them.
 */
int ike_pld_delete_parse(const struct ike_pld *p, struct ike_pld_delete *d, struct ike_err *err)
{
	struct reader rd;
	size_t need;
	int rc;

	if ((rc = ike_pld_expect(p, IKE_PLD_DELETE, IKE_PLD_DELETE, err)) != 0)
		return rc;
	ike_pld_reader(p, &rd);
	if (rd_left(&rd) < 4)
		return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off,
				   "body of %zu bytes, needs 4", p->p_len);
	d->d_proto = rd_u8(&rd);
	d->d_spi_len = rd_u8(&rd);
	d->d_n = rd_u16(&rd);
	if (!spis_valid(d))
		return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off,
				   "protocol %u with SPI size %u and %u SPIs", d->d_proto,
				   d->d_spi_len, d->d_n);
	need = (size_t)d->d_n * d->d_spi_len;
	if (need != rd_left(&rd))
		return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off,
				   "%u SPIs of %u bytes, but %zu bytes left", d->d_n, d->d_spi_len,
				   rd_left(&rd));
	d->d_spis = rd_bytes(&rd, need);
	return 0;
}

void ike_pld_delete_write(struct writer *wr, const struct ike_pld_delete *d)
{
	wr_u8(wr, d->d_proto);
	wr_u8(wr, d->d_spi_len);
	wr_u16(wr, d->d_n);
	wr_bytes(wr, d->d_spis, (size_t)d->d_n * d->d_spi_len);
}

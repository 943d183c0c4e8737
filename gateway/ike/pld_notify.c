/* pld_notify.c: the Notify payload (RFC 7296 3.10). */
#include "ike/ike_int.h"
#include "util/err.h"

/* Notification data sizes the engine relies on, so it never has to check
 * them again. Types not listed carry data of any length. */
struct notify_len {
	uint16_t nl_type;
	uint16_t nl_min;
	uint16_t nl_max;
	bool nl_even; /* a list of 16-bit values */
};

static const struct notify_len notify_lens[] = {
	{ IKE_N_INVALID_KE_PAYLOAD, 2, 2, false },        /* 1.3: the accepted group */
	{ IKE_N_SET_WINDOW_SIZE, 4, 4, false },           /* 2.3 */
	{ IKE_N_NAT_DETECTION_SOURCE_IP, 20, 20, false }, /* 2.23: SHA-1 */
	{ IKE_N_NAT_DETECTION_DESTINATION_IP, 20, 20, false },
	{ IKE_N_COOKIE, 1, 64, false },                       /* 2.6 */
	{ IKE_N_SIGNATURE_HASH_ALGORITHMS, 2, 0xffff, true }, /* RFC 7427 4 */
};

static int data_check(const struct ike_pld *p, const struct ike_pld_notify *n, struct ike_err *err)
{
	for (size_t i = 0; i < sizeof(notify_lens) / sizeof(notify_lens[0]); i++) {
		const struct notify_len *nl = &notify_lens[i];

		if (nl->nl_type != n->n_type)
			continue;
		if (n->n_len < nl->nl_min || n->n_len > nl->nl_max || (nl->nl_even && n->n_len % 2))
			return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off,
					   "%s with %zu bytes of data", ike_notify_name(n->n_type),
					   n->n_len);
		break;
	}
	return 0;
}

/*
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Protocol ID  |   SPI Size    |      Notify Message Type      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                Security Parameter Index (SPI)                 ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                       Notification Data                       ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * The Protocol ID is kept as received: 3.10 says to ignore it when the SPI
 * is empty, which is the caller's business.
 */
int ike_pld_notify_parse(const struct ike_pld *p, struct ike_pld_notify *n, struct ike_err *err)
{
	struct reader rd;
	int rc;

	if ((rc = ike_pld_expect(p, IKE_PLD_NOTIFY, IKE_PLD_NOTIFY, err)) != 0)
		return rc;
	ike_pld_reader(p, &rd);
	if (rd_left(&rd) < 4)
		return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off,
				   "body of %zu bytes, needs 4", p->p_len);
	n->n_proto = rd_u8(&rd);
	n->n_spi_len = rd_u8(&rd);
	n->n_type = rd_u16(&rd);
	if (n->n_spi_len > IKE_MAX_SPI_LEN)
		return ike_err_set(err, GW_E_RANGE, p->p_type, p->p_off, "SPI size %u exceeds %d",
				   n->n_spi_len, IKE_MAX_SPI_LEN);
	if (n->n_spi_len > rd_left(&rd))
		return ike_err_set(err, GW_E_PARSE, p->p_type, p->p_off,
				   "SPI size %u exceeds the %zu bytes left", n->n_spi_len,
				   rd_left(&rd));
	n->n_spi = rd_bytes(&rd, n->n_spi_len);
	n->n_len = rd_left(&rd);
	n->n_data = rd_bytes(&rd, n->n_len);
	return data_check(p, n, err);
}

void ike_pld_notify_write(struct writer *wr, const struct ike_pld_notify *n)
{
	if (n->n_spi_len > IKE_MAX_SPI_LEN) {
		ike_wr_fail(wr, GW_E_INVAL);
		return;
	}
	wr_u8(wr, n->n_proto);
	wr_u8(wr, n->n_spi_len);
	wr_u16(wr, n->n_type);
	wr_bytes(wr, n->n_spi, n->n_spi_len);
	wr_bytes(wr, n->n_data, n->n_len);
}

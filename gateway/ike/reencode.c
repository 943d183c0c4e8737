/*
 * reencode.c: decode a payload body and encode it again. Used by the fuzz
 * target and tests to prove parse and write are inverse; for canonical
 * input (reserved fields zero, no unknown transform attributes) the output
 * equals the input byte for byte.
 */
#include <stdlib.h>

#include "ike/ike_int.h"
#include "util/err.h"

/* RFC 7383 2.5: the SKF fields before the encrypted data. */
static int skf_reencode(const struct ike_pld *p, struct writer *wr, struct ike_err *err)
{
	struct ike_pld_skf f;
	int rc;

	if ((rc = ike_pld_skf_parse(p, &f, err)) != 0)
		return rc;
	wr_u16(wr, f.f_num);
	wr_u16(wr, f.f_total);
	wr_bytes(wr, f.f_data, f.f_len);
	return 0;
}

/* The SA struct is ~17 KiB: on the heap, not on a worker's stack. */
static int sa_reencode(const struct ike_pld *p, struct writer *wr, struct ike_err *err)
{
	struct ike_pld_sa *sa = malloc(sizeof(*sa));
	int rc;

	if (!sa)
		return ike_err_set(err, GW_E_NOMEM, p->p_type, p->p_off, "out of memory");
	if ((rc = ike_pld_sa_parse(p, sa, err)) == 0)
		ike_pld_sa_write(wr, sa);
	free(sa);
	return rc;
}

/* Payloads whose struct is small enough for the stack. */
union small_pld {
	struct ike_pld_ke ke;
	struct ike_pld_id id;
	struct ike_pld_cert cert;
	struct ike_pld_auth auth;
	struct ike_pld_nonce nonce;
	struct ike_pld_notify notify;
	struct ike_pld_delete del;
	struct ike_pld_vendor vendor;
	struct ike_pld_ts ts;
	struct ike_pld_cp cp;
	struct ike_pld_eap eap;
};

/* Decode into u and encode u again: one case per payload type. */
static int small_reencode(const struct ike_pld *p, struct writer *wr, union small_pld *u,
			  struct ike_err *err)
{
	int rc;

	switch (p->p_type) {
	case IKE_PLD_KE:
		if ((rc = ike_pld_ke_parse(p, &u->ke, err)) == 0)
			ike_pld_ke_write(wr, &u->ke);
		return rc;
	case IKE_PLD_IDI:
	case IKE_PLD_IDR:
		if ((rc = ike_pld_id_parse(p, &u->id, err)) == 0)
			ike_pld_id_write(wr, &u->id);
		return rc;
	case IKE_PLD_CERT:
	case IKE_PLD_CERTREQ:
		if ((rc = ike_pld_cert_parse(p, &u->cert, err)) == 0)
			ike_pld_cert_write(wr, &u->cert);
		return rc;
	case IKE_PLD_AUTH:
		if ((rc = ike_pld_auth_parse(p, &u->auth, err)) == 0)
			ike_pld_auth_write(wr, &u->auth);
		return rc;
	case IKE_PLD_NONCE:
		if ((rc = ike_pld_nonce_parse(p, &u->nonce, err)) == 0)
			ike_pld_nonce_write(wr, &u->nonce);
		return rc;
	case IKE_PLD_NOTIFY:
		if ((rc = ike_pld_notify_parse(p, &u->notify, err)) == 0)
			ike_pld_notify_write(wr, &u->notify);
		return rc;
	case IKE_PLD_DELETE:
		if ((rc = ike_pld_delete_parse(p, &u->del, err)) == 0)
			ike_pld_delete_write(wr, &u->del);
		return rc;
	case IKE_PLD_VENDOR:
		if ((rc = ike_pld_vendor_parse(p, &u->vendor, err)) == 0)
			ike_pld_vendor_write(wr, &u->vendor);
		return rc;
	case IKE_PLD_TSI:
	case IKE_PLD_TSR:
		if ((rc = ike_pld_ts_parse(p, &u->ts, err)) == 0)
			ike_pld_ts_write(wr, &u->ts);
		return rc;
	case IKE_PLD_CP:
		if ((rc = ike_pld_cp_parse(p, &u->cp, err)) == 0)
			ike_pld_cp_write(wr, &u->cp);
		return rc;
	case IKE_PLD_EAP:
		if ((rc = ike_pld_eap_parse(p, &u->eap, err)) == 0)
			ike_pld_eap_write(wr, &u->eap);
		return rc;
	}
	return ike_err_set(err, GW_E_UNSUP, p->p_type, p->p_off, "no decoder for type %u",
			   p->p_type);
}

int ike_pld_reencode(const struct ike_pld *p, struct writer *wr, struct ike_err *err)
{
	union small_pld u;
	int rc;

	switch (p->p_type) {
	case IKE_PLD_SA:
		rc = sa_reencode(p, wr, err);
		break;
	case IKE_PLD_SK:
		/* 3.14: opaque until decrypted; the inner chain is re-encoded
		 * payload by payload. */
		wr_bytes(wr, p->p_body, p->p_len);
		rc = 0;
		break;
	case IKE_PLD_SKF:
		rc = skf_reencode(p, wr, err);
		break;
	default:
		rc = small_reencode(p, wr, &u, err);
	}
	if (rc == 0 && !wr_ok(wr))
		rc = ike_err_set(err, wr->wr_err, p->p_type, p->p_off, "cannot encode: %s",
				 gw_strerror(wr->wr_err));
	return rc;
}

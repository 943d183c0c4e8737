/*
 * cred.c: the credential lookup over eap-users.json (api/model), for
 * servers and for the client side of the daemon's own EAP identity. The
 * secrets are copied; the users object only has to outlive the call.
 */
#include <string.h>

#include "api/model/model.h"
#include "auth/eap/eap_int.h"
#include "util/err.h"

int eap_cred_from_users(void *arg, const uint8_t *id, size_t len, struct eap_cred *out)
{
	const struct model_eap_users *users = arg;
	const struct model_eap_user *u = model_eap_users_find(users, id, len);

	memset(out, 0, sizeof(*out));
	if (!u)
		return GW_E_NOTFOUND;
	switch (u->eu_method) {
	case MODEL_EAP_MD5:
		out->cr_methods = EAP_M_MD5;
		break;
	case MODEL_EAP_MSCHAPV2:
		out->cr_methods = EAP_M_MSCHAPV2;
		break;
	case MODEL_EAP_ANY:
		out->cr_methods = EAP_M_ALL;
		break;
	}
	if ((u->eu_password &&
	     !(out->cr_password = secret_dup(u->eu_password->data, u->eu_password->len))) ||
	    (u->eu_nt_hash &&
	     !(out->cr_nt_hash = secret_dup(u->eu_nt_hash->data, u->eu_nt_hash->len)))) {
		eap_cred_clear(out);
		return GW_E_NOMEM;
	}
	return 0;
}

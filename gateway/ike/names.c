/*
 * names.c: printable names for payload, exchange and notify types, and the
 * error detail every parse failure carries (struct ike_err).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ike/ike_int.h"
#include "util/err.h"

int ike_err_set(struct ike_err *err, int code, uint8_t pld, size_t off, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->e_code = code;
	err->e_pld = pld;
	err->e_off = off;
	va_start(ap, fmt);
	vsnprintf(err->e_what, sizeof(err->e_what), fmt, ap);
	va_end(ap);
	return code;
}

/* "SA payload at offset 28: proposal 1 length 44 exceeds the 20 bytes left" */
const char *ike_err_str(const struct ike_err *err, char *buf, size_t len)
{
	const char *what = err->e_what[0] ? err->e_what : gw_strerror(err->e_code);

	if (!buf || !len)
		return "";
	if (err->e_pld == IKE_PLD_NONE)
		snprintf(buf, len, "message at offset %zu: %s", err->e_off, what);
	else if (ike_pld_known(err->e_pld))
		snprintf(buf, len, "%s payload at offset %zu: %s", ike_pld_name(err->e_pld),
			 err->e_off, what);
	else
		snprintf(buf, len, "payload type %u at offset %zu: %s", err->e_pld, err->e_off,
			 what);
	return buf;
}

bool ike_pld_known(uint8_t type)
{
	return (type >= IKE_PLD_SA && type <= IKE_PLD_EAP) || type == IKE_PLD_SKF;
}

const char *ike_pld_name(uint8_t type)
{
	static const char *const names[] = {
		[IKE_PLD_SA] = "SA",     [IKE_PLD_KE] = "KE",       [IKE_PLD_IDI] = "IDi",
		[IKE_PLD_IDR] = "IDr",   [IKE_PLD_CERT] = "CERT",   [IKE_PLD_CERTREQ] = "CERTREQ",
		[IKE_PLD_AUTH] = "AUTH", [IKE_PLD_NONCE] = "Nonce", [IKE_PLD_NOTIFY] = "N",
		[IKE_PLD_DELETE] = "D",  [IKE_PLD_VENDOR] = "V",    [IKE_PLD_TSI] = "TSi",
		[IKE_PLD_TSR] = "TSr",   [IKE_PLD_SK] = "SK",       [IKE_PLD_CP] = "CP",
		[IKE_PLD_EAP] = "EAP",   [IKE_PLD_SKF] = "SKF",
	};

	if (type < sizeof(names) / sizeof(names[0]) && names[type])
		return names[type];
	return type == IKE_PLD_NONE ? "none" : "unknown";
}

const char *ike_exch_name(uint8_t exch)
{
	switch (exch) {
	case IKE_EXCH_SA_INIT:
		return "IKE_SA_INIT";
	case IKE_EXCH_AUTH:
		return "IKE_AUTH";
	case IKE_EXCH_CREATE_CHILD_SA:
		return "CREATE_CHILD_SA";
	case IKE_EXCH_INFORMATIONAL:
		return "INFORMATIONAL";
	case IKE_EXCH_SESSION_RESUME:
		return "IKE_SESSION_RESUME";
	case IKE_EXCH_INTERMEDIATE:
		return "IKE_INTERMEDIATE";
	}
	return "unknown";
}

struct notify_name {
	uint16_t nn_type;
	const char *nn_name;
};

/* Sorted by type: the IANA registry entries iana.h knows. */
static const struct notify_name notify_names[] = {
	{ IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD, "UNSUPPORTED_CRITICAL_PAYLOAD" },
	{ IKE_N_INVALID_IKE_SPI, "INVALID_IKE_SPI" },
	{ IKE_N_INVALID_MAJOR_VERSION, "INVALID_MAJOR_VERSION" },
	{ IKE_N_INVALID_SYNTAX, "INVALID_SYNTAX" },
	{ IKE_N_INVALID_MESSAGE_ID, "INVALID_MESSAGE_ID" },
	{ IKE_N_INVALID_SPI, "INVALID_SPI" },
	{ IKE_N_NO_PROPOSAL_CHOSEN, "NO_PROPOSAL_CHOSEN" },
	{ IKE_N_INVALID_KE_PAYLOAD, "INVALID_KE_PAYLOAD" },
	{ IKE_N_AUTHENTICATION_FAILED, "AUTHENTICATION_FAILED" },
	{ IKE_N_SINGLE_PAIR_REQUIRED, "SINGLE_PAIR_REQUIRED" },
	{ IKE_N_NO_ADDITIONAL_SAS, "NO_ADDITIONAL_SAS" },
	{ IKE_N_INTERNAL_ADDRESS_FAILURE, "INTERNAL_ADDRESS_FAILURE" },
	{ IKE_N_FAILED_CP_REQUIRED, "FAILED_CP_REQUIRED" },
	{ IKE_N_TS_UNACCEPTABLE, "TS_UNACCEPTABLE" },
	{ IKE_N_INVALID_SELECTORS, "INVALID_SELECTORS" },
	{ IKE_N_TEMPORARY_FAILURE, "TEMPORARY_FAILURE" },
	{ IKE_N_CHILD_SA_NOT_FOUND, "CHILD_SA_NOT_FOUND" },
	{ IKE_N_INITIAL_CONTACT, "INITIAL_CONTACT" },
	{ IKE_N_SET_WINDOW_SIZE, "SET_WINDOW_SIZE" },
	{ IKE_N_ADDITIONAL_TS_POSSIBLE, "ADDITIONAL_TS_POSSIBLE" },
	{ IKE_N_IPCOMP_SUPPORTED, "IPCOMP_SUPPORTED" },
	{ IKE_N_NAT_DETECTION_SOURCE_IP, "NAT_DETECTION_SOURCE_IP" },
	{ IKE_N_NAT_DETECTION_DESTINATION_IP, "NAT_DETECTION_DESTINATION_IP" },
	{ IKE_N_COOKIE, "COOKIE" },
	{ IKE_N_USE_TRANSPORT_MODE, "USE_TRANSPORT_MODE" },
	{ IKE_N_HTTP_CERT_LOOKUP_SUPPORTED, "HTTP_CERT_LOOKUP_SUPPORTED" },
	{ IKE_N_REKEY_SA, "REKEY_SA" },
	{ IKE_N_ESP_TFC_PADDING_NOT_SUPPORTED, "ESP_TFC_PADDING_NOT_SUPPORTED" },
	{ IKE_N_NON_FIRST_FRAGMENTS_ALSO, "NON_FIRST_FRAGMENTS_ALSO" },
	{ IKE_N_MOBIKE_SUPPORTED, "MOBIKE_SUPPORTED" },
	{ IKE_N_UPDATE_SA_ADDRESSES, "UPDATE_SA_ADDRESSES" },
	{ IKE_N_COOKIE2, "COOKIE2" },
	{ IKE_N_NO_NATS_ALLOWED, "NO_NATS_ALLOWED" },
	{ IKE_N_MULTIPLE_AUTH_SUPPORTED, "MULTIPLE_AUTH_SUPPORTED" },
	{ IKE_N_ANOTHER_AUTH_FOLLOWS, "ANOTHER_AUTH_FOLLOWS" },
	{ IKE_N_REDIRECT_SUPPORTED, "REDIRECT_SUPPORTED" },
	{ IKE_N_EAP_ONLY_AUTHENTICATION, "EAP_ONLY_AUTHENTICATION" },
	{ IKE_N_CHILDLESS_IKEV2_SUPPORTED, "CHILDLESS_IKEV2_SUPPORTED" },
	{ IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, "IKEV2_FRAGMENTATION_SUPPORTED" },
	{ IKE_N_SIGNATURE_HASH_ALGORITHMS, "SIGNATURE_HASH_ALGORITHMS" },
	{ IKE_N_INTERMEDIATE_EXCHANGE_SUPPORTED, "INTERMEDIATE_EXCHANGE_SUPPORTED" },
};

const char *ike_notify_name(uint16_t type)
{
	size_t lo = 0, hi = sizeof(notify_names) / sizeof(notify_names[0]);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (notify_names[mid].nn_type == type)
			return notify_names[mid].nn_name;
		if (notify_names[mid].nn_type < type)
			lo = mid + 1;
		else
			hi = mid;
	}
	return type < IKE_N_STATUS_MIN ? "unknown error" : "unknown status";
}

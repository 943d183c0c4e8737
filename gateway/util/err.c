#include "util/err.h"

const char *gw_strerror(int err)
{
	switch (err) {
	case GW_OK:
		return "success";
	case GW_E_PARSE:
		return "malformed input";
	case GW_E_NOMEM:
		return "out of memory";
	case GW_E_INVAL:
		return "invalid argument";
	case GW_E_RANGE:
		return "limit exceeded";
	case GW_E_CRYPTO:
		return "cryptographic operation failed";
	case GW_E_AUTH:
		return "integrity check failed";
	case GW_E_UNSUP:
		return "not supported";
	case GW_E_CRITICAL:
		return "unsupported critical payload";
	case GW_E_STATE:
		return "not allowed here";
	case GW_E_IO:
		return "I/O error";
	case GW_E_NOTFOUND:
		return "not found";
	case GW_E_AGAIN:
		return "incomplete";
	case GW_E_EXISTS:
		return "already exists";
	}
	return "unknown error";
}

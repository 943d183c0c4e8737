/*
 * err.h: error codes shared by every layer of the gateway.
 * Functions return 0 on success or a negative GW_E_* code; gw_strerror()
 * names it. Thread-safe (pure).
 */
#ifndef PAL_UTIL_ERR_H
#define PAL_UTIL_ERR_H

enum gw_err {
	GW_OK = 0,
	GW_E_PARSE = -1,     /* malformed input */
	GW_E_NOMEM = -2,     /* allocation failed */
	GW_E_INVAL = -3,     /* bad argument or configuration value */
	GW_E_RANGE = -4,     /* a size or count exceeds a limit */
	GW_E_CRYPTO = -5,    /* a cryptographic operation failed */
	GW_E_AUTH = -6,      /* integrity or authentication check failed */
	GW_E_UNSUP = -7,     /* recognised but not supported */
	GW_E_CRITICAL = -8,  /* unknown payload with the critical bit set */
	GW_E_STATE = -9,     /* not allowed in this state or exchange */
	GW_E_IO = -10,       /* system call failed */
	GW_E_NOTFOUND = -11, /* no such object */
	GW_E_AGAIN = -12,    /* incomplete: more input needed */
	GW_E_EXISTS = -13,   /* object already exists */
};

const char *gw_strerror(int err);

#endif

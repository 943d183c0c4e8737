/*
 * conn_rt.h: the connection round trip shared by the unit tests and the
 * fuzz target: model_conn_to_json() must parse back to the same struct.
 */
#ifndef PAL_TESTS_MODEL_CONN_RT_H
#define PAL_TESTS_MODEL_CONN_RT_H

#include <stddef.h>

#include "api/model/model.h"

/*
 * to_json(c), then "psk_set" must match and is dropped, the PSK (which
 * to_json never writes) goes back in as "0x" + hex, and the document must
 * parse under name to a struct byte-for-byte equal to c. 0 or -1 with
 * the reason in why.
 */
int conn_rt_check(const struct model_conn *c, const char *name, char *why, size_t len);

#endif

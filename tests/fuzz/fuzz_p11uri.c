/*
 * fuzz_p11uri: libFuzzer target for RFC 7512 PKCS#11 URIs (pkcs11/uri.c),
 * which come from connection files. Any input: a defined answer and a
 * terminated message; when accepted, the key named, decoded strings
 * terminated within their fields, and never a pin-value in the query.
 * (That a message quotes no value is checked by tests/unit/pkcs11.)
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pkcs11/pkcs11.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_str(const char *s, size_t cap)
{
	if (memchr(s, '\0', cap) == NULL)
		abort();
}

/* Does the query (after the first '?') hold a pin-value attribute? */
static bool query_has_pin(const char *uri)
{
	const char *q = strchr(uri, '?');

	while (q != NULL) {
		if (strncmp(q + 1, "pin-value=", 10) == 0)
			return true;
		q = strchr(q + 1, '&');
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char uri[P11_URI_MAX + 64], why[256];
	struct p11_uri u;
	size_t n = size < sizeof(uri) - 8 ? size : sizeof(uri) - 8;
	int rc;

	/* half the inputs get the scheme, so the attributes are reached */
	if (n > 0 && (data[0] & 1)) {
		memcpy(uri, "pkcs11:", 7);
		memcpy(uri + 7, data + 1, n - 1);
		uri[n + 6] = '\0';
	} else {
		memcpy(uri, data, n);
		uri[n] = '\0';
	}
	memset(why, 'x', sizeof(why));
	rc = p11_uri_parse(uri, &u, why, sizeof(why));
	check_str(why, sizeof(why));
	if (rc > 0)
		abort();
	if (rc != 0)
		return 0;
	if (!u.u_object_set && !u.u_id_set)
		abort();
	if (u.u_id_len > sizeof(u.u_id))
		abort();
	check_str(u.u_token, 33);
	check_str(u.u_serial, 17);
	check_str(u.u_model, 17);
	check_str(u.u_manuf, 33);
	check_str(u.u_object, sizeof(u.u_object));
	check_str(u.u_slot_desc, 65);
	check_str(u.u_module_path, sizeof(u.u_module_path));
	if (query_has_pin(uri))
		abort(); /* accepted a PIN in the URI */
	return 0;
}

/*
 * fuzz_auth: libFuzzer target for what auth/ parses from peers and
 * config: ID payload bodies (printing must stay escaped ASCII), RFC 7427
 * AlgorithmIdentifiers of AUTH payloads, identity config strings (a DN,
 * address or KEY_ID must print to a string that parses back to the same
 * identity) and SIGNATURE_HASH_ALGORITHMS. The first byte picks which.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "auth/auth_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_printable(const char *s, size_t cap)
{
	size_t n = strlen(s);

	if (n >= cap)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			abort();
}

static void fuzz_id_wire(const uint8_t *data, size_t size)
{
	struct auth_id id;
	char buf[8192];

	if (size < 1 || auth_id_from_wire(data[0], data + 1, size - 1, &id) != 0)
		return;
	check_printable(auth_id_str(&id, buf, sizeof(buf)), sizeof(buf));
	if (!auth_id_equal(&id, &id))
		abort();
}

static void fuzz_sigalg(const uint8_t *data, size_t size)
{
	struct auth_sigalg sa;
	char why[AUTH_WHY_LEN];

	if (auth_sigalg_parse(data, size, &sa, why, sizeof(why)) != 0) {
		if (why[0] == '\0')
			abort();
		return;
	}
	if (auth_hash_md(sa.sa_hash) == NULL || sa.sa_hash == IKE_HASH_SHA1 ||
	    sa.sa_scheme > AUTH_SCHEME_ECDSA || sa.sa_salt < 0)
		abort();
}

/* Printed DNs, addresses and KEY_IDs are config strings for themselves. */
static void fuzz_id_string(const uint8_t *data, size_t size)
{
	char in[2048], out[8192];
	struct auth_id id, back;

	if (size >= sizeof(in))
		return;
	memcpy(in, data, size);
	in[size] = '\0';
	if (auth_id_from_string(in, &id) != 0)
		return;
	auth_id_str(&id, out, sizeof(out));
	check_printable(out, sizeof(out));
	if (id.id_type == IKE_ID_FQDN || id.id_type == IKE_ID_RFC822_ADDR)
		return; /* "fqdn:a=b" prints as "a=b", a DN: retyped, by design */
	if (strlen(out) + 1 >= sizeof(out))
		return; /* truncated */
	if (auth_id_from_string(out, &back) != 0 || !auth_id_equal(&id, &back))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] & 3) {
	case 0:
		fuzz_id_wire(data + 1, size - 1);
		break;
	case 1:
		fuzz_sigalg(data + 1, size - 1);
		break;
	case 2:
		fuzz_id_string(data + 1, size - 1);
		break;
	default:
		(void)auth_hash_set_parse(data + 1, size - 1);
		break;
	}
	return 0;
}

/*
 * id.c: IKE identities (RFC 7296 section 3.5) from config strings and from
 * ID payloads, printed for logs, compared for policy. Config strings follow
 * strongSwan's conventions: an address literal, "user@domain" (RFC822),
 * anything with '=' as a DN, "keyid:hex" or "@#hex" (KEY_ID), "@name" to
 * force an FQDN, and explicit type prefixes ("fqdn:", "email:", "asn1dn:",
 * "ipv4:", ...). DNs travel as DER; FQDNs and RFC822 names compare without
 * regard to ASCII case, as DNS names do (RFC 4343).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>

#include "auth/auth_int.h"
#include "util/err.h"
#include "util/hex.h"

struct id_prefix {
	const char *ip_text;
	uint8_t ip_type;
};

static const struct id_prefix id_prefixes[] = {
	{ "ipv4:", IKE_ID_IPV4_ADDR },
	{ "ipv6:", IKE_ID_IPV6_ADDR },
	{ "fqdn:", IKE_ID_FQDN },
	{ "dns:", IKE_ID_FQDN },
	{ "email:", IKE_ID_RFC822_ADDR },
	{ "rfc822:", IKE_ID_RFC822_ADDR },
	{ "userfqdn:", IKE_ID_RFC822_ADDR },
	{ "asn1dn:", IKE_ID_DER_ASN1_DN },
	{ "dn:", IKE_ID_DER_ASN1_DN },
	{ "keyid:", IKE_ID_KEY_ID },
};

static int id_set(struct auth_id *id, uint8_t type, const void *data, size_t len)
{
	if (len > AUTH_ID_MAX)
		return GW_E_RANGE;
	memset(id, 0, sizeof(*id));
	id->id_type = type;
	id->id_len = len;
	if (len)
		memcpy(id->id_data, data, len);
	return 0;
}

/* FQDN and RFC822 names from config: visible ASCII, no blanks. */
static int id_text(const char *s, uint8_t type, struct auth_id *id)
{
	size_t n = strlen(s);

	if (n == 0)
		return GW_E_INVAL;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return GW_E_INVAL;
	return id_set(id, type, s, n);
}

static int id_addr(const char *s, uint8_t type, struct auth_id *id)
{
	uint8_t a[16];

	if (type == IKE_ID_IPV4_ADDR) {
		if (inet_pton(AF_INET, s, a) != 1)
			return GW_E_INVAL;
		return id_set(id, type, a, 4);
	}
	if (inet_pton(AF_INET6, s, a) != 1)
		return GW_E_INVAL;
	return id_set(id, type, a, 16);
}

static int id_hex(const char *s, struct auth_id *id)
{
	uint8_t buf[AUTH_ID_MAX];
	size_t n = 0, slen;

	if (*s == '#')
		s++;
	if (strncasecmp(s, "0x", 2) == 0)
		s += 2;
	slen = strlen(s);
	if (slen == 0 || slen % 2 != 0)
		return GW_E_INVAL;
	if (slen / 2 > AUTH_ID_MAX)
		return GW_E_RANGE;
	for (size_t i = 0; i < slen; i += 2) {
		int hi = util_hex_nibble(s[i]), lo = util_hex_nibble(s[i + 1]);

		if (hi < 0 || lo < 0)
			return GW_E_INVAL;
		buf[n++] = (uint8_t)(hi << 4 | lo);
	}
	return id_set(id, IKE_ID_KEY_ID, buf, n);
}

static int id_dn(const char *s, struct auth_id *id)
{
	X509_NAME *name = NULL;
	unsigned char *der = NULL;
	int rc, len;

	if ((rc = auth_dn_parse(s, &name)) != 0)
		return rc;
	len = i2d_X509_NAME(name, &der);
	X509_NAME_free(name);
	if (len <= 0) {
		ERR_clear_error();
		return GW_E_PARSE;
	}
	rc = id_set(id, IKE_ID_DER_ASN1_DN, der, (size_t)len);
	OPENSSL_free(der);
	return rc;
}

static int id_typed(const char *s, uint8_t type, struct auth_id *id)
{
	switch (type) {
	case IKE_ID_IPV4_ADDR:
	case IKE_ID_IPV6_ADDR:
		return id_addr(s, type, id);
	case IKE_ID_FQDN:
	case IKE_ID_RFC822_ADDR:
		return id_text(s, type, id);
	case IKE_ID_DER_ASN1_DN:
		return id_dn(s, id);
	case IKE_ID_KEY_ID:
		return id_hex(s, id);
	default:
		return GW_E_UNSUP;
	}
}

int auth_id_from_string(const char *s, struct auth_id *id)
{
	uint8_t a[16];

	if (s == NULL || id == NULL)
		return GW_E_INVAL;
	/* "%any" and friends are wildcards, never identities. */
	if (*s == '\0' || *s == '%')
		return GW_E_INVAL;
	for (size_t i = 0; i < sizeof(id_prefixes) / sizeof(id_prefixes[0]); i++) {
		size_t n = strlen(id_prefixes[i].ip_text);

		if (strncasecmp(s, id_prefixes[i].ip_text, n) == 0)
			return id_typed(s + n, id_prefixes[i].ip_type, id);
	}
	if (s[0] == '@' && s[1] == '#')
		return id_hex(s + 2, id);
	if (s[0] == '@')
		return id_text(s + 1, IKE_ID_FQDN, id);
	if (inet_pton(AF_INET, s, a) == 1)
		return id_set(id, IKE_ID_IPV4_ADDR, a, 4);
	if (inet_pton(AF_INET6, s, a) == 1)
		return id_set(id, IKE_ID_IPV6_ADDR, a, 16);
	if (strchr(s, '=') != NULL)
		return id_dn(s, id);
	if (strchr(s, '@') != NULL)
		return id_text(s, IKE_ID_RFC822_ADDR, id);
	return id_text(s, IKE_ID_FQDN, id);
}

/* A DER Name that decodes completely. */
static bool id_dn_valid(const uint8_t *data, size_t len)
{
	const unsigned char *p = data;
	X509_NAME *name = d2i_X509_NAME(NULL, &p, (long)len);
	bool ok = name != NULL && p == data + len;

	X509_NAME_free(name);
	ERR_clear_error();
	return ok;
}

int auth_id_from_wire(uint8_t type, const uint8_t *data, size_t len, struct auth_id *id)
{
	if (id == NULL || (data == NULL && len))
		return GW_E_INVAL;
	if (len > AUTH_ID_MAX)
		return GW_E_RANGE;
	switch (type) {
	case IKE_ID_IPV4_ADDR:
		if (len != 4)
			return GW_E_PARSE;
		break;
	case IKE_ID_IPV6_ADDR:
		if (len != 16)
			return GW_E_PARSE;
		break;
	case IKE_ID_FQDN:
	case IKE_ID_RFC822_ADDR:
	case IKE_ID_KEY_ID:
		if (len == 0)
			return GW_E_PARSE;
		break;
	case IKE_ID_DER_ASN1_DN:
		if (len == 0 || !id_dn_valid(data, len))
			return GW_E_PARSE;
		break;
	default:
		return GW_E_UNSUP;
	}
	return id_set(id, type, data, len);
}

static void id_put_dn(struct sbuf *sb, const struct auth_id *id)
{
	const unsigned char *p = id->id_data;
	X509_NAME *name = d2i_X509_NAME(NULL, &p, (long)id->id_len);

	if (name == NULL) {
		ERR_clear_error();
		sb_puts(sb, "<malformed DN>");
		return;
	}
	auth_dn_put(sb, name);
	X509_NAME_free(name);
}

const char *auth_id_str(const struct auth_id *id, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];
	struct sbuf sb;

	sb_init(&sb, buf, len);
	if (id == NULL || id->id_len > AUTH_ID_MAX) {
		sb_puts(&sb, "<invalid id>");
		return buf;
	}
	switch (id->id_type) {
	case IKE_ID_IPV4_ADDR:
	case IKE_ID_IPV6_ADDR:
		if (id->id_len == (id->id_type == IKE_ID_IPV4_ADDR ? 4u : 16u) &&
		    inet_ntop(id->id_type == IKE_ID_IPV4_ADDR ? AF_INET : AF_INET6, id->id_data,
			      addr, sizeof(addr)) != NULL)
			sb_puts(&sb, addr);
		else
			sb_puts(&sb, "<malformed address>");
		break;
	case IKE_ID_FQDN:
	case IKE_ID_RFC822_ADDR:
		sb_escape(&sb, id->id_data, id->id_len);
		break;
	case IKE_ID_DER_ASN1_DN:
		id_put_dn(&sb, id);
		break;
	case IKE_ID_KEY_ID:
		sb_puts(&sb, "keyid:");
		for (size_t i = 0; i < id->id_len; i++)
			sb_printf(&sb, "%02x", id->id_data[i]);
		break;
	default:
		sb_printf(&sb, "<id type %u>", id->id_type);
		break;
	}
	return buf;
}

static bool id_case_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (tolower(a[i]) != tolower(b[i]))
			return false;
	return true;
}

static bool id_dn_equal(const struct auth_id *a, const struct auth_id *b)
{
	const unsigned char *pa = a->id_data, *pb = b->id_data;
	X509_NAME *na = d2i_X509_NAME(NULL, &pa, (long)a->id_len);
	X509_NAME *nb = d2i_X509_NAME(NULL, &pb, (long)b->id_len);
	bool eq;

	if (na == NULL || nb == NULL)
		eq = a->id_len == b->id_len && memcmp(a->id_data, b->id_data, a->id_len) == 0;
	else
		eq = X509_NAME_cmp(na, nb) == 0;
	X509_NAME_free(na);
	X509_NAME_free(nb);
	ERR_clear_error();
	return eq;
}

bool auth_id_equal(const struct auth_id *a, const struct auth_id *b)
{
	if (a == NULL || b == NULL || a->id_type != b->id_type)
		return false;
	if (a->id_len > AUTH_ID_MAX || b->id_len > AUTH_ID_MAX)
		return false;
	if (a->id_type == IKE_ID_DER_ASN1_DN)
		return id_dn_equal(a, b);
	if (a->id_len != b->id_len)
		return false;
	if (a->id_type == IKE_ID_FQDN || a->id_type == IKE_ID_RFC822_ADDR)
		return id_case_equal(a->id_data, b->id_data, a->id_len);
	return memcmp(a->id_data, b->id_data, a->id_len) == 0;
}

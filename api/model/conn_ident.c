/*
 * conn_ident.c: the syntax of IKE identities (RFC 7296 section 3.5), host
 * names (RFC 1123 section 2.1), PKCS#11 URIs (RFC 7512) and peer address
 * entries. An identity string maps to exactly one ID type, in this order:
 * "keyid:<hex>" KEY_ID, an IPv4/IPv6 literal, anything with '=' a DN
 * (RFC 4514 string, checked by building it with OpenSSL), anything with
 * '@' an RFC822 address, else an FQDN.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "api/model/conn_int.h"
#include "gateway/util/err.h"
#include "gateway/util/hex.h"
#include "gateway/util/log.h"

static int why_set(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int why_set(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return GW_E_INVAL;
}

static bool is_alnum(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

static bool is_hex(char ch)
{
	return util_hex_nibble((unsigned char)ch) >= 0;
}

/* RFC 1123 2.1: labels of letters, digits and inner hyphens, 1-63 long,
 * 253 in all; the last label is not all digits, so "10.0.0" is no host
 * name (RFC 3696 section 2). */
bool mc_hostname_ok(const char *s)
{
	size_t n = strlen(s), label = 0;
	bool digits_only = true;

	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i <= n; i++) {
		char ch = s[i];

		if (ch == '.' || ch == '\0') {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return false;
			if (ch == '\0')
				return !digits_only;
			label = 0;
			digits_only = true;
			continue;
		}
		if (!is_alnum(ch) && (ch != '-' || label == 0))
			return false;
		digits_only &= ch >= '0' && ch <= '9';
		label++;
	}
	return false;
}

/* One RFC 4514 attribute value up to an unescaped ',' or '+'; \X and \hh
 * escapes; surrounding spaces dropped. Returns the stop position. */
static const char *dn_value(const char *p, char *out, size_t size, size_t *outlen)
{
	size_t n = 0, keep = 0;

	while (*p == ' ')
		p++;
	while (*p && *p != ',' && *p != '+') {
		char ch = *p++;
		bool escaped = ch == '\\';

		if (escaped && is_hex(p[0]) && is_hex(p[1])) {
			ch = (char)(util_hex_nibble(p[0]) << 4 | util_hex_nibble(p[1]));
			p += 2;
		} else if (escaped) {
			if (*p == '\0')
				return NULL;
			ch = *p++;
		}
		if (ch == '\0' || n + 1 >= size)
			return NULL;
		out[n++] = ch;
		if (ch != ' ' || escaped)
			keep = n;
	}
	*outlen = keep;
	out[keep] = '\0';
	return p;
}

/* RFC 4514 3: attribute type names are case-insensitive; "E" is the
 * emailAddress alias strongSwan and Windows print. */
static int dn_nid(const char *type)
{
	char up[64];
	size_t i;
	int nid;

	if ((nid = OBJ_txt2nid(type)) != NID_undef)
		return nid;
	for (i = 0; type[i] && i + 1 < sizeof(up); i++)
		up[i] = (char)(type[i] >= 'a' && type[i] <= 'z' ? type[i] - 32 : type[i]);
	up[i] = '\0';
	if (!strcmp(up, "E") || !strcmp(up, "EMAIL") || !strcmp(up, "EMAILADDRESS"))
		return NID_pkcs9_emailAddress;
	if (!strcmp(up, "COMMONNAME"))
		return NID_commonName;
	return OBJ_txt2nid(up);
}

/* Parse s into an X509_NAME: unknown attribute types and values OpenSSL
 * cannot encode (C=CHE, bad UTF-8) are refused here, not at the first
 * IKE_AUTH. */
static int dn_check(const char *s, char *why, size_t len)
{
	X509_NAME *name = X509_NAME_new();
	const char *p = s;
	char type[64], val[256], esc[64];
	int set = 0, rc = GW_E_INVAL;

	if (!name)
		return GW_E_NOMEM;
	for (;;) {
		size_t tn = 0, vn;
		int nid;

		while (*p == ' ')
			p++;
		while (*p && *p != '=' && *p != ' ' && tn + 1 < sizeof(type))
			type[tn++] = *p++;
		type[tn] = '\0';
		while (*p == ' ')
			p++;
		log_escape(esc, sizeof(esc), type, tn);
		if (tn == 0 || *p != '=') {
			why_set(why, len, "not a distinguished name (expected TYPE=value) at '%s'",
				esc);
			goto out;
		}
		if ((nid = dn_nid(type)) == NID_undef) {
			why_set(why, len, "unknown attribute type '%s' in distinguished name", esc);
			goto out;
		}
		if (!(p = dn_value(p + 1, val, sizeof(val), &vn)) || vn == 0 ||
		    !X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8, (unsigned char *)val,
						(int)vn, -1, set)) {
			why_set(why, len, "bad value for '%s' in distinguished name", esc);
			goto out;
		}
		if (*p == '\0')
			break;
		set = *p++ == '+' ? -1 : 0; /* '+': same RDN (multi-valued) */
	}
	rc = i2d_X509_NAME(name, NULL) > 0 ? 0 : why_set(why, len, "cannot encode the DN");
out:
	X509_NAME_free(name);
	if (rc)
		ERR_clear_error(); /* a refused DN is not this thread's OpenSSL error */
	return rc;
}

static int keyid_check(const char *hex, char *why, size_t len)
{
	size_t n = strlen(hex);

	for (size_t i = 0; i < n; i++)
		if (!is_hex(hex[i]))
			return why_set(why, len, "keyid: must be followed by hex digits");
	if (n == 0 || n % 2 || n > 128)
		return why_set(why, len, "keyid: needs an even number of 2-128 hex digits");
	return 0;
}

static int rfc822_check(const char *s, const char *at, char *why, size_t len)
{
	if (at == s || at - s > 64)
		return why_set(why, len, "user@domain needs a user part of 1-64 characters");
	for (const char *p = s; p < at; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return why_set(why, len, "user part has spaces or non-ASCII characters");
	if (!mc_hostname_ok(at + 1))
		return why_set(why, len, "domain after '@' is not a host name");
	return 0;
}

int mc_id_check(const char *s, char *why, size_t len)
{
	unsigned char buf[16];
	const char *at = strchr(s, '@');

	if (!strncmp(s, "keyid:", 6))
		return keyid_check(s + 6, why, len);
	if (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1)
		return 0;
	if (strchr(s, '='))
		return dn_check(s, why, len);
	if (at)
		return strchr(at + 1, '@') ? why_set(why, len, "more than one '@'")
					   : rfc822_check(s, at, why, len);
	if (!mc_hostname_ok(s))
		return why_set(why, len,
			       "not an IP address, FQDN, user@fqdn, DN (C=.., O=.., CN=..) or "
			       "keyid:hex");
	return 0;
}

/* RFC 7512 pk11-pchar / pk11-qchar (unreserved, pct-encoded and a few
 * sub-delims), one attribute "name=value" of n bytes. */
static int p11_attr(const char *a, size_t n, bool query, char *why, size_t len)
{
	static const char *const path_attrs[] = { "token",
						  "manufacturer",
						  "serial",
						  "model",
						  "library-manufacturer",
						  "library-description",
						  "library-version",
						  "object",
						  "type",
						  "id",
						  "slot-description",
						  "slot-manufacturer",
						  "slot-id" };
	static const char *const query_attrs[] = { "pin-source", "module-name", "module-path" };
	const char *eq = memchr(a, '=', n), *end = a + n;
	const char *const *names = query ? query_attrs : path_attrs;
	size_t nn = query ? 3 : sizeof(path_attrs) / sizeof(path_attrs[0]), klen, i;
	char kesc[40];

	if (!eq)
		return why_set(why, len, "pkcs11 URI attribute without '='");
	klen = (size_t)(eq - a);
	log_escape(kesc, sizeof(kesc), a, klen);
	if (klen == 9 && !strncmp(a, "pin-value", 9))
		return why_set(
			why, len,
			"no pin-value in the URI: the PIN is read from gateway.json's PIN file");
	for (i = 0; i < nn && (strlen(names[i]) != klen || strncmp(a, names[i], klen)); i++)
		;
	if (i == nn && (klen < 3 || strncmp(a, "x-", 2)))
		return why_set(why, len, "unknown pkcs11 URI attribute '%s'", kesc);
	for (const char *p = eq + 1; p < end; p++) {
		if (*p == '%') {
			if (end - p < 3 || !is_hex(p[1]) || !is_hex(p[2]))
				return why_set(why, len, "pkcs11 URI: bad %%-escape in '%s'", kesc);
			p += 2;
		} else if (!is_alnum(*p) &&
			   !strchr(query ? "-._~:[]@!$'()*+,=/?|" : "-._~:[]@!$'()*+,=&", *p)) {
			return why_set(why, len, "pkcs11 URI: bad character in '%s'", kesc);
		}
	}
	if (klen == 4 && !strncmp(a, "type", 4) &&
	    (end - eq - 1 != 7 || strncmp(eq + 1, "private", 7)))
		return why_set(why, len, "pkcs11 URI: a private key has type=private");
	return 0;
}

/* "pkcs11:" path [ "?" query ], RFC 7512 section 2.3. */
static int p11_check(const char *uri, char *why, size_t len)
{
	const char *p = uri + 7, *query = strchr(p, '?');
	bool has_object = false;
	int rc;

	while (*p) {
		bool in_query = query && p > query;
		const char *stop = in_query ? "&" : ";?";
		size_t n = strcspn(p, stop);

		if ((rc = p11_attr(p, n, in_query, why, len)) != 0)
			return rc;
		has_object |= !in_query && (!strncmp(p, "object=", 7) || !strncmp(p, "id=", 3));
		p += n;
		if (*p)
			p++;
	}
	if (!has_object)
		return why_set(why, len, "pkcs11 URI must name the key with object= or id=");
	return 0;
}

int mc_key_check(const char *s, char *why, size_t len)
{
	if (!strncmp(s, "pkcs11:", 7))
		return p11_check(s, why, len);
	if (!mc_name_ok(s))
		return why_set(why, len, "must be a pkcs11: URI or the name of a file under keys/");
	return 0;
}

/* A peer address entry: "%any", an address, CIDR, range, or host name. */
int mc_addr_check(const char *s, char *why, size_t len)
{
	uint8_t start[16], end[16];
	int family;

	if (!strcmp(s, "%any"))
		return 0;
	if (mc_addr_range(s, &family, start, end, why, len) == 0)
		return 0;
	if (mc_hostname_ok(s))
		return 0;
	/* Looks like an address: keep mc_addr_range's more precise reason. */
	if (strpbrk(s, ":/") || strspn(s, "0123456789.-") == strlen(s))
		return GW_E_INVAL;
	return why_set(why, len, "not an IP address, CIDR, range a-b, %%any or host name");
}

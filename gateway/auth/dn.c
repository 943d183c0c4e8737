/*
 * dn.c: distinguished names as admins write them and as we print them.
 * Parsing accepts the strongSwan forms "C=CH, O=Example, CN=gw" and
 * "/C=CH/O=Example/CN=gw", '+' for multi-valued RDNs and backslash escapes
 * (RFC 4514 section 3: "\," or two hex digits "\2C"). Printing follows the
 * DER order with ", " and escapes whatever could be misread or is not
 * printable ASCII, so the text is safe to log and parses back to an equal
 * name.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include "auth/auth_int.h"
#include "util/err.h"

#define DN_KEY_MAX 256 /* also the room for a printed OID */

struct dn_alias {
	const char *da_key;
	const char *da_sn;
};

/* Names strongSwan admins use that OpenSSL spells differently. */
static const struct dn_alias dn_aliases[] = {
	{ "E", "emailAddress" }, { "Email", "emailAddress" },
	{ "S", "ST" },           { "SP", "ST" },
	{ "T", "title" },        { "G", "GN" },
};

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static ASN1_OBJECT *dn_key_obj(const char *key)
{
	for (size_t i = 0; i < sizeof(dn_aliases) / sizeof(dn_aliases[0]); i++)
		if (strcasecmp(key, dn_aliases[i].da_key) == 0)
			key = dn_aliases[i].da_sn;
	return OBJ_txt2obj(key, 0);
}

/*
 * A name ("CN", "emailAddress") or a dotted OID in its canonical digits
 * ("2.5.4.3": no empty arc, which OpenSSL would read as 0 and print
 * differently).
 */
static bool dn_key_ok(const char *key, size_t n)
{
	if (!isdigit((unsigned char)key[0])) {
		for (size_t i = 0; i < n; i++)
			if (!isalnum((unsigned char)key[i]) && key[i] != '-')
				return false;
		return true;
	}
	for (size_t i = 0; i < n; i++) {
		if (key[i] == '.' && (i + 1 == n || key[i + 1] == '.'))
			return false;
		if (key[i] != '.' && !isdigit((unsigned char)key[i]))
			return false;
	}
	return true;
}

/* The attribute type up to '='; spaces around it are dropped. */
static const char *dn_read_key(const char *p, char *key)
{
	size_t n = 0;

	while (*p == ' ')
		p++;
	while (*p && *p != '=') {
		if (n + 1 >= DN_KEY_MAX)
			return NULL;
		key[n++] = *p++;
	}
	while (n > 0 && key[n - 1] == ' ')
		n--;
	key[n] = '\0';
	if (*p != '=' || n == 0 || !dn_key_ok(key, n))
		return NULL;
	return p + 1;
}

/*
 * The value up to an unescaped separator or '+'. Leading and trailing
 * unescaped spaces are dropped. *stop gets the character that ended it.
 */
static const char *dn_read_value(const char *p, char sep, uint8_t *val, size_t *vlen, char *stop)
{
	size_t n = 0, keep = 0;

	while (*p == ' ')
		p++;
	for (; *p && *p != sep && *p != '+'; p++) {
		uint8_t c = (uint8_t)*p;

		if (*p == '\\') {
			int hi = hexval((unsigned char)p[1]);
			int lo = hi >= 0 ? hexval((unsigned char)p[2]) : -1;

			if (p[1] == '\0')
				return NULL;
			if (hi >= 0 && lo >= 0) {
				c = (uint8_t)(hi << 4 | lo);
				p += 2;
			} else {
				c = (uint8_t) * ++p;
			}
			if (c == 0 || n >= AUTH_ID_MAX)
				return NULL;
			val[n++] = c;
			keep = n;
			continue;
		}
		if (n >= AUTH_ID_MAX)
			return NULL;
		val[n++] = c;
		if (c != ' ')
			keep = n;
	}
	*vlen = keep;
	*stop = *p;
	return p;
}

int auth_dn_parse(const char *s, X509_NAME **out)
{
	uint8_t val[AUTH_ID_MAX];
	char key[DN_KEY_MAX], sep = ',', stop = '\0';
	X509_NAME *name = NULL;
	int set = 0, rc = GW_E_PARSE;
	const char *p = s;

	*out = NULL;
	while (*p == ' ')
		p++;
	if (*p == '/') {
		sep = '/';
		p++;
	}
	if ((name = X509_NAME_new()) == NULL)
		return GW_E_NOMEM;
	for (;;) {
		ASN1_OBJECT *obj;
		size_t vlen = 0;
		int ok;

		if ((p = dn_read_key(p, key)) == NULL)
			goto out;
		if ((p = dn_read_value(p, sep, val, &vlen, &stop)) == NULL)
			goto out;
		if ((obj = dn_key_obj(key)) == NULL)
			goto out;
		ok = X509_NAME_add_entry_by_OBJ(name, obj, MBSTRING_UTF8, val, (int)vlen, -1, set);
		ASN1_OBJECT_free(obj);
		if (!ok)
			goto out;
		if (stop == '\0')
			break;
		set = stop == '+' ? -1 : 0;
		p++;
	}
	*out = name;
	name = NULL;
	rc = 0;
out:
	X509_NAME_free(name);
	OPENSSL_cleanse(val, sizeof(val));
	ERR_clear_error();
	return rc;
}

static void dn_put_key(struct sbuf *sb, const ASN1_OBJECT *obj)
{
	char txt[DN_KEY_MAX];
	int nid = OBJ_obj2nid(obj);
	const char *sn = nid != NID_undef ? OBJ_nid2sn(nid) : NULL;

	if (nid == NID_pkcs9_emailAddress) {
		sb_puts(sb, "E");
	} else if (sn != NULL && isalpha((unsigned char)sn[0]) && dn_key_ok(sn, strlen(sn))) {
		sb_puts(sb, sn);
	} else {
		OBJ_obj2txt(txt, sizeof(txt), obj, 1);
		sb_puts(sb, txt);
	}
}

static void dn_put_value(struct sbuf *sb, const uint8_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = v[i];
		bool edge_space = c == ' ' && (i == 0 || i + 1 == n);

		if (c < 0x20 || c >= 0x7f)
			sb_printf(sb, "\\%02X", c);
		else if (strchr(",+/\\\"", c) != NULL || edge_space)
			sb_printf(sb, "\\%c", c);
		else
			sb_putc(sb, (char)c);
	}
}

void auth_dn_put(struct sbuf *sb, const X509_NAME *n)
{
	int count = X509_NAME_entry_count(n), prev_set = -1;

	for (int i = 0; i < count; i++) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(n, i);
		const ASN1_STRING *data = X509_NAME_ENTRY_get_data(e);
		unsigned char *utf8 = NULL;
		int ulen, set = X509_NAME_ENTRY_set(e);

		if (i > 0)
			sb_puts(sb, set == prev_set ? "+" : ", ");
		prev_set = set;
		dn_put_key(sb, X509_NAME_ENTRY_get_object(e));
		sb_putc(sb, '=');
		if ((ulen = ASN1_STRING_to_UTF8(&utf8, data)) >= 0) {
			dn_put_value(sb, utf8, (size_t)ulen);
			OPENSSL_free(utf8);
		} else {
			/* Not convertible (bad BMPString...): the raw bytes. */
			dn_put_value(sb, ASN1_STRING_get0_data(data),
				     (size_t)ASN1_STRING_length(data));
			ERR_clear_error();
		}
	}
}

const char *auth_dn_str(const X509_NAME *n, char *buf, size_t len)
{
	struct sbuf sb;

	sb_init(&sb, buf, len);
	auth_dn_put(&sb, n);
	return buf;
}

/*
 * uri.c: PKCS#11 URIs, RFC 7512 section 2.3:
 *
 *   pk11-URI   = "pkcs11:" pk11-path [ "?" pk11-query ]
 *   pk11-path  = [ pk11-pattr *(";" pk11-pattr) ]
 *   pk11-query = [ pk11-qattr *("&" pk11-qattr) ]
 *   pk11-pchar = unreserved / ":" "[" "]" "@" "!" "$" "'" "(" ")" "*" "+"
 *                "," "=" "&" / pct-encoded         (query: no "&", but
 *                                                    "/" "?" "|")
 *
 * Each attribute at most once (2.3); values are %-decoded. Token, slot
 * and library attributes are compared with the blank-padded fields of
 * CK_TOKEN_INFO, CK_SLOT_INFO and CK_INFO (section 2.5), so a value longer
 * than its field can never match and is refused here. Vendor attributes
 * ("x-...") are allowed and ignored (2.3).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pkcs11/p11_int.h"
#include "util/err.h"

enum attr_kind {
	A_STR, /* decoded text, no NUL */
	A_ID,  /* decoded bytes */
	A_SLOT_ID,
	A_LIB_VER,
	A_TYPE,
	A_PIN, /* refused */
};

struct attr_def {
	const char *ad_name;
	bool ad_query;
	enum attr_kind ad_kind;
	size_t ad_max; /* decoded bytes (the CK_*_INFO field's size) */
	size_t ad_off; /* of the value in struct p11_uri */
	size_t ad_set; /* of its *_set flag */
};

#define S(m, f) offsetof(struct p11_uri, m), offsetof(struct p11_uri, f)

static const struct attr_def attrs[] = {
	{ "token", false, A_STR, 32, S(u_token, u_token_set) },
	{ "manufacturer", false, A_STR, 32, S(u_manuf, u_manuf_set) },
	{ "serial", false, A_STR, 16, S(u_serial, u_serial_set) },
	{ "model", false, A_STR, 16, S(u_model, u_model_set) },
	{ "object", false, A_STR, P11_ATTR_MAX - 1, S(u_object, u_object_set) },
	{ "id", false, A_ID, P11_ATTR_MAX, S(u_id, u_id_set) },
	{ "type", false, A_TYPE, 16, 0, 0 },
	{ "slot-description", false, A_STR, 64, S(u_slot_desc, u_slot_desc_set) },
	{ "slot-manufacturer", false, A_STR, 32, S(u_slot_manuf, u_slot_manuf_set) },
	{ "slot-id", false, A_SLOT_ID, 20, 0, 0 },
	{ "library-manufacturer", false, A_STR, 32, S(u_lib_manuf, u_lib_manuf_set) },
	{ "library-description", false, A_STR, 32, S(u_lib_desc, u_lib_desc_set) },
	{ "library-version", false, A_LIB_VER, 16, 0, 0 },
	{ "pin-value", true, A_PIN, 0, 0, 0 },
	{ "pin-source", true, A_PIN, 0, 0, 0 },
	{ "module-name", true, A_STR, P11_ATTR_MAX - 1, S(u_module_name, u_module_name_set) },
	{ "module-path", true, A_STR, P11_ATTR_MAX - 1, S(u_module_path, u_module_path_set) },
};

#define N_ATTRS (sizeof(attrs) / sizeof(attrs[0]))

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static bool pchar_ok(char c, bool query)
{
	if (isalnum((unsigned char)c) || strchr("-._~:[]@!$'()*+,=", c))
		return c != '\0';
	return query ? (c == '/' || c == '?' || c == '|') : c == '&';
}

/* %-decode v[0..n) into out (max bytes); *len gets the length. */
static int decode(const char *v, size_t n, bool query, uint8_t *out, size_t max, size_t *len,
		  const char *name, char *why, size_t why_len)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)v[i];

		if (c == '%') {
			int hi = i + 2 < n ? hexval(v[i + 1]) : -1;
			int lo = i + 2 < n ? hexval(v[i + 2]) : -1;

			if (hi < 0 || lo < 0) {
				p11_why(why, why_len, "pkcs11 URI: bad %%-escape in %s", name);
				return GW_E_PARSE;
			}
			c = hi << 4 | lo;
			i += 2;
		} else if (!pchar_ok((char)c, query)) {
			p11_why(why, why_len, "pkcs11 URI: character not allowed in %s", name);
			return GW_E_PARSE;
		}
		if (o >= max) {
			p11_why(why, why_len, "pkcs11 URI: %s longer than %zu bytes", name, max);
			return GW_E_RANGE;
		}
		out[o++] = (uint8_t)c;
	}
	*len = o;
	return 0;
}

static int parse_number(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return GW_E_PARSE;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno != 0 || *end != '\0' || *out > max ? GW_E_PARSE : 0;
}

static int attr_special(const struct attr_def *d, const char *v, struct p11_uri *u, char *why,
			size_t why_len)
{
	unsigned long a, b = 0;
	char tmp[24], *dot;

	switch (d->ad_kind) {
	case A_TYPE:
		if (strcmp(v, "private") != 0) {
			p11_why(why, why_len, "pkcs11 URI: type must be private (a private key)");
			return GW_E_INVAL;
		}
		return 0;
	case A_SLOT_ID:
		if (parse_number(v, (unsigned long)-1, &u->u_slot_id) != 0) {
			p11_why(why, why_len, "pkcs11 URI: slot-id must be a decimal number");
			return GW_E_PARSE;
		}
		u->u_slot_id_set = true;
		return 0;
	default: /* A_LIB_VER: "M" or "M.m" (2.3) */
		if (strlen(v) >= sizeof(tmp)) {
			p11_why(why, why_len, "pkcs11 URI: library-version must be M or M.m");
			return GW_E_PARSE;
		}
		memcpy(tmp, v, strlen(v) + 1);
		if ((dot = strchr(tmp, '.')) != NULL)
			*dot++ = '\0';
		if (parse_number(tmp, 255, &a) != 0 || (dot && parse_number(dot, 255, &b) != 0)) {
			p11_why(why, why_len, "pkcs11 URI: library-version must be M or M.m");
			return GW_E_PARSE;
		}
		u->u_lib_ver_major = (int)a;
		u->u_lib_ver_minor = dot ? (int)b : -1;
		return 0;
	}
}

static const struct attr_def *attr_find(const char *name, size_t n)
{
	for (size_t i = 0; i < N_ATTRS; i++)
		if (strlen(attrs[i].ad_name) == n && strncmp(attrs[i].ad_name, name, n) == 0)
			return &attrs[i];
	return NULL;
}

static int attr_value(const struct attr_def *d, const char *v, size_t vn, bool query,
		      struct p11_uri *u, char *why, size_t why_len)
{
	uint8_t buf[P11_ATTR_MAX];
	size_t len;
	int r;

	if ((r = decode(v, vn, query, buf, d->ad_kind == A_STR ? d->ad_max : sizeof(buf) - 1, &len,
			d->ad_name, why, why_len)) != 0)
		return r;
	if (d->ad_kind == A_ID) {
		memcpy(u->u_id, buf, len);
		u->u_id_len = len;
		u->u_id_set = true;
		return 0;
	}
	if (memchr(buf, '\0', len) != NULL) {
		p11_why(why, why_len, "pkcs11 URI: %s holds a NUL byte", d->ad_name);
		return GW_E_PARSE;
	}
	buf[len] = '\0';
	if (d->ad_kind != A_STR)
		return attr_special(d, (const char *)buf, u, why, why_len);
	memcpy((char *)u + d->ad_off, buf, len + 1);
	*(bool *)((char *)u + d->ad_set) = true;
	return 0;
}

static int attr_parse(const char *a, size_t n, bool query, struct p11_uri *u, uint32_t *seen,
		      char *why, size_t why_len)
{
	const char *eq = memchr(a, '=', n);
	const struct attr_def *d;
	char name[40];

	if (eq == NULL || eq == a) {
		p11_why(why, why_len, "pkcs11 URI: an attribute without name=value");
		return GW_E_PARSE;
	}
	log_escape(name, sizeof(name), a, (size_t)(eq - a));
	if ((d = attr_find(a, (size_t)(eq - a))) == NULL) {
		if (eq - a > 2 && strncmp(a, "x-", 2) == 0)
			return 0; /* vendor attribute: not ours */
		p11_why(why, why_len, "pkcs11 URI: unknown attribute '%s'", name);
		return GW_E_PARSE;
	}
	if (d->ad_query != query) {
		p11_why(why, why_len, "pkcs11 URI: '%s' belongs in the %s", name,
			d->ad_query ? "query (after '?')" : "path (before '?')");
		return GW_E_PARSE;
	}
	if (d->ad_kind == A_PIN) {
		p11_why(why, why_len,
			"pkcs11 URI: no %s: the PIN is read from the pin_file of gateway.json",
			name);
		return GW_E_INVAL;
	}
	if (*seen & (1u << (d - attrs))) {
		p11_why(why, why_len, "pkcs11 URI: '%s' given twice", name);
		return GW_E_PARSE;
	}
	*seen |= 1u << (d - attrs);
	return attr_value(d, eq + 1, (size_t)(a + n - eq - 1), query, u, why, why_len);
}

int p11_uri_parse(const char *s, struct p11_uri *u, char *why, size_t why_len)
{
	const char *p, *query;
	uint32_t seen = 0;
	int r;

	p11_why(why, why_len, "%s", "");
	if (s == NULL || u == NULL)
		return GW_E_INVAL;
	memset(u, 0, sizeof(*u));
	u->u_lib_ver_major = u->u_lib_ver_minor = -1;
	if (strncasecmp(s, "pkcs11:", 7) != 0) {
		p11_why(why, why_len, "not a pkcs11: URI");
		return GW_E_PARSE;
	}
	if (strlen(s) >= P11_URI_MAX) {
		p11_why(why, why_len, "pkcs11 URI longer than %d characters", P11_URI_MAX - 1);
		return GW_E_RANGE;
	}
	p = s + 7;
	query = strchr(p, '?');
	while (*p != '\0') {
		bool in_query = query != NULL && p > query;
		size_t n = strcspn(p, in_query ? "&" : ";?");

		if (n == 0 && !(query == p && !in_query)) {
			p11_why(why, why_len, "pkcs11 URI: an empty attribute");
			return GW_E_PARSE;
		}
		if (n > 0 && (r = attr_parse(p, n, in_query, u, &seen, why, why_len)) != 0)
			return r;
		p += n;
		if (*p != '\0')
			p++;
	}
	if (s[7] != '\0' && s[strlen(s) - 1] == (query != NULL ? '&' : ';')) {
		p11_why(why, why_len, "pkcs11 URI: an empty attribute");
		return GW_E_PARSE;
	}
	if (!u->u_object_set && !u->u_id_set) {
		p11_why(why, why_len, "pkcs11 URI must name the key with object= or id=");
		return GW_E_INVAL;
	}
	return 0;
}

/*
 * test_id.c: identities (RFC 7296 3.5): config strings in every form
 * strongSwan admins write, their printed forms and round trips, ID payload
 * bodies, escaping of peer-controlled bytes, and comparison.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/x509.h>

#include "auth/auth.h"
#include "ta.h"
#include "util/err.h"

struct id_case {
	const char *ic_in;
	int ic_rc;
	uint8_t ic_type;
	const char *ic_out; /* printed form, NULL = same as the input */
	bool ic_retyped;    /* the printed form parses as another type */
};

static const struct id_case id_cases[] = {
	{ "192.0.2.1", 0, IKE_ID_IPV4_ADDR, NULL, false },
	{ "2001:db8::1", 0, IKE_ID_IPV6_ADDR, NULL, false },
	{ "2001:DB8:0::1", 0, IKE_ID_IPV6_ADDR, "2001:db8::1", false },
	{ "vpn.example.com", 0, IKE_ID_FQDN, NULL, false },
	{ "@vpn.example.com", 0, IKE_ID_FQDN, "vpn.example.com", false },
	{ "user@example.com", 0, IKE_ID_RFC822_ADDR, NULL, false },
	{ "C=CH, O=Example, CN=gw", 0, IKE_ID_DER_ASN1_DN, NULL, false },
	{ "/C=CH/O=Example/CN=gw", 0, IKE_ID_DER_ASN1_DN, "C=CH, O=Example, CN=gw", false },
	{ "C=CH,O=Example,CN=gw", 0, IKE_ID_DER_ASN1_DN, "C=CH, O=Example, CN=gw", false },
	{ "  C = CH ,  CN = gw one  ", 0, IKE_ID_DER_ASN1_DN, "C=CH, CN=gw one", false },
	{ "CN=a\\, b, O=x", 0, IKE_ID_DER_ASN1_DN, NULL, false },
	{ "/O=a,b/CN=c\\/d", 0, IKE_ID_DER_ASN1_DN, "O=a\\,b, CN=c\\/d", false },
	{ "E=admin@example.com, CN=gw", 0, IKE_ID_DER_ASN1_DN, NULL, false },
	{ "CN=gw+OU=x, O=Example", 0, IKE_ID_DER_ASN1_DN, "OU=x+CN=gw, O=Example",
	  false }, /* DER sorts the SET */
	{ "C=CH, CN=Z\\C3\\BCrich", 0, IKE_ID_DER_ASN1_DN, NULL, false },
	{ "2.5.4.3=gw", 0, IKE_ID_DER_ASN1_DN, "CN=gw", false },
	{ "asn1dn:CN=gw", 0, IKE_ID_DER_ASN1_DN, "CN=gw", false },
	{ "keyid:0a1B2c", 0, IKE_ID_KEY_ID, "keyid:0a1b2c", false },
	{ "@#0A1B", 0, IKE_ID_KEY_ID, "keyid:0a1b", false },
	{ "fqdn:192.0.2.1", 0, IKE_ID_FQDN, "192.0.2.1", true },
	{ "email:vpn.example.com", 0, IKE_ID_RFC822_ADDR, "vpn.example.com", true },
	{ "ipv4:10.0.0.1", 0, IKE_ID_IPV4_ADDR, "10.0.0.1", false },
	{ "ipv6:::1", 0, IKE_ID_IPV6_ADDR, "::1", false },
	{ "", GW_E_INVAL, 0, NULL, false },
	{ "%any", GW_E_INVAL, 0, NULL, false },
	{ "keyid:", GW_E_INVAL, 0, NULL, false },
	{ "keyid:abc", GW_E_INVAL, 0, NULL, false },
	{ "keyid:zz", GW_E_INVAL, 0, NULL, false },
	{ "ipv4:300.1.1.1", GW_E_INVAL, 0, NULL, false },
	{ "ipv6:1.2.3.4", GW_E_INVAL, 0, NULL, false },
	{ "C=Switzerland, CN=x", GW_E_PARSE, 0, NULL, false },
	{ "Foo=bar", GW_E_PARSE, 0, NULL, false },
	{ "CN=gw,", GW_E_PARSE, 0, NULL, false },
	{ "C=CH, =x", GW_E_PARSE, 0, NULL, false },
	{ "CN=a\\", GW_E_PARSE, 0, NULL, false },
	{ "CN=a\\00b", GW_E_PARSE, 0, NULL, false },
	{ "vpn example.com", GW_E_INVAL, 0, NULL, false },
	{ "vpn\001.example.com", GW_E_INVAL, 0, NULL, false },
	{ "other:x", 0, IKE_ID_FQDN, NULL, false },
};

static void test_id_strings(void)
{
	for (size_t i = 0; i < sizeof(id_cases) / sizeof(id_cases[0]); i++) {
		const struct id_case *c = &id_cases[i];
		struct auth_id id, back;
		char buf[AUTH_ID_MAX * 2];
		int rc = auth_id_from_string(c->ic_in, &id);

		if (rc != c->ic_rc)
			fprintf(stderr, "\n'%s': rc %d, want %d\n", c->ic_in, rc, c->ic_rc);
		CU_ASSERT_EQUAL(rc, c->ic_rc);
		if (rc != 0 || c->ic_rc != 0)
			continue;
		CU_ASSERT_EQUAL(id.id_type, c->ic_type);
		auth_id_str(&id, buf, sizeof(buf));
		if (strcmp(buf, c->ic_out ? c->ic_out : c->ic_in) != 0)
			fprintf(stderr, "\n'%s' printed as '%s'\n", c->ic_in, buf);
		CU_ASSERT_STRING_EQUAL(buf, c->ic_out ? c->ic_out : c->ic_in);
		/* The printed form is a config string for the same identity. */
		CU_ASSERT_EQUAL(auth_id_from_string(buf, &back), 0);
		CU_ASSERT_EQUAL(auth_id_equal(&id, &back), !c->ic_retyped);
	}
}

static void test_id_too_long(void)
{
	char s[AUTH_ID_MAX + 10];
	struct auth_id id;

	memset(s, 'a', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	CU_ASSERT_EQUAL(auth_id_from_string(s, &id), GW_E_RANGE);
	s[AUTH_ID_MAX] = '\0';
	CU_ASSERT_EQUAL(auth_id_from_string(s, &id), 0);
	CU_ASSERT_EQUAL(id.id_len, AUTH_ID_MAX);
}

static void test_id_wire(void)
{
	static const uint8_t v4[] = { 192, 0, 2, 1 }, junk[] = { 0x30, 0x03, 0x01 };
	struct auth_id id, want = ta_id("C=CH, O=Example, CN=gw");
	uint8_t big[AUTH_ID_MAX + 1] = { 0 }, der[AUTH_ID_MAX + 1];
	char buf[128];

	CU_ASSERT_EQUAL(auth_id_from_wire(IKE_ID_IPV4_ADDR, v4, 4, &id), 0);
	CU_ASSERT_STRING_EQUAL(auth_id_str(&id, buf, sizeof(buf)), "192.0.2.1");
	CU_ASSERT_EQUAL(auth_id_from_wire(IKE_ID_IPV4_ADDR, v4, 3, &id), GW_E_PARSE);
	CU_ASSERT_EQUAL(auth_id_from_wire(IKE_ID_IPV6_ADDR, v4, 4, &id), GW_E_PARSE);
	CU_ASSERT_EQUAL(auth_id_from_wire(IKE_ID_FQDN, v4, 0, &id), GW_E_PARSE);
	CU_ASSERT_EQUAL(auth_id_from_wire(IKE_ID_KEY_ID, v4, 0, &id), GW_E_PARSE);
	CU_ASSERT_EQUAL(auth_id_from_wire(IKE_ID_DER_ASN1_DN, junk, sizeof(junk), &id), GW_E_PARSE);
	CU_ASSERT_EQUAL(auth_id_from_wire(IKE_ID_DER_ASN1_GN, v4, 4, &id), GW_E_UNSUP);
	CU_ASSERT_EQUAL(auth_id_from_wire(4, v4, 4, &id), GW_E_UNSUP);
	CU_ASSERT_EQUAL(auth_id_from_wire(IKE_ID_FQDN, big, sizeof(big), &id), GW_E_RANGE);
	CU_ASSERT_EQUAL(auth_id_from_wire(IKE_ID_FQDN, NULL, 3, &id), GW_E_INVAL);
	/* A DN body with one trailing byte is not a DN. */
	memcpy(der, want.id_data, want.id_len);
	der[want.id_len] = 0;
	CU_ASSERT_EQUAL(auth_id_from_wire(IKE_ID_DER_ASN1_DN, der, want.id_len + 1, &id),
			GW_E_PARSE);
	CU_ASSERT_EQUAL(auth_id_from_wire(IKE_ID_DER_ASN1_DN, der, want.id_len, &id), 0);
	CU_ASSERT_TRUE(auth_id_equal(&id, &want));
}

/* Peer-controlled bytes never reach a log unescaped. */
static void test_id_escape(void)
{
	static const uint8_t fqdn[] = "a\nb\\c\x7f\xff";
	X509_NAME *n = X509_NAME_new();
	unsigned char *der = NULL;
	struct auth_id id;
	char buf[128], small[8];
	int len;

	CU_ASSERT_EQUAL(auth_id_from_wire(IKE_ID_FQDN, fqdn, sizeof(fqdn) - 1, &id), 0);
	CU_ASSERT_STRING_EQUAL(auth_id_str(&id, buf, sizeof(buf)), "a\\x0ab\\x5cc\\x7f\\xff");
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"x\ny, z", -1, -1,
				   0);
	len = i2d_X509_NAME(n, &der);
	CU_ASSERT_FATAL(len > 0);
	CU_ASSERT_EQUAL(auth_id_from_wire(IKE_ID_DER_ASN1_DN, der, (size_t)len, &id), 0);
	CU_ASSERT_STRING_EQUAL(auth_id_str(&id, buf, sizeof(buf)), "CN=x\\0Ay\\, z");
	/* Truncated, still terminated. */
	CU_ASSERT_STRING_EQUAL(auth_id_str(&id, small, sizeof(small)), "CN=x\\0A");
	CU_ASSERT_EQUAL(auth_id_str(&id, small, 0), small);
	OPENSSL_free(der);
	X509_NAME_free(n);
}

/* A DN of control bytes prints at three characters a byte, whole. */
static void test_id_long_dn(void)
{
	X509_NAME *n = X509_NAME_new();
	unsigned char val[400], *der = NULL;
	struct auth_id id, back;
	char buf[4096];
	int len;

	for (size_t i = 0; i < sizeof(val); i++)
		val[i] = (unsigned char)(1 + i % 31);
	CU_ASSERT_FATAL(X509_NAME_add_entry_by_txt(n, "1.2.3.4", MBSTRING_UTF8, val, sizeof(val),
						   -1, 0) == 1);
	len = i2d_X509_NAME(n, &der);
	CU_ASSERT_FATAL(len > 0);
	CU_ASSERT_EQUAL(auth_id_from_wire(IKE_ID_DER_ASN1_DN, der, (size_t)len, &id), 0);
	auth_id_str(&id, buf, sizeof(buf));
	CU_ASSERT_EQUAL(strlen(buf), strlen("1.2.3.4=") + 3 * sizeof(val));
	CU_ASSERT_EQUAL(auth_id_from_string(buf, &back), 0);
	CU_ASSERT_TRUE(auth_id_equal(&id, &back));
	OPENSSL_free(der);
	X509_NAME_free(n);
}

static void test_id_equal(void)
{
	struct auth_id a = ta_id("VPN.Example.COM"), b = ta_id("vpn.example.com");
	struct auth_id c = ta_id("fqdn:vpn.example.co"), e = ta_id("email:vpn.example.com");
	struct auth_id d1 = ta_id("C=CH, O=Example, CN=GW"), d2 = ta_id("/C=CH/O=Example/CN=gw");
	struct auth_id d3 = ta_id("C=CH, O=Example, CN=gw2"), d4 = ta_id("O=Example, C=CH, CN=gw");
	struct auth_id k1 = ta_id("keyid:0a0b"), k2 = ta_id("keyid:0A0B");

	CU_ASSERT_TRUE(auth_id_equal(&a, &b));
	CU_ASSERT_FALSE(auth_id_equal(&a, &c));
	CU_ASSERT_FALSE(auth_id_equal(&b, &e)); /* same bytes, other type */
	CU_ASSERT_TRUE(auth_id_equal(&d1, &d2));
	CU_ASSERT_FALSE(auth_id_equal(&d1, &d3));
	CU_ASSERT_FALSE(auth_id_equal(&d2, &d4)); /* RDN order matters */
	CU_ASSERT_TRUE(auth_id_equal(&k1, &k2));
	CU_ASSERT_FALSE(auth_id_equal(&a, NULL));
}

static const struct ut_case id_cases_tab[] = {
	{ "config strings, printing, round trips", test_id_strings },
	{ "length limit", test_id_too_long },
	{ "ID payload bodies", test_id_wire },
	{ "escaping of peer bytes", test_id_escape },
	{ "long DN printed whole, parses back", test_id_long_dn },
	{ "comparison", test_id_equal },
	{ NULL, NULL },
};

const struct ut_suite ta_id_suite = { "auth identities", id_cases_tab };

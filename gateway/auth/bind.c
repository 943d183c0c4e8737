/*
 * bind.c: which identities a certificate vouches for (RFC 4945 section
 * 3.1, as strongSwan applies it): an FQDN must be a subjectAltName
 * dNSName, an RFC822 address an rfc822Name, an address an iPAddress
 * (byte for byte), and a DER_ASN1_DN identity must be the subject. Names
 * compare without regard to ASCII case. We do not match a CN against an
 * FQDN: RFC 4945 3.1.3 forbids inferring identities from the CN.
 */
#include <ctype.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "auth/auth_int.h"

static bool str_case_equal(const ASN1_STRING *s, const uint8_t *p, size_t n)
{
	const uint8_t *d = ASN1_STRING_get0_data(s);

	if ((size_t)ASN1_STRING_length(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (tolower(d[i]) != tolower(p[i]))
			return false;
	return true;
}

static bool san_matches(const GENERAL_NAME *gn, const struct auth_id *id)
{
	const ASN1_OCTET_STRING *ip;

	switch (id->id_type) {
	case IKE_ID_FQDN:
		return gn->type == GEN_DNS &&
		       str_case_equal(gn->d.dNSName, id->id_data, id->id_len);
	case IKE_ID_RFC822_ADDR:
		return gn->type == GEN_EMAIL &&
		       str_case_equal(gn->d.rfc822Name, id->id_data, id->id_len);
	case IKE_ID_IPV4_ADDR:
	case IKE_ID_IPV6_ADDR:
		if (gn->type != GEN_IPADD)
			return false;
		ip = gn->d.iPAddress;
		return (size_t)ASN1_STRING_length(ip) == id->id_len &&
		       memcmp(ASN1_STRING_get0_data(ip), id->id_data, id->id_len) == 0;
	default:
		return false;
	}
}

static bool subject_matches(X509 *cert, const struct auth_id *id)
{
	const unsigned char *p = id->id_data;
	X509_NAME *name = d2i_X509_NAME(NULL, &p, (long)id->id_len);
	bool eq = name != NULL && X509_NAME_cmp(X509_get_subject_name(cert), name) == 0;

	X509_NAME_free(name);
	return eq;
}

bool auth_cert_has_id(X509 *cert, const struct auth_id *id)
{
	GENERAL_NAMES *sans;
	bool found = false;

	if (cert == NULL || id == NULL || id->id_len > AUTH_ID_MAX)
		return false;
	if (id->id_type == IKE_ID_DER_ASN1_DN) {
		found = subject_matches(cert, id);
		ERR_clear_error();
		return found;
	}
	sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; sans && !found && i < sk_GENERAL_NAME_num(sans); i++)
		found = san_matches(sk_GENERAL_NAME_value(sans, i), id);
	GENERAL_NAMES_free(sans);
	ERR_clear_error();
	return found;
}

static void san_put(struct sbuf *sb, const GENERAL_NAME *gn)
{
	const ASN1_STRING *s;
	char dn[256];

	switch (gn->type) {
	case GEN_DNS:
	case GEN_EMAIL:
	case GEN_URI:
		s = gn->d.ia5;
		sb_puts(sb, gn->type == GEN_DNS     ? "DNS:"
			    : gn->type == GEN_EMAIL ? "email:"
						    : "URI:");
		sb_escape(sb, ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
		break;
	case GEN_IPADD:
		s = gn->d.iPAddress;
		sb_puts(sb, "IP:");
		if (ASN1_STRING_length(s) == 4 || ASN1_STRING_length(s) == 16) {
			struct auth_id ipid = { .id_type = ASN1_STRING_length(s) == 4
								   ? IKE_ID_IPV4_ADDR
								   : IKE_ID_IPV6_ADDR,
						.id_len = (size_t)ASN1_STRING_length(s) };
			char txt[64];

			memcpy(ipid.id_data, ASN1_STRING_get0_data(s), ipid.id_len);
			sb_puts(sb, auth_id_str(&ipid, txt, sizeof(txt)));
		} else {
			sb_puts(sb, "<malformed>");
		}
		break;
	case GEN_DIRNAME:
		sb_printf(sb, "DirName:%s", auth_dn_str(gn->d.directoryName, dn, sizeof(dn)));
		break;
	default:
		sb_printf(sb, "<type %d>", gn->type);
		break;
	}
}

const char *auth_cert_sans(X509 *cert, char *buf, size_t len)
{
	GENERAL_NAMES *sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	struct sbuf sb;
	int n = sans ? sk_GENERAL_NAME_num(sans) : 0;

	sb_init(&sb, buf, len);
	if (n <= 0)
		sb_puts(&sb, "none");
	for (int i = 0; i < n; i++) {
		if (i)
			sb_puts(&sb, ", ");
		san_put(&sb, sk_GENERAL_NAME_value(sans, i));
	}
	GENERAL_NAMES_free(sans);
	ERR_clear_error();
	return buf;
}

const char *auth_cert_subject(const X509 *cert, char *buf, size_t len)
{
	return auth_dn_str(X509_get_subject_name(cert), buf, len);
}

const char *auth_time_str(const ASN1_TIME *t, char *buf, size_t len)
{
	struct tm tm;

	if (t == NULL || !ASN1_TIME_to_tm(t, &tm) ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, len, "(unreadable date)");
	return buf;
}

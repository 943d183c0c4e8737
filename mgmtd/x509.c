/*
 * x509.c: PEM bundles (RFC 7468 textual encoding) parsed strictly, the CA
 * and end-entity checks, and the JSON of a certificate (RFC 5280 fields).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "gateway/util/err.h"
#include "mgmtd/x509.h"

#define BEGIN "-----BEGIN "
#define END   "-----END "

static int fail(struct x509_err *err, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct x509_err *err, const char *path, const char *fmt, ...)
{
	va_list ap;

	snprintf(err->xe_path, sizeof(err->xe_path), "%s", path);
	va_start(ap, fmt);
	vsnprintf(err->xe_msg, sizeof(err->xe_msg), fmt, ap);
	va_end(ap);
	ERR_clear_error();
	return GW_E_INVAL;
}

static unsigned line_of(const char *text, const char *p)
{
	unsigned n = 1;

	for (const char *q = text; q < p; q++)
		n += *q == '\n';
	return n;
}

static bool blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
			return false;
	return true;
}

/* One block at p (starting with BEGIN): its X509, and where it ends. */
static int parse_block(const char *text, const char *p, const char *end, size_t idx, X509 **x,
		       const char **next, struct x509_err *err)
{
	char path[48], label[64];
	const char *lab = p + strlen(BEGIN), *labend = memchr(lab, '-', (size_t)(end - lab));
	const char *stop;
	BIO *bio;

	snprintf(path, sizeof(path), "$.pem[%zu]", idx);
	if (!labend || labend - lab >= (long)sizeof(label))
		return fail(err, path, "line %u: a broken PEM header", line_of(text, p));
	snprintf(label, sizeof(label), "%.*s", (int)(labend - lab), lab);
	if (strstr(label, "PRIVATE KEY"))
		return fail(err, path,
			    "line %u: a private key: keys never cross this API (they stay in "
			    "the HSM, or in keys/ put there by the operator)",
			    line_of(text, p));
	if (strcmp(label, "CERTIFICATE"))
		return fail(err, path, "line %u: a '%s' block where a CERTIFICATE was expected",
			    line_of(text, p), label);
	if (!(stop = memmem(p, (size_t)(end - p), END "CERTIFICATE-----",
			    strlen(END "CERTIFICATE-----"))))
		return fail(err, path, "line %u: the CERTIFICATE block has no END line",
			    line_of(text, p));
	stop += strlen(END "CERTIFICATE-----");
	if (!(bio = BIO_new_mem_buf(p, (int)(stop - p))))
		return GW_E_NOMEM;
	*x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!*x)
		return fail(err, path, "line %u: not a valid X.509 certificate (bad base64 or DER)",
			    line_of(text, p));
	*next = stop;
	return 0;
}

int x509_bundle_parse(const char *text, size_t len, STACK_OF(X509) * *out, struct x509_err *err)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	const char *p = text, *end = text + len;
	int r = 0;

	*out = NULL;
	if (!sk)
		return GW_E_NOMEM;
	if (memchr(text, '\0', len)) {
		r = fail(err, "$.pem", "contains a NUL byte");
		goto out;
	}
	while (p < end && !r) {
		const char *b = NULL;
		X509 *x = NULL;

		for (const char *q = p; q + strlen(BEGIN) <= end; q++)
			if (!memcmp(q, BEGIN, strlen(BEGIN))) {
				b = q;
				break;
			}
		if (!blank(p, (size_t)((b ? b : end) - p))) {
			const char *bad = p;

			while (bad < end && strchr(" \t\r\n", *bad))
				bad++;

			r = fail(err, "$.pem", "line %u: text outside a PEM block (garbage %s)",
				 line_of(text, bad), b ? "before a block" : "after the last block");
			break;
		}
		if (!b)
			break;
		if ((size_t)sk_X509_num(sk) >= X509_BUNDLE_MAX) {
			r = fail(err, "$.pem", "more than %d certificates", X509_BUNDLE_MAX);
			break;
		}
		if (!(r = parse_block(text, b, end, (size_t)sk_X509_num(sk), &x, &p, err)))
			sk_X509_push(sk, x);
	}
	if (!r && sk_X509_num(sk) == 0)
		r = fail(err, "$.pem",
			 "no certificate: expected -----BEGIN CERTIFICATE----- blocks");
out:
	if (r)
		sk_X509_pop_free(sk, X509_free);
	else
		*out = sk;
	return r;
}

static void name_str(const X509_NAME *name, char *buf, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	unsigned long flags = (XN_FLAG_ONELINE & ~XN_FLAG_SPC_EQ & ~ASN1_STRFLGS_ESC_MSB) |
			      ASN1_STRFLGS_UTF8_CONVERT;
	int n;

	buf[0] = '\0';
	if (!b)
		return;
	X509_NAME_print_ex(b, name, 0, flags);
	n = BIO_read(b, buf, (int)len - 1);
	buf[n > 0 ? n : 0] = '\0';
	BIO_free(b);
}

static void time_str(const ASN1_TIME *t, char *buf, size_t len)
{
	struct tm tm;

	if (!t || ASN1_TIME_to_tm(t, &tm) != 1) {
		snprintf(buf, len, "1970-01-01T00:00:00Z");
		return;
	}
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *subject_of(X509 *x, char *buf, size_t len)
{
	name_str(X509_get_subject_name(x), buf, len);
	return buf;
}

static bool is_ca(X509 *x)
{
	uint32_t f = X509_get_extension_flags(x);

	return (f & EXFLAG_BCONS) && (f & EXFLAG_CA);
}

static bool self_signed(X509 *x)
{
	EVP_PKEY *k = X509_get0_pubkey(x);

	return X509_check_issued(x, x) == X509_V_OK && k && X509_verify(x, k) == 1;
}

/* Valid now: not expired, not from the future. */
static int validity(X509 *x, const char *path, struct x509_err *err)
{
	char t[32], sub[256];

	if (X509_cmp_current_time(X509_get0_notAfter(x)) <= 0) {
		time_str(X509_get0_notAfter(x), t, sizeof(t));
		return fail(err, path, "'%s' expired on %s", subject_of(x, sub, sizeof(sub)), t);
	}
	if (X509_cmp_current_time(X509_get0_notBefore(x)) >= 0) {
		time_str(X509_get0_notBefore(x), t, sizeof(t));
		return fail(err, path, "'%s' is not valid before %s",
			    subject_of(x, sub, sizeof(sub)), t);
	}
	return 0;
}

/* Verify x against the roots of the bundle, the others as untrusted. */
static int verify_in(X509 *x, STACK_OF(X509) * sk, X509 *root, STACK_OF(X509) * *chain)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int rc = X509_V_ERR_UNSPECIFIED;

	if (store && ctx && X509_STORE_add_cert(store, root) == 1 &&
	    X509_STORE_CTX_init(ctx, store, x, sk) == 1) {
		X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_ANY);
		rc = X509_verify_cert(ctx) == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
		if (rc == X509_V_OK && chain)
			*chain = X509_STORE_CTX_get1_chain(ctx);
	}
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	ERR_clear_error();
	return rc;
}

int x509_ca_bundle_check(STACK_OF(X509) * sk, struct x509_err *err)
{
	char path[48], sub[256];
	X509 *root = NULL;
	int n = sk_X509_num(sk), r;

	for (int i = 0; i < n; i++) {
		X509 *x = sk_X509_value(sk, i);

		snprintf(path, sizeof(path), "$.pem[%d]", i);
		if (!is_ca(x))
			return fail(err, path,
				    "'%s' is not a CA certificate (no basicConstraints CA:TRUE)",
				    subject_of(x, sub, sizeof(sub)));
		if ((r = validity(x, path, err)))
			return r;
		if (self_signed(x)) {
			if (root)
				return fail(err, path,
					    "a second self-signed root ('%s'): upload one root and "
					    "its intermediates per CA",
					    subject_of(x, sub, sizeof(sub)));
			root = x;
		}
	}
	if (!root)
		return fail(err, "$.pem", "no self-signed root certificate in the bundle");
	for (int i = 0; i < n; i++) {
		X509 *x = sk_X509_value(sk, i);

		if (x == root || (r = verify_in(x, sk, root, NULL)) == X509_V_OK)
			continue;
		snprintf(path, sizeof(path), "$.pem[%d]", i);
		return fail(err, path, "'%s' does not chain to the bundle's root: %s",
			    subject_of(x, sub, sizeof(sub)), X509_verify_cert_error_string(r));
	}
	return 0;
}

int x509_cert_bundle_check(STACK_OF(X509) * sk, struct x509_err *err)
{
	char path[48], sub[256], iss[256];
	int n = sk_X509_num(sk), r;

	for (int i = 0; i < n; i++) {
		X509 *x = sk_X509_value(sk, i);

		snprintf(path, sizeof(path), "$.pem[%d]", i);
		if (i == 0 && is_ca(x))
			return fail(err, path,
				    "'%s' is a CA certificate: the gateway's own certificate comes "
				    "first (CAs go to /api/v1/cas)",
				    subject_of(x, sub, sizeof(sub)));
		if ((r = validity(x, path, err)))
			return r;
		if (i == 0)
			continue;
		X509 *below = sk_X509_value(sk, i - 1);
		EVP_PKEY *k = X509_get0_pubkey(x);

		if (X509_check_issued(x, below) != X509_V_OK || !k || X509_verify(below, k) != 1)
			return fail(err, path,
				    "'%s' did not issue '%s' before it: the bundle does "
				    "not chain",
				    subject_of(x, sub, sizeof(sub)),
				    subject_of(below, iss, sizeof(iss)));
	}
	return 0;
}

char *x509_bundle_pem(STACK_OF(X509) * sk)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *out = NULL;
	long n;

	if (!b)
		return NULL;
	for (int i = 0; i < sk_X509_num(sk); i++)
		if (PEM_write_bio_X509(b, sk_X509_value(sk, i)) != 1)
			goto out;
	n = BIO_get_mem_data(b, &data);
	if (n > 0 && (out = malloc((size_t)n + 1))) {
		memcpy(out, data, (size_t)n);
		out[n] = '\0';
	}
out:
	BIO_free(b);
	return out;
}

static json_t *key_json(X509 *x)
{
	EVP_PKEY *k = X509_get0_pubkey(x);
	char curve[64] = "";
	size_t clen = 0;
	const char *type = "unknown";

	if (!k)
		return json_pack("{s:s, s:i, s:n}", "type", type, "bits", 0, "curve");
	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_RSA:
		type = "RSA";
		break;
	case EVP_PKEY_RSA_PSS:
		type = "RSA-PSS";
		break;
	case EVP_PKEY_EC:
		type = "EC";
		break;
	case EVP_PKEY_ED25519:
		type = "Ed25519";
		break;
	case EVP_PKEY_ED448:
		type = "Ed448";
		break;
	default:
		break;
	}
	if (EVP_PKEY_get_base_id(k) == EVP_PKEY_EC)
		EVP_PKEY_get_utf8_string_param(k, "group", curve, sizeof(curve), &clen);
	return json_pack("{s:s, s:i, s:o}", "type", type, "bits", EVP_PKEY_get_bits(k), "curve",
			 curve[0] ? json_string(curve) : json_null());
}

static json_t *san_json(X509 *x)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	json_t *a = json_array();

	for (int i = 0; a && gens && i < sk_GENERAL_NAME_num(gens); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		char buf[300];
		const unsigned char *d;
		int len;

		if (g->type == GEN_DNS || g->type == GEN_EMAIL) {
			ASN1_IA5STRING *s = g->type == GEN_DNS ? g->d.dNSName : g->d.rfc822Name;

			snprintf(buf, sizeof(buf), "%s:%.*s", g->type == GEN_DNS ? "DNS" : "email",
				 ASN1_STRING_length(s), (const char *)ASN1_STRING_get0_data(s));
		} else if (g->type == GEN_IPADD) {
			char ip[64] = "?";

			d = ASN1_STRING_get0_data(g->d.iPAddress);
			len = ASN1_STRING_length(g->d.iPAddress);
			if (len == 4)
				snprintf(ip, sizeof(ip), "%u.%u.%u.%u", d[0], d[1], d[2], d[3]);
			else if (len == 16)
				inet_ntop(AF_INET6, d, ip, sizeof(ip));
			snprintf(buf, sizeof(buf), "IP:%s", ip);
		} else {
			continue;
		}
		/* a name with a NUL or control byte is shown escaped, not cut */
		for (char *c = buf; *c; c++)
			if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
				*c = '?';
		json_array_append_new(a, json_string(buf));
	}
	GENERAL_NAMES_free(gens);
	return a;
}

static json_t *bc_json(X509 *x)
{
	long pl = X509_get_pathlen(x);

	if (!(X509_get_extension_flags(x) & EXFLAG_BCONS))
		return json_null();
	return json_pack("{s:b, s:o}", "ca", is_ca(x), "path_len",
			 pl >= 0 ? json_integer(pl) : json_null());
}

json_t *x509_info(X509 *x)
{
	char sub[512], iss[512], nb[32], na[32], fp[2 * EVP_MAX_MD_SIZE + 1], serial[128] = "";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;

	if (hex) {
		snprintf(serial, sizeof(serial), "%s", hex);
		for (char *c = serial; *c; c++)
			*c = (char)(*c >= 'A' && *c <= 'F' ? *c - 'A' + 'a' : *c);
	}
	OPENSSL_free(hex);
	BN_free(bn);
	X509_digest(x, EVP_sha256(), md, &mdlen);
	for (unsigned i = 0; i < mdlen; i++)
		snprintf(fp + 2 * i, 3, "%02x", md[i]);
	fp[2 * mdlen] = '\0';
	name_str(X509_get_subject_name(x), sub, sizeof(sub));
	name_str(X509_get_issuer_name(x), iss, sizeof(iss));
	time_str(X509_get0_notBefore(x), nb, sizeof(nb));
	time_str(X509_get0_notAfter(x), na, sizeof(na));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:o, s:s, s:o, s:b, s:o}", "subject", sub,
			 "issuer", iss, "serial", serial, "not_before", nb, "not_after", na,
			 "expired", X509_cmp_current_time(X509_get0_notAfter(x)) <= 0, "key",
			 key_json(x), "sha256_fingerprint", fp, "basic_constraints", bc_json(x),
			 "self_signed", self_signed(x), "subject_alt_names", san_json(x));
}

json_t *x509_chain_json(STACK_OF(X509) * sk)
{
	STACK_OF(X509) *best = NULL;
	X509 *root = NULL;
	json_t *a = json_array();
	char sub[512];

	for (int i = 0; i < sk_X509_num(sk); i++)
		if (self_signed(sk_X509_value(sk, i)))
			root = sk_X509_value(sk, i);
	for (int i = 0; root && i < sk_X509_num(sk); i++) {
		STACK_OF(X509) *ch = NULL;

		if (verify_in(sk_X509_value(sk, i), sk, root, &ch) == X509_V_OK && ch &&
		    (!best || sk_X509_num(ch) > sk_X509_num(best))) {
			sk_X509_pop_free(best, X509_free);
			best = ch;
		} else {
			sk_X509_pop_free(ch, X509_free);
		}
	}
	for (int i = 0; a && best && i < sk_X509_num(best); i++)
		json_array_append_new(
			a, json_string(subject_of(sk_X509_value(best, i), sub, sizeof(sub))));
	sk_X509_pop_free(best, X509_free);
	return a;
}

/* ---- CRLs (RFC 5280 section 5) ---- */

int x509_crl_parse(const char *text, size_t len, STACK_OF(X509) * ca, X509_CRL **out,
		   struct x509_err *err)
{
	const char *b = "-----BEGIN X509 CRL-----", *e = "-----END X509 CRL-----";
	const char *p, *q;
	X509_CRL *crl;
	bool signed_ok = false;
	BIO *bio;

	*out = NULL;
	/* the text is counted, not NUL-terminated: bounded searches only */
	if (memchr(text, '\0', len) || !(p = memmem(text, len, b, strlen(b))) ||
	    !(q = memmem(p, (size_t)(text + len - p), e, strlen(e))))
		return fail(err, "$.pem", "expected one -----BEGIN X509 CRL----- block");
	q += strlen(e);
	if (!blank(text, (size_t)(p - text)) || !blank(q, (size_t)(text + len - q)))
		return fail(err, "$.pem", "text outside the X509 CRL block");
	if (!(bio = BIO_new_mem_buf(p, (int)(q - p))))
		return GW_E_NOMEM;
	crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!crl)
		return fail(err, "$.pem", "not a valid CRL (bad base64 or DER)");
	for (int i = 0; i < sk_X509_num(ca); i++) {
		X509 *x = sk_X509_value(ca, i);

		if (!X509_NAME_cmp(X509_get_subject_name(x), X509_CRL_get_issuer(crl)) &&
		    X509_CRL_verify(crl, X509_get0_pubkey(x)) == 1)
			signed_ok = true;
	}
	ERR_clear_error();
	if (!signed_ok) {
		X509_CRL_free(crl);
		return fail(err, "$.pem", "the CRL is not signed by a certificate of this CA");
	}
	if (X509_CRL_get0_nextUpdate(crl) &&
	    X509_cmp_current_time(X509_CRL_get0_nextUpdate(crl)) <= 0) {
		X509_CRL_free(crl);
		return fail(err, "$.pem", "the CRL is out of date (its nextUpdate has passed)");
	}
	*out = crl;
	return 0;
}

json_t *x509_crl_info(X509_CRL *crl)
{
	STACK_OF(X509_REVOKED) *rev = X509_CRL_get_REVOKED(crl);
	char iss[512], tu[32], nu[32];
	int nrev = rev ? sk_X509_REVOKED_num(rev) : 0;
	json_t *serials = json_array();

	for (int i = 0; serials && i < nrev && i < 1000; i++) {
		const ASN1_INTEGER *sn =
			X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(rev, i));
		BIGNUM *bn = ASN1_INTEGER_to_BN(sn, NULL);
		char *hex = bn ? BN_bn2hex(bn) : NULL;

		if (hex) {
			for (char *c = hex; *c; c++)
				*c = (char)(*c >= 'A' && *c <= 'F' ? *c - 'A' + 'a' : *c);
			json_array_append_new(serials, json_string(hex));
		}
		OPENSSL_free(hex);
		BN_free(bn);
	}
	name_str(X509_CRL_get_issuer(crl), iss, sizeof(iss));
	time_str(X509_CRL_get0_lastUpdate(crl), tu, sizeof(tu));
	time_str(X509_CRL_get0_nextUpdate(crl), nu, sizeof(nu));
	return json_pack("{s:s, s:s, s:o, s:i, s:o}", "issuer", iss, "this_update", tu,
			 "next_update",
			 X509_CRL_get0_nextUpdate(crl) ? json_string(nu) : json_null(),
			 "revoked_count", nrev, "revoked_serials", serials);
}

char *x509_crl_pem(X509_CRL *crl)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *out = NULL;
	long n;

	if (b && PEM_write_bio_X509_CRL(b, crl) == 1 && (n = BIO_get_mem_data(b, &data)) > 0 &&
	    (out = malloc((size_t)n + 1))) {
		memcpy(out, data, (size_t)n);
		out[n] = '\0';
	}
	BIO_free(b);
	return out;
}

/*
 * pki.c: the auth tests' PKI, made fresh with OpenSSL at start-up (no
 * fixtures to expire): keys, CA and end-entity certificates with explicit
 * validity windows and extensions, written as PEM into two config
 * directories under mkdtemp. See ta.h for what each certificate is.
 */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "ta.h"

struct ta_pki ta;

static long serial = 1;

static EVP_PKEY *key_ec(const char *curve)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
}

static EVP_PKEY *key_rsa(unsigned bits, bool pss)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, pss ? "RSA-PSS" : "RSA", NULL);
	EVP_PKEY *k = NULL;

	if (ctx && EVP_PKEY_keygen_init(ctx) == 1 &&
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)bits) == 1)
		EVP_PKEY_keygen(ctx, &k);
	EVP_PKEY_CTX_free(ctx);
	return k;
}

static X509_NAME *name_of(const char *o, const char *cn)
{
	X509_NAME *n = X509_NAME_new();

	X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)"CH", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)o, -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
	return n;
}

static bool add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext;
	bool ok;

	if (value == NULL)
		return true;
	if ((ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value)) == NULL)
		return false;
	ok = X509_add_ext(x, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok;
}

struct cert_spec {
	EVP_PKEY *cs_key;
	X509_NAME *cs_subject; /* taken */
	X509 *cs_issuer;       /* NULL: self-signed */
	EVP_PKEY *cs_ikey;
	long cs_from_days, cs_to_days;
	const char *cs_bc, *cs_ku, *cs_san;
};

static X509 *mk_cert(const struct cert_spec *s)
{
	X509 *x = X509_new();
	X509V3_CTX ctx;
	bool ok;

	ok = x && X509_set_version(x, 2) && ASN1_INTEGER_set(X509_get_serialNumber(x), serial++) &&
	     X509_set_subject_name(x, s->cs_subject) &&
	     X509_set_issuer_name(x, s->cs_issuer ? X509_get_subject_name(s->cs_issuer)
						  : s->cs_subject) &&
	     X509_time_adj_ex(X509_getm_notBefore(x), (int)s->cs_from_days, 0, NULL) &&
	     X509_time_adj_ex(X509_getm_notAfter(x), (int)s->cs_to_days, 0, NULL) &&
	     X509_set_pubkey(x, s->cs_key);
	X509_NAME_free(s->cs_subject);
	if (!ok)
		goto fail;
	X509V3_set_ctx(&ctx, s->cs_issuer ? s->cs_issuer : x, x, NULL, NULL, 0);
	if (!add_ext(x, &ctx, NID_basic_constraints, s->cs_bc) ||
	    !add_ext(x, &ctx, NID_key_usage, s->cs_ku) ||
	    !add_ext(x, &ctx, NID_subject_alt_name, s->cs_san) ||
	    !add_ext(x, &ctx, NID_subject_key_identifier, "hash") ||
	    (s->cs_issuer && !add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always")))
		goto fail;
	if (X509_sign(x, s->cs_ikey ? s->cs_ikey : s->cs_key, EVP_sha256()) <= 0)
		goto fail;
	return x;
fail:
	X509_free(x);
	return NULL;
}

static X509 *mk_ca(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *ikey)
{
	struct cert_spec s = { key,
			       name_of("Palisade Test", cn),
			       issuer,
			       ikey,
			       -1,
			       3650,
			       "critical,CA:TRUE",
			       "critical,keyCertSign,cRLSign",
			       NULL };

	return mk_cert(&s);
}

static X509 *mk_ee(EVP_PKEY *key, X509_NAME *subject, X509 *issuer, EVP_PKEY *ikey, long from,
		   long to, const char *ku, const char *san)
{
	struct cert_spec s = { key, subject, issuer, ikey, from, to, "CA:FALSE", ku, san };

	return mk_cert(&s);
}

static bool write_certs(const char *dir, const char *rel, X509 *a, X509 *b)
{
	char path[512];
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if ((f = fopen(path, "w")) == NULL)
		return false;
	ok = PEM_write_X509(f, a) && (b == NULL || PEM_write_X509(f, b));
	return fclose(f) == 0 && ok;
}

static bool write_key(const char *dir, const char *rel, EVP_PKEY *k)
{
	char path[512];
	FILE *f;
	int fd;
	bool ok;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
		return false;
	if (fchmod(fd, 0600) != 0 || (f = fdopen(fd, "w")) == NULL) {
		close(fd);
		return false;
	}
	ok = PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
	return fclose(f) == 0 && ok;
}

static bool mk_dirs(const char *cfg)
{
	static const char *const subs[] = { "", "/cas", "/certs", "/keys" };
	char path[512];

	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", cfg, subs[i]);
		if (mkdir(path, 0700) != 0)
			return false;
	}
	return true;
}

static bool make_keys(void)
{
	ta.k_root = key_ec("P-384");
	ta.k_inter = key_ec("P-256");
	ta.k_alt = key_ec("P-256");
	ta.k_other = key_ec("P-256");
	ta.k_p256 = key_ec("P-256");
	ta.k_p384 = key_ec("P-384");
	ta.k_p521 = key_ec("P-521");
	ta.k_rsa = key_rsa(2048, false);
	ta.k_pss = key_rsa(3072, true);
	return ta.k_root && ta.k_inter && ta.k_alt && ta.k_other && ta.k_p256 && ta.k_p384 &&
	       ta.k_p521 && ta.k_rsa && ta.k_pss;
}

#define EE_KU "critical,digitalSignature"

static bool make_certs(void)
{
	ta.root = mk_ca(ta.k_root, "Test Root", NULL, NULL);
	ta.inter = mk_ca(ta.k_inter, "Test Intermediate", ta.root, ta.k_root);
	ta.alt = mk_ca(ta.k_alt, "Alt Root", NULL, NULL);
	ta.other = mk_ca(ta.k_other, "Other Root", NULL, NULL);
	if (!ta.root || !ta.inter || !ta.alt || !ta.other)
		return false;
	ta.ee_rsa = mk_ee(ta.k_rsa, name_of("Example", "rsa.example.com"), ta.inter, ta.k_inter, -1,
			  365, EE_KU, "DNS:rsa.example.com");
	ta.ee_pss = mk_ee(ta.k_pss, name_of("Example", "pss.example.com"), ta.inter, ta.k_inter, -1,
			  365, EE_KU, "DNS:pss.example.com");
	ta.ee_p256 = mk_ee(ta.k_p256, name_of("Example", "p256.example.com"), ta.inter, ta.k_inter,
			   -1, 365, EE_KU,
			   "DNS:p256.example.com, DNS:alt.example.com, IP:192.0.2.1, "
			   "IP:2001:db8::1, email:user@example.com");
	ta.ee_p384 = mk_ee(ta.k_p384, name_of("Example", "p384.example.com"), ta.root, ta.k_root,
			   -1, 365, NULL, "DNS:p384.example.com");
	ta.ee_p521 = mk_ee(ta.k_p521, name_of("Example", "p521.example.com"), ta.root, ta.k_root,
			   -1, 365, EE_KU, "DNS:p521.example.com");
	ta.ee_expired = mk_ee(ta.k_p256, name_of("Example", "expired.example.com"), ta.inter,
			      ta.k_inter, -730, -365, EE_KU, "DNS:expired.example.com");
	ta.ee_notyet = mk_ee(ta.k_p256, name_of("Example", "notyet.example.com"), ta.inter,
			     ta.k_inter, 365, 730, EE_KU, "DNS:notyet.example.com");
	ta.ee_untrusted = mk_ee(ta.k_p256, name_of("Example", "untrusted.example.com"), ta.other,
				ta.k_other, -1, 365, EE_KU, "DNS:untrusted.example.com");
	ta.ee_dn = mk_ee(ta.k_p256, name_of("Example", "dn only"), ta.inter, ta.k_inter, -1, 365,
			 EE_KU, NULL);
	ta.ee_ku = mk_ee(ta.k_p256, name_of("Example", "ku.example.com"), ta.inter, ta.k_inter, -1,
			 365, "critical,keyEncipherment", "DNS:ku.example.com");
	ta.ee_alt = mk_ee(ta.k_p256, name_of("Example", "altca.example.com"), ta.alt, ta.k_alt, -1,
			  365, EE_KU, "DNS:altca.example.com");
	return ta.ee_rsa && ta.ee_pss && ta.ee_p256 && ta.ee_p384 && ta.ee_p521 && ta.ee_expired &&
	       ta.ee_notyet && ta.ee_untrusted && ta.ee_dn && ta.ee_ku && ta.ee_alt;
}

static bool write_cfg_a(void)
{
	const char *d = ta.cfg_a;

	return mk_dirs(d) && write_certs(d, "cas/corp.pem", ta.root, NULL) &&
	       write_certs(d, "cas/alt.pem", ta.alt, NULL) &&
	       write_certs(d, "certs/rsa.pem", ta.ee_rsa, ta.inter) &&
	       write_certs(d, "certs/pss.pem", ta.ee_pss, ta.inter) &&
	       write_certs(d, "certs/p256.pem", ta.ee_p256, ta.inter) &&
	       write_certs(d, "certs/p384.pem", ta.ee_p384, ta.root) &&
	       write_certs(d, "certs/p521.pem", ta.ee_p521, NULL) &&
	       write_certs(d, "certs/pinned.pem", ta.ee_untrusted, NULL) &&
	       write_key(d, "keys/rsa.pem", ta.k_rsa) && write_key(d, "keys/pss.pem", ta.k_pss) &&
	       write_key(d, "keys/p256.pem", ta.k_p256) &&
	       write_key(d, "keys/p384.pem", ta.k_p384) && write_key(d, "keys/p521.pem", ta.k_p521);
}

bool ta_pki_init(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(ta.dir, sizeof(ta.dir), "%s/palauth.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(ta.dir) == NULL)
		return false;
	snprintf(ta.cfg_a, sizeof(ta.cfg_a), "%s/a", ta.dir);
	snprintf(ta.cfg_b, sizeof(ta.cfg_b), "%s/b", ta.dir);
	return make_keys() && make_certs() && write_cfg_a() && mk_dirs(ta.cfg_b) &&
	       write_certs(ta.cfg_b, "cas/corp.pem", ta.root, ta.inter);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void ta_pki_cleanup(void)
{
	EVP_PKEY *keys[] = { ta.k_root, ta.k_inter, ta.k_alt,  ta.k_other, ta.k_rsa,
			     ta.k_pss,  ta.k_p256,  ta.k_p384, ta.k_p521 };
	X509 *certs[] = { ta.root,      ta.inter,        ta.alt,     ta.other,   ta.ee_rsa,
			  ta.ee_pss,    ta.ee_p256,      ta.ee_p384, ta.ee_p521, ta.ee_expired,
			  ta.ee_notyet, ta.ee_untrusted, ta.ee_dn,   ta.ee_ku,   ta.ee_alt };

	if (ta.dir[0])
		nftw(ta.dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		EVP_PKEY_free(keys[i]);
	for (size_t i = 0; i < sizeof(certs) / sizeof(certs[0]); i++)
		X509_free(certs[i]);
	memset(&ta, 0, sizeof(ta));
}

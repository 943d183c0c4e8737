/* tp.c: the pkcs11 tests' scratch directory, keys, certificates and module. */
#include <dlfcn.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "tp.h"
#include "util/err.h"

struct tp tp;

const char *tp_path(const char *name)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s/%s", tp.dir, name);
	return buf;
}

bool tp_write(const char *path, const char *text, unsigned mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text) && fchmod(fd, mode) == 0;
	close(fd);
	return ok;
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	if ((e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) != NULL)
		X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
}

/* A certificate for k: the CA's own (issuer NULL) or an end entity. */
static X509 *mk_cert(EVP_PKEY *k, const char *cn, X509 *issuer, EVP_PKEY *ikey)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	char san[96];

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), issuer ? 2 : 1);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, k);
	if (issuer == NULL) {
		add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
	} else {
		snprintf(san, sizeof(san), "DNS:%s", cn);
		add_ext(x, issuer, NID_basic_constraints, "CA:FALSE");
		add_ext(x, issuer, NID_key_usage, "critical,digitalSignature");
		add_ext(x, issuer, NID_subject_alt_name, san);
	}
	X509_sign(x, ikey ? ikey : k, EVP_sha256());
	X509_NAME_free(n);
	return x;
}

static bool write_pem(const char *path, EVP_PKEY *k, X509 *x)
{
	FILE *f = fopen(path, "w");
	bool ok;

	if (f == NULL)
		return false;
	ok = k ? PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) : PEM_write_X509(f, x);
	fclose(f);
	chmod(path, 0600);
	return ok;
}

static bool module_paths(void)
{
	const char *top = getenv("top_builddir");
	char rel[4096];

	snprintf(rel, sizeof(rel), "%s/tests/unit/pkcs11/fake_p11.so", top ? top : ".");
	if (realpath(rel, tp.fake) == NULL)
		return false;
	snprintf(rel, sizeof(rel), "%s/tests/unit/pkcs11/not_p11.so", top ? top : ".");
	if (realpath(rel, tp.not_p11) == NULL)
		return false;
	if ((tp.dl = dlopen(tp.fake, RTLD_NOW | RTLD_LOCAL)) == NULL)
		return false;
	*(void **)&tp.set = dlsym(tp.dl, "fake_p11_set");
	*(void **)&tp.get = dlsym(tp.dl, "fake_p11_get");
	*(void **)&tp.reset = dlsym(tp.dl, "fake_p11_reset");
	return tp.set && tp.get && tp.reset;
}

bool tp_init(void)
{
	snprintf(tp.dir, sizeof(tp.dir), "/tmp/palisade-p11.XXXXXX");
	if (mkdtemp(tp.dir) == NULL || !module_paths())
		return false;
	tp.ec = EVP_EC_gen("P-256");
	tp.rsa = EVP_RSA_gen(2048);
	if (!tp.ec || !tp.rsa)
		return false;
	tp.ca = EVP_EC_gen("P-256");
	if (!tp.ca)
		return false;
	tp.ca_cert = mk_cert(tp.ca, "Palisade test CA", NULL, NULL);
	tp.ec_cert = mk_cert(tp.ec, "ec.example.com", tp.ca_cert, tp.ca);
	tp.rsa_cert = mk_cert(tp.rsa, "rsa.example.com", tp.ca_cert, tp.ca);
	snprintf(tp.ec_key, sizeof(tp.ec_key), "%s/ec.pem", tp.dir);
	snprintf(tp.ec_crt, sizeof(tp.ec_crt), "%s/ec.crt", tp.dir);
	snprintf(tp.rsa_key, sizeof(tp.rsa_key), "%s/rsa.pem", tp.dir);
	snprintf(tp.rsa_crt, sizeof(tp.rsa_crt), "%s/rsa.crt", tp.dir);
	snprintf(tp.pin, sizeof(tp.pin), "%s/pin", tp.dir);
	snprintf(tp.pin_bad, sizeof(tp.pin_bad), "%s/pin.bad", tp.dir);
	return write_pem(tp.ec_key, tp.ec, NULL) && write_pem(tp.ec_crt, NULL, tp.ec_cert) &&
	       write_pem(tp.rsa_key, tp.rsa, NULL) && write_pem(tp.rsa_crt, NULL, tp.rsa_cert) &&
	       tp_write(tp.pin, "1234\n", 0600) && tp_write(tp.pin_bad, "9999\n", 0600);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void tp_cleanup(void)
{
	if (tp.dir[0])
		nftw(tp.dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	EVP_PKEY_free(tp.ec);
	EVP_PKEY_free(tp.rsa);
	EVP_PKEY_free(tp.ca);
	X509_free(tp.ca_cert);
	X509_free(tp.ec_cert);
	X509_free(tp.rsa_cert);
	if (tp.dl)
		dlclose(tp.dl);
}

int tp_fake_try(const char *which, const char *pin, unsigned sessions, bool strict,
		struct p11 **out, char *why, size_t why_len)
{
	struct p11_config cfg = {
		.pc_module = tp.fake,
		.pc_pin_file = pin,
		.pc_sessions = sessions,
		.pc_require_non_extractable = strict,
		.pc_retry_ms = 20,
		.pc_retry_max_ms = 100,
		.pc_wait_ms = 3000,
	};
	bool ec = strcmp(which, "ec") == 0;

	setenv("FAKEP11_KEY", ec ? tp.ec_key : tp.rsa_key, 1);
	return p11_new(&cfg, out, why, why_len);
}

struct p11 *tp_fake(const char *which, bool with_cert, const char *pin, unsigned sessions,
		    bool strict)
{
	struct p11 *p = NULL;
	char why[256];
	int rc;

	setenv("FAKEP11_CERT", with_cert ? (strcmp(which, "ec") ? tp.rsa_crt : tp.ec_crt) : "", 1);
	rc = tp_fake_try(which, pin, sessions, strict, &p, why, sizeof(why));
	if (rc != 0)
		fprintf(stderr, "\ntp_fake: %s: %s\n", gw_strerror(rc), why);
	CU_ASSERT_FATAL(rc == 0 && p != NULL);
	return p;
}

struct p11_key *tp_key(struct p11 *p, const char *uri)
{
	struct p11_key *k = NULL;
	char why[256];
	int rc = p11_key_open(p, uri, &k, why, sizeof(why));

	if (rc != 0)
		fprintf(stderr, "\ntp_key(%s): %s: %s\n", uri, gw_strerror(rc), why);
	CU_ASSERT_FATAL(rc == 0 && k != NULL);
	return k;
}

static const EVP_MD *md_of(uint8_t h)
{
	return h == P11_SHA1     ? EVP_sha1()
	       : h == P11_SHA256 ? EVP_sha256()
	       : h == P11_SHA384 ? EVP_sha384()
				 : EVP_sha512();
}

/* r | s back to DER for OpenSSL's verify. */
static int raw_to_der(const uint8_t *sig, size_t len, uint8_t *der)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	unsigned char *q = der;
	int n;

	ECDSA_SIG_set0(es, BN_bin2bn(sig, (int)len / 2, NULL),
		       BN_bin2bn(sig + len / 2, (int)len / 2, NULL));
	n = i2d_ECDSA_SIG(es, &q);
	ECDSA_SIG_free(es);
	return n;
}

bool tp_sign_verify(struct p11_key *k, EVP_PKEY *pub, uint8_t scheme, uint8_t hash, bool raw)
{
	static const uint8_t msg[] = "IKE_SA_INIT | Nr | prf(SK_pi, IDi')";
	struct p11_sigalg a = { scheme, hash, 0, raw };
	uint8_t sig[1024], der[200];
	size_t len = sizeof(sig);
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	int rc, ok = 0;

	a.ps_salt = EVP_MD_get_size(md_of(hash));
	if ((rc = p11_sign(k, &a, msg, sizeof(msg), sig, &len)) != 0) {
		fprintf(stderr, "\np11_sign: %s\n", gw_strerror(rc));
		EVP_MD_CTX_free(m);
		return false;
	}
	if (raw) {
		if (len != 2 * (size_t)((EVP_PKEY_get_bits(pub) + 7) / 8))
			goto out;
		len = (size_t)raw_to_der(sig, len, der);
		memcpy(sig, der, len);
	}
	if (EVP_DigestVerifyInit(m, &pc, md_of(hash), NULL, pub) != 1)
		goto out;
	if (scheme == P11_PSS) {
		EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING);
		EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, a.ps_salt);
		EVP_PKEY_CTX_set_rsa_mgf1_md(pc, md_of(hash));
	} else if (scheme == P11_PKCS1) {
		EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING);
	}
	ok = EVP_DigestVerify(m, sig, len, msg, sizeof(msg));
out:
	EVP_MD_CTX_free(m);
	return ok == 1;
}

bool tp_has(const char *why, const char *needle)
{
	if (strstr(why, needle) != NULL)
		return true;
	fprintf(stderr, "\nwhy '%s' lacks '%s'\n", why, needle);
	return false;
}

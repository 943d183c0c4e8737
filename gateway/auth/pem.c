/*
 * pem.c: reading the PEM files of cas/, certs/ and keys/. Files are read
 * whole (bounded) from one open descriptor, so the mode we check is the
 * mode of the file we parse. Key files must not be accessible by group or
 * others (the rule ssh applies to its identity files); their buffers are
 * wiped. Errors name the file and the problem, for the admin.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "auth/auth_int.h"
#include "util/err.h"

static int file_check(int fd, const char *rel, bool is_key, size_t *size, char *why, size_t why_len)
{
	struct stat st;

	if (fstat(fd, &st) != 0) {
		auth_why(why, why_len, "%s: %s", rel, strerror(errno));
		return GW_E_IO;
	}
	if (!S_ISREG(st.st_mode)) {
		auth_why(why, why_len, "%s: not a regular file", rel);
		return GW_E_INVAL;
	}
	if (is_key && (st.st_mode & 077) != 0) {
		auth_why(why, why_len,
			 "%s: private key is accessible by group or others (mode %04o); "
			 "chmod 600 it",
			 rel, (unsigned)(st.st_mode & 07777));
		return GW_E_INVAL;
	}
	if (st.st_size <= 0 || (uintmax_t)st.st_size > AUTH_FILE_MAX) {
		auth_why(why, why_len, "%s: %s", rel,
			 st.st_size <= 0 ? "empty file" : "file too large");
		return GW_E_INVAL;
	}
	*size = (size_t)st.st_size;
	return 0;
}

int auth_file_read(const char *path, const char *rel, bool is_key, uint8_t **buf, size_t *len,
		   char *why, size_t why_len)
{
	size_t size = 0, got = 0;
	uint8_t *b = NULL;
	int fd, rc;

	*buf = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		auth_why(why, why_len, "%s: %s", rel, strerror(errno));
		return errno == ENOENT ? GW_E_NOTFOUND : GW_E_IO;
	}
	if ((rc = file_check(fd, rel, is_key, &size, why, why_len)) != 0)
		goto out;
	rc = GW_E_NOMEM;
	if ((b = malloc(size)) == NULL)
		goto out;
	while (got < size) {
		ssize_t n = read(fd, b + got, size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			auth_why(why, why_len, "%s: read failed", rel);
			rc = GW_E_IO;
			goto out;
		}
		got += (size_t)n;
	}
	*buf = b;
	*len = size;
	b = NULL;
	rc = 0;
out:
	auth_file_free(b, size);
	close(fd);
	return rc;
}

void auth_file_free(uint8_t *buf, size_t len)
{
	if (buf == NULL)
		return;
	OPENSSL_cleanse(buf, len);
	free(buf);
}

/* End of the blocks, as opposed to a broken one. */
static bool pem_at_end(void)
{
	unsigned long e = ERR_peek_last_error();

	return ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
}

static int pem_one_cert(const char *name, const uint8_t *data, long dlen, const char *rel,
			size_t idx, X509 **out, char *why, size_t why_len)
{
	const unsigned char *p = data;
	X509 *x;

	if (strcmp(name, "CERTIFICATE") != 0 && strcmp(name, "X509 CERTIFICATE") != 0) {
		auth_why(why, why_len, "%s: block %zu is '%.40s', expected CERTIFICATE", rel,
			 idx + 1, name);
		return GW_E_PARSE;
	}
	x = d2i_X509(NULL, &p, dlen);
	if (x == NULL || p != data + dlen) {
		X509_free(x);
		auth_why(why, why_len, "%s: certificate %zu is not valid X.509 DER", rel, idx + 1);
		return GW_E_PARSE;
	}
	*out = x;
	return 0;
}

int auth_pem_certs(const uint8_t *buf, size_t len, const char *rel, STACK_OF(X509) * *out,
		   char *why, size_t why_len)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	BIO *bio = BIO_new_mem_buf(buf, (int)len);
	int rc = GW_E_NOMEM;

	if (sk == NULL || bio == NULL)
		goto out;
	for (size_t i = 0;; i++) {
		char *name = NULL, *hdr = NULL;
		unsigned char *data = NULL;
		long dlen = 0;
		X509 *x = NULL;

		if (!PEM_read_bio(bio, &name, &hdr, &data, &dlen)) {
			if (i > 0 && pem_at_end())
				break;
			auth_why(why, why_len, "%s: %s", rel,
				 i == 0 ? "no PEM certificate found" : "broken PEM block");
			rc = GW_E_PARSE;
			goto out;
		}
		rc = i >= AUTH_BUNDLE_MAX
			     ? GW_E_RANGE
			     : pem_one_cert(name, data, dlen, rel, i, &x, why, why_len);
		if (rc == GW_E_RANGE)
			auth_why(why, why_len, "%s: more than %d certificates", rel,
				 AUTH_BUNDLE_MAX);
		OPENSSL_free(name);
		OPENSSL_free(hdr);
		OPENSSL_free(data);
		if (rc != 0)
			goto out;
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			rc = GW_E_NOMEM;
			goto out;
		}
	}
	*out = sk;
	sk = NULL;
	rc = 0;
out:
	sk_X509_pop_free(sk, X509_free);
	BIO_free(bio);
	ERR_clear_error();
	return rc;
}

/* Never prompt on a terminal for a passphrase: encrypted keys fail. */
static int pem_no_pass(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static bool pem_is_encrypted(const uint8_t *buf, size_t len)
{
	static const char tag[] = "ENCRYPTED";

	for (size_t i = 0; i + sizeof(tag) - 1 <= len; i++)
		if (memcmp(buf + i, tag, sizeof(tag) - 1) == 0)
			return true;
	return false;
}

int auth_pem_key(const uint8_t *buf, size_t len, const char *rel, EVP_PKEY **out, char *why,
		 size_t why_len)
{
	BIO *bio = BIO_new_mem_buf(buf, (int)len);
	EVP_PKEY *key = NULL;
	char desc[64];
	int rc = GW_E_NOMEM;

	if (bio == NULL)
		goto out;
	key = PEM_read_bio_PrivateKey_ex(bio, NULL, pem_no_pass, NULL, NULL, NULL);
	if (key == NULL) {
		auth_why(why, why_len, "%s: %s", rel,
			 pem_is_encrypted(buf, len) ? "encrypted private keys are not supported"
						    : "no PEM private key found");
		rc = GW_E_PARSE;
		goto out;
	}
	rc = GW_E_UNSUP;
	switch (auth_key_kind(key)) {
	case AUTH_KEY_NONE:
		auth_why(why, why_len,
			 "%s: unsupported key type %s (need RSA, RSA-PSS or "
			 "ECDSA P-256/P-384/P-521)",
			 rel, auth_key_desc(key, desc, sizeof(desc)));
		goto out;
	case AUTH_KEY_RSA:
	case AUTH_KEY_RSA_PSS:
		if (EVP_PKEY_get_bits(key) < AUTH_RSA_MIN) {
			auth_why(why, why_len, "%s: %s key too small (minimum %d bits)", rel,
				 auth_key_desc(key, desc, sizeof(desc)), AUTH_RSA_MIN);
			goto out;
		}
		break;
	default:
		break;
	}
	*out = key;
	key = NULL;
	rc = 0;
out:
	EVP_PKEY_free(key);
	BIO_free(bio);
	ERR_clear_error();
	return rc;
}

/*
 * creds.c: the credentials of a config directory (DESIGN.md): cas/NAME.pem
 * (trust anchors and intermediates, bundles), certs/NAME.pem (our end
 * entity first, then its intermediates) and keys/NAME.pem (software keys,
 * mode 0600). Loaded once, all or nothing, then immutable and shared by
 * the workers through a reference count; X509_STORE lookups and EVP_PKEY
 * operations are safe from several threads on such read-only objects.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "auth/auth_int.h"
#include "util/err.h"

struct name_list {
	char (*nl_names)[AUTH_NAME_MAX];
	size_t nl_n;
};

static int name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* NAME.pem with a plain NAME: letters, digits, '.', '_', '-'; no dot first. */
static bool name_ok(const char *file, char *name)
{
	size_t n = strlen(file);

	if (n <= 4 || n - 4 >= AUTH_NAME_MAX || strcmp(file + n - 4, ".pem") != 0 || file[0] == '.')
		return false;
	for (size_t i = 0; i < n - 4; i++) {
		char c = file[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	memcpy(name, file, n - 4);
	name[n - 4] = '\0';
	return true;
}

/* The NAMEs of DIR/NAME.pem, sorted; a missing directory is empty. */
static int dir_names(const char *dir, const char *sub, struct name_list *nl, char *why,
		     size_t why_len)
{
	DIR *d;
	struct dirent *de;
	char name[AUTH_NAME_MAX];

	nl->nl_names = NULL;
	nl->nl_n = 0;
	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return 0;
		auth_why(why, why_len, "%s/: %s", sub, strerror(errno));
		return GW_E_IO;
	}
	while ((de = readdir(d)) != NULL) {
		void *p;

		if (!name_ok(de->d_name, name))
			continue;
		if (nl->nl_n >= AUTH_FILES_MAX) {
			auth_why(why, why_len, "%s/: more than %d files", sub, AUTH_FILES_MAX);
			closedir(d);
			return GW_E_RANGE;
		}
		if ((p = realloc(nl->nl_names, (nl->nl_n + 1) * sizeof(*nl->nl_names))) == NULL) {
			closedir(d);
			return GW_E_NOMEM;
		}
		nl->nl_names = p;
		memcpy(nl->nl_names[nl->nl_n++], name, AUTH_NAME_MAX);
	}
	closedir(d);
	if (nl->nl_n)
		qsort(nl->nl_names, nl->nl_n, sizeof(*nl->nl_names), name_cmp);
	return 0;
}

typedef int (*load_fn)(struct auth_creds *c, const char *name, const char *rel, const uint8_t *buf,
		       size_t len, char *why, size_t why_len);

static int load_ca(struct auth_creds *c, const char *name, const char *rel, const uint8_t *buf,
		   size_t len, char *why, size_t why_len)
{
	struct auth_ca_file *f = &c->cr_cas[c->cr_ncas];
	char subj[128];
	int rc;

	if ((rc = auth_pem_certs(buf, len, rel, &f->caf_certs, why, why_len)) != 0)
		return rc;
	snprintf(f->caf_name, sizeof(f->caf_name), "%s", name);
	c->cr_ncas++;
	for (int i = 0; i < sk_X509_num(f->caf_certs); i++) {
		X509 *x = sk_X509_value(f->caf_certs, i);

		if (X509_check_ca(x) < 1) {
			auth_why(why, why_len,
				 "%s: '%s' is not a CA certificate (basicConstraints)", rel,
				 auth_cert_subject(x, subj, sizeof(subj)));
			return GW_E_INVAL;
		}
		if (!X509_STORE_add_cert(c->cr_store, x)) {
			auth_why(why, why_len, "%s: cannot add '%s' to the trust store", rel,
				 auth_cert_subject(x, subj, sizeof(subj)));
			return GW_E_CRYPTO;
		}
	}
	return 0;
}

static int load_cert(struct auth_creds *c, const char *name, const char *rel, const uint8_t *buf,
		     size_t len, char *why, size_t why_len)
{
	struct auth_cert_file *f = &c->cr_certs[c->cr_ncerts];
	STACK_OF(X509) *sk = NULL;
	int rc;

	if ((rc = auth_pem_certs(buf, len, rel, &sk, why, why_len)) != 0)
		return rc;
	snprintf(f->cf_name, sizeof(f->cf_name), "%s", name);
	f->cf_cert = sk_X509_shift(sk);
	f->cf_chain = sk;
	c->cr_ncerts++;
	return 0;
}

static int load_key(struct auth_creds *c, const char *name, const char *rel, const uint8_t *buf,
		    size_t len, char *why, size_t why_len)
{
	struct auth_key_file *f = &c->cr_keys[c->cr_nkeys];
	int rc;

	if ((rc = auth_pem_key(buf, len, rel, &f->kf_key, why, why_len)) != 0)
		return rc;
	snprintf(f->kf_name, sizeof(f->kf_name), "%s", name);
	c->cr_nkeys++;
	return 0;
}

enum creds_sub { SUB_CAS, SUB_CERTS, SUB_KEYS };

static const struct {
	const char *cs_dir;
	load_fn cs_load;
} creds_subs[] = {
	[SUB_CAS] = { "cas", load_ca },
	[SUB_CERTS] = { "certs", load_cert },
	[SUB_KEYS] = { "keys", load_key },
};

static int creds_alloc(struct auth_creds *c, enum creds_sub sub, size_t n)
{
	switch (sub) {
	case SUB_CAS:
		c->cr_cas = calloc(n, sizeof(*c->cr_cas));
		return c->cr_cas ? 0 : GW_E_NOMEM;
	case SUB_CERTS:
		c->cr_certs = calloc(n, sizeof(*c->cr_certs));
		return c->cr_certs ? 0 : GW_E_NOMEM;
	default:
		c->cr_keys = calloc(n, sizeof(*c->cr_keys));
		return c->cr_keys ? 0 : GW_E_NOMEM;
	}
}

static int load_dir(struct auth_creds *c, const char *config_dir, enum creds_sub sub, char *why,
		    size_t why_len)
{
	char dir[PATH_MAX], path[PATH_MAX], rel[AUTH_NAME_MAX + 16];
	const char *sname = creds_subs[sub].cs_dir;
	struct name_list nl = { NULL, 0 };
	int rc;

	if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", config_dir, sname) >= sizeof(dir)) {
		auth_why(why, why_len, "config directory path too long");
		return GW_E_RANGE;
	}
	if ((rc = dir_names(dir, sname, &nl, why, why_len)) != 0 || nl.nl_n == 0)
		goto out;
	if ((rc = creds_alloc(c, sub, nl.nl_n)) != 0)
		goto out;
	for (size_t i = 0; i < nl.nl_n; i++) {
		uint8_t *buf = NULL;
		size_t len = 0;

		snprintf(rel, sizeof(rel), "%s/%s.pem", sname, nl.nl_names[i]);
		if ((size_t)snprintf(path, sizeof(path), "%s/%s.pem", dir, nl.nl_names[i]) >=
		    sizeof(path)) {
			auth_why(why, why_len, "%s: path too long", rel);
			rc = GW_E_RANGE;
			goto out;
		}
		rc = auth_file_read(path, rel, sub == SUB_KEYS, &buf, &len, why, why_len);
		if (rc != 0)
			goto out;
		rc = creds_subs[sub].cs_load(c, nl.nl_names[i], rel, buf, len, why, why_len);
		auth_file_free(buf, len);
		if (rc != 0)
			goto out;
	}
	rc = 0;
out:
	free(nl.nl_names);
	return rc;
}

static void creds_free(struct auth_creds *c)
{
	for (size_t i = 0; i < c->cr_ncas; i++)
		sk_X509_pop_free(c->cr_cas[i].caf_certs, X509_free);
	for (size_t i = 0; i < c->cr_ncerts; i++) {
		X509_free(c->cr_certs[i].cf_cert);
		sk_X509_pop_free(c->cr_certs[i].cf_chain, X509_free);
	}
	for (size_t i = 0; i < c->cr_nkeys; i++)
		EVP_PKEY_free(c->cr_keys[i].kf_key);
	free(c->cr_cas);
	free(c->cr_certs);
	free(c->cr_keys);
	X509_STORE_free(c->cr_store);
	free(c);
}

static atomic_uint_fast64_t creds_gen;

int auth_creds_load(const char *config_dir, struct auth_creds **out, char *why, size_t why_len)
{
	struct auth_creds *c;
	int rc;

	auth_why(why, why_len, "%s", "");
	if (config_dir == NULL || out == NULL)
		return GW_E_INVAL;
	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return GW_E_NOMEM;
	atomic_init(&c->cr_refs, 1);
	c->cr_gen = atomic_fetch_add(&creds_gen, 1) + 1;
	if ((c->cr_store = X509_STORE_new()) == NULL) {
		rc = GW_E_NOMEM;
		goto out;
	}
	if ((rc = load_dir(c, config_dir, SUB_CAS, why, why_len)) != 0 ||
	    (rc = load_dir(c, config_dir, SUB_CERTS, why, why_len)) != 0 ||
	    (rc = load_dir(c, config_dir, SUB_KEYS, why, why_len)) != 0)
		goto out;
	*out = c;
	c = NULL;
out:
	if (c)
		creds_free(c);
	ERR_clear_error();
	return rc;
}

struct auth_creds *auth_creds_ref(struct auth_creds *c)
{
	if (c)
		atomic_fetch_add(&c->cr_refs, 1);
	return c;
}

void auth_creds_set_p11(struct auth_creds *c, struct p11 *p11)
{
	if (c != NULL)
		c->cr_p11 = p11;
}

void auth_creds_unref(struct auth_creds *c)
{
	if (c && atomic_fetch_sub(&c->cr_refs, 1) == 1)
		creds_free(c);
}

/* "corp" and "corp.pem" both name cas/corp.pem. */
static bool name_match(const char *have, const char *want)
{
	size_t n = strlen(have);

	if (strcmp(have, want) == 0)
		return true;
	return strncmp(have, want, n) == 0 && strcmp(want + n, ".pem") == 0;
}

const struct auth_ca_file *auth_creds_find_ca(const struct auth_creds *c, const char *name)
{
	for (size_t i = 0; c && name && i < c->cr_ncas; i++)
		if (name_match(c->cr_cas[i].caf_name, name))
			return &c->cr_cas[i];
	return NULL;
}

const struct auth_cert_file *auth_creds_find_cert(const struct auth_creds *c, const char *name)
{
	for (size_t i = 0; c && name && i < c->cr_ncerts; i++)
		if (name_match(c->cr_certs[i].cf_name, name))
			return &c->cr_certs[i];
	return NULL;
}

const struct auth_key_file *auth_creds_find_key(const struct auth_creds *c, const char *name)
{
	for (size_t i = 0; c && name && i < c->cr_nkeys; i++)
		if (name_match(c->cr_keys[i].kf_name, name))
			return &c->cr_keys[i];
	return NULL;
}

bool auth_creds_has_ca(const struct auth_creds *c, const char *ca_name)
{
	return auth_creds_find_ca(c, ca_name) != NULL;
}

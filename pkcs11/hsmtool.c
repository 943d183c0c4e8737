/*
 * palisade-hsm: what an admin does to a token before the gateway uses it,
 * with PINs read from files only (never an argument): initialise a token,
 * generate a key pair inside it (sensitive, not extractable), write a
 * certificate request signed through the token (the key never leaves it;
 * the CA's `openssl x509 -req` checks that signature), store the issued
 * certificate next to the key, and show a key's protection attributes.
 * scripts/hsm-init strings these together for the quickstart and tests.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "pkcs11/hsmtool.h"
#include "util/err.h"
#include "util/log.h"

static const char usage_text[] =
	"usage: palisade-hsm --module PATH [--pin-file FILE] COMMAND [OPTIONS]\n"
	"\n"
	"Commands:\n"
	"  init-token --label L --so-pin-file FILE\n"
	"        initialise the first free token as L; its user PIN is --pin-file's\n"
	"  keygen --token L --label NAME --id HEX --type TYPE [--always-auth]\n"
	"        a key pair inside the token: TYPE ec-p256, ec-p384, rsa-2048, rsa-3072,\n"
	"        rsa-4096; the private key sensitive and never extractable\n"
	"  csr --key URI --subject /C=CH/O=Example/CN=gw [--san DNS:gw.example.com]...\n"
	"      --out FILE\n"
	"        a PKCS#10 request for the key, signed through the token (SHA-256)\n"
	"  import-cert --token L --label NAME --id HEX --cert FILE\n"
	"        store a certificate on the token next to its key\n"
	"  show --key URI\n"
	"        the key's type and protection (CKA_SENSITIVE, CKA_EXTRACTABLE, ...)\n"
	"\n"
	"PINs are read from files of mode 0600 (a PIN and an optional newline).\n"
	"Exit status: 0 ok, 1 failure, 2 usage.\n";

static int usage_error(const char *what)
{
	fprintf(stderr, "palisade-hsm: %s\nTry 'palisade-hsm --help'.\n", what);
	return 2;
}

/* "01ab" -> bytes */
int hsm_hex(const char *s, uint8_t *out, size_t max, size_t *len)
{
	size_t n = strlen(s);

	if (n == 0 || n % 2 || n / 2 > max)
		return GW_E_INVAL;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1 ||
		    !strchr("0123456789abcdefABCDEF", s[2 * i]) ||
		    !strchr("0123456789abcdefABCDEF", s[2 * i + 1]))
			return GW_E_INVAL;
		out[i] = (uint8_t)v;
	}
	*len = n / 2;
	return 0;
}

/* "/C=CH/O=Example/CN=gw" as openssl req -subj writes it. */
static X509_NAME *parse_subject(const char *s)
{
	X509_NAME *n = X509_NAME_new();
	char *copy = strdup(s), *save = NULL, *tok;

	if (n == NULL || copy == NULL || s[0] != '/')
		goto fail;
	for (tok = strtok_r(copy + 1, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		char *eq = strchr(tok, '=');

		if (eq == NULL)
			goto fail;
		*eq = '\0';
		if (!X509_NAME_add_entry_by_txt(n, tok, MBSTRING_UTF8, (unsigned char *)eq + 1, -1,
						-1, 0))
			goto fail;
	}
	free(copy);
	return n;
fail:
	free(copy);
	X509_NAME_free(n);
	return NULL;
}

static int req_extensions(X509_REQ *req, char **sans, int nsans)
{
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	char value[2048] = "";
	X509_EXTENSION *e;
	int rc = GW_E_INVAL;

	for (int i = 0; i < nsans; i++) {
		if (strlen(value) + strlen(sans[i]) + 2 >= sizeof(value))
			goto out;
		if (i)
			strcat(value, ",");
		strcat(value, sans[i]);
	}
	if (nsans > 0) {
		if ((e = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, value)) == NULL)
			goto out;
		sk_X509_EXTENSION_push(exts, e);
		if (!X509_REQ_add_extensions(req, exts))
			goto out;
	}
	rc = 0;
out:
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return rc;
}

/* The request as the CA will read it: encoded, decoded, verified. */
static int req_check(X509_REQ *req, EVP_PKEY *pub)
{
	unsigned char *der = NULL;
	const unsigned char *q;
	X509_REQ *back = NULL;
	int n = i2d_X509_REQ(req, &der), ok = 0;

	q = der;
	if (n > 0 && (back = d2i_X509_REQ(NULL, &q, n)) != NULL)
		ok = X509_REQ_verify(back, pub) == 1;
	X509_REQ_free(back);
	OPENSSL_free(der);
	return ok ? 0 : GW_E_CRYPTO;
}

/* Sign the request's CertificationRequestInfo (RFC 2986 4.2) through the
 * token: ecdsa-with-SHA256 or sha256WithRSAEncryption. */
static int req_sign(X509_REQ *req, struct p11_key *k)
{
	bool ec = EVP_PKEY_get_base_id(p11_key_public(k)) == EVP_PKEY_EC;
	struct p11_sigalg a = { ec ? P11_ECDSA : P11_PKCS1, P11_SHA256, 0, false };
	X509_ALGOR *alg = X509_ALGOR_new();
	ASN1_BIT_STRING *bits = ASN1_BIT_STRING_new();
	unsigned char *tbs = NULL;
	uint8_t sig[1024];
	size_t len = sizeof(sig);
	int n, rc = GW_E_CRYPTO;

	if (alg == NULL || bits == NULL || (n = i2d_re_X509_REQ_tbs(req, &tbs)) <= 0)
		goto out;
	if ((rc = p11_sign(k, &a, tbs, (size_t)n, sig, &len)) != 0)
		goto out;
	rc = GW_E_CRYPTO;
	X509_ALGOR_set0(alg, OBJ_nid2obj(ec ? NID_ecdsa_with_SHA256 : NID_sha256WithRSAEncryption),
			ec ? V_ASN1_UNDEF : V_ASN1_NULL, NULL);
	if (!ASN1_BIT_STRING_set(bits, sig, (int)len) || !X509_REQ_set1_signature_algo(req, alg))
		goto out;
	/* a signature is whole octets: say so, or i2d() counts the trailing
	 * zero bits of its last octet as unused */
	bits->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
	bits->flags |= ASN1_STRING_FLAG_BITS_LEFT;
	X509_REQ_set0_signature(req, bits);
	bits = NULL;
	rc = req_check(req, p11_key_public(k));
out:
	OPENSSL_free(tbs);
	X509_ALGOR_free(alg);
	ASN1_BIT_STRING_free(bits);
	return rc;
}

static int write_req(X509_REQ *req, const char *path)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (f == NULL) {
		perror(path);
		return 1;
	}
	ok = PEM_write_X509_REQ(f, req);
	return fclose(f) == 0 && ok ? 0 : 1;
}

static int cmd_csr(struct hsm_opts *o)
{
	struct p11_key *k = NULL;
	X509_REQ *req = X509_REQ_new();
	X509_NAME *name = NULL;
	char why[512];
	int rc = 1;

	if (!o->ho_key || !o->ho_subject || !o->ho_out)
		return usage_error("csr needs --key, --subject and --out");
	if ((name = parse_subject(o->ho_subject)) == NULL) {
		fprintf(stderr, "palisade-hsm: --subject: write it as /C=CH/O=Example/CN=gw\n");
		goto out;
	}
	if (p11_key_open(o->ho_p11, o->ho_key, &k, why, sizeof(why)) != 0) {
		fprintf(stderr, "palisade-hsm: %s\n", why);
		goto out;
	}
	if (p11_key_public(k) == NULL) {
		fprintf(stderr, "palisade-hsm: %s: the token shows no public key for it\n",
			o->ho_key);
		goto out;
	}
	if (!X509_REQ_set_version(req, 0) || !X509_REQ_set_subject_name(req, name) ||
	    !X509_REQ_set_pubkey(req, p11_key_public(k)) ||
	    req_extensions(req, o->ho_san, o->ho_nsan) != 0 || req_sign(req, k) != 0) {
		fprintf(stderr, "palisade-hsm: cannot make or sign the request\n");
		goto out;
	}
	rc = write_req(req, o->ho_out);
out:
	p11_key_free(k);
	X509_NAME_free(name);
	X509_REQ_free(req);
	return rc;
}

static int cmd_show(struct hsm_opts *o)
{
	struct p11_key *k = NULL;
	struct hsm_key_info ki;
	char why[512];

	if (!o->ho_key)
		return usage_error("show needs --key");
	if (p11_key_open(o->ho_p11, o->ho_key, &k, why, sizeof(why)) != 0) {
		fprintf(stderr, "palisade-hsm: %s\n", why);
		return 1;
	}
	hsm_key_info(k, &ki);
	printf("key: %s\ntype: %s\nsensitive: %s\nextractable: %s\nalways_sensitive: %s\n"
	       "never_extractable: %s\nalways_authenticate: %s\ncertificate_on_token: %s\n"
	       "private_value: %s\n",
	       p11_key_uri(k), ki.ki_type, ki.ki_sensitive ? "true" : "false",
	       ki.ki_extractable ? "true" : "false", ki.ki_always_sensitive ? "true" : "false",
	       ki.ki_never_extractable ? "true" : "false", ki.ki_always_auth ? "true" : "false",
	       p11_key_cert(k) ? "yes" : "no", ki.ki_value);
	p11_key_free(k);
	return 0;
}

static int parse_opts(int argc, char **argv, struct hsm_opts *o)
{
	static const struct option opts[] = {
		{ "module", required_argument, NULL, 'm' },
		{ "pin-file", required_argument, NULL, 'p' },
		{ "so-pin-file", required_argument, NULL, 'S' },
		{ "label", required_argument, NULL, 'l' },
		{ "token", required_argument, NULL, 't' },
		{ "id", required_argument, NULL, 'i' },
		{ "type", required_argument, NULL, 'T' },
		{ "always-auth", no_argument, NULL, 'A' },
		{ "key", required_argument, NULL, 'k' },
		{ "subject", required_argument, NULL, 's' },
		{ "san", required_argument, NULL, 'n' },
		{ "out", required_argument, NULL, 'o' },
		{ "cert", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			o->ho_module = optarg;
			break;
		case 'p':
			o->ho_pin_file = optarg;
			break;
		case 'S':
			o->ho_so_pin_file = optarg;
			break;
		case 'l':
			o->ho_label = optarg;
			break;
		case 't':
			o->ho_token = optarg;
			break;
		case 'i':
			o->ho_id = optarg;
			break;
		case 'T':
			o->ho_type = optarg;
			break;
		case 'A':
			o->ho_always_auth = true;
			break;
		case 'k':
			o->ho_key = optarg;
			break;
		case 's':
			o->ho_subject = optarg;
			break;
		case 'o':
			o->ho_out = optarg;
			break;
		case 'c':
			o->ho_cert = optarg;
			break;
		case 'n':
			if (o->ho_nsan >= HSM_SAN_MAX)
				return usage_error("too many --san");
			o->ho_san[o->ho_nsan++] = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			return 2;
		}
	}
	if (optind != argc - 1)
		return usage_error("one command, please");
	o->ho_cmd = argv[optind];
	return o->ho_module ? 0 : usage_error("--module is required");
}

int main(int argc, char **argv)
{
	struct hsm_opts o = { 0 };
	struct p11_config pc = { 0 };
	char why[512];
	int rc;

	if ((rc = parse_opts(argc, argv, &o)) != 0)
		return rc;
	log_init("palisade-hsm", false, getenv("PALISADE_HSM_DEBUG") ? LOG_DEBUG : LOG_WARNING);
	pc.pc_module = o.ho_module;
	pc.pc_pin_file = o.ho_pin_file;
	pc.pc_sessions = 1;
	if (p11_new(&pc, &o.ho_p11, why, sizeof(why)) != 0) {
		fprintf(stderr, "palisade-hsm: %s\n", why);
		return 1;
	}
	if (!strcmp(o.ho_cmd, "csr"))
		rc = cmd_csr(&o);
	else if (!strcmp(o.ho_cmd, "show"))
		rc = cmd_show(&o);
	else if (!strcmp(o.ho_cmd, "init-token"))
		rc = hsm_init_token(&o);
	else if (!strcmp(o.ho_cmd, "keygen"))
		rc = hsm_keygen(&o);
	else if (!strcmp(o.ho_cmd, "import-cert"))
		rc = hsm_import_cert(&o);
	else
		rc = usage_error("unknown command");
	p11_free(o.ho_p11);
	ERR_clear_error();
	return rc;
}

/*
 * fuzz_rest: libFuzzer target for what palisade-mgmtd parses from a
 * client (mgmtd/): the first byte picks the parser, the rest is the input.
 *   0  a JSON body: strict load (duplicate keys refused), merged as an RFC
 *      7396 patch into a connection, then validated by api/model
 *   1  a PEM bundle: strict parse, the CA and certificate checks, and the
 *      JSON of every certificate
 *   2  a CRL upload against an empty CA
 *   3  a request path: routing and percent-decoding of its parameters
 *   4  an EAP user import body through the model
 * Any input gives an answer or a refusal with a reason, never a crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "mgmtd/mgmtd.h"
#include "mgmtd/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char base_conn[] =
	"{\"name\":\"f\",\"local\":{\"auth\":\"psk\",\"id\":\"a.test\"},"
	"\"remote\":{\"addrs\":[\"192.0.2.1\"],\"auth\":\"psk\",\"id\":\"b.test\"},"
	"\"ike\":{\"proposals\":[\"aes128-sha256-modp2048\"]},"
	"\"children\":[{\"name\":\"c\",\"local_ts\":[\"10.1.0.0/16\"],"
	"\"remote_ts\":[\"10.2.0.0/"
	"16\"],\"esp_proposals\":[\"aes128gcm16\"]}],\"psk\":\"0123456789\"}";

static void fuzz_json(const char *s, size_t n)
{
	json_t *patch = json_loadb(s, n, JSON_REJECT_DUPLICATES, NULL);
	json_t *doc = json_loads(base_conn, 0, NULL);
	struct model_conn *c = NULL;
	struct model_err err;
	char *text;

	if (!patch || !doc) {
		json_decref(patch);
		json_decref(doc);
		return;
	}
	if ((doc = merge_patch(doc, patch)) && (text = json_dumps(doc, JSON_INDENT(2)))) {
		memset(&err, 0, sizeof(err));
		if (model_conn_parse(text, strlen(text), NULL, &c, &err) && !err.me_msg[0])
			abort(); /* a refusal always says why */
		model_conn_free(c);
		free(text);
	}
	json_decref(doc);
	json_decref(patch);
}

static void fuzz_pem(const char *s, size_t n)
{
	STACK_OF(X509) *sk = NULL;
	struct x509_err err;

	memset(&err, 0, sizeof(err));
	if (x509_bundle_parse(s, n, &sk, &err)) {
		if (!err.xe_msg[0])
			abort();
		return;
	}
	x509_ca_bundle_check(sk, &err);
	x509_cert_bundle_check(sk, &err);
	for (int i = 0; i < sk_X509_num(sk); i++)
		json_decref(x509_info(sk_X509_value(sk, i)));
	json_decref(x509_chain_json(sk));
	free(x509_bundle_pem(sk));
	sk_X509_pop_free(sk, X509_free);
}

static void fuzz_crl(const char *s, size_t n)
{
	STACK_OF(X509) *ca = sk_X509_new_null();
	X509_CRL *crl = NULL;
	struct x509_err err;

	if (!x509_crl_parse(s, n, ca, &crl, &err))
		abort(); /* nobody signed it: never accepted */
	sk_X509_free(ca);
}

static void fuzz_path(const char *s, size_t n)
{
	struct req rq;
	char path[1024], allow[128], out[1024];
	bool mismatch;

	if (n >= sizeof(path))
		return;
	memcpy(path, s, n);
	path[n] = '\0';
	memset(&rq, 0, sizeof(rq));
	if (router_match("GET", path, &rq, &mismatch, allow, sizeof(allow)) ||
	    router_match("PUT", path, &rq, &mismatch, allow, sizeof(allow))) {
		for (size_t i = 0; i < rq.rq_n_params; i++) {
			if (strlen(rq.rq_params[i]) > n)
				abort();
			free(rq.rq_params[i]);
		}
	}
	pct_decode(path, n, out, sizeof(out));
	mg_name_ok(path);
}

static void fuzz_eap(const char *s, size_t n)
{
	struct model_eap_users *us = NULL;
	struct model_err err;

	memset(&err, 0, sizeof(err));
	if (model_eap_users_parse(s, n, &us, &err) && !err.me_msg[0])
		abort();
	model_eap_users_free(us);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data + 1;
	size_t n = size ? size - 1 : 0;

	if (!size)
		return 0;
	switch (data[0] % 5) {
	case 0:
		fuzz_json(s, n);
		break;
	case 1:
		fuzz_pem(s, n);
		break;
	case 2:
		fuzz_crl(s, n);
		break;
	case 3:
		fuzz_path(s, n);
		break;
	default:
		fuzz_eap(s, n);
		break;
	}
	return 0;
}

/*
 * p11bench: signatures per second through pkcs11/ (tests/bench; figures,
 * not tests). T threads sign the same 300-byte message (the size of IKE
 * signed octets) for D seconds with one key, through a pool of S sessions;
 * S = 1 is single-session use (the threads queue for it). With --soft the
 * same with the key in OpenSSL (a PEM file), for scale. Prints one line:
 *   RESULT sigs=N seconds=D rate=R
 */
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "pkcs11/pkcs11.h"
#include "util/log.h"

struct bench {
	struct p11_key *b_key;
	EVP_PKEY *b_soft;
	struct p11_sigalg b_alg;
	atomic_bool b_stop;
	atomic_ulong b_sigs, b_fails;
};

static const uint8_t msg[300] = { 1, 2, 3 };

static bool soft_sign(struct bench *b)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	uint8_t sig[1024];
	size_t len = sizeof(sig);
	bool ok = EVP_DigestSignInit(m, &pc, EVP_sha256(), NULL, b->b_soft) == 1;

	if (ok && b->b_alg.ps_scheme == P11_PSS)
		ok = EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) > 0 &&
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, 32) > 0;
	ok = ok && EVP_DigestSign(m, sig, &len, msg, sizeof(msg)) == 1;
	EVP_MD_CTX_free(m);
	return ok;
}

static void *worker(void *arg)
{
	struct bench *b = arg;

	while (!atomic_load(&b->b_stop)) {
		uint8_t sig[1024];
		size_t len = sizeof(sig);
		bool ok = b->b_soft
				  ? soft_sign(b)
				  : p11_sign(b->b_key, &b->b_alg, msg, sizeof(msg), sig, &len) == 0;

		atomic_fetch_add(ok ? &b->b_sigs : &b->b_fails, 1);
	}
	return NULL;
}

static int usage(void)
{
	fprintf(stderr, "usage: p11bench (--module M --pin-file F --uri URI | --soft PEM)\n"
			"                [--sessions S] [--threads T] [--seconds D] "
			"[--scheme ecdsa|pss|pkcs1]\n");
	return 2;
}

static EVP_PKEY *read_pem(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k;

	if (f == NULL)
		return NULL;
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	return k;
}

static int run(struct bench *b, unsigned threads, unsigned seconds)
{
	pthread_t th[64];
	struct timespec ts = { .tv_sec = seconds };

	for (unsigned i = 0; i < threads; i++)
		pthread_create(&th[i], NULL, worker, b);
	nanosleep(&ts, NULL);
	atomic_store(&b->b_stop, true);
	for (unsigned i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	printf("RESULT sigs=%lu fails=%lu seconds=%u rate=%.0f\n", atomic_load(&b->b_sigs),
	       atomic_load(&b->b_fails), seconds, (double)atomic_load(&b->b_sigs) / seconds);
	return atomic_load(&b->b_fails) ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "module", required_argument, NULL, 'm' },
		{ "pin-file", required_argument, NULL, 'p' },
		{ "uri", required_argument, NULL, 'u' },
		{ "soft", required_argument, NULL, 'k' },
		{ "sessions", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 't' },
		{ "seconds", required_argument, NULL, 'd' },
		{ "scheme", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	struct p11_config cfg = { .pc_sessions = 4 };
	struct bench b = { .b_alg = { P11_ECDSA, P11_SHA256, 32, false } };
	const char *uri = NULL, *soft = NULL;
	unsigned threads = 1, seconds = 3;
	struct p11 *p = NULL;
	char why[512];
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			cfg.pc_module = optarg;
			break;
		case 'p':
			cfg.pc_pin_file = optarg;
			break;
		case 'u':
			uri = optarg;
			break;
		case 'k':
			soft = optarg;
			break;
		case 's':
			cfg.pc_sessions = (unsigned)atoi(optarg);
			break;
		case 't':
			threads = (unsigned)atoi(optarg);
			break;
		case 'd':
			seconds = (unsigned)atoi(optarg);
			break;
		case 'a':
			b.b_alg.ps_scheme = !strcmp(optarg, "pss")     ? P11_PSS
					    : !strcmp(optarg, "pkcs1") ? P11_PKCS1
								       : P11_ECDSA;
			break;
		default:
			return usage();
		}
	}
	if (threads < 1 || threads > 64 || seconds < 1 || (!soft && (!cfg.pc_module || !uri)))
		return usage();
	log_init("p11bench", false, LOG_WARNING);
	if (soft) {
		if ((b.b_soft = read_pem(soft)) == NULL)
			return usage();
		rc = run(&b, threads, seconds);
		EVP_PKEY_free(b.b_soft);
		return rc;
	}
	if (p11_new(&cfg, &p, why, sizeof(why)) != 0 ||
	    p11_key_open(p, uri, &b.b_key, why, sizeof(why)) != 0) {
		fprintf(stderr, "p11bench: %s\n", why);
		p11_free(p);
		return 1;
	}
	rc = run(&b, threads, seconds);
	p11_key_free(b.b_key);
	p11_free(p);
	return rc;
}

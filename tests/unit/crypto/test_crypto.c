/*
 * test_crypto.c: main() of the crypto test program, the byte-spec helpers
 * and the secret/random suite.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "tc.h"
#include "util/err.h"

/* One chunk: hex, or hex*N (the hex repeated N times). */
static size_t chunk_bytes(const char *c, size_t clen, uint8_t *out, size_t max)
{
	char buf[2048];
	const char *star;
	uint8_t u[64];
	size_t n, ulen, rep;

	if (clen >= sizeof(buf))
		goto bad;
	memcpy(buf, c, clen);
	buf[clen] = '\0';
	if ((star = strchr(buf, '*')) == NULL)
		return ut_hex(buf, out, max);
	rep = strtoul(star + 1, NULL, 10);
	buf[star - buf] = '\0';
	ulen = ut_hex(buf, u, sizeof(u));
	if (ulen == 0 || rep > max / ulen)
		goto bad;
	for (n = 0; n < rep; n++)
		memcpy(out + n * ulen, u, ulen);
	return rep * ulen;
bad:
	fprintf(stderr, "tc_bytes: bad chunk '%.40s'\n", c);
	abort();
}

size_t tc_bytes(const char *spec, uint8_t *out, size_t max)
{
	size_t n = strlen(spec), done = 0;

	if (spec[0] == '\'') {
		if (n < 2 || spec[n - 1] != '\'' || n - 2 > max) {
			fprintf(stderr, "tc_bytes: bad text '%.40s'\n", spec);
			abort();
		}
		memcpy(out, spec + 1, n - 2);
		return n - 2;
	}
	/* space-separated chunks */
	while (*spec) {
		size_t clen = strcspn(spec, " ");

		if (clen)
			done += chunk_bytes(spec, clen, out + done, max - done);
		spec += clen;
		spec += strspn(spec, " ");
	}
	return done;
}

struct secret *tc_secret(const char *spec)
{
	uint8_t buf[1024];
	size_t n = tc_bytes(spec, buf, sizeof(buf));
	struct secret *s = secret_dup(buf, n);

	if (s == NULL)
		abort();
	return s;
}

static void test_secret_basics(void)
{
	struct secret *a = secret_new(16), *b = secret_dup("abc", 3), *c, *d, *e;
	static const uint8_t zero[16];

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(a->len, 16);
	CU_ASSERT_EQUAL(memcmp(a->data, zero, 16), 0);
	c = secret_concat(b, b);
	d = secret_concat(NULL, b);
	e = secret_concat(NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(c->len, 6);
	CU_ASSERT_EQUAL(memcmp(c->data, "abcabc", 6), 0);
	CU_ASSERT_EQUAL(d->len, 3);
	CU_ASSERT_EQUAL(e->len, 0);
	CU_ASSERT_PTR_NULL(secret_new((size_t)-1)); /* refused, not wrapped */
	CU_ASSERT_PTR_NULL(secret_dup(NULL, 4));
	secret_free(a);
	secret_free(b);
	secret_free(c);
	secret_free(d);
	secret_free(e);
	secret_free(NULL);
}

static void test_ct_equal_and_wipe(void)
{
	uint8_t x[32], y[32];

	memset(x, 0x5a, sizeof(x));
	memcpy(y, x, sizeof(y));
	CU_ASSERT_TRUE(crypto_ct_equal(x, y, sizeof(x)));
	y[31] ^= 1;
	CU_ASSERT_FALSE(crypto_ct_equal(x, y, sizeof(x)));
	y[31] ^= 1;
	y[0] ^= 0x80;
	CU_ASSERT_FALSE(crypto_ct_equal(x, y, sizeof(x)));
	CU_ASSERT_TRUE(crypto_ct_equal(x, y, 0));
	crypto_wipe(x, sizeof(x));
	for (size_t i = 0; i < sizeof(x); i++)
		CU_ASSERT_EQUAL(x[i], 0);
	crypto_wipe(NULL, 10);
}

static void test_random(void)
{
	uint8_t a[64], b[64];

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	CU_ASSERT_EQUAL(crypto_random(a, sizeof(a)), 0);
	CU_ASSERT_EQUAL(crypto_random(b, sizeof(b)), 0);
	/* 2^-512 chance of a false failure */
	CU_ASSERT_NOT_EQUAL(memcmp(a, b, sizeof(a)), 0);
	CU_ASSERT_EQUAL(crypto_random(a, 0), 0);
}

/* The buffered public random: no value is handed out twice, across refills
 * of the per-thread buffer, for small and for direct (large) requests, and
 * in a forked child (which must not repeat the parent's next bytes). */
static void test_random_public(void)
{
	enum { N = 200, L = 32 };
	static uint8_t v[N][L];
	uint8_t big[256], parent[L], child[L];
	int fds[2], st = 0;
	pid_t pid;

	for (size_t i = 0; i < N; i++)
		CU_ASSERT_EQUAL_FATAL(crypto_random_public(v[i], i % 2 ? L : 7), 0);
	for (size_t i = 0; i < N; i++)
		for (size_t j = i + 1; j < N; j++)
			CU_ASSERT_NOT_EQUAL(memcmp(v[i], v[j], L), 0);
	memset(big, 0, sizeof(big));
	CU_ASSERT_EQUAL(crypto_random_public(big, sizeof(big)), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(big, big + 128, 128), 0);
	CU_ASSERT_EQUAL(crypto_random_public(big, 0), 0);
	CU_ASSERT_EQUAL_FATAL(crypto_random_public(parent, 1), 0); /* buffer filled */
	CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
	if ((pid = fork()) == 0) {
		int ok = crypto_random_public(child, L) == 0 && write(fds[1], child, L) == L;
		_exit(ok ? 0 : 1);
	}
	CU_ASSERT_EQUAL(crypto_random_public(parent, L), 0);
	CU_ASSERT_EQUAL(read(fds[0], child, L), L);
	waitpid(pid, &st, 0);
	CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CU_ASSERT_NOT_EQUAL(memcmp(parent, child, L), 0);
	close(fds[0]);
	close(fds[1]);
}

static void test_spec_helper(void)
{
	uint8_t buf[300];

	CU_ASSERT_EQUAL(tc_bytes("'Jefe'", buf, sizeof(buf)), 4);
	CU_ASSERT_EQUAL(memcmp(buf, "Jefe", 4), 0);
	CU_ASSERT_EQUAL(tc_bytes("aa*131", buf, sizeof(buf)), 131);
	CU_ASSERT_EQUAL(buf[130], 0xaa);
	CU_ASSERT_EQUAL(tc_bytes("4a656665*2", buf, sizeof(buf)), 8);
	CU_ASSERT_EQUAL(memcmp(buf, "JefeJefe", 8), 0);
	CU_ASSERT_EQUAL(tc_bytes("00*16 cafebabe", buf, sizeof(buf)), 20);
	CU_ASSERT_EQUAL(buf[15], 0);
	CU_ASSERT_EQUAL(buf[16], 0xca);
}

static const struct ut_case secret_cases[] = {
	{ "secret new/dup/concat/free", test_secret_basics },
	{ "constant-time compare and wipe", test_ct_equal_and_wipe },
	{ "random bytes", test_random },
	{ "public random bytes (per-thread buffer)", test_random_public },
	{ "vector spec helper", test_spec_helper },
	{ NULL, NULL },
};

const struct ut_suite tc_secret_suite = { "crypto/secret", secret_cases };

int main(void)
{
	static const struct ut_suite *const suites[] = {
		&tc_secret_suite, &tc_prf_suite, &tc_keymat_suite,   &tc_ke_suite,
		&tc_sk_vec_suite, &tc_sk_suite,  &tc_proposal_suite, NULL,
	};

	return ut_main(suites);
}

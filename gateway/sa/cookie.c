/* Stateless cookies with a rotating secret (RFC 7296 2.6). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "crypto/crypto.h"
#include "ike/ike.h"
#include "sa/cookie.h"
#include "sa/sa_int.h"
#include "util/err.h"

#define SECRET_LEN 32

struct sa_cookie {
	pthread_mutex_t ck_lock;
	uint8_t ck_version; /* of the current secret */
	uint8_t ck_cur[SECRET_LEN];
	uint8_t ck_prev[SECRET_LEN]; /* version ck_version - 1 */
	time_t ck_rotated;
};

struct sa_cookie *sa_cookie_new(void)
{
	struct sa_cookie *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	pthread_mutex_init(&c->ck_lock, NULL);
	if (crypto_random(c->ck_cur, SECRET_LEN) || crypto_random(c->ck_prev, SECRET_LEN)) {
		free(c);
		return NULL;
	}
	c->ck_rotated = time(NULL);
	return c;
}

void sa_cookie_free(struct sa_cookie *c)
{
	if (!c)
		return;
	crypto_wipe(c, sizeof(*c));
	free(c);
}

static void rotate_locked(struct sa_cookie *c)
{
	memcpy(c->ck_prev, c->ck_cur, SECRET_LEN);
	if (crypto_random(c->ck_cur, SECRET_LEN))
		return; /* keep the old secret rather than none */
	c->ck_version++;
	c->ck_rotated = time(NULL);
}

void sa_cookie_rotate(struct sa_cookie *c)
{
	pthread_mutex_lock(&c->ck_lock);
	rotate_locked(c);
	pthread_mutex_unlock(&c->ck_lock);
}

static int make(const uint8_t *secret, uint8_t version, const struct ike_pld_nonce *ni,
		const struct sa_ep *src, uint64_t spi_i, uint8_t out[SA_COOKIE_LEN])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t spi[8];
	unsigned int len;
	int ok;

	for (int i = 0; i < 8; i++)
		spi[i] = (uint8_t)(spi_i >> (56 - 8 * i));
	out[0] = version;
	ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
	     EVP_DigestUpdate(md, ni->n_data, ni->n_len) &&
	     EVP_DigestUpdate(md, src->ep_addr, src->ep_family == AF_INET ? 4 : 16) &&
	     EVP_DigestUpdate(md, spi, sizeof(spi)) && EVP_DigestUpdate(md, secret, SECRET_LEN) &&
	     EVP_DigestFinal_ex(md, out + 1, &len);
	EVP_MD_CTX_free(md);
	return ok ? 0 : GW_E_CRYPTO;
}

/* The cookie the request carries, if any: N(COOKIE) must be first (2.6). */
static const struct ike_pld *find_cookie(const struct ike_msg *m, struct ike_pld_notify *n)
{
	struct ike_err err;

	if (m->m_n == 0 || m->m_pld[0].p_type != IKE_PLD_NOTIFY ||
	    ike_pld_notify_parse(&m->m_pld[0], n, &err) || n->n_type != IKE_N_COOKIE)
		return NULL;
	return &m->m_pld[0];
}

enum sa_cookie_result sa_cookie_check(struct sa_cookie *c, const uint8_t *msg, size_t len,
				      const struct sa_ep *src, uint8_t *out, size_t *out_len)
{
	struct ike_msg m;
	struct ike_err err;
	struct ike_pld_nonce ni;
	struct ike_pld_notify n;
	const struct ike_pld *np;
	uint8_t want[SA_COOKIE_LEN];
	enum sa_cookie_result r = SA_COOKIE_INVALID;

	if (ike_msg_parse(msg, len, &m, &err) || !(np = ike_msg_find(&m, IKE_PLD_NONCE)) ||
	    ike_pld_nonce_parse(np, &ni, &err))
		return SA_COOKIE_INVALID;
	pthread_mutex_lock(&c->ck_lock);
	if (time(NULL) - c->ck_rotated >= SA_COOKIE_ROTATE_S)
		rotate_locked(c);
	if (find_cookie(&m, &n)) {
		r = SA_COOKIE_BAD;
		if (n.n_len == SA_COOKIE_LEN &&
		    (n.n_data[0] == c->ck_version || n.n_data[0] == (uint8_t)(c->ck_version - 1)) &&
		    !make(n.n_data[0] == c->ck_version ? c->ck_cur : c->ck_prev, n.n_data[0], &ni,
			  src, m.m_hdr.h_spi_i, want) &&
		    crypto_ct_equal(want, n.n_data, SA_COOKIE_LEN))
			r = SA_COOKIE_OK;
	} else {
		r = SA_COOKIE_NONE;
	}
	if (r != SA_COOKIE_OK && !make(c->ck_cur, c->ck_version, &ni, src, m.m_hdr.h_spi_i, out))
		*out_len = SA_COOKIE_LEN;
	else if (r != SA_COOKIE_OK)
		r = SA_COOKIE_INVALID;
	pthread_mutex_unlock(&c->ck_lock);
	crypto_wipe(want, sizeof(want));
	return r;
}

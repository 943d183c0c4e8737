/*
 * ke_pool.c: prepared key generation and import contexts for ke_ec.c,
 * reused across key exchanges.
 *
 * Why: with OpenSSL 3.0, EVP_PKEY_Q_keygen and EVP_PKEY_new_raw_*_key_ex
 * build a new EVP_PKEY_CTX on every call, and building one fetches the
 * key management by name (name map and method store, under their locks).
 * An IKE_SA_INIT does one generation and one import of the peer's value.
 * A context after EVP_PKEY_keygen_init (group set) or
 * EVP_PKEY_fromdata_init can make any number of keys, one call at a time,
 * but EVP_PKEY_CTX_dup cannot copy a generation context in 3.0: so a
 * small pool per group and operation. A caller takes a context out (no
 * two threads use one at a time), uses it, and puts it back; the pool
 * keeps at most KE_POOL_MAX of them, the rest are freed.
 */
#include <pthread.h>

#include "crypto/crypto.h"
#include "crypto/crypto_int.h"
#include "util/err.h"

#define KE_POOL_MAX 32

struct ke_pool {
	pthread_mutex_t p_lock;
	size_t p_n;
	EVP_PKEY_CTX *p_ctx[KE_POOL_MAX];
};

static struct ke_pool ke_pools[KE_GROUP_SLOTS][KE_POOL_OPS];
static pthread_once_t ke_pool_once = PTHREAD_ONCE_INIT;

static void ke_pool_init(void)
{
	for (size_t i = 0; i < KE_GROUP_SLOTS; i++)
		for (size_t j = 0; j < KE_POOL_OPS; j++)
			pthread_mutex_init(&ke_pools[i][j].p_lock, NULL);
}

static struct ke_pool *ke_pool_of(const struct ke_group_info *g, enum ke_pool_op op)
{
	size_t slot = ke_group_slot(g);

	if (slot >= KE_GROUP_SLOTS || (unsigned)op >= KE_POOL_OPS)
		return NULL;
	pthread_once(&ke_pool_once, ke_pool_init);
	return &ke_pools[slot][op];
}

EVP_PKEY_CTX *ke_pool_get(const struct ke_group_info *g, enum ke_pool_op op,
			  EVP_PKEY_CTX *(*make)(const struct ke_group_info *g))
{
	struct ke_pool *p = ke_pool_of(g, op);
	EVP_PKEY_CTX *ctx = NULL;

	if (p != NULL) {
		pthread_mutex_lock(&p->p_lock);
		if (p->p_n > 0)
			ctx = p->p_ctx[--p->p_n];
		pthread_mutex_unlock(&p->p_lock);
	}
	return ctx ? ctx : make(g);
}

void ke_pool_put(const struct ke_group_info *g, enum ke_pool_op op, EVP_PKEY_CTX *ctx)
{
	struct ke_pool *p;

	if (ctx == NULL)
		return;
	if ((p = ke_pool_of(g, op)) != NULL) {
		pthread_mutex_lock(&p->p_lock);
		if (p->p_n < KE_POOL_MAX) {
			p->p_ctx[p->p_n++] = ctx;
			ctx = NULL;
		}
		pthread_mutex_unlock(&p->p_lock);
	}
	EVP_PKEY_CTX_free(ctx);
}

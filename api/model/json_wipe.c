/*
 * jansson's allocations, wiped when freed: documents carry PSKs and EAP
 * secrets, and jansson keeps copies of the raw text it parsed. Set once at
 * start-up (json_set_alloc_funcs is process-wide), before any thread.
 */
#include <malloc.h>
#include <stdlib.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "api/model/model.h"

/*
 * Plain malloc'd blocks (no size header of our own): callers free what
 * json_dumps() returns with free() or realloc() it, as jansson documents,
 * and that must stay valid. The block's size for the wipe comes from
 * malloc_usable_size() (glibc).
 */
static void *wipe_malloc(size_t n)
{
	return malloc(n);
}

static void wipe_free(void *ptr)
{
	if (!ptr)
		return;
	OPENSSL_cleanse(ptr, malloc_usable_size(ptr));
	free(ptr);
}

void model_json_wipe_init(void)
{
	json_set_alloc_funcs(wipe_malloc, wipe_free);
}

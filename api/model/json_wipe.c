/*
 * jansson's allocations, wiped when freed: documents carry PSKs and EAP
 * secrets, and jansson keeps copies of the raw text it parsed. Set once at
 * start-up (json_set_alloc_funcs is process-wide), before any thread.
 *
 * The blocks are plain malloc() blocks: callers free what json_dumps()
 * returns with free(), as jansson's documentation allows with the default
 * allocator, so a header in front of each block would break them. The
 * size to wipe comes from malloc_usable_size() instead (glibc; ASan
 * reports the requested size).
 */
#include <malloc.h>
#include <stdlib.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "api/model/model.h"

static void wipe_free(void *ptr)
{
	if (!ptr)
		return;
	OPENSSL_cleanse(ptr, malloc_usable_size(ptr));
	free(ptr);
}

void model_json_wipe_init(void)
{
	json_set_alloc_funcs(malloc, wipe_free);
}

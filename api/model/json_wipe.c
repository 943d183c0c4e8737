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
 * Plain malloc blocks, no header: json_dumps() results and model
 * strings are released with free() all over the code base (and must stay
 * releasable so), so a block of ours must be one free() accepts. The
 * size to wipe comes from the allocator (glibc's malloc_usable_size).
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

/*
 * jansson's allocations, wiped when freed: documents carry PSKs and EAP
 * secrets, and jansson keeps copies of the raw text it parsed. Set once at
 * start-up (json_set_alloc_funcs is process-wide), before any thread.
 *
 * The blocks are plain malloc() blocks (the size to wipe comes from
 * malloc_usable_size), so a string jansson hands out, such as the result
 * of json_dumps(), may still be released with free() as its documentation
 * says; a size header in front of the block would make that free() abort.
 */
#include <malloc.h>
#include <stdlib.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "api/model/model.h"

static void *wipe_malloc(size_t n)
{
	return malloc(n ? n : 1);
}

static void wipe_free(void *p)
{
	if (!p)
		return;
	OPENSSL_cleanse(p, malloc_usable_size(p));
	free(p);
}

void model_json_wipe_init(void)
{
	json_set_alloc_funcs(wipe_malloc, wipe_free);
}

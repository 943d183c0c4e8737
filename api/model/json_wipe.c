/*
 * jansson's allocations, wiped when freed: documents carry PSKs and EAP
 * secrets, and jansson keeps copies of the raw text it parsed. Set once at
 * start-up (json_set_alloc_funcs is process-wide), before any thread.
 */
#include <stdalign.h>
#include <stdlib.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "api/model/model.h"

/* The size goes in front of each block, padded to keep alignment. */
#define HDR ((sizeof(size_t) + alignof(max_align_t) - 1) / alignof(max_align_t) * alignof(max_align_t))

static void *wipe_malloc(size_t n)
{
	unsigned char *p = malloc(HDR + n);

	if (!p)
		return NULL;
	*(size_t *)p = n;
	return p + HDR;
}

static void wipe_free(void *ptr)
{
	unsigned char *p = ptr;

	if (!p)
		return;
	p -= HDR;
	OPENSSL_cleanse(p, HDR + *(size_t *)p);
	free(p);
}

void model_json_wipe_init(void)
{
	json_set_alloc_funcs(wipe_malloc, wipe_free);
}

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "util/err.h"
#include "util/writer.h"

void wr_init(struct writer *wr, size_t max)
{
	memset(wr, 0, sizeof(*wr));
	wr->wr_max = max;
}

void wr_init_fixed(struct writer *wr, uint8_t *buf, size_t cap)
{
	memset(wr, 0, sizeof(*wr));
	wr->wr_buf = buf;
	wr->wr_cap = cap;
	wr->wr_max = cap;
	wr->wr_fixed = true;
}

void wr_free(struct writer *wr)
{
	if (!wr->wr_fixed && wr->wr_buf) {
		OPENSSL_cleanse(wr->wr_buf, wr->wr_cap);
		free(wr->wr_buf);
	}
	wr->wr_buf = NULL;
	wr->wr_len = wr->wr_cap = 0;
}

uint8_t *wr_take(struct writer *wr, size_t *len)
{
	uint8_t *p;

	if (wr->wr_err || wr->wr_fixed) {
		wr_free(wr);
		return NULL;
	}
	if (!wr->wr_buf && !(wr->wr_buf = malloc(1))) {
		wr->wr_err = GW_E_NOMEM;
		return NULL;
	}
	p = wr->wr_buf;
	*len = wr->wr_len;
	wr->wr_buf = NULL;
	wr->wr_len = wr->wr_cap = 0;
	return p;
}

/* Make room for n more bytes; false (and the writer failed) if impossible. */
static bool grow(struct writer *wr, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (wr->wr_err)
		return false;
	if (n > wr->wr_max - wr->wr_len) {
		wr->wr_err = GW_E_RANGE;
		return false;
	}
	if (wr->wr_len + n <= wr->wr_cap)
		return true;
	cap = wr->wr_cap ? wr->wr_cap : 256;
	while (cap < wr->wr_len + n)
		cap *= 2;
	if (cap > wr->wr_max)
		cap = wr->wr_max;
	/* Not realloc: the old copy may hold plaintext and must be wiped. */
	if (!(p = malloc(cap))) {
		wr->wr_err = GW_E_NOMEM;
		return false;
	}
	if (wr->wr_buf) {
		memcpy(p, wr->wr_buf, wr->wr_len);
		OPENSSL_cleanse(wr->wr_buf, wr->wr_cap);
		free(wr->wr_buf);
	}
	wr->wr_buf = p;
	wr->wr_cap = cap;
	return true;
}

uint8_t *wr_space(struct writer *wr, size_t n)
{
	uint8_t *p;

	if (!grow(wr, n))
		return NULL;
	p = wr->wr_buf + wr->wr_len;
	wr->wr_len += n;
	return p;
}

void wr_bytes(struct writer *wr, const void *src, size_t n)
{
	uint8_t *p = wr_space(wr, n);

	if (p && n)
		memcpy(p, src, n);
}

void wr_zero(struct writer *wr, size_t n)
{
	uint8_t *p = wr_space(wr, n);

	if (p && n)
		memset(p, 0, n);
}

void wr_u8(struct writer *wr, uint8_t v)
{
	wr_bytes(wr, &v, 1);
}

void wr_u16(struct writer *wr, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	wr_bytes(wr, b, sizeof(b));
}

void wr_u32(struct writer *wr, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	wr_bytes(wr, b, sizeof(b));
}

void wr_u64(struct writer *wr, uint64_t v)
{
	wr_u32(wr, (uint32_t)(v >> 32));
	wr_u32(wr, (uint32_t)v);
}

static uint8_t *at(struct writer *wr, size_t off, size_t n)
{
	if (wr->wr_err)
		return NULL;
	if (off > wr->wr_len || n > wr->wr_len - off) {
		wr->wr_err = GW_E_RANGE;
		return NULL;
	}
	return wr->wr_buf + off;
}

void wr_put_u8_at(struct writer *wr, size_t off, uint8_t v)
{
	uint8_t *p = at(wr, off, 1);

	if (p)
		p[0] = v;
}

void wr_put_u16_at(struct writer *wr, size_t off, uint16_t v)
{
	uint8_t *p = at(wr, off, 2);

	if (p) {
		p[0] = (uint8_t)(v >> 8);
		p[1] = (uint8_t)v;
	}
}

void wr_put_u32_at(struct writer *wr, size_t off, uint32_t v)
{
	uint8_t *p = at(wr, off, 4);

	if (p) {
		p[0] = (uint8_t)(v >> 24);
		p[1] = (uint8_t)(v >> 16);
		p[2] = (uint8_t)(v >> 8);
		p[3] = (uint8_t)v;
	}
}

void wr_truncate(struct writer *wr, size_t len)
{
	if (len > wr->wr_len) {
		wr->wr_err = GW_E_RANGE;
		return;
	}
	if (wr->wr_buf)
		OPENSSL_cleanse(wr->wr_buf + len, wr->wr_len - len);
	wr->wr_len = len;
}

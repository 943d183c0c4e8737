#include <string.h>

#include "util/err.h"
#include "util/reader.h"

void rd_init_at(struct reader *rd, const uint8_t *buf, size_t len, size_t base)
{
	rd->rd_p = buf;
	rd->rd_left = buf ? len : 0;
	rd->rd_off = base;
	rd->rd_err = 0;
}

void rd_init(struct reader *rd, const uint8_t *buf, size_t len)
{
	rd_init_at(rd, buf, len, 0);
}

void rd_fail(struct reader *rd)
{
	rd->rd_err = GW_E_PARSE;
	rd->rd_left = 0;
}

/* Returns the n bytes at the cursor and advances, or NULL (and fails). */
static const uint8_t *take(struct reader *rd, size_t n)
{
	const uint8_t *p;

	if (rd->rd_err || n > rd->rd_left) {
		rd_fail(rd);
		return NULL;
	}
	p = rd->rd_p;
	rd->rd_p += n;
	rd->rd_left -= n;
	rd->rd_off += n;
	return p;
}

uint8_t rd_u8(struct reader *rd)
{
	const uint8_t *p = take(rd, 1);

	return p ? p[0] : 0;
}

uint16_t rd_u16(struct reader *rd)
{
	const uint8_t *p = take(rd, 2);

	return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

uint32_t rd_u32(struct reader *rd)
{
	const uint8_t *p = take(rd, 4);

	if (!p)
		return 0;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint64_t rd_u64(struct reader *rd)
{
	uint64_t hi = rd_u32(rd);
	uint64_t lo = rd_u32(rd);

	return rd_ok(rd) ? hi << 32 | lo : 0;
}

const uint8_t *rd_bytes(struct reader *rd, size_t n)
{
	static const uint8_t empty[1];
	const uint8_t *p = take(rd, n);

	return (p || n || rd->rd_err) ? p : empty;
}

void rd_copy(struct reader *rd, void *dst, size_t n)
{
	const uint8_t *p = take(rd, n);

	if (p)
		memcpy(dst, p, n);
	else
		memset(dst, 0, n);
}

void rd_skip(struct reader *rd, size_t n)
{
	(void)take(rd, n);
}

bool rd_sub(struct reader *rd, size_t n, struct reader *child)
{
	size_t off = rd->rd_off;
	const uint8_t *p = take(rd, n);

	if (!p) {
		rd_init_at(child, NULL, 0, off);
		child->rd_err = GW_E_PARSE;
		return false;
	}
	rd_init_at(child, p, n, off);
	return true;
}

/*
 * reader.h: the one bounds-checked reader over untrusted bytes.
 * Every read of wire data goes through it. The error is sticky (as in
 * knot's wire_ctx): after the first overrun every read returns zero/NULL,
 * so callers check rd_ok() once at the end. A reader tracks the absolute
 * offset of its position in the outermost buffer for error messages.
 * Value type, no allocation; any thread.
 */
#ifndef PAL_UTIL_READER_H
#define PAL_UTIL_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct reader {
	const uint8_t *rd_p; /* next unread byte */
	size_t rd_left;      /* bytes left */
	size_t rd_off;       /* absolute offset of rd_p in the outermost buffer */
	int rd_err;          /* 0 or GW_E_PARSE, sticky */
};

void rd_init(struct reader *rd, const uint8_t *buf, size_t len);
/* Start offsets at base (a sub-buffer of a larger message). */
void rd_init_at(struct reader *rd, const uint8_t *buf, size_t len, size_t base);

uint8_t rd_u8(struct reader *rd);
uint16_t rd_u16(struct reader *rd); /* network order in, host order out */
uint32_t rd_u32(struct reader *rd);
uint64_t rd_u64(struct reader *rd);
/* Borrow n bytes (valid as long as the buffer); NULL on overrun. n == 0 gives
 * a non-NULL pointer. */
const uint8_t *rd_bytes(struct reader *rd, size_t n);
void rd_copy(struct reader *rd, void *dst, size_t n);
void rd_skip(struct reader *rd, size_t n);
/* Split off the next n bytes into child; the parent skips them. */
bool rd_sub(struct reader *rd, size_t n, struct reader *child);
/* Mark the reader failed (semantic error found by the caller). */
void rd_fail(struct reader *rd);

static inline bool rd_ok(const struct reader *rd)
{
	return rd->rd_err == 0;
}

static inline size_t rd_left(const struct reader *rd)
{
	return rd->rd_err ? 0 : rd->rd_left;
}

static inline size_t rd_offset(const struct reader *rd)
{
	return rd->rd_off;
}

#endif

/*
 * writer.h: bounded, growable output buffer for wire encoding.
 * The error is sticky like the reader's: after the first failure (limit
 * reached, allocation failed) writes do nothing and wr_ok() is false.
 * Lengths are back-patched through offsets (wr_reserve + wr_put_u16_at).
 * Value type; one thread at a time. wr_free() wipes the buffer, since
 * writers also carry plaintext before encryption.
 */
#ifndef PAL_UTIL_WRITER_H
#define PAL_UTIL_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct writer {
	uint8_t *wr_buf;
	size_t wr_len; /* bytes written */
	size_t wr_cap; /* bytes allocated (or the fixed buffer's size) */
	size_t wr_max; /* hard limit on wr_len */
	int wr_err;    /* 0, GW_E_RANGE or GW_E_NOMEM; sticky */
	bool wr_fixed; /* caller's buffer: never reallocated or freed */
};

/* Heap buffer that grows up to max bytes. */
void wr_init(struct writer *wr, size_t max);
/* Caller's buffer of cap bytes. */
void wr_init_fixed(struct writer *wr, uint8_t *buf, size_t cap);
void wr_free(struct writer *wr);
/* Hand over the heap buffer (caller frees); the writer is reset. NULL on error. */
uint8_t *wr_take(struct writer *wr, size_t *len);

void wr_u8(struct writer *wr, uint8_t v);
void wr_u16(struct writer *wr, uint16_t v); /* host order in, network order out */
void wr_u32(struct writer *wr, uint32_t v);
void wr_u64(struct writer *wr, uint64_t v);
void wr_bytes(struct writer *wr, const void *p, size_t n);
void wr_zero(struct writer *wr, size_t n);
/* Append n bytes and return a pointer to them (valid until the next write),
 * or NULL on error. */
uint8_t *wr_space(struct writer *wr, size_t n);
/* Back-patch bytes already written; a bad offset fails the writer. */
void wr_put_u8_at(struct writer *wr, size_t off, uint8_t v);
void wr_put_u16_at(struct writer *wr, size_t off, uint16_t v);
void wr_put_u32_at(struct writer *wr, size_t off, uint32_t v);
/* Drop everything after len bytes (len <= wr_len). */
void wr_truncate(struct writer *wr, size_t len);

static inline bool wr_ok(const struct writer *wr)
{
	return wr->wr_err == 0;
}

static inline size_t wr_len(const struct writer *wr)
{
	return wr->wr_len;
}

static inline uint8_t *wr_data(const struct writer *wr)
{
	return wr->wr_buf;
}

#endif

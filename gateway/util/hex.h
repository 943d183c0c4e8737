/*
 * hex.h: hexadecimal digits, the one decoder for every module (PSKs and NT
 * hashes in configuration, MSCHAPv2's "S=" authenticator response, DN
 * escapes, stored token hashes).
 */
#ifndef PAL_UTIL_HEX_H
#define PAL_UTIL_HEX_H

#include <stddef.h>
#include <stdint.h>

/* The value of one hex digit of either case, -1 for anything else. */
int util_hex_nibble(int ch);
/* 2 * n digits of either case into n bytes; GW_E_PARSE at the first
 * non-digit (out may then hold a prefix). The caller checks the length. */
int util_hex_decode(const char *hex, size_t n, uint8_t *out);

#endif

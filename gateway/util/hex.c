/* hex.c: see hex.h. */
#include "util/err.h"
#include "util/hex.h"

int util_hex_nibble(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int util_hex_decode(const char *hex, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		int hi = util_hex_nibble((unsigned char)hex[2 * i]);
		int lo = hi < 0 ? -1 : util_hex_nibble((unsigned char)hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return GW_E_PARSE;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

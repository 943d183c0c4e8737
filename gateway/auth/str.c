/*
 * str.c: a bounded string builder for the texts auth/ hands to admins
 * (identities, DNs, failure reasons). Output is always terminated and
 * silently truncated; peer-controlled bytes go through sb_escape().
 */
#include <stdio.h>
#include <string.h>

#include "auth/auth_int.h"

void sb_init(struct sbuf *sb, char *buf, size_t cap)
{
	sb->sb_p = buf;
	sb->sb_cap = cap;
	sb->sb_len = 0;
	if (cap)
		buf[0] = '\0';
}

void sb_putc(struct sbuf *sb, char c)
{
	if (sb->sb_len + 1 >= sb->sb_cap)
		return;
	sb->sb_p[sb->sb_len++] = c;
	sb->sb_p[sb->sb_len] = '\0';
}

void sb_puts(struct sbuf *sb, const char *s)
{
	while (*s)
		sb_putc(sb, *s++);
}

void sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sb->sb_len + 1 >= sb->sb_cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(sb->sb_p + sb->sb_len, sb->sb_cap - sb->sb_len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sb->sb_cap - sb->sb_len)
		sb->sb_len = sb->sb_cap - 1;
	else
		sb->sb_len += (size_t)n;
}

void sb_escape(struct sbuf *sb, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			sb_putc(sb, (char)p[i]);
		else
			sb_printf(sb, "\\x%02x", p[i]);
	}
}

void auth_why(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || why_len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
}

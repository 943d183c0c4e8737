/*
 * cookie.h (sa/): stateless cookies (RFC 7296 2.6). Cookie =
 * VersionIDofSecret | SHA-256(Ni | IPi | SPIi | secret); the secret rotates
 * (every SA_COOKIE_ROTATE_S seconds) and the previous one stays valid, so a
 * cookie handed out just before a rotation still works. Called from the
 * receiver thread; thread-safe.
 */
#ifndef PAL_SA_COOKIE_H
#define PAL_SA_COOKIE_H

#include <stddef.h>
#include <stdint.h>

#define SA_COOKIE_MAX      64 /* 2.6: 1 to 64 bytes */
#define SA_COOKIE_LEN      33
#define SA_COOKIE_ROTATE_S 120

enum sa_cookie_result {
	SA_COOKIE_OK,      /* carries a valid cookie */
	SA_COOKIE_NONE,    /* no cookie: out gets one to send */
	SA_COOKIE_BAD,     /* wrong or expired cookie: out gets a fresh one */
	SA_COOKIE_INVALID, /* not a parsable IKE_SA_INIT request */
};

struct sa_ep;
struct sa_cookie;

struct sa_cookie *sa_cookie_new(void);
void sa_cookie_free(struct sa_cookie *c);
/* Check an IKE_SA_INIT request (the whole datagram) from src. */
enum sa_cookie_result sa_cookie_check(struct sa_cookie *c, const uint8_t *msg, size_t len,
				      const struct sa_ep *src, uint8_t *out, size_t *out_len);
/* Force a rotation now (tests). */
void sa_cookie_rotate(struct sa_cookie *c);

#endif

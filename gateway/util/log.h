/*
 * log.h: logging for every gateway module.
 * log_msg(LOG_SUB_IKE, LOG_INFO, ...) writes one line to stderr (foreground)
 * or syslog. Levels are syslog's. Thread-safe: one write() per line.
 * Secrets are never logged: there is no formatter for struct secret, and
 * peer-controlled strings go through log_escape() first.
 */
#ifndef PAL_UTIL_LOG_H
#define PAL_UTIL_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>

enum log_sub {
	LOG_SUB_DMN,
	LOG_SUB_IKE,
	LOG_SUB_SA,
	LOG_SUB_CHILD,
	LOG_SUB_KNL,
	LOG_SUB_NET,
	LOG_SUB_CFG,
	LOG_SUB_CTL,
	LOG_SUB_AUTH,
	LOG_SUB_P11,
	LOG_SUB_ESP,
	LOG_SUB_MAX
};

/* Set once at start-up, before threads exist. */
void log_init(const char *ident, bool use_syslog, int level);
void log_set_level(int level);
int log_get_level(void);
/* Parses "debug", "info", "notice", "warning", "err"; -1 if unknown. */
int log_level_parse(const char *name);
bool log_enabled(int prio);

void log_msg(enum log_sub sub, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Rate limit for log lines a peer can trigger: at most rl_burst lines per
 * second per limiter (one per call site), the rest counted and reported
 * with the next line let through. Thread-safe.
 */
struct log_rl {
	unsigned rl_burst;
	_Atomic uint64_t rl_sec;    /* second of the current window */
	_Atomic unsigned rl_count;  /* lines in it */
	_Atomic unsigned rl_missed; /* suppressed since the last line */
};
#define LOG_RL_INIT(burst)       \
	{                        \
		(burst), 0, 0, 0 \
	}
/* True when a line may be logged now; *missed gets the suppressed count. */
bool log_rl_allow(struct log_rl *rl, unsigned *missed);

/* Copy at most len bytes of untrusted text into out (size outsz, always
 * terminated), with non-printable bytes as \xNN. Returns out. */
char *log_escape(char *out, size_t outsz, const void *in, size_t len);

/* The arguments are evaluated only when the line is logged: a setup's
 * info lines format proposals, identities and prefixes, work wasted at
 * level warning. Arguments must not have side effects. */
#define log_at(sub, prio, ...)                           \
	do {                                             \
		if (log_enabled(prio))                   \
			log_msg(sub, prio, __VA_ARGS__); \
	} while (0)
#define log_err(sub, ...)   log_at(sub, LOG_ERR, __VA_ARGS__)
#define log_warn(sub, ...)  log_at(sub, LOG_WARNING, __VA_ARGS__)
#define log_info(sub, ...)  log_at(sub, LOG_INFO, __VA_ARGS__)
#define log_debug(sub, ...) log_at(sub, LOG_DEBUG, __VA_ARGS__)

#endif

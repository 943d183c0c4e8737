/*
 * ikeload.h: the IKEv2 load generator of tests/bench (figures, not tests).
 * Many initiator state machines, one thread, a few UDP sockets under
 * epoll: each runs IKE_SA_INIT and IKE_AUTH with a CHILD_SA request (PSK
 * or an ECDSA certificate), then deletes its IKE SA or keeps it up. Built
 * on the project's codec (ike/), crypto (crypto/) and auth (auth/)
 * libraries only: it knows nothing of palisade-gatewayd's engine, so it
 * loads any RFC 7296 responder (strongSwan's charon too).
 */
#ifndef PAL_BENCH_IKELOAD_H
#define PAL_BENCH_IKELOAD_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/auth.h"
#include "crypto/crypto.h"
#include "ike/ike.h"

#define LG_NONCE_LEN 32
#define LG_MAX_SOCKS 256
#define LG_NATD_LEN  20

enum lg_auth {
	LG_AUTH_PSK,
	LG_AUTH_CERT,
};

/* Why a setup failed (the summary counts each). */
enum lg_fail {
	LG_FAIL_TIMEOUT,  /* no answer after every retransmit */
	LG_FAIL_REFUSED,  /* the responder answered with an error notify */
	LG_FAIL_PROTOCOL, /* an answer we cannot use */
	LG_FAIL_VERIFY,   /* the responder's AUTH did not verify (--verify) */
	LG_FAIL_LOCAL,    /* our own crypto or memory failed */
	LG_FAIL_MAX
};

struct lg_cfg {
	enum lg_auth c_auth;
	struct sockaddr_in c_target; /* the responder's IKE port (500) */
	uint16_t c_natt_port;        /* 4500: where we float on NAT detection */
	bool c_float;                /* follow RFC 7296 2.23 when a NAT is seen */
	struct in_addr c_local;      /* our address */
	unsigned c_nsock;            /* UDP sockets (source ports) */
	uint32_t c_count;            /* setups to run */
	uint32_t c_conc;             /* setups (and deletes) in flight at most */
	bool c_hold;                 /* keep established SAs until SIGUSR1 */
	bool c_verify;               /* verify the responder's AUTH */
	unsigned c_ke_reuse;         /* setups per key pair (RFC 7296 2.12), 0/1 = fresh */
	unsigned c_rto_ms;           /* first retransmit timeout */
	unsigned c_tries;            /* retransmits before a setup fails */
	unsigned c_max_s;            /* the whole run stops after this */
	unsigned c_progress_s;       /* a progress line every n seconds, 0 = none */
	char *c_psk;                 /* heap, wiped and freed at the end */
	const char *c_id_fmt;        /* PSK identities: '#' stands for the client number */
	const char *c_id;            /* certificate mode: our identity (in the cert) */
	const char *c_idr;           /* the responder identity to ask for, NULL = none */
	const char *c_creds;         /* a directory with cas/, certs/, keys/ */
	const char *c_cert, *c_key;
	struct proposal c_ike, c_esp;
	uint32_t c_tsi_base; /* client i proposes TSi = base + i (host order) */
	uint32_t c_tsr_lo, c_tsr_hi;
};

enum lg_state {
	LG_ST_IDLE,
	LG_ST_INIT_SENT,
	LG_ST_AUTH_SENT,
	LG_ST_UP,
	LG_ST_DEL_SENT,
	LG_ST_DONE,
};

/* One initiator. Its index in the array is the low half of its SPIi. */
struct lg_sa {
	uint64_t s_spi_i, s_spi_r;
	uint32_t s_idx;
	uint8_t s_state;
	uint8_t s_sock;
	bool s_natt;    /* talking to the NAT-T port */
	uint32_t s_gen; /* bumps invalidate armed timers */
	unsigned s_tries;
	uint32_t s_msgid;        /* of the outstanding request */
	uint32_t s_rx_msgid;     /* next request we expect from the responder */
	uint64_t s_t0_ns;        /* first IKE_SA_INIT sent */
	struct ke *s_ke;         /* own, or borrowed from s_ke_held */
	struct lg_ke *s_ke_held; /* a reused key pair (--ke-reuse) */
	uint8_t s_ni[LG_NONCE_LEN];
	uint8_t *s_nr;
	size_t s_nr_len;
	uint8_t *s_init_req, *s_init_rsp; /* for the AUTH octets */
	size_t s_init_req_len, s_init_rsp_len;
	uint8_t *s_cookie;
	size_t s_cookie_len;
	uint8_t *s_req; /* outstanding request, for retransmission */
	size_t s_req_len;
	struct ike_suite s_suite;
	struct ike_keys s_keys;
	struct sk_cipher *s_c_out, *s_c_in;
	struct ike_sk_ops s_ops_out, s_ops_in;
	auth_hash_set s_peer_hashes;
	uint32_t s_child_spi;
};

/* A key pair several setups use (RFC 7296 2.12 lets an initiator reuse
 * its key exchange value for a while): freed with its last user. */
struct lg_ke {
	struct ke *k_ke;
	uint16_t k_group;
	unsigned k_refs; /* setups holding it, + 1 while it is the current one */
	unsigned k_uses; /* setups it was handed to */
};

struct lg_timer {
	uint64_t t_due_ms;
	uint32_t t_idx;
	uint32_t t_gen;
};

struct lg {
	const struct lg_cfg *g_cfg;
	int g_ep;
	int g_fd[LG_MAX_SOCKS];
	struct sockaddr_in g_src[LG_MAX_SOCKS]; /* each socket's bound address */
	struct lg_sa *g_sas;                    /* c_count entries */
	uint64_t g_rng;                         /* SPIs and child SPIs, not keys */
	struct auth_creds *g_creds;
	struct auth_local *g_me;
	uint8_t g_hashes[16];
	size_t g_hashes_len;
	struct lg_timer *g_heap;
	size_t g_nheap, g_capheap;
	/* progress */
	uint32_t g_started, g_inflight, g_ok, g_failed, g_up, g_deleted, g_peer_deleted, g_natt;
	uint32_t g_fail[LG_FAIL_MAX];
	uint64_t g_retransmits, g_cookies, g_answered, g_tx, g_rx;
	double *g_lat_ms; /* one per completed setup */
	uint64_t g_t_first_ns, g_t_last_ok_ns;
	struct lg_ke *g_ke; /* the current reused key pair, NULL = none */
	bool g_deleting;    /* hold mode: deleting what we held */
	uint32_t g_del_next;
};

/* ---- lg_cfg.c ---- */
/* The command line; prints usage and returns GW_E_INVAL when wrong. */
int lg_cfg_parse(int argc, char **argv, struct lg_cfg *cf);

/* ---- ikeload.c ---- */
uint64_t lg_now_ns(void);
uint64_t lg_rand(struct lg *g);
void lg_timer_arm(struct lg *g, struct lg_sa *sa, unsigned ms);
/* Send the outstanding request (sa->s_req) to the responder. */
void lg_send_req(struct lg *g, struct lg_sa *sa);
void lg_send(struct lg *g, const struct lg_sa *sa, const uint8_t *buf, size_t len);

/* ---- lg_msg.c: building messages ---- */
int lg_natd_hash(uint64_t spi_i, uint64_t spi_r, const struct sockaddr_in *ep,
		 uint8_t out[LG_NATD_LEN]);
int lg_build_init(struct lg *g, struct lg_sa *sa, uint8_t **out, size_t *len);
int lg_build_auth(struct lg *g, struct lg_sa *sa, uint8_t **out, size_t *len);
int lg_build_delete(struct lg *g, struct lg_sa *sa, uint8_t **out, size_t *len);
/* An empty protected response to the responder's request msgid. */
int lg_build_empty_rsp(struct lg_sa *sa, uint8_t exch, uint32_t msgid, uint8_t **out, size_t *len);
int lg_our_id(const struct lg *g, const struct lg_sa *sa, struct auth_id *id);
/* Fill ops so that ike/ seals and opens SK payloads with c (borrowed). */
void lg_ops_init(struct ike_sk_ops *ops, struct sk_cipher *c);

/* ---- lg_sa.c: the initiator state machine ---- */
void lg_sa_start(struct lg *g, uint32_t idx);
/* A datagram from the responder (non-ESP marker already stripped). */
void lg_sa_input(struct lg *g, uint8_t *buf, size_t len);
void lg_sa_timeout(struct lg *g, struct lg_sa *sa);
void lg_sa_delete(struct lg *g, struct lg_sa *sa);
void lg_sa_clear(struct lg_sa *sa);
/* Drops the current reused key pair (end of the run). */
void lg_ke_end(struct lg *g);

#endif

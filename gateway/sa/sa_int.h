/*
 * sa_int.h: the IKE and CHILD SA objects and what the files of sa/ share
 * (internal: other folders include sa/sa.h only). An ike_sa is touched
 * only by the thread that has it checked out of the table (STYLE 2.8):
 * functions taking a struct ike_sa * require that ("caller holds
 * checkout").
 */
#ifndef PAL_SA_SA_INT_H
#define PAL_SA_SA_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "auth/auth.h"
#include "auth/eap/eap.h"
#include "crypto/crypto.h"
#include "datapath/datapath.h"
#include "ike/ike.h"
#include "net/net.h"
#include "pool/pool.h"
#include "sa/config.h"
#include "sa/sa.h"
#include "vip/vip.h"
#include "util/log.h"

/*
 * Why an IKE SA ends (api/control.md 5.7 and 6.1): the first group are
 * setup failures (stats failed_by_reason, ike-failed), the second the end
 * of an established SA (ike-down).
 */
enum sa_end {
	SA_END_NO_PROPOSAL,
	SA_END_INVALID_KE,
	SA_END_AUTH,
	SA_END_NO_CONN,
	SA_END_TS,
	SA_END_TIMEOUT,
	SA_END_PEER_ERROR, /* the peer refused with an error notify, or sent garbage */
	SA_END_LOCAL_ERROR,
	SA_FAIL_MAX,
	SA_END_TERMINATED = SA_FAIL_MAX,
	SA_END_PEER_DELETED,
	SA_END_DPD,
	SA_END_EXPIRED,
	SA_END_SHUTDOWN,
	SA_END_ERROR,  /* a local failure took an established SA down */
	SA_END_REAUTH, /* replaced by a reauthentication */
	SA_END_MAX
};

/* How a control request learns the outcome of what it started (called
 * once, on a worker, with the SA checked out). */
struct sa_waiter {
	sa_done_fn w_fn;
	void *w_arg;
};

/* Drop causes of IKE datagrams (api/control.md 5.7 dropped_by_cause). */
enum sa_drop {
	SA_DROP_MALFORMED,
	SA_DROP_UNSUPPORTED,
	SA_DROP_UNKNOWN_SPI,
	SA_DROP_INTEGRITY,
	SA_DROP_MESSAGE_ID,
	SA_DROP_COOKIE,
	SA_DROP_QUEUE_FULL,
	SA_DROP_MAX
};

/* An identity kept with an SA, at its own length (struct auth_id
 * reserves AUTH_ID_MAX bytes: 528 per SA). */
struct sa_id {
	uint8_t si_type;
	uint16_t si_len;
	uint8_t si_data[];
};

/* A transport endpoint, compact (an SA keeps two). */
struct sa_ep {
	uint8_t ep_family; /* AF_INET / AF_INET6 */
	uint16_t ep_port;
	uint8_t ep_addr[16];
};

enum ike_state {
	IKE_ST_INIT_SENT, /* initiator: IKE_SA_INIT request out */
	IKE_ST_INIT_DONE, /* responder: IKE_SA_INIT answered, waiting for IKE_AUTH */
	IKE_ST_AUTH_SENT, /* initiator: IKE_AUTH request out */
	IKE_ST_EAP,       /* EAP rounds inside IKE_AUTH (RFC 7296 2.16), both roles */
	IKE_ST_EAP_AUTH,  /* EAP done: the AUTH keyed by the MSK is next */
	IKE_ST_ESTABLISHED,
	IKE_ST_DELETING, /* our Delete is out */
	IKE_ST_DEAD,     /* remove at checkin */
};

enum child_state {
	CHILD_ST_INSTALLED,
	CHILD_ST_DELETING,
	CHILD_ST_REKEYING, /* our CREATE_CHILD_SA rekey of it is out */
	CHILD_ST_REKEYED,  /* replaced by a rekey, waiting for its Delete */
};

struct child_sa {
	struct child_sa *c_next;
	uint32_t c_uid;
	const struct model_child *c_cfg; /* in the IKE SA's config snapshot */
	uint8_t c_state;
	uint8_t c_mode; /* enum dp_mode */
	bool c_encap;
	bool c_esn;
	uint32_t c_spi_in, c_spi_out; /* host order */
	uint32_t c_reqid;
	uint16_t c_encr, c_encr_keylen, c_integ, c_pfs;
	uint8_t c_n_ts_l, c_n_ts_r;
	struct ike_ts *c_ts_l, *c_ts_r; /* narrowed selectors (ours, theirs) */
	uint64_t c_installed;           /* unix seconds */
	struct secret *c_km;            /* KEYMAT (2.17), to reinstall when the peer moves */
	/* rekeying (exch_child.c, rekey.c) */
	uint32_t c_rekey_of;  /* the child this one replaces (0: none) */
	uint32_t c_collision; /* REKEYING: the child the peer's colliding rekey made */
	uint8_t *c_coll_n;    /* that exchange's Ni | Nr (2.8.1) */
	size_t c_coll_ni_len, c_coll_nr_len;
	bool c_out_pending;    /* outbound SA held back until the old one is deleted */
	bool c_out_removed;    /* replaced: outbound gone, inbound lingers */
	uint64_t c_rekey_ms;   /* monotonic: when to rekey (0 = never) */
	uint64_t c_linger_ms;  /* monotonic: when the lingering inbound SA goes */
	const char *c_end_why; /* child-down reason of our pending Delete */
	bool c_initiator;      /* we initiated the exchange that made it (2.17 key order) */
	bool c_announced;      /* child-up or child-rekeyed told of it (6.1) */
};

/* Remote access: EAP (RFC 7296 2.16) and virtual IPs (3.15) of one IKE
 * SA, allocated only for SAs that use them. */
struct sa_ra {
	struct eap_server *r_srv;
	struct eap_client *r_cli;
	struct secret *r_msk; /* after EAP success; NULL for EAP-MD5 */
	uint8_t *r_first;     /* responder: SA, TSi, TSr, CP, N of the first */
	size_t r_first_len;   /* IKE_AUTH request, answered at the end */
	uint8_t r_first_type;
	size_t r_eap_id_len;
	uint8_t r_eap_id[EAP_IDENTITY_MAX];
	size_t r_n_vips;
	struct model_addr r_vips[2]; /* leased to the peer, or given to us */
	size_t r_n_want;
	struct model_addr r_want[2]; /* initiator: to ask for (a reauth: what we have) */
	size_t r_lease_id_len;
	uint8_t r_lease_id[VIP_ID_MAX];
};

/* An encoded message kept for retransmission: one datagram or fragments. */
struct sa_wire {
	uint8_t **w_pkts;
	size_t *w_lens;
	size_t w_n;
	uint32_t w_msgid;
};

struct ike_sa {
	uint64_t s_spi_i, s_spi_r;
	uint32_t s_uid;
	uint8_t s_state;
	bool s_initiator;  /* we are the original initiator */
	bool s_nat_local;  /* we are behind a NAT */
	bool s_nat_remote; /* the peer is behind a NAT */
	bool s_natt;       /* talking on the NAT-T port */
	bool s_peer_frag;  /* peer announced IKEV2_FRAGMENTATION_SUPPORTED */
	bool s_half_open;  /* counted in the engine's half-open gauge */
	struct sa_ep s_local, s_remote;
	struct sa_config *s_cfg;      /* snapshot reference */
	const struct sa_conn *s_conn; /* chosen connection (responder: at IKE_AUTH) */
	struct ike_suite s_suite;
	struct ike_keys s_keys;
	struct sk_cipher *s_c_out, *s_c_in; /* built on use, dropped when idle (sk_ops.c) */
	struct ike_sk_ops s_ops_out, s_ops_in;
	uint64_t s_iv_next, s_iv_mask; /* AEAD IVs of our SK payloads */
	struct ke *s_ke;               /* until SKEYSEED */
	uint8_t *s_ni, *s_nr;          /* nonces (IKE_AUTH signs them, CHILD keys use them) */
	size_t s_ni_len, s_nr_len;
	uint8_t *s_init_i, *s_init_r; /* IKE_SA_INIT request/response, until authenticated */
	size_t s_init_i_len, s_init_r_len;
	uint8_t *s_cookie; /* initiator: N(COOKIE) data to echo */
	size_t s_cookie_len;
	auth_hash_set s_peer_hashes;
	struct sa_id *s_peer_id; /* once authenticated (heap) */
	uint32_t s_msgid_out;    /* next request message ID we send */
	uint32_t s_msgid_in;     /* next request message ID we expect */
	struct sa_wire s_req;    /* our outstanding request */
	unsigned s_req_tries;
	unsigned s_init_retries;   /* COOKIE / INVALID_KE round trips */
	struct sa_wire s_rsp;      /* our last response (for retransmitted requests) */
	struct sa_waiter s_waiter; /* a control request waiting for this SA */
	uint64_t s_created;        /* unix seconds */
	uint32_t s_timer_gen;      /* bumps invalidate pending timers */
	struct child_sa *s_children;
	void *s_pending; /* exchange-specific state (initiator child request) */
	const struct model_child *s_first_child; /* initiator: the child to set up in IKE_AUTH */
	struct ike_reasm *s_reasm;
	struct sa_ra *s_ra;                   /* EAP and virtual IPs (remote access), when used */
	uint64_t s_created_ms, s_established; /* monotonic ms; unix seconds */
	uint64_t s_last_rx_ms;
	/* the task queue and rekeying (task.c, rekey.c, exch_child.c) */
	struct sa_task *s_tasks;                     /* queued, run in order */
	struct sa_task *s_task;                      /* the one whose request is out */
	struct sa_task *s_delayed;                   /* waiting for a retry */
	struct ccs_req *s_ccs;                       /* our CREATE_CHILD_SA request */
	struct ike_coll *s_coll;                     /* IKE rekey collision (2.8.2) */
	uint64_t s_rekey_ms, s_reauth_ms, s_hard_ms; /* monotonic, 0 = none */
	uint64_t s_req_first_ms;                     /* our outstanding request first went out */
	uint64_t s_reauth_of;          /* reauth: our SPI of the SA this one replaces */
	uint32_t s_more_children;      /* conn's children (bits) to create once up */
	unsigned s_restarts;           /* dpd_action restart: attempts so far */
	bool s_restart;                /* set up by dpd_action restart */
	bool s_replaced;               /* rekeyed: goes quietly */
	bool s_reauthed;               /* a reauthentication replaced it */
	bool s_reauth_bbm;             /* break-before-make: set up again once deleted */
	uint32_t s_bbm_mask;           /* ... with these children (bits of the conn's) */
	struct sa_waiter s_bbm_waiter; /* ... and tell this control request */
	/* we initiated the IKE_SA_INIT this SA descends from: rekeys keep it
	 * (s_initiator is the rekey's initiator, 2.18); who is the client of
	 * virtual IPs follows it */
	bool s_orig_initiator;
};

struct sa_counters {
	_Atomic uint64_t k_rx, k_rx_retransmit, k_drop[SA_DROP_MAX];
	_Atomic uint64_t k_tx, k_tx_retransmit;
	_Atomic uint64_t k_setups_ok, k_fail[SA_FAIL_MAX];
	_Atomic uint64_t k_cookies_sent;
	_Atomic uint64_t k_child_ok, k_child_fail;
};

struct sa_engine {
	struct net *e_net;
	struct pool *e_pool;
	struct sa_table *e_table;
	struct datapath *e_dp;
	const char *e_config_dir;
	struct p11 *e_p11; /* token keys (borrowed), or NULL */
	pthread_mutex_t e_cfg_lock;
	struct sa_config *e_cfg; /* current snapshot; take a ref under the lock */
	uint64_t e_cfg_gen;
	struct sa_cookie *e_cookie;
	struct sa_policies *e_policies;
	struct eap_ctx *e_eap_ctx; /* NULL: EAP unavailable (logged at start) */
	struct eap_rl *e_eap_rl;
	struct vip *e_vip;
	_Atomic int64_t e_half_open;
	_Atomic int64_t e_init_queued; /* IKE_SA_INIT requests past the cookie gate, not run yet */
	_Atomic unsigned e_cookie_threshold; /* read by the receiver thread */
	_Atomic uint32_t e_next_uid;
	_Atomic int64_t e_established; /* IKE SAs up now */
	_Atomic int64_t e_children;    /* CHILD SAs installed now */
	_Atomic uint32_t e_next_reqid;
	struct sa_counters e_k;
	sa_event_fn e_event; /* to the control socket's subscribers */
	void *e_event_arg;
	sa_event_want_fn e_event_want; /* NULL: always build events */
	uint64_t e_started;            /* unix seconds */
	struct log_rl e_rl_refused;    /* malformed datagrams */
	struct sa_reqids *e_reqids;    /* reqid -> IKE SA, for data path events */
};

/* One received datagram, copied off the receiver thread (engine.c). */
struct sa_job {
	struct sa_engine *j_e;
	struct sa_ep j_src, j_dst;
	bool j_natt;
	size_t j_len;
	uint8_t j_data[];
};

/* ---- ike_sa.c ---- */
struct ike_sa *ike_sa_new(struct sa_engine *e, bool initiator);
void ike_sa_free(struct sa_engine *e, struct ike_sa *sa);
uint64_t ike_sa_our_spi(const struct ike_sa *sa);
/* "ike[7] 192.0.2.9[4500]" for log lines about this SA */
const char *ike_sa_prefix(const struct ike_sa *sa, char *buf, size_t len);
/* Mark dead: checkin removes and frees it, after its children are gone. */
void ike_sa_kill(struct sa_engine *e, struct ike_sa *sa, enum sa_end why, const char *reason);
/* Derive SKEYSEED and the SK keys, set up both SK ciphers. */
int ike_sa_derive(struct ike_sa *sa, const struct secret *shared);
/* The SK ciphers of both directions from s_keys. */
int ike_sa_ciphers(struct ike_sa *sa);
/* Check the SA back in, or remove and free it when dead. */
void ike_sa_checkin(struct sa_engine *e, struct ike_sa *sa);
void sa_ep_from_sockaddr(struct sa_ep *ep, const struct sockaddr_storage *ss);
void sa_ep_to_sockaddr(const struct sa_ep *ep, struct sockaddr_storage *ss);
const char *sa_ep_str(const struct sa_ep *ep, char *buf, size_t len);
/* A heap copy of id at its length (NULL when out of memory). */
struct sa_id *sa_id_new(const struct auth_id *id);
struct sa_id *sa_id_dup(const struct sa_id *id);
/* The peer's identity once authenticated; false before. */
bool sa_peer_id(const struct ike_sa *sa, struct auth_id *out);
bool sa_ep_equal(const struct sa_ep *a, const struct sa_ep *b);

/* ---- sk_ops.c: SK payload protection of an SA (caller holds checkout) ---- */
/* Point s_ops_out/s_ops_in at the SA once its keys and both ciphers are
 * there (ike_sa_derive). */
int ike_sa_sk_init(struct ike_sa *sa);
/* An established SA with nothing outstanding drops its cipher contexts;
 * the next message builds them again from s_keys. */
void ike_sa_sk_idle(struct ike_sa *sa);

/* ---- msg.c: sending, retransmission, message IDs ---- */
/* Send an unencrypted message (IKE_SA_INIT) to the SA's peer. */
int sa_send_raw(struct sa_engine *e, struct ike_sa *sa, const uint8_t *buf, size_t len);
/* Encrypt the inner chain in b and send it as a request (kept and
 * retransmitted until answered) or as the response to msgid. */
int sa_send_request(struct sa_engine *e, struct ike_sa *sa, uint8_t exch, struct ike_builder *b);
int sa_send_response(struct sa_engine *e, struct ike_sa *sa, uint8_t exch, uint32_t msgid,
		     struct ike_builder *b);
/* Keep an unencrypted request for retransmission (IKE_SA_INIT). */
void sa_keep_request(struct sa_engine *e, struct ike_sa *sa, uint8_t *buf, size_t len,
		     uint32_t msgid);
/* Keep and send an unencrypted response (IKE_SA_INIT); takes buf. */
void sa_keep_response(struct sa_engine *e, struct ike_sa *sa, uint8_t *buf, size_t len,
		      uint32_t msgid);
/* Answer a retransmitted request with the cached response (2.1). */
void sa_resend_response(struct sa_engine *e, struct ike_sa *sa);
void sa_wire_clear(struct sa_wire *w);
void sa_hdr_init(const struct ike_sa *sa, struct ike_hdr *h, uint8_t exch, uint32_t msgid,
		 bool response);
/* Start an inner chain in a fresh writer (freed by the send functions). */
void sa_inner_begin(struct ike_builder *b, struct writer *wr);
/* An unprotected notify-only response (IKE_SA_INIT errors, COOKIE). */
int sa_send_notify_plain(struct sa_engine *e, const struct ike_hdr *req, const struct sa_ep *to,
			 const struct sa_ep *from, uint16_t type, const uint8_t *data, size_t len);

/* ---- engine.c ---- */
void sa_log_refused(struct sa_engine *e, const struct sa_ep *from, size_t len,
		    const struct ike_err *err);
struct sa_config *sa_engine_config(struct sa_engine *e); /* a reference */
void sa_fail_count(struct sa_engine *e, enum sa_end why);
void sa_drop_count(struct sa_engine *e, enum sa_drop why);
/* Run fn on the worker of our SPI after ms (arg freed with free()). */
int sa_timer(struct sa_engine *e, struct ike_sa *sa, uint32_t ms,
	     void (*fn)(struct sa_engine *e, struct ike_sa *sa, uint32_t arg), uint32_t arg);

/* ---- input.c ---- */
void sa_input(struct sa_engine *e, struct ike_sa *sa, struct sa_job *j, struct ike_msg *msg);

/* ---- select.c ---- */
int sa_select_proposal(const struct ike_pld_sa *offer, const struct model_proposal *ours,
		       size_t n_ours, uint8_t proto, bool strip_ke, struct ike_proposal *chosen);
/* The same, preferring KE group prefer_ke when both sides accept it. */
int sa_select_proposal_ke(const struct ike_pld_sa *offer, const struct model_proposal *ours,
			  size_t n_ours, uint8_t proto, bool strip_ke, uint16_t prefer_ke,
			  struct ike_proposal *chosen);
uint16_t sa_proposal_get(const struct ike_proposal *p, uint8_t type, uint16_t *keylen);
void sa_offer_from_config(const struct model_proposal *ours, size_t n, const uint8_t *spi,
			  uint8_t spi_len, bool strip_ke, struct ike_pld_sa *sa);
const char *sa_proposal_str(const struct ike_proposal *p, char *buf, size_t len);
/* The proposals of an SA payload, comma-separated, as sa_proposal_str. */
void sa_offer_str(const struct ike_pld_sa *o, char *buf, size_t len);
/* The ESP proposals of c's children, comma-separated ("none"). */
void sa_child_allowed_str(const struct model_conn *c, char *buf, size_t len);
void sa_suite_proposal(const struct ike_suite *s, struct ike_proposal *p);
bool sa_addr_match(const char *spec, const struct sa_ep *ep);
bool sa_end_addrs_match(const struct model_end *end, const struct sa_ep *ep);

/* ---- ts.c ---- */
void sa_ts_from_model(const struct model_ts *m, const struct sa_ep *host, struct ike_ts *ts);
void sa_ts_list(const struct model_ts *m, size_t n, const struct sa_ep *host,
		struct ike_pld_ts *out);
int sa_ts_narrow(const struct ike_pld_ts *theirs, const struct ike_pld_ts *ours,
		 struct ike_pld_ts *out);
bool sa_ts_within(const struct ike_pld_ts *answer, const struct ike_pld_ts *offer);
int sa_range_prefixes(const uint8_t *start, const uint8_t *end, size_t n, uint8_t (*addr)[16],
		      uint8_t *plen, int max);
int sa_port_blocks(uint16_t lo, uint16_t hi, uint16_t *port, uint16_t *mask, int max);

/* ---- nat.c ---- */
int sa_natd_hash(uint64_t spi_i, uint64_t spi_r, const struct sa_ep *ep, uint8_t out[20]);
void sa_natd_build(struct ike_builder *b, const struct ike_sa *sa, uint64_t spi_r, bool fake_src);
void sa_natd_check(struct ike_sa *sa, const struct ike_msg *msg, uint64_t spi_r);

/* ---- child.c ---- */
int child_offer(struct sa_engine *e, struct ike_sa *sa, const struct model_child *cc,
		struct ike_builder *b);
void child_offer_abort(struct sa_engine *e, struct ike_sa *sa);
void child_respond(struct sa_engine *e, struct ike_sa *sa, const struct ike_msg *msg,
		   struct ike_builder *b);
const char *child_complete(struct sa_engine *e, struct ike_sa *sa, const struct ike_msg *msg);
void child_sa_delete_all(struct sa_engine *e, struct ike_sa *sa);
bool child_sa_delete_by_out(struct sa_engine *e, struct ike_sa *sa, uint32_t spi_out,
			    uint32_t *spi_in);
void child_sa_update_peer(struct sa_engine *e, struct ike_sa *sa, const struct sa_ep *to);

/* ---- json.c, events.c ---- */
json_t *sa_json_time(uint64_t t);
json_t *sa_json_addr(const struct sa_ep *ep);
/* The peer's EAP identity (escaped), or null when it gave none. */
json_t *sa_json_eap_id(const struct ike_sa *sa);
json_t *sa_json_ike(struct sa_engine *e, const struct ike_sa *sa, bool children);
json_t *sa_json_child(struct sa_engine *e, const struct ike_sa *sa, const struct child_sa *c);
void sa_child_counters(struct sa_engine *e, const struct ike_sa *sa, const struct child_sa *c,
		       struct dp_sa_stats *in, struct dp_sa_stats *out);
const char *sa_auth_name(enum model_auth a);
void sa_event_ike_up(struct sa_engine *e, struct ike_sa *sa);
void sa_event_ike_end(struct sa_engine *e, struct ike_sa *sa, enum sa_end why, const char *msg);
void sa_event_auth_failed(struct sa_engine *e, struct ike_sa *sa, bool peer, const char *method,
			  const char *reason);
void sa_event_child(struct sa_engine *e, struct ike_sa *sa, const struct child_sa *c, bool up,
		    const char *reason);
void sa_event_lease(struct sa_engine *e, struct ike_sa *sa, const struct model_addr *a);

/* ---- policy.c ---- */
struct sa_policies *sa_policies_new(void);
void sa_policies_free(struct sa_policies *sp);
/* Install pol for CHILD SA owner (replacing another holder's); release
 * restores the previous holder's or removes it. */
int sa_policy_hold(struct sa_engine *e, const struct dp_policy *pol, uint32_t owner);
void sa_policy_release(struct sa_engine *e, const struct dp_policy *pol, uint32_t owner);
/* The reqid of the installed policy equal to pol but for the reqid, 0. */
uint32_t sa_policy_reqid(struct sa_engine *e, const struct dp_policy *pol);

/* ---- misc ---- */
void sa_local_id(const struct ike_sa *sa, const struct sa_conn *sc, struct auth_id *id);
void sa_waiter_fire(struct ike_sa *sa, const char *code, const char *msg, json_t *result);
json_t *sa_terminated_json(const struct ike_sa *sa);
json_t *sa_initiated_json(const struct ike_sa *sa);
const char *sa_end_name(enum sa_end why);
uint16_t sa_msg_error(const struct ike_msg *msg);

/* ---- exch_auth.c, shared with exch_eap.c ---- */
void sa_auth_build_id(struct ike_builder *b, uint8_t type, const struct auth_id *id);
void sa_auth_build_certs(struct ike_builder *b, const struct sa_conn *sc);
/* Our AUTH with our configured method (PSK or signature). */
int sa_auth_build_auth(struct ike_builder *b, struct ike_sa *sa, const struct sa_conn *sc,
		       const struct auth_id *id);
bool sa_auth_class_ok(enum model_auth want, uint8_t method); /* method 0: EAP */
const struct sa_conn *sa_auth_match_conn(const struct ike_sa *sa, const struct auth_id *peer,
					 const struct auth_id *idr, uint8_t method);
int sa_auth_read_id(const struct ike_msg *msg, uint8_t type, struct auth_id *id);
/* The peer's AUTH (and certificates) for connection sc; why for the admin. */
int sa_auth_verify_peer(struct ike_sa *sa, const struct sa_conn *sc, const struct ike_msg *msg,
			const struct auth_id *peer, const struct ike_pld_auth *a, char *why,
			size_t why_len);
void sa_auth_refuse(struct sa_engine *e, struct ike_sa *sa, const struct ike_msg *msg,
		    const char *who, const char *why, enum sa_end end, const char *method,
		    const char *reason);
void sa_auth_established(struct sa_engine *e, struct ike_sa *sa, const struct sa_conn *sc,
			 const struct auth_id *peer);
void sa_auth_free_init(struct ike_sa *sa);
bool sa_auth_responder_ok(struct sa_engine *e, struct ike_sa *sa, struct ike_msg *msg,
			  struct auth_id *peer);
void sa_auth_initiator_done(struct sa_engine *e, struct ike_sa *sa, struct ike_msg *msg,
			    const struct auth_id *peer);

/* ---- exch_eap.c: EAP inside IKE_AUTH (2.16) ---- */
/* Responder: a first IKE_AUTH without AUTH. */
void exch_eap_begin(struct sa_engine *e, struct ike_sa *sa, struct ike_msg *msg,
		    const struct auth_id *peer, const struct auth_id *idr);
/* Responder: the IKE_AUTH requests after it. */
void exch_eap_request_in(struct sa_engine *e, struct ike_sa *sa, struct ike_msg *msg);
/* Initiator: every IKE_AUTH response when we are the EAP client. */
void exch_eap_response_in(struct sa_engine *e, struct ike_sa *sa, struct ike_msg *msg);
bool sa_is_eap_client(const struct ike_sa *sa);
void sa_ra_free(struct sa_engine *e, struct ike_sa *sa);

/* ---- cp.c: configuration payload and virtual IPs (3.15) ---- */
struct sa_ra *sa_ra_get(struct ike_sa *sa); /* allocated on first use; NULL on ENOMEM */
/* Responder: lease addresses for a CFG_REQUEST and answer with CFG_REPLY;
 * 0, or the notify that refuses (INTERNAL_ADDRESS_FAILURE). */
uint16_t cp_respond(struct sa_engine *e, struct ike_sa *sa, const struct ike_msg *msg,
		    struct ike_builder *b);
/* Initiator: a CFG_REQUEST for the connection's local vips (if any). */
void cp_request(const struct ike_sa *sa, struct ike_builder *b);
/* Initiator: take the CFG_REPLY's addresses (installed as our inner source). */
int cp_apply(struct sa_engine *e, struct ike_sa *sa, const struct ike_msg *msg);
/* The peer's (responder) or our (initiator) virtual IPs; 0 when none. */
size_t cp_vips(const struct ike_sa *sa, struct sa_ep *out, size_t max);
/* Give the leases back / remove our addresses (the IKE SA goes). */
void cp_release(struct sa_engine *e, struct ike_sa *sa);

/* ---- exchanges ---- */
void exch_init_request_in(struct sa_engine *e, struct sa_job *j, struct ike_msg *msg);
void exch_init_response_in(struct sa_engine *e, struct ike_sa *sa, struct ike_msg *msg,
			   struct sa_job *j);
/* Initiate sc (offering child, or none); w (optional) waits for the
 * outcome; *uid gets the SA's uid. */
int exch_init_start(struct sa_engine *e, const struct sa_conn *sc, struct sa_config *cf,
		    const struct model_child *child, const struct sa_waiter *w, uint32_t *uid);
/* The same; prep (optional) sets up the new SA before it goes out. */
/* The conn names one remote address to initiate to. */
bool exch_init_can_reach(const struct model_conn *c);
int exch_init_start_prep(struct sa_engine *e, const struct sa_conn *sc, struct sa_config *cf,
			 const struct model_child *child, const struct sa_waiter *w, uint32_t *uid,
			 void (*prep)(struct ike_sa *sa, void *arg), void *prep_arg);
void exch_auth_request_in(struct sa_engine *e, struct ike_sa *sa, struct ike_msg *msg);
void exch_auth_response_in(struct sa_engine *e, struct ike_sa *sa, struct ike_msg *msg);
int exch_auth_start(struct sa_engine *e, struct ike_sa *sa);
void exch_info_request_in(struct sa_engine *e, struct ike_sa *sa, struct ike_msg *msg);
void exch_info_response_in(struct sa_engine *e, struct ike_sa *sa, struct ike_msg *msg);
/* Send a Delete for the IKE SA (it dies when answered or given up). */
void exch_info_delete_ike(struct sa_engine *e, struct ike_sa *sa);
void exch_info_dpd(struct sa_engine *e, struct ike_sa *sa);
void exch_child_request_in(struct sa_engine *e, struct ike_sa *sa, struct ike_msg *msg);
void sa_refuse_syntax(struct sa_engine *e, struct ike_sa *sa, struct ike_msg *msg);

/* ---- task.c: the per-SA task queue (window size 1, RFC 7296 2.3) ---- */
enum sa_task_type {
	SA_TASK_CHILD_CREATE,
	SA_TASK_CHILD_REKEY,
	SA_TASK_CHILD_DELETE,
	SA_TASK_IKE_REKEY,
	SA_TASK_IKE_DELETE,
	SA_TASK_DPD,
};

struct sa_task {
	struct sa_task *t_next;
	uint8_t t_type;                  /* enum sa_task_type */
	uint32_t t_child;                /* child uid (rekey, delete) */
	const struct model_child *t_cfg; /* create */
	const char *t_why;               /* delete: child-down reason */
	struct sa_waiter t_waiter;
	unsigned t_tries;  /* retries after TEMPORARY_FAILURE and the like */
	uint64_t t_due_ms; /* delayed: monotonic time to run again */
};

/* Pure queue operations (unit-tested). */
void sa_task_push(struct sa_task **q, struct sa_task *t);
struct sa_task *sa_task_pop(struct sa_task **q);
bool sa_task_find(const struct sa_task *q, uint8_t type, uint32_t child);
/* Back-off before retry number tries (1, 2, ...) in ms, with rnd jitter. */
uint32_t sa_task_backoff_ms(unsigned tries, uint32_t rnd);
/* Rekey after secs less up to 10 % (strongSwan's rand_time), in ms. */
uint64_t sa_rekey_delay_ms(uint32_t secs, uint32_t rnd);
/* 2.8.1: true when the lowest of the four nonces is in exchange a
 * (octet by octet; a prefix is lower). */
bool sa_nonce_lowest_in(const uint8_t *a_i, size_t a_i_len, const uint8_t *a_r, size_t a_r_len,
			const uint8_t *b_i, size_t b_i_len, const uint8_t *b_r, size_t b_r_len);

/* Queue a task (taken; dropped when an equal one is queued) and run. */
void sa_task_add(struct sa_engine *e, struct ike_sa *sa, uint8_t type, uint32_t child,
		 const struct model_child *cfg, const struct sa_waiter *w);
/* Start queued tasks while no request is out. */
void sa_task_run(struct sa_engine *e, struct ike_sa *sa);
/* The active task ended: tell its waiter, run the next. */
void sa_task_done(struct sa_engine *e, struct ike_sa *sa, const char *code, const char *msg,
		  json_t *result);
/* The active task is refused for now: run it again after a back-off;
 * false when it ran out of tries (then it is done with code). */
bool sa_task_retry(struct sa_engine *e, struct ike_sa *sa, const char *code, const char *msg);
/* The SA died: every task's waiter learns it. */
void sa_tasks_flush(struct ike_sa *sa);
/* Move the queue to the SA that replaces this one. */
void sa_tasks_move(struct ike_sa *from, struct ike_sa *to);

/* ---- exch_child.c: CREATE_CHILD_SA for CHILD SAs (1.3.1, 1.3.3) ---- */
#define SA_NONCE_LEN 32
/* Our CREATE_CHILD_SA request, kept until its answer (sa->s_ccs). */
struct ccs_req {
	uint8_t q_kind;                  /* SA_TASK_CHILD_CREATE, _CHILD_REKEY, _IKE_REKEY */
	uint32_t q_old;                  /* the child being rekeyed */
	const struct model_child *q_cfg; /* child config */
	uint32_t q_spi;                  /* our new inbound ESP SPI */
	uint64_t q_ike_spi;              /* IKE rekey: our new IKE SPI */
	bool q_transport;
	uint16_t q_group; /* KE group sent, 0 = none */
	struct ke *q_ke;
	uint8_t q_ni[SA_NONCE_LEN];
	unsigned q_ke_retries;
	struct ike_pld_ts q_tsi, q_tsr;
};
/* Create s_ccs: nonce, KE for group (0 = none), new SPI for children. */
int ccs_req_new(struct sa_engine *e, struct ike_sa *sa, uint8_t kind, uint16_t group);
/* Send the request of s_ccs again with a KE of group (INVALID_KE_PAYLOAD). */
bool ccs_follow_invalid_ke(struct sa_engine *e, struct ike_sa *sa, const struct ike_msg *msg,
			   const struct model_proposal *props, size_t n_props);
/* A request refused with one notify (TEMPORARY_FAILURE and the like). */
void sa_refuse_notify(struct sa_engine *e, struct ike_sa *sa, const struct ike_msg *msg,
		      uint16_t type, const uint8_t *data, size_t len);
int exch_child_start(struct sa_engine *e, struct ike_sa *sa, struct sa_task *t);
void exch_child_response_in(struct sa_engine *e, struct ike_sa *sa, struct ike_msg *msg);
void ccs_req_free(struct sa_engine *e, struct ike_sa *sa);
int exch_info_delete_child(struct sa_engine *e, struct ike_sa *sa, struct sa_task *t);

/* ---- rekey.c: IKE SA rekey (1.3.2, 2.18), reauthentication, timers ---- */
int ike_rekey_start(struct sa_engine *e, struct ike_sa *sa);
void ike_rekey_request_in(struct sa_engine *e, struct ike_sa *sa, const struct ike_msg *msg);
void ike_rekey_response_in(struct sa_engine *e, struct ike_sa *sa, const struct ike_msg *msg);
void ike_coll_free(struct sa_engine *e, struct ike_sa *sa);
/* The peer deletes the old IKE SA while the SA its colliding rekey made
 * waits aside: that one takes over (2.8.2). */
void ike_coll_settle(struct sa_engine *e, struct ike_sa *sa);
/* The IKE SA is up (IKE_AUTH or rekey): DPD, keepalive, rekey timers,
 * children still to create, the SA a reauthentication replaces. */
void sa_up(struct sa_engine *e, struct ike_sa *sa);
/* A child's rekey and linger timers (again, after it moved). */
void child_timers_arm(struct sa_engine *e, struct ike_sa *sa, struct child_sa *c);
/* ike_sa_kill: dpd_action restart and keyingtries. */
void sa_restart_maybe(struct sa_engine *e, struct ike_sa *sa, enum sa_end why);
/* Seconds until the IKE SA's rekey / reauth, -1 when none. */
int64_t sa_ike_rekey_in(const struct ike_sa *sa, bool reauth);

/* ---- child.c: what rekeying needs of CHILD SAs ---- */
struct child_params {
	const struct model_child *cp_cfg;
	const struct ike_proposal *cp_chosen;
	uint32_t cp_spi_in;
	bool cp_transport;
	const struct ike_pld_ts *cp_ts_l, *cp_ts_r;
	uint32_t cp_reqid;    /* 0: a new one */
	struct secret *cp_km; /* KEYMAT (taken), NULL: from IKE_SA_INIT's nonces */
	uint16_t cp_pfs;
	bool cp_defer_out; /* install the outbound SA later */
	uint32_t cp_rekey_of;
	bool cp_initiator; /* we sent the request that made it */
};
struct child_sa *child_sa_establish(struct sa_engine *e, struct ike_sa *sa,
				    const struct child_params *p);
int child_sa_alloc_spi(struct sa_engine *e, struct ike_sa *sa, uint32_t *spi);
/* The selectors of cc for our side (local) or the peer's, "dynamic" and
 * virtual IPs resolved as in IKE_AUTH. */
void child_sa_ts_list(const struct ike_sa *sa, const struct model_child *cc, bool local,
		      struct ike_pld_ts *out);
void child_sa_free_spi(struct sa_engine *e, struct ike_sa *sa, uint32_t spi);
struct child_sa *child_sa_find(struct ike_sa *sa, uint32_t uid);
struct child_sa *child_sa_find_out(struct ike_sa *sa, uint32_t spi_out);
int child_sa_install_out(struct sa_engine *e, struct ike_sa *sa, struct child_sa *c);
/* Replaced by a rekey: outbound SA and policies go now, the inbound SA
 * after a delay (packets in flight); no child-down event. */
void child_sa_retire(struct sa_engine *e, struct ike_sa *sa, struct child_sa *c);
/* Remove now; reason NULL: quietly (a replaced child). */
void child_sa_remove(struct sa_engine *e, struct ike_sa *sa, struct child_sa *c,
		     const char *reason);
/* The peer deleted old: children that replace it send from now on. */
void child_sa_promote(struct sa_engine *e, struct ike_sa *sa, uint32_t old_uid);
/* 2.9 for CREATE_CHILD_SA: cfg (or, NULL, the first child config that
 * fits) against the offer; 0 or the notify to answer with. */
/* Log why a CHILD SA request was refused; NO_PROPOSAL_CHOSEN names what
 * the peer offered (offer) and what the connection allows. */
void child_log_refusal(const struct ike_sa *sa, const char *what, uint16_t why,
		       const struct ike_pld_sa *offer);
uint16_t child_pick_cfg(const struct ike_sa *sa, const struct model_child *cfg,
			const struct ike_pld_sa *offer, const struct ike_pld_ts *tsi,
			const struct ike_pld_ts *tsr, bool strip_ke, const struct model_child **out,
			struct ike_proposal *chosen, struct ike_pld_ts *ts_l,
			struct ike_pld_ts *ts_r);
void sa_event_child_rekeyed(struct sa_engine *e, struct ike_sa *sa, uint32_t old_uid,
			    const struct child_sa *c);
void sa_event_ike_rekeyed(struct sa_engine *e, struct ike_sa *old, struct ike_sa *sa);

/* ---- ctl_rekey.c, ctl.c ---- */
void each_sa(struct sa_engine *e, bool (*fn)(struct ike_sa *sa, void *arg), void *arg);
/* initiate on an ESTABLISHED IKE SA of sc: the children (cc, or all)
 * not installed yet; GW_E_NOTFOUND when there is no such SA. */
int ctl_initiate_existing(struct sa_engine *e, const struct sa_conn *sc,
			  const struct model_child *cc, const struct sa_waiter *w, uint32_t *uid);
/* exch_init_start_prep's prep: the conn's other children after IKE_AUTH. */
void ctl_more_children(struct ike_sa *sa, void *arg);
/* sched.c: reauthenticate now: make-before-break, or with the conn's
 * reauth_mode break-before-make the SA is deleted first and set up again
 * when gone; w hears when the new IKE SA is up (or that it failed). */
int sa_reauth_start(struct sa_engine *e, struct ike_sa *sa, const struct sa_waiter *w);

/* ---- reqid index (dpev.c): data path events find their IKE SA ---- */
struct sa_reqids *sa_reqids_new(void);
void sa_reqids_free(struct sa_reqids *r);
void sa_reqid_set(struct sa_engine *e, uint32_t reqid, uint64_t ike_spi);
/* Forgets reqid's IKE SA if it is ike_spi. True when another IKE SA holds
 * reqid now (a reauthentication's successor took its CHILD SA over). */
bool sa_reqid_del(struct sa_engine *e, uint32_t reqid, uint64_t ike_spi);

#endif

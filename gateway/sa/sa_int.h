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
	SA_END_ERROR, /* a local failure took an established SA down */
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
	struct sk_cipher *s_c_out, *s_c_in;
	struct ike_sk_ops s_ops_out, s_ops_in;
	struct ke *s_ke;      /* until SKEYSEED */
	uint8_t *s_ni, *s_nr; /* nonces (IKE_AUTH signs them, CHILD keys use them) */
	size_t s_ni_len, s_nr_len;
	uint8_t *s_init_i, *s_init_r; /* IKE_SA_INIT request/response, until authenticated */
	size_t s_init_i_len, s_init_r_len;
	uint8_t *s_cookie; /* initiator: N(COOKIE) data to echo */
	size_t s_cookie_len;
	auth_hash_set s_peer_hashes;
	struct auth_id *s_peer_id; /* once authenticated (heap) */
	uint32_t s_msgid_out;      /* next request message ID we send */
	uint32_t s_msgid_in;       /* next request message ID we expect */
	struct sa_wire s_req;      /* our outstanding request */
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
	uint64_t e_started;         /* unix seconds */
	struct log_rl e_rl_refused; /* malformed datagrams */
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
/* Check the SA back in, or remove and free it when dead. */
void ike_sa_checkin(struct sa_engine *e, struct ike_sa *sa);
void sa_ep_from_sockaddr(struct sa_ep *ep, const struct sockaddr_storage *ss);
void sa_ep_to_sockaddr(const struct sa_ep *ep, struct sockaddr_storage *ss);
const char *sa_ep_str(const struct sa_ep *ep, char *buf, size_t len);
bool sa_ep_equal(const struct sa_ep *a, const struct sa_ep *b);

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

#endif

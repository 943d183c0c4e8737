/*
 * model.h: configuration objects <-> JSON (jansson), shared by
 * palisade-gatewayd, palisade-mgmtd and palisadectl so that every process
 * validates a file exactly the same way. Errors carry the JSON path of
 * the bad field and the value ("gateway.json: $.listen[1]: not an IP
 * address: '10.0.0'"). Pure functions; any thread.
 */
#ifndef PAL_API_MODEL_H
#define PAL_API_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway/crypto/crypto.h"

#define MODEL_MAX_LISTEN 16
#define MODEL_ERR_LEN    256

/* Where validation failed: the JSON path and a message naming the value. */
struct model_err {
	char me_path[96];
	char me_msg[MODEL_ERR_LEN];
};

/* Make jansson wipe what it frees (secrets pass through it). Call once at
 * start-up, before any JSON is parsed and before threads start. */
void model_json_wipe_init(void);

/* "file: $.path: message" into buf. */
const char *model_err_str(const struct model_err *err, const char *file, char *buf, size_t len);

enum model_datapath {
	MODEL_DP_AUTO,
	MODEL_DP_XFRM,
	MODEL_DP_USERSPACE,
};

/* gateway.json: daemon settings (DESIGN.md, Configuration). */
struct gw_settings {
	size_t gs_n_listen;
	char gs_listen[MODEL_MAX_LISTEN][46]; /* numeric IPv4/IPv6 addresses */
	uint16_t gs_ike_port;                 /* 500 */
	uint16_t gs_natt_port;                /* 4500 */
	unsigned gs_workers;                  /* 0 = one per CPU */
	enum model_datapath gs_datapath;
	char gs_tun_name[16];         /* userspace data path */
	uint32_t gs_replay_window;    /* packets */
	unsigned gs_cookie_threshold; /* half-open IKE SAs before cookies */
	unsigned gs_nat_keepalive;    /* seconds, 0 = off */
	int gs_log_level;             /* syslog level */
};

void gw_settings_defaults(struct gw_settings *gs);
/* Parse and validate a gateway.json document; gs untouched on error. */
int gw_settings_parse(const char *json, size_t len, struct gw_settings *gs, struct model_err *err);
/* Read dir/gateway.json; a missing file gives the defaults. */
int gw_settings_load(const char *dir, struct gw_settings *gs, struct model_err *err);
const char *model_datapath_name(enum model_datapath dp);

/* ---- connections: conns/NAME.json ---- */

#define MODEL_NAME_LEN     64  /* connection, child, cert, CA, pool names */
#define MODEL_HOST_LEN     256 /* address, CIDR, range or DNS name */
#define MODEL_ID_LEN       256 /* IKE identity as written */
#define MODEL_KEY_LEN      512 /* PKCS#11 URI or keys/ file name */
#define MODEL_PSK_MAX      256
#define MODEL_MAX_ADDRS    8
#define MODEL_MAX_PROPS    8
#define MODEL_MAX_TS       16
#define MODEL_MAX_CHILDREN 16
#define MODEL_MAX_POOLS    4

enum model_auth {
	MODEL_AUTH_PSK,
	MODEL_AUTH_PUBKEY,
	MODEL_AUTH_EAP_MD5,      /* remote: the user authenticates with EAP-MD5 */
	MODEL_AUTH_EAP_MSCHAPV2, /* remote: EAP-MSCHAPv2 */
	MODEL_AUTH_EAP,          /* remote: any EAP method we have; local: EAP client */
};

enum model_mode {
	MODEL_MODE_TUNNEL,
	MODEL_MODE_TRANSPORT,
};

enum model_action {
	MODEL_ACTION_NONE,
	MODEL_ACTION_START, /* start_action: initiate at load; dpd/close: restart */
	MODEL_ACTION_TRAP,  /* install trap policies, initiate on traffic */
	MODEL_ACTION_CLEAR, /* dpd/close: just remove */
};

/*
 * A traffic selector as an admin writes it: "10.1.0.0/16", "192.0.2.7",
 * "10.0.0.1-10.0.0.9", "2001:db8::/32", "0.0.0.0/0", each optionally with
 * "[proto/port]" or "[proto/port-port]" ("10.0.0.0/8[tcp/443]",
 * "[udp]", "[icmp]", numbers allowed), or "dynamic" (the end's own
 * address, or its virtual IP). Kept as the range IKE carries (3.13.1).
 * A suffix alone ("[udp]") restricts "dynamic"; ports only with tcp, udp
 * and sctp; a CIDR with bits set past its prefix is an error.
 */
struct model_ts {
	bool t_dynamic;
	int t_family; /* AF_INET or AF_INET6 (0 with dynamic) */
	uint8_t t_start[16];
	uint8_t t_end[16];
	uint8_t t_proto; /* 0 = any */
	uint16_t t_port_start;
	uint16_t t_port_end; /* 0-65535 = any */
};

struct model_end {
	size_t e_n_addrs;
	/* IPs, CIDRs, ranges, DNS names (remote, initiator), "%any" */
	char e_addrs[MODEL_MAX_ADDRS][MODEL_HOST_LEN];
	/* "" = default (address or certificate subject), "%any" (remote).
	 * The ID type follows from the text, first match: "keyid:<hex>"
	 * KEY_ID, an IPv4/IPv6 literal, a string with '=' an RFC 4514 DN,
	 * with '@' RFC822_ADDR, else FQDN. */
	char e_id[MODEL_ID_LEN];
	enum model_auth e_auth;
	char e_cert[MODEL_NAME_LEN]; /* certs/NAME.pem (local) or pinned peer cert */
	char e_key[MODEL_KEY_LEN];   /* "pkcs11:..." URI or NAME under keys/ */
	char e_ca[MODEL_NAME_LEN];   /* remote: cas/NAME.pem as trust anchor ("" = any in cas/) */
	char e_eap_id[MODEL_ID_LEN]; /* local EAP client identity ("" = IKE id) */
	uint16_t e_port;             /* remote UDP port to initiate to (500); local: 0 */
};

/*
 * A proposal as written and as parsed by crypto/'s proposal_parse(). A
 * list entry "preset:NAME" becomes one model_proposal per proposal of
 * that preset (mp_str the preset's string, mp_preset NAME); one that
 * equals a proposal already in the list is left out. model_conn_to_json()
 * writes such a run back as the one "preset:NAME" entry.
 */
#define MODEL_PRESET_LEN 24
struct model_proposal {
	char mp_str[128];
	char mp_preset[MODEL_PRESET_LEN]; /* "" for a proposal written out */
	struct proposal mp_prop;
};

/*
 * Proposal presets (conn_preset.c): "modern", "compat", "windows-default",
 * "apple-default", "android-strongswan", "strongswan". The proposal
 * strings of NAME for IKE (proto IKE_PROTO_IKE) or ESP, in order of
 * preference, NULL-terminated (static); NULL for an unknown NAME.
 */
const char *const *model_preset(const char *name, uint8_t proto);
/* The name of preset i (0, 1, ...), NULL past the last: for listings. */
const char *model_preset_name(size_t i);

struct model_child {
	char c_name[MODEL_NAME_LEN];
	enum model_mode c_mode;
	size_t c_n_local_ts, c_n_remote_ts;
	struct model_ts c_local_ts[MODEL_MAX_TS];
	struct model_ts c_remote_ts[MODEL_MAX_TS];
	size_t c_n_props;
	struct model_proposal c_props[MODEL_MAX_PROPS]; /* ESP */
	uint32_t c_rekey_time, c_life_time;             /* seconds; life > rekey */
	uint64_t c_rekey_bytes, c_life_bytes;
	uint64_t c_rekey_packets, c_life_packets;
	enum model_action c_start_action; /* none, start, trap */
	enum model_action c_dpd_action;   /* clear, trap, restart(start) */
	enum model_action c_close_action; /* none, trap, start */
	uint32_t c_replay_window;         /* 0 = gateway default */
};

struct model_conn {
	char c_name[MODEL_NAME_LEN];
	struct model_end c_local;
	struct model_end c_remote;
	size_t c_n_props;
	struct model_proposal c_props[MODEL_MAX_PROPS]; /* IKE */
	uint32_t c_rekey_time;                          /* IKE SA rekey, seconds (0 = never) */
	uint32_t c_reauth_time;                         /* 0 = never */
	uint32_t c_over_time;                           /* hard limit after rekey/reauth time */
	uint32_t c_dpd_delay;                           /* 0 = off */
	uint32_t c_dpd_timeout;
	bool c_encap;           /* force UDP encapsulation (fake NAT-D) */
	bool c_fragmentation;   /* RFC 7383 */
	unsigned c_keyingtries; /* 0 = forever */
	unsigned c_retransmit_tries;
	uint32_t c_retransmit_timeout_ms; /* first retransmit */
	size_t c_n_children;
	struct model_child c_children[MODEL_MAX_CHILDREN];
	size_t c_n_pools;
	char c_pools[MODEL_MAX_POOLS][MODEL_NAME_LEN];
	/* Write-only secret: never logged, never returned by an API. */
	size_t c_psk_len;
	uint8_t c_psk[MODEL_PSK_MAX];
};

/*
 * Parse and validate one connection document. name is the file name
 * without .json (it must match "name" when the document has one; NULL:
 * the document must have one). On success *out is a heap object (free
 * with model_conn_free, which wipes the PSK). Errors name the JSON path
 * ("$.children[0].local_ts[2]") and never quote the PSK.
 */
int model_conn_parse(const char *json, size_t len, const char *name, struct model_conn **out,
		     struct model_err *err);
/* dir/conns/NAME.json */
int model_conn_load(const char *dir, const char *name, struct model_conn **out,
		    struct model_err *err);
void model_conn_free(struct model_conn *c);
/* JSON for the API and palisadectl: everything but the PSK ("psk_set": true),
 * otherwise in the shape model_conn_parse() reads (drop "psk_set", add
 * "psk" if needed). free() the result; NULL on ENOMEM. */
char *model_conn_to_json(const struct model_conn *c);
/* Parse one traffic selector string (exported for tests and mgmtd);
 * errbuf (may be NULL) says why it was refused. */
int model_ts_parse(const char *s, struct model_ts *ts, char *errbuf, size_t errlen);
/* The canonical string of a selector ("10.1.0.0/16[tcp/443]"). */
int model_ts_format(const struct model_ts *ts, char *buf, size_t len);

#endif

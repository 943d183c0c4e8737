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

#define MODEL_PATH_LEN 256

/* gateway.json "pkcs11": the PKCS#11 module holding our private keys. */
struct gw_pkcs11 {
	bool p_enabled;                  /* the section is there */
	char p_module[MODEL_PATH_LEN];   /* absolute path of the module (.so) */
	char p_pin_file[MODEL_PATH_LEN]; /* absolute path; "" = no user PIN (or a PIN pad) */
	unsigned p_sessions;             /* sessions per token, 1-64 (4) */
	bool p_require_non_extractable;  /* refuse keys that could ever leave the token */
	bool p_rsa_pss;                  /* RSA token keys sign RSASSA-PSS (RFC 7427) */
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
	struct gw_pkcs11 gs_pkcs11;   /* applied at start-up only */
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
	/* local: virtual IPs to ask for in a CFG_REQUEST (3.15): "0.0.0.0" /
	 * "::" for any address of that family, or one address to ask for */
	size_t e_n_vips;
	int e_vip_family[2];
	uint8_t e_vip_addr[2][16];
	uint16_t e_port; /* remote UDP port to initiate to (500); local: 0 */
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
	bool c_reauth_bbm;    /* reauth_mode break-before-make (default: make-before-break) */
	uint32_t c_over_time; /* hard limit after rekey/reauth time */
	uint32_t c_dpd_delay; /* 0 = off */
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
	/* Write-only secret: the PSK, or our password when we are an EAP
	 * client (local auth eap). Never logged, never returned by an API. */
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

/* ---- EAP users: eap-users.json (eap_users.c) ---- */

#define MODEL_EAP_ID_MAX    255   /* bytes of an EAP identity */
#define MODEL_EAP_PW_MAX    256   /* characters of a password (RFC 2759) */
#define MODEL_EAP_USERS_MAX 65536 /* users in one file */

enum model_eap_method {
	MODEL_EAP_ANY,      /* whatever the connection allows */
	MODEL_EAP_MD5,      /* "eap-md5" */
	MODEL_EAP_MSCHAPV2, /* "eap-mschapv2" */
};

/* One user. The secret is write-only: never logged, never returned by an
 * API, wiped on free. */
struct model_eap_user {
	char *eu_identity; /* 1-255 bytes of UTF-8, no control characters */
	size_t eu_id_len;
	enum model_eap_method eu_method;
	struct secret *eu_password; /* UTF-8 bytes, or NULL */
	struct secret *eu_nt_hash;  /* 16 bytes (MD4 of the UTF-16LE password), or NULL */
	uint64_t eu_changed;        /* unix time the secret was last set; 0: not recorded */
};

/*
 * [{"identity": "alice", "method": "eap-mschapv2" | "eap-md5" | "any",
 *   "password": "..." | "nt_hash": "<32 hex digits>", "changed": 1700000000}]
 * "method" defaults to "any"; exactly one of password and nt_hash; an NT
 * hash serves EAP-MSCHAPv2 only (EAP-MD5 needs the password). Identities
 * are unique (byte for byte). Errors name the path ("$[3].nt_hash") and
 * never quote a secret. Immutable once parsed; any thread may read it.
 */
struct model_eap_users;
int model_eap_users_parse(const char *json, size_t len, struct model_eap_users **out,
			  struct model_err *err);
/* dir/eap-users.json; a missing file is an empty set. */
int model_eap_users_load(const char *dir, struct model_eap_users **out, struct model_err *err);
void model_eap_users_free(struct model_eap_users *u); /* wipes the secrets; NULL is fine */
size_t model_eap_users_count(const struct model_eap_users *u);
/* In document order (borrowed; valid until model_eap_users_free). */
const struct model_eap_user *model_eap_users_at(const struct model_eap_users *u, size_t i);
/* O(log n) lookup by identity bytes; NULL if absent. */
const struct model_eap_user *model_eap_users_find(const struct model_eap_users *u, const void *id,
						  size_t len);
/* JSON without the secrets: each user gets "secret_set": true and
 * "secret_type": "password" | "nt_hash". free() the result; NULL on ENOMEM. */
char *model_eap_users_to_json(const struct model_eap_users *u);
const char *model_eap_method_name(enum model_eap_method m);

/* ---- virtual-IP pools: pools.json (pools.c) ---- */

#define MODEL_POOLS_MAX     256
#define MODEL_POOL_RANGES   16
#define MODEL_POOL_DNS      4
#define MODEL_POOL_SIZE_MAX (1u << 24) /* addresses in one pool: an IPv4 /8, an IPv6 /104 */

/* Addresses are in network order; IPv4 in the first 4 bytes, rest zero. */
struct model_addr {
	int a_family; /* AF_INET or AF_INET6 */
	uint8_t a_addr[16];
};

struct model_pool_range {
	uint8_t pr_start[16]; /* first address handed out */
	uint8_t pr_end[16];   /* last one, inclusive */
	uint64_t pr_size;
	char pr_text[96]; /* as written */
};

struct model_pool {
	char p_name[MODEL_NAME_LEN];
	int p_family;
	size_t p_n_ranges;
	struct model_pool_range p_ranges[MODEL_POOL_RANGES];
	uint64_t p_size;   /* addresses handed out, all ranges */
	uint8_t p_prefix;  /* netmask (IPv4) / prefix length (IPv6) for the CP reply */
	bool p_prefix_set; /* written by the admin; else the longest prefix covering all ranges */
	size_t p_n_dns;
	struct model_addr p_dns[MODEL_POOL_DNS];
};

struct model_pools {
	size_t ps_n;
	struct model_pool *ps_pools;
};

/*
 * [{"name": "rw-v4", "ranges": ["10.3.0.0/24", "10.3.1.10-10.3.1.200"] (or
 *   one string), "dns": ["10.1.0.53", "2001:db8::53"],
 *   "netmask": "255.255.254.0" (IPv4 pools) | "prefix": 64 (IPv6 pools)}]
 * One family per pool. An IPv4 CIDR up to /30 gives its addresses without
 * the network and broadcast ones; an IPv6 CIDR up to /126 without the
 * Subnet-Router anycast address (RFC 4291 2.6.1). Ranges may not overlap,
 * within a pool or across pools; names are unique; a pool has at most
 * MODEL_POOL_SIZE_MAX addresses.
 */
int model_pools_parse(const char *json, size_t len, struct model_pools **out,
		      struct model_err *err);
/* dir/pools.json; a missing file is an empty set. */
int model_pools_load(const char *dir, struct model_pools **out, struct model_err *err);
void model_pools_free(struct model_pools *p);
const struct model_pool *model_pools_find(const struct model_pools *p, const char *name);
/* The shape model_pools_parse() reads, netmask/prefix always present.
 * free() the result; NULL on ENOMEM. */
char *model_pools_to_json(const struct model_pools *p);
/* The i-th address the pool hands out (i < p_size), and back. */
int model_pool_addr(const struct model_pool *p, uint64_t i, uint8_t addr[16]);
int model_pool_index(const struct model_pool *p, const uint8_t addr[16], uint64_t *i);

#endif

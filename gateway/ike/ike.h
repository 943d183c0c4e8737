/*
 * ike.h: the IKEv2 message codec (RFC 7296 section 3, RFC 7383 fragments).
 * Pure functions over byte buffers: no I/O, no crypto of its own (the SK
 * payload is sealed and opened through struct ike_sk_ops, which crypto/
 * implements and sa/ wires in), no global state. Every read goes through
 * util/reader.h. Any thread; objects (struct ike_reasm) one thread at a time.
 *
 * Parsing is two-step, as in iked: ike_msg_parse() splits a datagram into
 * payload views (struct ike_pld, pointing into the caller's buffer), then
 * ike_pld_*_parse() decodes one view into a struct. Generation is the
 * reverse: ike_build_*() appends encoded payloads to a writer and chains
 * the next-payload fields.
 */
#ifndef PAL_IKE_IKE_H
#define PAL_IKE_IKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/iana.h"
#include "util/reader.h"
#include "util/writer.h"

#define IKE_HDR_LEN     28
#define IKE_PLD_HDR_LEN 4
#define IKE_CRITICAL    0x80  /* critical bit in the generic payload header */
#define IKE_MSG_MAX     65535 /* largest message we parse or build */

/* Limits: input beyond them is refused with GW_E_RANGE, never allocated. */
#define IKE_MAX_PAYLOADS   64  /* per message, outer and inner together */
#define IKE_MAX_PROPOSALS  32  /* per SA payload */
#define IKE_MAX_TRANSFORMS 64  /* per proposal */
#define IKE_MAX_TS         32  /* per TS payload */
#define IKE_MAX_CP_ATTRS   64  /* per CP payload */
#define IKE_MAX_SPI_LEN    8   /* IKE SPIs in a proposal/notify/delete */
#define IKE_NONCE_MIN      16  /* 2.10 */
#define IKE_NONCE_MAX      256 /* 3.9 */

/*
 * Error detail for every parse and check failure: which payload, at which
 * offset of the message, and why. For GW_E_CRITICAL, e_pld is the unknown
 * payload type to report in N(UNSUPPORTED_CRITICAL_PAYLOAD).
 */
struct ike_err {
	int e_code;      /* GW_E_* */
	uint8_t e_pld;   /* payload type (0 = header / whole message) */
	size_t e_off;    /* offset in the message */
	char e_what[96]; /* human-readable reason, no peer data */
};

/* "SA payload at offset 28: proposal 1 claims 44 bytes, 20 left" */
const char *ike_err_str(const struct ike_err *err, char *buf, size_t len);
const char *ike_pld_name(uint8_t type);  /* "SA", "KE", ... "unknown" */
const char *ike_exch_name(uint8_t exch); /* "IKE_SA_INIT", ... */
const char *ike_notify_name(uint16_t type);

/* 3.1 IKE header */
struct ike_hdr {
	uint64_t h_spi_i;
	uint64_t h_spi_r;
	uint8_t h_next; /* first payload type */
	uint8_t h_version;
	uint8_t h_exch;
	uint8_t h_flags;
	uint32_t h_msgid;
	uint32_t h_length;
};

/* Checks major version 2 and that the length field matches len. A wrong
 * major version gives GW_E_UNSUP with hdr filled in (for
 * INVALID_MAJOR_VERSION); len > IKE_MSG_MAX gives GW_E_RANGE. */
int ike_hdr_parse(const uint8_t *buf, size_t len, struct ike_hdr *hdr, struct ike_err *err);
void ike_hdr_write(struct writer *wr, const struct ike_hdr *hdr);

/* A payload found in a message: a view into the caller's buffer. */
struct ike_pld {
	uint8_t p_type;
	bool p_critical;
	bool p_in_sk;          /* came out of the SK (or reassembled SKF) payload */
	const uint8_t *p_body; /* after the generic header */
	size_t p_len;          /* body length */
	size_t p_off;          /* offset of the generic header in the message */
};

struct ike_msg {
	struct ike_hdr m_hdr;
	size_t m_n;
	struct ike_pld m_pld[IKE_MAX_PAYLOADS];
	/* When the outer chain ends in SK or SKF: its index in m_pld and the
	 * type of its first inner payload (the SK header's next-payload). */
	int m_sk; /* -1 if none */
	uint8_t m_sk_first;
};

/*
 * Split buf into the header and the outer payload chain. SK/SKF must be the
 * last outer payload. Unknown payloads: non-critical are kept as views
 * (and ignored by the rules), critical fail with GW_E_CRITICAL.
 */
int ike_msg_parse(const uint8_t *buf, size_t len, struct ike_msg *msg, struct ike_err *err);
/* Parse an inner chain (decrypted SK contents) into msg, p_in_sk = true. */
int ike_msg_parse_inner(struct ike_msg *msg, uint8_t first, const uint8_t *buf, size_t len,
			size_t base_off, struct ike_err *err);
/* Per-exchange table check (payload kinds, min/max counts, inside SK or
 * not): run once, on the whole message, before any state changes.
 * GW_E_STATE when the message breaks the table, GW_E_UNSUP for an exchange
 * type without one. */
int ike_msg_check_rules(const struct ike_msg *msg, struct ike_err *err);
/* First payload of a type (n-th with ike_msg_find_nth), NULL if none. */
const struct ike_pld *ike_msg_find(const struct ike_msg *msg, uint8_t type);
const struct ike_pld *ike_msg_find_nth(const struct ike_msg *msg, uint8_t type, size_t n);
/* First Notify of a notify type, NULL if none. */
const struct ike_pld *ike_msg_find_notify(const struct ike_msg *msg, uint16_t ntype);

/* ---- payload bodies (3.3 - 3.16) ---- */

struct ike_transform {
	uint8_t t_type; /* enum ike_xf_type */
	uint16_t t_id;
	uint16_t t_keylen;   /* Key Length attribute in bits, 0 = absent */
	bool t_unknown_attr; /* carried an attribute we do not know (3.3.6: skip) */
};

struct ike_proposal {
	uint8_t pr_num;
	uint8_t pr_proto; /* enum ike_proto */
	uint8_t pr_spi_len;
	uint8_t pr_spi[IKE_MAX_SPI_LEN];
	uint8_t pr_n;
	struct ike_transform pr_xf[IKE_MAX_TRANSFORMS];
};

struct ike_pld_sa {
	uint8_t sa_n;
	struct ike_proposal sa_prop[IKE_MAX_PROPOSALS];
};

struct ike_pld_ke {
	uint16_t ke_group;
	const uint8_t *ke_data;
	size_t ke_len;
};

struct ike_pld_id { /* IDi and IDr */
	uint8_t id_type;
	const uint8_t *id_data;
	size_t id_len;
};

struct ike_pld_cert { /* CERT and CERTREQ */
	uint8_t c_enc;
	const uint8_t *c_data;
	size_t c_len;
};

struct ike_pld_auth {
	uint8_t a_method;
	const uint8_t *a_data;
	size_t a_len;
};

struct ike_pld_nonce {
	const uint8_t *n_data;
	size_t n_len;
};

struct ike_pld_notify {
	uint8_t n_proto;
	uint8_t n_spi_len;
	const uint8_t *n_spi;
	uint16_t n_type;
	const uint8_t *n_data;
	size_t n_len;
};

struct ike_pld_delete {
	uint8_t d_proto;
	uint8_t d_spi_len;
	uint16_t d_n;          /* number of SPIs */
	const uint8_t *d_spis; /* d_n * d_spi_len bytes */
};

struct ike_pld_vendor {
	const uint8_t *v_data;
	size_t v_len;
};

struct ike_ts {
	uint8_t ts_type; /* enum ike_ts_type: 4- or 16-byte addresses */
	uint8_t ts_proto;
	uint16_t ts_port_start;
	uint16_t ts_port_end;
	uint8_t ts_addr_start[16];
	uint8_t ts_addr_end[16];
};

struct ike_pld_ts { /* TSi and TSr */
	uint8_t ts_n;
	struct ike_ts ts[IKE_MAX_TS];
};

struct ike_cp_attr {
	uint16_t ca_type; /* enum ike_cfg_attr, without the reserved bit */
	const uint8_t *ca_data;
	uint16_t ca_len;
};

struct ike_pld_cp {
	uint8_t cp_type; /* enum ike_cfg_type */
	uint8_t cp_n;
	struct ike_cp_attr cp_attr[IKE_MAX_CP_ATTRS];
};

/* The EAP payload carries one EAP packet (RFC 3748 section 4). */
struct ike_pld_eap {
	uint8_t e_code;
	uint8_t e_id;
	uint8_t e_type;        /* Request/Response only, else 0 */
	const uint8_t *e_data; /* type data after e_type */
	size_t e_len;
};

/* RFC 7383 section 2.5: the SKF payload's own header fields. */
struct ike_pld_skf {
	uint16_t f_num; /* 1-based */
	uint16_t f_total;
	const uint8_t *f_data; /* IV | encrypted | ICV */
	size_t f_len;
};

/* Decode one payload body (a view from ike_msg_parse). Views in the result
 * point into the message buffer. */
int ike_pld_sa_parse(const struct ike_pld *p, struct ike_pld_sa *sa, struct ike_err *err);
int ike_pld_ke_parse(const struct ike_pld *p, struct ike_pld_ke *ke, struct ike_err *err);
int ike_pld_id_parse(const struct ike_pld *p, struct ike_pld_id *id, struct ike_err *err);
int ike_pld_cert_parse(const struct ike_pld *p, struct ike_pld_cert *c, struct ike_err *err);
int ike_pld_auth_parse(const struct ike_pld *p, struct ike_pld_auth *a, struct ike_err *err);
int ike_pld_nonce_parse(const struct ike_pld *p, struct ike_pld_nonce *n, struct ike_err *err);
int ike_pld_notify_parse(const struct ike_pld *p, struct ike_pld_notify *n, struct ike_err *err);
int ike_pld_delete_parse(const struct ike_pld *p, struct ike_pld_delete *d, struct ike_err *err);
int ike_pld_vendor_parse(const struct ike_pld *p, struct ike_pld_vendor *v, struct ike_err *err);
int ike_pld_ts_parse(const struct ike_pld *p, struct ike_pld_ts *ts, struct ike_err *err);
int ike_pld_cp_parse(const struct ike_pld *p, struct ike_pld_cp *cp, struct ike_err *err);
int ike_pld_eap_parse(const struct ike_pld *p, struct ike_pld_eap *eap, struct ike_err *err);
int ike_pld_skf_parse(const struct ike_pld *p, struct ike_pld_skf *f, struct ike_err *err);

/* Encode one payload body (without the generic header). */
void ike_pld_sa_write(struct writer *wr, const struct ike_pld_sa *sa);
void ike_pld_ke_write(struct writer *wr, const struct ike_pld_ke *ke);
void ike_pld_id_write(struct writer *wr, const struct ike_pld_id *id);
void ike_pld_cert_write(struct writer *wr, const struct ike_pld_cert *c);
void ike_pld_auth_write(struct writer *wr, const struct ike_pld_auth *a);
void ike_pld_nonce_write(struct writer *wr, const struct ike_pld_nonce *n);
void ike_pld_notify_write(struct writer *wr, const struct ike_pld_notify *n);
void ike_pld_delete_write(struct writer *wr, const struct ike_pld_delete *d);
void ike_pld_vendor_write(struct writer *wr, const struct ike_pld_vendor *v);
void ike_pld_ts_write(struct writer *wr, const struct ike_pld_ts *ts);
void ike_pld_cp_write(struct writer *wr, const struct ike_pld_cp *cp);
void ike_pld_eap_write(struct writer *wr, const struct ike_pld_eap *eap);

/* Decode a body of any known type and encode it again (round trip); the
 * bytes appended to wr equal the input for canonical encodings. */
int ike_pld_reencode(const struct ike_pld *p, struct writer *wr, struct ike_err *err);

/* ---- building messages ---- */

struct ike_builder {
	struct writer *b_wr;
	size_t b_start;  /* offset of the IKE header in the writer */
	size_t b_np_off; /* offset of the next-payload byte to patch */
	uint8_t b_first; /* inner chains: type of the first payload */
};

/* Writes hdr (length and next payload are patched later). */
void ike_build_begin(struct ike_builder *b, struct writer *wr, const struct ike_hdr *hdr);
/* Start an inner chain (the plaintext of SK/SKF) in wr, without an IKE
 * header: b_first gets the first payload's type, for ike_build_sk(). On
 * such a builder ike_build_end() only reports the writer's status. */
void ike_build_inner_begin(struct ike_builder *b, struct writer *wr);
/* Open a payload: chains it and writes the generic header; returns the
 * offset to pass to ike_build_pld_end(), which patches the length. */
size_t ike_build_pld_begin(struct ike_builder *b, uint8_t type, bool critical);
void ike_build_pld_end(struct ike_builder *b, size_t pld_off);
/* Patch the message length; 0 or the writer's error. */
int ike_build_end(struct ike_builder *b);

/* A whole payload in one call. */
void ike_build_sa(struct ike_builder *b, const struct ike_pld_sa *sa);
void ike_build_ke(struct ike_builder *b, const struct ike_pld_ke *ke);
void ike_build_id(struct ike_builder *b, uint8_t type /* IDI/IDR */, const struct ike_pld_id *id);
void ike_build_cert(struct ike_builder *b, uint8_t type /* CERT/CERTREQ */,
		    const struct ike_pld_cert *c);
void ike_build_auth(struct ike_builder *b, const struct ike_pld_auth *a);
void ike_build_nonce(struct ike_builder *b, const struct ike_pld_nonce *n);
void ike_build_notify(struct ike_builder *b, const struct ike_pld_notify *n);
void ike_build_delete(struct ike_builder *b, const struct ike_pld_delete *d);
void ike_build_vendor(struct ike_builder *b, const struct ike_pld_vendor *v);
void ike_build_ts(struct ike_builder *b, uint8_t type /* TSI/TSR */, const struct ike_pld_ts *ts);
void ike_build_cp(struct ike_builder *b, const struct ike_pld_cp *cp);
void ike_build_eap(struct ike_builder *b, const struct ike_pld_eap *eap);
/* Any payload from a raw body (unknown types, re-emitting a view). */
void ike_build_raw(struct ike_builder *b, uint8_t type, bool critical, const uint8_t *body,
		   size_t len);

/* ---- SK payload protection (3.14, RFC 5282 for AEAD) ---- */

/*
 * The cipher, supplied by crypto/ through sa/. msg is the whole message
 * buffer: msg[0, iv_off) is authenticated but not encrypted (the IKE
 * header, any unencrypted payloads, the SK generic header), then iv_len
 * bytes of IV, then ct_len bytes encrypted in place, then icv_len bytes of
 * ICV. seal() fills the IV itself when gen_iv is true (else uses what is
 * there), encrypts and writes the ICV; open() checks the ICV in constant
 * time (GW_E_AUTH) and then decrypts in place.
 */
struct ike_sk_ops {
	size_t sk_iv_len;
	size_t sk_icv_len;
	size_t sk_block_len; /* plaintext + padding is a multiple of this */
	int (*sk_seal)(void *ctx, uint8_t *msg, size_t iv_off, size_t ct_len, bool gen_iv);
	int (*sk_open)(void *ctx, uint8_t *msg, size_t iv_off, size_t ct_len);
	void *sk_ctx;
};

/*
 * Append an SK payload holding the encoded inner chain (first payload type
 * inner_first) and finish the message (ike_build_end). iv: NULL to let the
 * cipher make one, else sk_iv_len bytes to use (test vectors).
 */
int ike_build_sk(struct ike_builder *b, uint8_t inner_first, const uint8_t *inner, size_t inner_len,
		 const struct ike_sk_ops *ops, const uint8_t *iv);
/*
 * Verify and decrypt the SK payload of a parsed message in place (buf is
 * the buffer msg was parsed from, writable), strip the padding and parse
 * the inner chain into msg. GW_E_AUTH when the ICV does not match.
 */
int ike_msg_open_sk(struct ike_msg *msg, uint8_t *buf, size_t len, const struct ike_sk_ops *ops,
		    struct ike_err *err);

/* ---- RFC 7383 fragmentation ---- */

/*
 * Split an inner chain into encrypted SKF messages of at most frag_max
 * bytes each (IKE header to ICV). hdr is the message header to repeat
 * (length patched). Each fragment is a heap buffer in frags[i] (caller
 * frees), lengths in lens[i]; *n is the count (<= max).
 */
int ike_build_fragments(const struct ike_hdr *hdr, uint8_t inner_first, const uint8_t *inner,
			size_t inner_len, size_t frag_max, const struct ike_sk_ops *ops,
			uint8_t **frags, size_t *lens, size_t max, size_t *n);
/* Verify and decrypt one SKF message in place; *plain points into buf. */
int ike_msg_open_skf(struct ike_msg *msg, uint8_t *buf, size_t len, const struct ike_sk_ops *ops,
		     struct ike_pld_skf *f, const uint8_t **plain, size_t *plain_len,
		     struct ike_err *err);

struct ike_frag_limits {
	unsigned fl_max_frags;   /* most fragments per message */
	size_t fl_max_total;     /* most reassembled bytes */
	unsigned fl_timeout_ms;  /* a partial message older than this is dropped */
	unsigned fl_max_pending; /* messages under reassembly at once */
};

/* Reassembly buffer, one per IKE SA (caller holds checkout). */
struct ike_reasm;
struct ike_reasm *ike_reasm_new(const struct ike_frag_limits *lim);
void ike_reasm_free(struct ike_reasm *r);
/*
 * Add one decrypted fragment of message msgid. first is the inner chain's
 * first payload type (only meaningful in fragment 1). Returns GW_E_AGAIN
 * until complete, then 0 with *out (heap, caller frees) the reassembled
 * inner chain and *out_first its first payload type. Duplicate fragments
 * are ignored; a different total follows RFC 7383 2.6.1; limits give
 * GW_E_RANGE and drop the partial message.
 */
int ike_reasm_add(struct ike_reasm *r, uint32_t msgid, const struct ike_pld_skf *f, uint8_t first,
		  const uint8_t *plain, size_t plain_len, uint64_t now_ms, uint8_t **out,
		  size_t *out_len, uint8_t *out_first);
/* Drop partial messages older than the timeout. */
void ike_reasm_expire(struct ike_reasm *r, uint64_t now_ms);

#endif

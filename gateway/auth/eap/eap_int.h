/*
 * eap_int.h: internals of gateway/auth/eap shared by its files and the unit
 * tests: the packet helpers, the RFC 2759 / RFC 3079 primitives, and the
 * server and client objects the method files drive.
 */
#ifndef PAL_AUTH_EAP_INT_H
#define PAL_AUTH_EAP_INT_H

#include "auth/eap/eap.h"
#include "util/reader.h"
#include "util/writer.h"

#define EAP_HDR_LEN       4
#define EAP_CHALLENGE_LEN 16 /* EAP-MD5 and MS-CHAPv2 challenges */

/* ---- packets (pkt.c) ---- */

/* One parsed EAP packet (RFC 3748 4). */
struct eap_pkt {
	uint8_t ep_code;
	uint8_t ep_id;
	uint16_t ep_len;
	uint8_t ep_type;       /* 0 for Success and Failure */
	struct reader ep_data; /* the Type-Data */
};

/* 0 or GW_E_PARSE; why says what is wrong (may be NULL). */
int eap_pkt_parse(const uint8_t *buf, size_t len, struct eap_pkt *p, char *why, size_t why_len);
/* Start a Request or Response of type into out (the writer is fixed over
 * out->o_buf); eap_msg_end() patches the length. */
void eap_msg_begin(struct writer *wr, struct eap_out *out, uint8_t code, uint8_t id, uint8_t type);
int eap_msg_end(struct writer *wr, struct eap_out *out);
/* Success or Failure: four bytes. */
void eap_msg_short(struct eap_out *out, uint8_t code, uint8_t id);
/* A Nak (RFC 3748 5.3.1) proposing the methods in set, or 0 for none. */
int eap_msg_nak(struct eap_out *out, uint8_t id, unsigned set);
/* EAP type <-> EAP_M_* bit (0 for a type we do not run). */
unsigned eap_type_bit(uint8_t type);
const char *eap_type_name(uint8_t type);
void eap_why(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- RFC 2759 and RFC 3079 primitives (mschap.c) ---- */

#define MSCHAP_CHALLENGE_HASH_LEN 8
#define MSCHAP_NT_RESPONSE_LEN    24
#define MSCHAP_AUTH_RESPONSE_LEN  20
#define MSCHAP_MASTER_KEY_LEN     16

/* UTF-8 -> UTF-16LE (surrogate pairs for characters above U+FFFF); out
 * must hold 4 * EAP_PASSWORD_MAX bytes. GW_E_INVAL for bad UTF-8 or more
 * than EAP_PASSWORD_MAX characters. */
int mschap_utf16le(const uint8_t *utf8, size_t len, uint8_t *out, size_t *out_len);
/* NtPasswordHash: MD4 of the UTF-16LE password. */
int mschap_nt_hash(const struct eap_ctx *c, const uint8_t *pw, size_t pw_len,
		   uint8_t hash[EAP_NT_HASH_LEN]);
/* HashNtPasswordHash: MD4 of the hash. */
int mschap_nt_hash_hash(const struct eap_ctx *c, const uint8_t hash[EAP_NT_HASH_LEN],
			uint8_t out[EAP_NT_HASH_LEN]);
/* The user name the challenge hash takes: the part after the first '\'
 * (a Windows "DOMAIN\user"), as RFC 2759 8.2 and Windows do. */
void mschap_user_name(const uint8_t *name, size_t len, const uint8_t **user, size_t *user_len);
/* ChallengeHash: SHA-1(PeerChallenge | AuthenticatorChallenge | UserName), 8 bytes. */
int mschap_challenge_hash(const struct eap_ctx *c, const uint8_t peer[EAP_CHALLENGE_LEN],
			  const uint8_t auth[EAP_CHALLENGE_LEN], const uint8_t *user,
			  size_t user_len, uint8_t out[MSCHAP_CHALLENGE_HASH_LEN]);
/* ChallengeResponse: DES of the challenge hash under the three 7-byte
 * thirds of the zero-padded NT hash. */
int mschap_challenge_response(const struct eap_ctx *c, const uint8_t ch[MSCHAP_CHALLENGE_HASH_LEN],
			      const uint8_t hash[EAP_NT_HASH_LEN],
			      uint8_t out[MSCHAP_NT_RESPONSE_LEN]);
/* GenerateNTResponse (user already stripped by mschap_user_name). */
int mschap_nt_response(const struct eap_ctx *c, const uint8_t auth[EAP_CHALLENGE_LEN],
		       const uint8_t peer[EAP_CHALLENGE_LEN], const uint8_t *user, size_t user_len,
		       const uint8_t hash[EAP_NT_HASH_LEN], uint8_t out[MSCHAP_NT_RESPONSE_LEN]);
/* GenerateAuthenticatorResponse, the 20 bytes behind "S=". */
int mschap_auth_response(const struct eap_ctx *c, const uint8_t hash[EAP_NT_HASH_LEN],
			 const uint8_t nt_resp[MSCHAP_NT_RESPONSE_LEN],
			 const uint8_t peer[EAP_CHALLENGE_LEN],
			 const uint8_t auth[EAP_CHALLENGE_LEN], const uint8_t *user,
			 size_t user_len, uint8_t out[MSCHAP_AUTH_RESPONSE_LEN]);
/* RFC 3079 3.4 GetMasterKey. */
int mschap_master_key(const struct eap_ctx *c, const uint8_t hash_hash[EAP_NT_HASH_LEN],
		      const uint8_t nt_resp[MSCHAP_NT_RESPONSE_LEN],
		      uint8_t out[MSCHAP_MASTER_KEY_LEN]);
/* RFC 3079 3.4 GetAsymmetricStartKey, 16-byte keys. */
int mschap_start_key(const struct eap_ctx *c, const uint8_t mk[MSCHAP_MASTER_KEY_LEN], bool send,
		     bool server, uint8_t out[MSCHAP_MASTER_KEY_LEN]);
/* The 64-byte MSK both ends of IKEv2 use (see mschap.c). */
int mschap_msk(const struct eap_ctx *c, const uint8_t hash[EAP_NT_HASH_LEN],
	       const uint8_t nt_resp[MSCHAP_NT_RESPONSE_LEN], struct secret **msk);
/* MD5 for EAP-MD5 (RFC 1994 4.1): MD5(id | secret | challenge). */
int eap_md5_digest(const struct eap_ctx *c, uint8_t id, const uint8_t *secret, size_t secret_len,
		   const uint8_t *challenge, size_t challenge_len, uint8_t out[16]);

/* ---- the objects the methods drive ---- */

enum eap_srv_state {
	SRV_INIT,
	SRV_IDENTITY,   /* Request/Identity sent */
	SRV_METHOD,     /* the method's first request sent */
	SRV_MS_SUCCESS, /* MS-CHAPv2 Success Request sent */
	SRV_DONE,
};

struct eap_server {
	const struct eap_ctx *s_ctx;
	unsigned s_cfg_methods;
	char s_name[64];
	eap_cred_fn s_lookup;
	void *s_lookup_arg;
	struct eap_rl *s_rl;
	uint64_t (*s_now_ms)(void);

	enum eap_srv_state s_state;
	uint8_t s_id;     /* Identifier of our outstanding request */
	uint8_t s_method; /* EAP type running, 0 before */
	unsigned s_allowed;
	bool s_nak_seen;
	bool s_phantom; /* unknown identity: run the method, fail at the end */
	size_t s_id_len;
	uint8_t s_identity[EAP_IDENTITY_MAX];
	struct eap_cred s_cred;
	uint8_t s_challenge[EAP_CHALLENGE_LEN];
	uint8_t s_ms_id;                               /* MS-CHAPv2-ID */
	uint8_t s_auth_resp[MSCHAP_AUTH_RESPONSE_LEN]; /* sent in the Success Request */
	struct secret *s_msk_pending;                  /* until the client acknowledges */
	struct secret *s_msk;
	char s_why[EAP_WHY_LEN];
};

enum eap_cli_state {
	CLI_IDLE,
	CLI_MD5_SENT,    /* EAP-MD5 response sent */
	CLI_MS_RESPONSE, /* MS-CHAPv2 Response sent */
	CLI_MS_VERIFIED, /* the server's authenticator response checked */
	CLI_DONE,
};

struct eap_client {
	const struct eap_ctx *c_ctx;
	unsigned c_methods; /* what we can and may run */
	size_t c_id_len;
	uint8_t c_identity[EAP_IDENTITY_MAX];
	struct secret *c_password;
	struct secret *c_nt_hash;
	enum eap_cli_state c_state;
	uint8_t c_method;
	uint8_t c_auth_resp[MSCHAP_AUTH_RESPONSE_LEN]; /* what the server must send */
	struct secret *c_msk_pending;
	struct secret *c_msk;
	char c_why[EAP_WHY_LEN];
};

/* What a method made of a client's response (server side). */
enum eap_verdict {
	EV_CONTINUE,      /* out holds the next request */
	EV_MALFORMED,     /* the method's why says what */
	EV_WRONG,         /* the credential did not match */
	EV_CLIENT_FAILED, /* the client gave up (MS-CHAPv2 Failure) */
	EV_SUCCESS,       /* authenticated; s_msk_pending holds the MSK if any */
};

/* md5.c */
int eap_md5_server_request(struct eap_server *s, struct eap_out *out);
int eap_md5_server_verify(struct eap_server *s, struct eap_pkt *p, enum eap_verdict *v);
int eap_md5_client_respond(struct eap_client *c, struct eap_pkt *p, struct eap_out *out);

/* mschapv2.c (server) and mschapv2_client.c */
/* An MS-CHAPv2 packet: EAP header, OpCode, MS-CHAPv2-ID, MS-Length
 * (patched by eap_ms_end). */
void eap_ms_begin(struct writer *wr, struct eap_out *out, uint8_t code, uint8_t id, uint8_t opcode,
		  uint8_t ms_id);
int eap_ms_end(struct writer *wr, struct eap_out *out);
int eap_ms_server_request(struct eap_server *s, struct eap_out *out);
/* A response in SRV_METHOD or SRV_MS_SUCCESS. */
int eap_ms_server_process(struct eap_server *s, struct eap_pkt *p, struct eap_out *out,
			  enum eap_verdict *v);
int eap_ms_client_process(struct eap_client *c, struct eap_pkt *p, struct eap_out *out,
			  enum eap_status *st);

/* The credential the server holds as an NT hash (from the password, or stored). */
int eap_cred_nt_hash(const struct eap_ctx *ctx, const struct eap_cred *cred,
		     uint8_t hash[EAP_NT_HASH_LEN]);
/* Hex helpers for MS-CHAPv2 messages. */
void eap_hex_upper(const uint8_t *in, size_t len, char *out);

#endif

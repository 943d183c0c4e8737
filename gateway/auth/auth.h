/*
 * auth.h: who the peer is, and whether it proved it (RFC 7296 2.15, 3.5,
 * 3.6, 3.8; RFC 7427; RFC 4754). Identities, the signed octets, PSK
 * authentication, public-key signatures (classic methods 1, 9, 10, 11 and
 * the RFC 7427 digital signature method 14), X.509 credentials (our
 * certificates and keys, the trust anchors of cas/) and chain validation
 * with identity binding. OpenSSL 3 for all of it. struct auth_creds is
 * immutable once loaded and shared by all workers (refcounted); the
 * functions are thread-safe.
 */
#ifndef PAL_AUTH_AUTH_H
#define PAL_AUTH_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "util/iana.h"

#define AUTH_ID_MAX    512 /* identity data bytes (a DER DN can be long) */
#define AUTH_WHY_LEN   256 /* room for a failure reason */
#define AUTH_MAX_CERTS 8   /* certificates a peer may send (end entity first) */
#define AUTH_SIG_MAX   1024

/* ---- identities (3.5) ---- */

struct auth_id {
	uint8_t id_type; /* enum ike_id_type */
	size_t id_len;
	uint8_t id_data[AUTH_ID_MAX];
};

/*
 * From a config string: IPv4/IPv6 literal, FQDN, user@domain (RFC822),
 * a DN "C=CH, O=Example, CN=gw" (DER_ASN1_DN), "keyid:0a1b..." (KEY_ID).
 * "%any" is not an identity (callers treat it as a wildcard).
 */
int auth_id_from_string(const char *s, struct auth_id *id);
/* From an ID payload body. */
int auth_id_from_wire(uint8_t type, const uint8_t *data, size_t len, struct auth_id *id);
/* Printable and escaped ("vpn.example.com", "C=CH, O=Example, CN=gw",
 * "keyid:0a1b..."): safe to log. */
const char *auth_id_str(const struct auth_id *id, char *buf, size_t len);
/* Same type and data (DNs compared as X509_NAME_cmp does). */
bool auth_id_equal(const struct auth_id *a, const struct auth_id *b);

/* ---- the octets each side signs or MACs (2.15) ---- */

/*
 * <SignedOctets> = RealMessage | NonceRData | prf(SK_p, RestOfIDPayload):
 * msg is our first message (IKE_SA_INIT request for the initiator,
 * response for the responder), nonce is the peer's nonce, sk_p is SK_pi or
 * SK_pr, id is our (or for verification the peer's) identity. Heap result.
 */
int auth_signed_octets(uint16_t prf, const struct secret *sk_p, const uint8_t *msg, size_t msg_len,
		       const uint8_t *nonce, size_t nonce_len, const struct auth_id *id,
		       uint8_t **out, size_t *out_len);

/* ---- shared keys: PSK, and the EAP MSK as RFC 7296 2.16 uses it ---- */

/* AUTH = prf(prf(key, "Key Pad for IKEv2"), octets); *out_len is the room
 * in out on entry (GW_E_RANGE if below prf_len), prf_len on return. */
int auth_psk_compute(uint16_t prf, const uint8_t *key, size_t key_len, const uint8_t *octets,
		     size_t octets_len, uint8_t *out, size_t *out_len);
/* 0, or GW_E_AUTH (constant-time comparison; a wrong length too). */
int auth_psk_verify(uint16_t prf, const uint8_t *key, size_t key_len, const uint8_t *octets,
		    size_t octets_len, const uint8_t *auth, size_t auth_len);

/* ---- credentials: cas/, certs/, keys/ of the config directory ---- */

struct auth_creds;

/*
 * Load every cas/NAME.pem (trust anchors and intermediates: a CA "trust
 * chain"; each file a bundle), certs/NAME.pem (our end-entity certificates,
 * optionally followed by their intermediates) and keys/NAME.pem (software
 * private keys; mode must not be group/world readable). A broken file is a
 * load error naming the file and what is wrong; why gets the message.
 */
int auth_creds_load(const char *config_dir, struct auth_creds **out, char *why, size_t why_len);
struct auth_creds *auth_creds_ref(struct auth_creds *c);
void auth_creds_unref(struct auth_creds *c); /* NULL is fine */
/*
 * Keys named by a "pkcs11:" URI are found and used in this PKCS#11 module
 * (pkcs11/pkcs11.h). Borrowed: p11 outlives c and every auth_local made
 * from it. Call right after auth_creds_load(), before c is shared; NULL
 * (the default) refuses pkcs11: keys with a message pointing to
 * gateway.json.
 */
struct p11;
void auth_creds_set_p11(struct auth_creds *c, struct p11 *p11);
/* Does cas/NAME.pem exist? (config validation) */
bool auth_creds_has_ca(const struct auth_creds *c, const char *ca_name);

/* Our side of a connection: certificate chain and private key. */
struct auth_local;

/*
 * cert_name: certs/NAME.pem; key_ref: a keys/ file name, or a PKCS#11 URI
 * (RFC 7512) of a key in the module of auth_creds_set_p11(). The key must
 * match the certificate's public key. With a URI, cert_name may be ""
 * (or NULL): then the certificate of certs/ with the key's public key, else
 * the one stored with the key on the token; and a test signature checked
 * with the certificate proves they belong together. Errors name the URI
 * (never a PIN: the model refuses URIs carrying one).
 */
int auth_local_new(const struct auth_creds *c, const char *cert_name, const char *key_ref,
		   struct auth_local **out, char *why, size_t why_len);
void auth_local_free(struct auth_local *l);
/* Our end-entity certificate, DER (borrowed; valid until auth_local_free). */
const uint8_t *auth_local_cert(const struct auth_local *l, size_t *len);
/* The intermediates to send after it, DER, n-th (NULL past the end). */
const uint8_t *auth_local_chain(const struct auth_local *l, size_t n, size_t *len);
/* The subject DN as an identity, for the default local id. */
int auth_local_subject_id(const struct auth_local *l, struct auth_id *id);
/* Is id one of the certificate's identities (SAN or subject DN)? */
bool auth_local_has_id(const struct auth_local *l, const struct auth_id *id);

/* The peer's RFC 7427 SIGNATURE_HASH_ALGORITHMS, as a bit set (1 << hash). */
typedef uint32_t auth_hash_set;
auth_hash_set auth_hash_set_parse(const uint8_t *data, size_t len);
/* What we announce: SHA2-256/384/512 (and IDENTITY where it applies). */
size_t auth_hash_set_ours(uint8_t *out, size_t max);

/*
 * Sign octets with our key. With peer_hashes non-zero (the peer sent
 * SIGNATURE_HASH_ALGORITHMS) we use method 14 (RFC 7427: AlgorithmIdentifier
 * | signature; RSA PKCS#1 v1.5 or RSA-PSS per the key's configuration,
 * ECDSA DER) with the strongest common hash; else the classic method for
 * the key (1: RSA PKCS#1 v1.5 SHA-1... per RFC 7296; 9/10/11: ECDSA with
 * SHA-256/384/512 on P-256/P-384/P-521, r|s raw, RFC 4754).
 * RSA-PSS is used for keys/ files holding an RSA-PSS key (which has no
 * classic method, so it signs with method 14 even without the notify), and
 * for RSA keys in a token when gateway.json's pkcs11.rsa_pss asks for it
 * (method 14 when the peer sent the notify, else the classic method 1).
 * A token key signs through pkcs11/; the private key never leaves it.
 * *sig_len is the room in sig on entry (AUTH_SIG_MAX is enough up to
 * RSA-4096), the AUTH data length on return.
 */
int auth_sign(const struct auth_local *l, auth_hash_set peer_hashes, const uint8_t *octets,
	      size_t octets_len, uint8_t *method, uint8_t *sig, size_t *sig_len);

/* ---- verifying a peer ---- */

struct auth_peer_certs {
	size_t pc_n;
	const uint8_t *pc_der[AUTH_MAX_CERTS]; /* CERT payloads, X.509 signature encoding */
	size_t pc_len[AUTH_MAX_CERTS];
};

struct auth_policy {
	const char *ap_ca;           /* cas/NAME.pem the chain must end in; NULL/"" = any in cas/ */
	const char *ap_pinned;       /* certs/NAME.pem the peer must present exactly; NULL = any */
	bool ap_any_id;              /* remote id %any: accept any id the cert binds */
	const struct auth_id *ap_id; /* the configured remote id (unless ap_any_id) */
	uint64_t ap_now;             /* unix time to check validity at; 0 = now */
};

/*
 * Verify the peer's certificate chain against the trust anchors, the
 * identity it claims (peer_id, from IDi/IDr) against the policy and the
 * certificate (subjectAltName dNSName/rfc822Name/iPAddress, or the subject
 * DN for DER_ASN1_DN ids), and the AUTH payload (method, data) over
 * octets. 0, or GW_E_AUTH with a reason for the admin in why (never
 * secret material): "certificate expired on 2026-01-01", "unable to get
 * issuer certificate: not in cas/corp-root.pem", "identity
 * 'a.example.com' not in certificate (subjectAltName: DNS:b.example.com)",
 * "signature invalid (ECDSA with SHA-256)".
 */
int auth_verify_pubkey(const struct auth_creds *c, const struct auth_policy *pol,
		       const struct auth_peer_certs *certs, const struct auth_id *peer_id,
		       uint8_t method, const uint8_t *auth, size_t auth_len, const uint8_t *octets,
		       size_t octets_len, char *why, size_t why_len);

/*
 * CERTREQ contents (3.7): SHA-1 hashes of the SubjectPublicKeyInfo of the
 * trust anchors in cas/NAME.pem (all of cas/ when ca_name is NULL/""),
 * and of the intermediates kept there with them; duplicates once.
 * GW_E_NOTFOUND for an unknown ca_name, GW_E_RANGE if max is too small.
 */
int auth_certreq(const struct auth_creds *c, const char *ca_name, uint8_t *out, size_t max,
		 size_t *len);

#endif

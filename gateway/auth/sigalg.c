/*
 * sigalg.c: which signature scheme a key can make, and the RFC 7427
 * AlgorithmIdentifiers that name them in an AUTH payload of method 14.
 * We send exactly the encodings of RFC 7427 appendix A (A.1 PKCS#1 v1.5,
 * A.3 ECDSA, A.4.3 RSASSA-PSS with SHA-256: hash SHA-256, MGF1-SHA-256,
 * salt 32, trailer 1; SHA-384/512 PSS follow A.4.3 with their own hash and
 * a salt of the hash length). From peers we decode the AlgorithmIdentifier
 * and accept the SHA-2 family only: SHA-1 is refused in method 14
 * (RFC 8247 section 3.2), and PSS must use MGF1 with the message hash.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/asn1t.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>

#include "auth/auth_int.h"
#include "util/err.h"

#define PSS_SALT_MAX 1024

/* RFC 7427 A.1.2-A.1.4: sha{256,384,512}WithRSAEncryption, NULL parameters. */
#define RSA_PKCS1_ALG(last)                                                                   \
	{                                                                                     \
		0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, last, \
			0x05, 0x00                                                            \
	}
static const uint8_t alg_rsa_sha256[] = RSA_PKCS1_ALG(0x0b);
static const uint8_t alg_rsa_sha384[] = RSA_PKCS1_ALG(0x0c);
static const uint8_t alg_rsa_sha512[] = RSA_PKCS1_ALG(0x0d);

/* RFC 7427 A.3.2-A.3.4: ecdsa-with-SHA{256,384,512}, no parameters. */
#define ECDSA_ALG(last)                                                                \
	{                                                                              \
		0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, last \
	}
static const uint8_t alg_ecdsa_sha256[] = ECDSA_ALG(0x02);
static const uint8_t alg_ecdsa_sha384[] = ECDSA_ALG(0x03);
static const uint8_t alg_ecdsa_sha512[] = ECDSA_ALG(0x04);

/*
 * RFC 7427 A.4.3: id-RSASSA-PSS with hashAlgorithm [0] sha-2, MGF1 [1]
 * with the same hash, saltLength [2] and trailerField [3] 1 (encoded, as
 * the RFC's blob has it). h is the last arc of the hash OID.
 */
#define PSS_ALG(h, salt)                                                                           \
	{                                                                                          \
		0x30, 0x46, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a,      \
			0x30, 0x39, 0xa0, 0x0f, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,    \
			0x65, 0x03, 0x04, 0x02, h, 0x05, 0x00, 0xa1, 0x1c, 0x30, 0x1a, 0x06, 0x09, \
			0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08, 0x30, 0x0d, 0x06,    \
			0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, h, 0x05, 0x00, 0xa2, \
			0x03, 0x02, 0x01, salt, 0xa3, 0x03, 0x02, 0x01, 0x01                       \
	}
static const uint8_t alg_pss_sha256[] = PSS_ALG(0x01, 32);
static const uint8_t alg_pss_sha384[] = PSS_ALG(0x02, 48);
static const uint8_t alg_pss_sha512[] = PSS_ALG(0x03, 64);

struct sigalg_blob {
	uint8_t sb_scheme;
	uint8_t sb_hash;
	const uint8_t *sb_der;
	size_t sb_len;
};

#define BLOB(s, h, a)              \
	{                          \
		s, h, a, sizeof(a) \
	}
static const struct sigalg_blob sigalg_blobs[] = {
	BLOB(AUTH_SCHEME_PKCS1, IKE_HASH_SHA2_256, alg_rsa_sha256),
	BLOB(AUTH_SCHEME_PKCS1, IKE_HASH_SHA2_384, alg_rsa_sha384),
	BLOB(AUTH_SCHEME_PKCS1, IKE_HASH_SHA2_512, alg_rsa_sha512),
	BLOB(AUTH_SCHEME_ECDSA, IKE_HASH_SHA2_256, alg_ecdsa_sha256),
	BLOB(AUTH_SCHEME_ECDSA, IKE_HASH_SHA2_384, alg_ecdsa_sha384),
	BLOB(AUTH_SCHEME_ECDSA, IKE_HASH_SHA2_512, alg_ecdsa_sha512),
	BLOB(AUTH_SCHEME_PSS, IKE_HASH_SHA2_256, alg_pss_sha256),
	BLOB(AUTH_SCHEME_PSS, IKE_HASH_SHA2_384, alg_pss_sha384),
	BLOB(AUTH_SCHEME_PSS, IKE_HASH_SHA2_512, alg_pss_sha512),
};

/* Signature algorithm OIDs a peer may name, by OpenSSL NID. */
struct sigalg_oid {
	int so_nid;
	uint8_t so_scheme;
	uint8_t so_hash;
};

static const struct sigalg_oid sigalg_oids[] = {
	{ NID_sha1WithRSAEncryption, AUTH_SCHEME_PKCS1, IKE_HASH_SHA1 },
	{ NID_sha256WithRSAEncryption, AUTH_SCHEME_PKCS1, IKE_HASH_SHA2_256 },
	{ NID_sha384WithRSAEncryption, AUTH_SCHEME_PKCS1, IKE_HASH_SHA2_384 },
	{ NID_sha512WithRSAEncryption, AUTH_SCHEME_PKCS1, IKE_HASH_SHA2_512 },
	{ NID_ecdsa_with_SHA1, AUTH_SCHEME_ECDSA, IKE_HASH_SHA1 },
	{ NID_ecdsa_with_SHA256, AUTH_SCHEME_ECDSA, IKE_HASH_SHA2_256 },
	{ NID_ecdsa_with_SHA384, AUTH_SCHEME_ECDSA, IKE_HASH_SHA2_384 },
	{ NID_ecdsa_with_SHA512, AUTH_SCHEME_ECDSA, IKE_HASH_SHA2_512 },
};

enum auth_key_kind auth_key_kind(const EVP_PKEY *key)
{
	char group[64];
	size_t glen = 0;
	int nid;

	if (key == NULL)
		return AUTH_KEY_NONE;
	if (EVP_PKEY_is_a(key, "RSA-PSS"))
		return AUTH_KEY_RSA_PSS;
	if (EVP_PKEY_is_a(key, "RSA"))
		return AUTH_KEY_RSA;
	if (!EVP_PKEY_is_a(key, "EC"))
		return AUTH_KEY_NONE;
	if (EVP_PKEY_get_group_name(key, group, sizeof(group), &glen) != 1) {
		ERR_clear_error();
		return AUTH_KEY_NONE;
	}
	nid = OBJ_txt2nid(group);
	if (nid == NID_undef)
		nid = EC_curve_nist2nid(group);
	ERR_clear_error();
	switch (nid) {
	case NID_X9_62_prime256v1:
		return AUTH_KEY_EC256;
	case NID_secp384r1:
		return AUTH_KEY_EC384;
	case NID_secp521r1:
		return AUTH_KEY_EC521;
	default:
		return AUTH_KEY_NONE;
	}
}

const char *auth_key_desc(const EVP_PKEY *key, char *buf, size_t len)
{
	const char *name;

	switch (auth_key_kind(key)) {
	case AUTH_KEY_RSA:
		snprintf(buf, len, "RSA-%d", EVP_PKEY_get_bits(key));
		break;
	case AUTH_KEY_RSA_PSS:
		snprintf(buf, len, "RSA-PSS-%d", EVP_PKEY_get_bits(key));
		break;
	case AUTH_KEY_EC256:
		snprintf(buf, len, "ECDSA P-256");
		break;
	case AUTH_KEY_EC384:
		snprintf(buf, len, "ECDSA P-384");
		break;
	case AUTH_KEY_EC521:
		snprintf(buf, len, "ECDSA P-521");
		break;
	default:
		name = key ? EVP_PKEY_get0_type_name(key) : NULL;
		snprintf(buf, len, "%s", name ? name : "unknown");
		break;
	}
	return buf;
}

size_t auth_key_ecdsa_len(enum auth_key_kind kind)
{
	switch (kind) {
	case AUTH_KEY_EC256:
		return 32;
	case AUTH_KEY_EC384:
		return 48;
	case AUTH_KEY_EC521:
		return 66;
	default:
		return 0;
	}
}

const char *auth_hash_md(uint8_t hash)
{
	switch (hash) {
	case IKE_HASH_SHA1:
		return "SHA1";
	case IKE_HASH_SHA2_256:
		return "SHA256";
	case IKE_HASH_SHA2_384:
		return "SHA384";
	case IKE_HASH_SHA2_512:
		return "SHA512";
	default:
		return NULL;
	}
}

static const char *hash_name(uint8_t hash)
{
	switch (hash) {
	case IKE_HASH_SHA1:
		return "SHA-1";
	case IKE_HASH_SHA2_256:
		return "SHA-256";
	case IKE_HASH_SHA2_384:
		return "SHA-384";
	case IKE_HASH_SHA2_512:
		return "SHA-512";
	default:
		return "unknown hash";
	}
}

const char *auth_sigalg_desc(const struct auth_sigalg *sa, char *buf, size_t len)
{
	static const char *const names[] = {
		[AUTH_SCHEME_PKCS1] = "RSA PKCS#1 v1.5",
		[AUTH_SCHEME_PSS] = "RSASSA-PSS",
		[AUTH_SCHEME_ECDSA] = "ECDSA",
	};
	const char *scheme = sa->sa_scheme <= AUTH_SCHEME_ECDSA ? names[sa->sa_scheme] : "?";

	snprintf(buf, len, "%s with %s", scheme, hash_name(sa->sa_hash));
	return buf;
}

const uint8_t *auth_sigalg_blob(const struct auth_sigalg *sa, size_t *len)
{
	for (size_t i = 0; i < sizeof(sigalg_blobs) / sizeof(sigalg_blobs[0]); i++) {
		const struct sigalg_blob *b = &sigalg_blobs[i];

		if (b->sb_scheme == sa->sa_scheme && b->sb_hash == sa->sa_hash) {
			*len = b->sb_len;
			return b->sb_der;
		}
	}
	*len = 0;
	return NULL;
}

static uint8_t hash_from_nid(int nid)
{
	switch (nid) {
	case NID_sha1:
		return IKE_HASH_SHA1;
	case NID_sha256:
		return IKE_HASH_SHA2_256;
	case NID_sha384:
		return IKE_HASH_SHA2_384;
	case NID_sha512:
		return IKE_HASH_SHA2_512;
	default:
		return 0;
	}
}

/* An AlgorithmIdentifier's hash, absent meaning SHA-1 (RFC 4055 3.1). */
static uint8_t pss_hash(const X509_ALGOR *alg)
{
	return alg ? hash_from_nid(OBJ_obj2nid(alg->algorithm)) : IKE_HASH_SHA1;
}

/* maskGenAlgorithm: MGF1 with its hash in the parameters. */
static uint8_t pss_mgf_hash(const X509_ALGOR *mgf)
{
	X509_ALGOR *inner;
	uint8_t h;

	if (mgf == NULL)
		return IKE_HASH_SHA1;
	if (OBJ_obj2nid(mgf->algorithm) != NID_mgf1 || mgf->parameter == NULL ||
	    mgf->parameter->type != V_ASN1_SEQUENCE)
		return 0;
	inner = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(X509_ALGOR), mgf->parameter);
	if (inner == NULL)
		return 0;
	h = hash_from_nid(OBJ_obj2nid(inner->algorithm));
	X509_ALGOR_free(inner);
	return h;
}

/* RSASSA-PSS-params (RFC 4055 section 3.1). */
static int pss_parse(int ptype, const void *pval, struct auth_sigalg *sa, char *why, size_t why_len)
{
	RSA_PSS_PARAMS *pss = NULL;
	long salt = 20, trailer = 1;
	int rc = GW_E_AUTH;

	if (ptype == V_ASN1_UNDEF) {
		auth_why(why, why_len, "RSASSA-PSS with default parameters (SHA-1) refused");
		return GW_E_AUTH;
	}
	if (ptype != V_ASN1_SEQUENCE ||
	    (pss = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(RSA_PSS_PARAMS),
					     (const ASN1_TYPE *)pval)) == NULL) {
		auth_why(why, why_len, "malformed RSASSA-PSS parameters in AUTH payload");
		goto out;
	}
	sa->sa_scheme = AUTH_SCHEME_PSS;
	sa->sa_hash = pss_hash(pss->hashAlgorithm);
	if (pss->saltLength)
		salt = ASN1_INTEGER_get(pss->saltLength);
	if (pss->trailerField)
		trailer = ASN1_INTEGER_get(pss->trailerField);
	if (sa->sa_hash == IKE_HASH_SHA1) {
		auth_why(why, why_len, "RSASSA-PSS with SHA-1 refused (RFC 8247)");
	} else if (sa->sa_hash == 0) {
		auth_why(why, why_len, "RSASSA-PSS with an unsupported hash");
	} else if (pss_mgf_hash(pss->maskGenAlgorithm) != sa->sa_hash) {
		auth_why(why, why_len, "RSASSA-PSS mask generation is not MGF1 with %s",
			 hash_name(sa->sa_hash));
	} else if (salt < 0 || salt > PSS_SALT_MAX || trailer != 1) {
		auth_why(why, why_len, "RSASSA-PSS salt length or trailer field invalid");
	} else {
		sa->sa_salt = (int)salt;
		rc = 0;
	}
out:
	RSA_PSS_PARAMS_free(pss);
	return rc;
}

static int oid_parse(int nid, int ptype, struct auth_sigalg *sa, char *why, size_t why_len)
{
	char name[80];

	for (size_t i = 0; i < sizeof(sigalg_oids) / sizeof(sigalg_oids[0]); i++) {
		const struct sigalg_oid *o = &sigalg_oids[i];
		bool params_ok;

		if (o->so_nid != nid)
			continue;
		/* PKCS#1: NULL parameters (or, leniently, none); ECDSA: none (RFC 5758 3.2). */
		params_ok = o->so_scheme == AUTH_SCHEME_ECDSA
				    ? ptype == V_ASN1_UNDEF
				    : (ptype == V_ASN1_UNDEF || ptype == V_ASN1_NULL);
		sa->sa_scheme = o->so_scheme;
		sa->sa_hash = o->so_hash;
		if (o->so_hash == IKE_HASH_SHA1) {
			auth_why(why, why_len,
				 "signature algorithm %s refused (RFC 8247: no SHA-1)",
				 auth_sigalg_desc(sa, name, sizeof(name)));
			return GW_E_AUTH;
		}
		if (!params_ok) {
			auth_why(why, why_len, "unexpected parameters for %s in AUTH payload",
				 auth_sigalg_desc(sa, name, sizeof(name)));
			return GW_E_AUTH;
		}
		return 0;
	}
	if (nid != NID_undef && OBJ_nid2sn(nid))
		auth_why(why, why_len, "unsupported signature algorithm %s", OBJ_nid2sn(nid));
	else
		auth_why(why, why_len, "unsupported signature algorithm (unknown OID)");
	return GW_E_AUTH;
}

int auth_sigalg_parse(const uint8_t *der, size_t len, struct auth_sigalg *sa, char *why,
		      size_t why_len)
{
	const unsigned char *p = der;
	const ASN1_OBJECT *obj = NULL;
	const void *pval = NULL;
	X509_ALGOR *alg;
	int ptype = V_ASN1_UNDEF, nid, rc;

	memset(sa, 0, sizeof(*sa));
	alg = d2i_X509_ALGOR(NULL, &p, (long)len);
	if (alg == NULL || p != der + len) {
		auth_why(why, why_len, "malformed AlgorithmIdentifier in AUTH payload");
		rc = GW_E_AUTH;
		goto out;
	}
	X509_ALGOR_get0(&obj, &ptype, &pval, alg);
	nid = OBJ_obj2nid(obj);
	if (nid == NID_rsassaPss)
		rc = pss_parse(ptype, ptype == V_ASN1_UNDEF ? NULL : alg->parameter, sa, why,
			       why_len);
	else
		rc = oid_parse(nid, ptype, sa, why, why_len);
out:
	X509_ALGOR_free(alg);
	ERR_clear_error();
	return rc;
}

bool auth_sigalg_fits(const struct auth_sigalg *sa, enum auth_key_kind kind)
{
	switch (sa->sa_scheme) {
	case AUTH_SCHEME_PKCS1:
		return kind == AUTH_KEY_RSA;
	case AUTH_SCHEME_PSS:
		return kind == AUTH_KEY_RSA || kind == AUTH_KEY_RSA_PSS;
	case AUTH_SCHEME_ECDSA:
		if (auth_key_ecdsa_len(kind) == 0)
			return false;
		/* RFC 4754: each classic method fixes both curve and hash. */
		if (sa->sa_raw)
			return (kind == AUTH_KEY_EC256 && sa->sa_hash == IKE_HASH_SHA2_256) ||
			       (kind == AUTH_KEY_EC384 && sa->sa_hash == IKE_HASH_SHA2_384) ||
			       (kind == AUTH_KEY_EC521 && sa->sa_hash == IKE_HASH_SHA2_512);
		return true;
	default:
		return false;
	}
}

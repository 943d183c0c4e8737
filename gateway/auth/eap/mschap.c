/*
 * mschap.c: the MS-CHAPv2 primitives of RFC 2759 section 8 and the MPPE
 * key derivation of RFC 3079 section 3.4, on OpenSSL 3 EVP, and the
 * shared context that holds the algorithms. MD4 and single DES live only
 * in OpenSSL's legacy provider: we load it into an OSSL_LIB_CTX of our
 * own so that nothing else in the process can pick those algorithms up.
 * SHA-1 and MD5 come from the default context.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/provider.h>

#include "auth/eap/eap_int.h"
#include "util/err.h"

struct eap_ctx {
	OSSL_LIB_CTX *x_lib; /* holds only the legacy provider */
	OSSL_PROVIDER *x_legacy;
	EVP_MD *x_md4;     /* from x_lib */
	EVP_CIPHER *x_des; /* DES-ECB, from x_lib */
	EVP_MD *x_sha1;    /* default context */
	EVP_MD *x_md5;
	unsigned x_methods;
};

static int load_legacy(struct eap_ctx *c, char *why, size_t why_len)
{
	if (!(c->x_lib = OSSL_LIB_CTX_new()))
		return GW_E_NOMEM;
	if (!(c->x_legacy = OSSL_PROVIDER_load(c->x_lib, "legacy"))) {
		eap_why(why, why_len,
			"OpenSSL legacy provider not available (MD4, DES): EAP-MSCHAPv2 disabled");
		return GW_E_UNSUP;
	}
	c->x_md4 = EVP_MD_fetch(c->x_lib, "MD4", NULL);
	c->x_des = EVP_CIPHER_fetch(c->x_lib, "DES-ECB", NULL);
	if (!c->x_md4 || !c->x_des) {
		eap_why(why, why_len,
			"OpenSSL legacy provider lacks MD4 or DES-ECB: EAP-MSCHAPv2 disabled");
		return GW_E_UNSUP;
	}
	return 0;
}

int eap_ctx_new(struct eap_ctx **out, char *why, size_t why_len)
{
	struct eap_ctx *c = calloc(1, sizeof(*c));
	int rc;

	*out = NULL;
	eap_why(why, why_len, "%s", "");
	if (!c)
		return GW_E_NOMEM;
	c->x_sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
	c->x_md5 = EVP_MD_fetch(NULL, "MD5", NULL);
	if (c->x_md5)
		c->x_methods |= EAP_M_MD5;
	else
		eap_why(why, why_len, "MD5 not available: EAP-MD5 disabled");
	rc = load_legacy(c, why, why_len);
	if (rc == GW_E_NOMEM) {
		eap_ctx_free(c);
		return rc;
	}
	if (rc == 0 && c->x_sha1)
		c->x_methods |= EAP_M_MSCHAPV2;
	*out = c;
	return 0;
}

void eap_ctx_free(struct eap_ctx *c)
{
	if (!c)
		return;
	EVP_MD_free(c->x_md4);
	EVP_CIPHER_free(c->x_des);
	EVP_MD_free(c->x_sha1);
	EVP_MD_free(c->x_md5);
	OSSL_PROVIDER_unload(c->x_legacy);
	OSSL_LIB_CTX_free(c->x_lib);
	free(c);
}

unsigned eap_ctx_methods(const struct eap_ctx *c)
{
	return c ? c->x_methods : 0;
}

struct part {
	const void *pt_p;
	size_t pt_n;
};

/* H(part0 | part1 | ...), the digest's full size into out. */
static int digest(const EVP_MD *md, const struct part *parts, size_t n, uint8_t *out)
{
	EVP_MD_CTX *ctx;
	int ok;

	if (!md)
		return GW_E_UNSUP;
	if (!(ctx = EVP_MD_CTX_new()))
		return GW_E_NOMEM;
	ok = EVP_DigestInit_ex2(ctx, md, NULL);
	for (size_t i = 0; ok && i < n; i++)
		ok = EVP_DigestUpdate(ctx, parts[i].pt_p, parts[i].pt_n);
	ok = ok && EVP_DigestFinal_ex(ctx, out, NULL);
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : GW_E_CRYPTO;
}

/* One UTF-8 character at s[*i]; strict (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF). */
static int utf8_next(const uint8_t *s, size_t len, size_t *i, uint32_t *cp)
{
	static const uint32_t min[4] = { 0, 0x80, 0x800, 0x10000 };
	uint8_t b = s[*i];
	size_t n;
	uint32_t v;

	if (b < 0x80)
		n = 0, v = b;
	else if ((b & 0xe0) == 0xc0)
		n = 1, v = b & 0x1f;
	else if ((b & 0xf0) == 0xe0)
		n = 2, v = b & 0x0f;
	else if ((b & 0xf8) == 0xf0)
		n = 3, v = b & 0x07;
	else
		return GW_E_INVAL;
	if (len - *i - 1 < n)
		return GW_E_INVAL;
	for (size_t k = 1; k <= n; k++) {
		if ((s[*i + k] & 0xc0) != 0x80)
			return GW_E_INVAL;
		v = v << 6 | (s[*i + k] & 0x3f);
	}
	if (v < min[n] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return GW_E_INVAL;
	*i += n + 1;
	*cp = v;
	return 0;
}

int mschap_utf16le(const uint8_t *utf8, size_t len, uint8_t *out, size_t *out_len)
{
	size_t i = 0, o = 0, chars = 0;
	uint32_t cp;

	while (i < len) {
		if (utf8_next(utf8, len, &i, &cp) || ++chars > EAP_PASSWORD_MAX)
			goto bad;
		if (cp >= 0x10000) {
			uint32_t v = cp - 0x10000, hi = 0xd800 | (v >> 10),
				 lo = 0xdc00 | (v & 0x3ff);

			out[o++] = (uint8_t)hi;
			out[o++] = (uint8_t)(hi >> 8);
			out[o++] = (uint8_t)lo;
			out[o++] = (uint8_t)(lo >> 8);
		} else {
			out[o++] = (uint8_t)cp;
			out[o++] = (uint8_t)(cp >> 8);
		}
	}
	*out_len = o;
	return 0;
bad:
	crypto_wipe(out, o);
	return GW_E_INVAL;
}

/* RFC 2759 8.3 NtPasswordHash: MD4(Unicode(Password)). */
int mschap_nt_hash(const struct eap_ctx *c, const uint8_t *pw, size_t pw_len,
		   uint8_t hash[EAP_NT_HASH_LEN])
{
	uint8_t u16[4 * EAP_PASSWORD_MAX];
	size_t n = 0;
	int rc;

	if ((rc = mschap_utf16le(pw, pw_len, u16, &n)) != 0)
		return rc;
	rc = digest(c->x_md4, &(struct part){ u16, n }, 1, hash);
	crypto_wipe(u16, sizeof(u16));
	return rc;
}

/* RFC 2759 8.4 HashNtPasswordHash. */
int mschap_nt_hash_hash(const struct eap_ctx *c, const uint8_t hash[EAP_NT_HASH_LEN],
			uint8_t out[EAP_NT_HASH_LEN])
{
	return digest(c->x_md4, &(struct part){ hash, EAP_NT_HASH_LEN }, 1, out);
}

void mschap_user_name(const uint8_t *name, size_t len, const uint8_t **user, size_t *user_len)
{
	const uint8_t *bs = len ? memchr(name, '\\', len) : NULL;

	if (bs) {
		*user = bs + 1;
		*user_len = len - (size_t)(bs + 1 - name);
	} else {
		*user = name;
		*user_len = len;
	}
}

/* RFC 2759 8.2 ChallengeHash. */
int mschap_challenge_hash(const struct eap_ctx *c, const uint8_t peer[EAP_CHALLENGE_LEN],
			  const uint8_t auth[EAP_CHALLENGE_LEN], const uint8_t *user,
			  size_t user_len, uint8_t out[MSCHAP_CHALLENGE_HASH_LEN])
{
	const struct part parts[] = { { peer, EAP_CHALLENGE_LEN },
				      { auth, EAP_CHALLENGE_LEN },
				      { user, user_len } };
	uint8_t md[EVP_MAX_MD_SIZE];
	int rc = digest(c->x_sha1, parts, 3, md);

	if (rc == 0)
		memcpy(out, md, MSCHAP_CHALLENGE_HASH_LEN);
	crypto_wipe(md, sizeof(md));
	return rc;
}

/* RFC 2759 8.6 DesEncrypt's key: 56 bits spread over 8 bytes, the key
 * bits in the top seven bits of each, odd parity in bit 0 (DES ignores
 * it, but the key is then a proper DES key). */
static void des_key(const uint8_t in[7], uint8_t out[8])
{
	uint64_t bits = 0;

	for (int i = 0; i < 7; i++)
		bits = bits << 8 | in[i];
	for (int i = 0; i < 8; i++) {
		uint8_t b = (uint8_t)(((bits >> (49 - 7 * i)) & 0x7f) << 1);

		out[i] = (uint8_t)(b | !__builtin_parity(b));
	}
	crypto_wipe(&bits, sizeof(bits));
}

static int des_encrypt(const struct eap_ctx *c, const uint8_t key7[7], const uint8_t in[8],
		       uint8_t out[8])
{
	EVP_CIPHER_CTX *ctx;
	uint8_t key[8];
	int n = 0, ok;

	if (!c->x_des)
		return GW_E_UNSUP;
	if (!(ctx = EVP_CIPHER_CTX_new()))
		return GW_E_NOMEM;
	des_key(key7, key);
	ok = EVP_EncryptInit_ex2(ctx, c->x_des, key, NULL, NULL) &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) && EVP_EncryptUpdate(ctx, out, &n, in, 8) && n == 8;
	EVP_CIPHER_CTX_free(ctx);
	crypto_wipe(key, sizeof(key));
	return ok ? 0 : GW_E_CRYPTO;
}

/* RFC 2759 8.5 ChallengeResponse: the hash zero-padded to 21 bytes gives
 * three DES keys; each encrypts the 8-byte challenge hash. */
int mschap_challenge_response(const struct eap_ctx *c, const uint8_t ch[MSCHAP_CHALLENGE_HASH_LEN],
			      const uint8_t hash[EAP_NT_HASH_LEN],
			      uint8_t out[MSCHAP_NT_RESPONSE_LEN])
{
	uint8_t z[21] = { 0 };
	int rc = 0;

	memcpy(z, hash, EAP_NT_HASH_LEN);
	for (int i = 0; i < 3 && rc == 0; i++)
		rc = des_encrypt(c, z + 7 * i, ch, out + 8 * i);
	crypto_wipe(z, sizeof(z));
	return rc;
}

/* RFC 2759 8.1 GenerateNTResponse. */
int mschap_nt_response(const struct eap_ctx *c, const uint8_t auth[EAP_CHALLENGE_LEN],
		       const uint8_t peer[EAP_CHALLENGE_LEN], const uint8_t *user, size_t user_len,
		       const uint8_t hash[EAP_NT_HASH_LEN], uint8_t out[MSCHAP_NT_RESPONSE_LEN])
{
	uint8_t ch[MSCHAP_CHALLENGE_HASH_LEN];
	int rc;

	if ((rc = mschap_challenge_hash(c, peer, auth, user, user_len, ch)) == 0)
		rc = mschap_challenge_response(c, ch, hash, out);
	crypto_wipe(ch, sizeof(ch));
	return rc;
}

/* RFC 2759 8.7 GenerateAuthenticatorResponse (the magic strings of 8.7). */
int mschap_auth_response(const struct eap_ctx *c, const uint8_t hash[EAP_NT_HASH_LEN],
			 const uint8_t nt_resp[MSCHAP_NT_RESPONSE_LEN],
			 const uint8_t peer[EAP_CHALLENGE_LEN],
			 const uint8_t auth[EAP_CHALLENGE_LEN], const uint8_t *user,
			 size_t user_len, uint8_t out[MSCHAP_AUTH_RESPONSE_LEN])
{
	static const char magic1[] = "Magic server to client signing constant";
	static const char magic2[] = "Pad to make it do more than one iteration";
	uint8_t hh[EAP_NT_HASH_LEN], ch[MSCHAP_CHALLENGE_HASH_LEN], md[EVP_MAX_MD_SIZE];
	int rc;

	if ((rc = mschap_nt_hash_hash(c, hash, hh)) != 0 ||
	    (rc = mschap_challenge_hash(c, peer, auth, user, user_len, ch)) != 0)
		goto out;
	{
		const struct part p1[] = { { hh, sizeof(hh) },
					   { nt_resp, MSCHAP_NT_RESPONSE_LEN },
					   { magic1, sizeof(magic1) - 1 } };

		if ((rc = digest(c->x_sha1, p1, 3, md)) != 0)
			goto out;
	}
	{
		const struct part p2[] = { { md, MSCHAP_AUTH_RESPONSE_LEN },
					   { ch, sizeof(ch) },
					   { magic2, sizeof(magic2) - 1 } };

		if ((rc = digest(c->x_sha1, p2, 3, md)) != 0)
			goto out;
	}
	memcpy(out, md, MSCHAP_AUTH_RESPONSE_LEN);
out:
	crypto_wipe(hh, sizeof(hh));
	crypto_wipe(ch, sizeof(ch));
	crypto_wipe(md, sizeof(md));
	return rc;
}

/* RFC 3079 3.4 GetMasterKey: SHA-1(PasswordHashHash | NT-Response | Magic1), 16 bytes. */
int mschap_master_key(const struct eap_ctx *c, const uint8_t hash_hash[EAP_NT_HASH_LEN],
		      const uint8_t nt_resp[MSCHAP_NT_RESPONSE_LEN],
		      uint8_t out[MSCHAP_MASTER_KEY_LEN])
{
	static const char magic1[] = "This is the MPPE Master Key";
	const struct part parts[] = { { hash_hash, EAP_NT_HASH_LEN },
				      { nt_resp, MSCHAP_NT_RESPONSE_LEN },
				      { magic1, sizeof(magic1) - 1 } };
	uint8_t md[EVP_MAX_MD_SIZE];
	int rc = digest(c->x_sha1, parts, 3, md);

	if (rc == 0)
		memcpy(out, md, MSCHAP_MASTER_KEY_LEN);
	crypto_wipe(md, sizeof(md));
	return rc;
}

/*
 * RFC 3079 3.4 GetAsymmetricStartKey: SHA-1(MasterKey | SHSpad1 | s |
 * SHSpad2) with s Magic2 for the client's send and the server's receive
 * key, Magic3 for the other two; SHSpad1 is 40 zero bytes, SHSpad2 40
 * times 0xf2.
 */
int mschap_start_key(const struct eap_ctx *c, const uint8_t mk[MSCHAP_MASTER_KEY_LEN], bool send,
		     bool server, uint8_t out[MSCHAP_MASTER_KEY_LEN])
{
	static const char magic2[] = "On the client side, this is the send key; "
				     "on the server side, it is the receive key.";
	static const char magic3[] = "On the client side, this is the receive key; "
				     "on the server side, it is the send key.";
	uint8_t pad1[40], pad2[40], md[EVP_MAX_MD_SIZE];
	bool m2 = send != server;
	int rc;

	memset(pad1, 0, sizeof(pad1));
	memset(pad2, 0xf2, sizeof(pad2));
	{
		const struct part parts[] = { { mk, MSCHAP_MASTER_KEY_LEN },
					      { pad1, sizeof(pad1) },
					      { m2 ? magic2 : magic3,
						(m2 ? sizeof(magic2) : sizeof(magic3)) - 1 },
					      { pad2, sizeof(pad2) } };

		rc = digest(c->x_sha1, parts, 4, md);
	}
	if (rc == 0)
		memcpy(out, md, MSCHAP_MASTER_KEY_LEN);
	crypto_wipe(md, sizeof(md));
	return rc;
}

/*
 * The MSK of EAP-MSCHAPv2 (Microsoft [MS-CHAP] 3.1.5.1, which
 * draft-kamath-pppext-eap-mschapv2 leaves open): MasterReceiveKey |
 * MasterSendKey as the server names them (RFC 3079 keys of 16 bytes:
 * Magic2, then Magic3), then 32 zero bytes, 64 in all. The client's
 * MasterSendKey is the server's MasterReceiveKey, so both ends hold the
 * same bytes. strongSwan (eap_mschapv2.c GenerateMSK) and Windows build
 * exactly this, and IKEv2 keys AUTH with all 64 bytes (RFC 7296 2.16).
 */
int mschap_msk(const struct eap_ctx *c, const uint8_t hash[EAP_NT_HASH_LEN],
	       const uint8_t nt_resp[MSCHAP_NT_RESPONSE_LEN], struct secret **msk)
{
	uint8_t hh[EAP_NT_HASH_LEN], mk[MSCHAP_MASTER_KEY_LEN];
	struct secret *s = secret_new(EAP_MSK_LEN);
	int rc;

	*msk = NULL;
	if (!s)
		return GW_E_NOMEM;
	if ((rc = mschap_nt_hash_hash(c, hash, hh)) == 0 &&
	    (rc = mschap_master_key(c, hh, nt_resp, mk)) == 0 &&
	    (rc = mschap_start_key(c, mk, false, true, s->data)) == 0)
		rc = mschap_start_key(c, mk, true, true, s->data + MSCHAP_MASTER_KEY_LEN);
	crypto_wipe(hh, sizeof(hh));
	crypto_wipe(mk, sizeof(mk));
	if (rc) {
		secret_free(s);
		return rc;
	}
	*msk = s;
	return 0;
}

/* RFC 1994 4.1 (as RFC 3748 5.4 uses it): MD5(Identifier | secret | Challenge). */
int eap_md5_digest(const struct eap_ctx *c, uint8_t id, const uint8_t *secret, size_t secret_len,
		   const uint8_t *challenge, size_t challenge_len, uint8_t out[16])
{
	const struct part parts[] = { { &id, 1 },
				      { secret, secret_len },
				      { challenge, challenge_len } };
	uint8_t md[EVP_MAX_MD_SIZE];
	int rc = digest(c->x_md5, parts, 3, md);

	if (rc == 0)
		memcpy(out, md, 16);
	crypto_wipe(md, sizeof(md));
	return rc;
}

/*
 * proposal.c: proposal strings as strongSwan admins write them
 * ("aes256gcm16-prfsha384-x25519", "aes128-sha256-modp2048-esn"), parsed
 * into IKE transforms (RFC 7296 section 3.3.2) and printed back in one
 * canonical form: encryption, integrity, PRF, key exchange, ESN, each with
 * its first keyword below. Only algorithms crypto/ implements are known.
 * The weak ones (3des, modp1024, modp1536, sha1) are here for old clients
 * and are never in a proposal unless an admin writes them (or a preset of
 * api/model that names them).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "crypto/crypto.h"
#include "util/err.h"
#include "util/log.h"

struct kw {
	const char *k_name;
	uint8_t k_type;
	uint16_t k_id;
	uint16_t k_keylen;
};

#define ENCR(n, id, kl)                \
	{                              \
		n, IKE_XF_ENCR, id, kl \
	}
#define INTEG(n, id)                   \
	{                              \
		n, IKE_XF_INTEG, id, 0 \
	}
#define PRF(n, id)                   \
	{                            \
		n, IKE_XF_PRF, id, 0 \
	}
#define KE(n, id)                   \
	{                           \
		n, IKE_XF_KE, id, 0 \
	}
#define ESN(n, id)                   \
	{                            \
		n, IKE_XF_ESN, id, 0 \
	}

/* Canonical names first: proposal_format prints the first match. */
static const struct kw kw_tab[] = {
	ENCR("aes128", IKE_ENCR_AES_CBC, 128),
	ENCR("aes192", IKE_ENCR_AES_CBC, 192),
	ENCR("aes256", IKE_ENCR_AES_CBC, 256),
	ENCR("aes128gcm16", IKE_ENCR_AES_GCM_16, 128),
	ENCR("aes192gcm16", IKE_ENCR_AES_GCM_16, 192),
	ENCR("aes256gcm16", IKE_ENCR_AES_GCM_16, 256),
	ENCR("aes128gcm12", IKE_ENCR_AES_GCM_12, 128),
	ENCR("aes192gcm12", IKE_ENCR_AES_GCM_12, 192),
	ENCR("aes256gcm12", IKE_ENCR_AES_GCM_12, 256),
	ENCR("aes128gcm8", IKE_ENCR_AES_GCM_8, 128),
	ENCR("aes192gcm8", IKE_ENCR_AES_GCM_8, 192),
	ENCR("aes256gcm8", IKE_ENCR_AES_GCM_8, 256),
	ENCR("chacha20poly1305", IKE_ENCR_CHACHA20_POLY1305, 0),
	ENCR("3des", IKE_ENCR_3DES, 0),
	INTEG("sha1", IKE_INTEG_HMAC_SHA1_96),
	INTEG("sha256", IKE_INTEG_HMAC_SHA2_256_128),
	INTEG("sha384", IKE_INTEG_HMAC_SHA2_384_192),
	INTEG("sha512", IKE_INTEG_HMAC_SHA2_512_256),
	PRF("prfsha1", IKE_PRF_HMAC_SHA1),
	PRF("prfsha256", IKE_PRF_HMAC_SHA2_256),
	PRF("prfsha384", IKE_PRF_HMAC_SHA2_384),
	PRF("prfsha512", IKE_PRF_HMAC_SHA2_512),
	KE("modp1024", IKE_KE_MODP1024),
	KE("modp1536", IKE_KE_MODP1536),
	KE("modp2048", IKE_KE_MODP2048),
	KE("modp3072", IKE_KE_MODP3072),
	KE("modp4096", IKE_KE_MODP4096),
	KE("ecp256", IKE_KE_ECP256),
	KE("ecp384", IKE_KE_ECP384),
	KE("ecp521", IKE_KE_ECP521),
	KE("x25519", IKE_KE_CURVE25519),
	KE("x448", IKE_KE_CURVE448),
	ESN("esn", IKE_ESN_YES),
	ESN("noesn", IKE_ESN_NO),
	/* aliases strongSwan accepts */
	ENCR("aes", IKE_ENCR_AES_CBC, 128),
	ENCR("aes128gcm128", IKE_ENCR_AES_GCM_16, 128),
	ENCR("aes192gcm128", IKE_ENCR_AES_GCM_16, 192),
	ENCR("aes256gcm128", IKE_ENCR_AES_GCM_16, 256),
	ENCR("aes128gcm96", IKE_ENCR_AES_GCM_12, 128),
	ENCR("aes192gcm96", IKE_ENCR_AES_GCM_12, 192),
	ENCR("aes256gcm96", IKE_ENCR_AES_GCM_12, 256),
	ENCR("aes128gcm64", IKE_ENCR_AES_GCM_8, 128),
	ENCR("aes192gcm64", IKE_ENCR_AES_GCM_8, 192),
	ENCR("aes256gcm64", IKE_ENCR_AES_GCM_8, 256),
	INTEG("sha", IKE_INTEG_HMAC_SHA1_96),
	INTEG("sha2_256", IKE_INTEG_HMAC_SHA2_256_128),
	INTEG("sha2_384", IKE_INTEG_HMAC_SHA2_384_192),
	INTEG("sha2_512", IKE_INTEG_HMAC_SHA2_512_256),
	KE("curve25519", IKE_KE_CURVE25519),
	KE("curve448", IKE_KE_CURVE448),
};

#define KW_N (sizeof(kw_tab) / sizeof(kw_tab[0]))

/* Print order of the transform types. */
static const uint8_t type_order[] = { IKE_XF_ENCR, IKE_XF_INTEG, IKE_XF_PRF, IKE_XF_KE,
				      IKE_XF_ESN };

/* strongSwan derives IKE PRFs from the integrity algorithms when none is
 * named: HMAC-SHA-x integrity gives PRF_HMAC_SHA-x. */
static const struct {
	uint16_t integ, prf;
} integ_prf[] = {
	{ IKE_INTEG_HMAC_SHA1_96, IKE_PRF_HMAC_SHA1 },
	{ IKE_INTEG_HMAC_SHA2_256_128, IKE_PRF_HMAC_SHA2_256 },
	{ IKE_INTEG_HMAC_SHA2_384_192, IKE_PRF_HMAC_SHA2_384 },
	{ IKE_INTEG_HMAC_SHA2_512_256, IKE_PRF_HMAC_SHA2_512 },
};

static const struct kw *kw_find(const char *s, size_t len)
{
	for (size_t i = 0; i < KW_N; i++)
		if (strlen(kw_tab[i].k_name) == len && strncasecmp(kw_tab[i].k_name, s, len) == 0)
			return &kw_tab[i];
	return NULL;
}

static const char *xf_name(const struct proposal_xf *x)
{
	for (size_t i = 0; i < KW_N; i++)
		if (kw_tab[i].k_type == x->x_type && kw_tab[i].k_id == x->x_id &&
		    kw_tab[i].k_keylen == x->x_keylen)
			return kw_tab[i].k_name;
	return NULL;
}

static int perr(char *errbuf, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int perr(char *errbuf, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (errbuf == NULL || errlen == 0)
		return rc;
	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

static size_t count_type(const struct proposal *p, uint8_t type, bool aead_only)
{
	size_t n = 0;

	for (size_t i = 0; i < p->p_n; i++)
		if (p->p_xf[i].x_type == type && (!aead_only || encr_is_aead(p->p_xf[i].x_id)))
			n++;
	return n;
}

/* First transform of a type (aead: only AEAD / only non-AEAD ciphers). */
static const struct proposal_xf *first_of(const struct proposal *p, uint8_t type, int aead)
{
	for (size_t i = 0; i < p->p_n; i++) {
		const struct proposal_xf *x = &p->p_xf[i];

		if (x->x_type == type && (aead < 0 || encr_is_aead(x->x_id) == (aead == 1)))
			return x;
	}
	return NULL;
}

static bool has_xf(const struct proposal *p, const struct proposal_xf *x)
{
	for (size_t i = 0; i < p->p_n; i++)
		if (p->p_xf[i].x_type == x->x_type && p->p_xf[i].x_id == x->x_id &&
		    p->p_xf[i].x_keylen == x->x_keylen)
			return true;
	return false;
}

static int add_xf(struct proposal *p, uint8_t type, uint16_t id, uint16_t keylen)
{
	struct proposal_xf x;

	memset(&x, 0, sizeof(x)); /* padding too: callers may memcmp */
	x.x_type = type;
	x.x_id = id;
	x.x_keylen = keylen;
	if (has_xf(p, &x))
		return GW_E_EXISTS;
	if (p->p_n >= PROPOSAL_MAX_XF)
		return GW_E_RANGE;
	p->p_xf[p->p_n++] = x;
	return 0;
}

/* One "-"-separated keyword: known, allowed for proto, not repeated. */
static int parse_token(struct proposal *p, const char *s, size_t len, char *errbuf, size_t errlen)
{
	const struct kw *k;
	char tok[64];
	int rc;

	log_escape(tok, sizeof(tok), s, len);
	if (len == 0)
		return perr(errbuf, errlen, GW_E_INVAL, "empty algorithm name");
	if ((k = kw_find(s, len)) == NULL)
		return perr(errbuf, errlen, GW_E_INVAL, "unknown algorithm '%s'", tok);
	if (p->p_proto == IKE_PROTO_ESP && k->k_type == IKE_XF_PRF)
		return perr(errbuf, errlen, GW_E_INVAL, "'%s': an ESP proposal has no PRF", tok);
	if (p->p_proto == IKE_PROTO_IKE && k->k_type == IKE_XF_ESN)
		return perr(errbuf, errlen, GW_E_INVAL, "'%s': ESN is for ESP proposals only", tok);
	rc = add_xf(p, k->k_type, k->k_id, k->k_keylen);
	if (rc == GW_E_EXISTS)
		return perr(errbuf, errlen, GW_E_INVAL, "algorithm '%s' given twice", tok);
	if (rc)
		return perr(errbuf, errlen, rc, "more than %d algorithms at '%s'", PROPOSAL_MAX_XF,
			    tok);
	return 0;
}

/* strongSwan: no PRF named in an IKE proposal -> one per integrity
 * algorithm. AEAD-only proposals must name theirs. */
static int derive_prfs(struct proposal *p, char *errbuf, size_t errlen)
{
	size_t n = p->p_n;
	int rc;

	if (count_type(p, IKE_XF_PRF, false) != 0)
		return 0;
	if (count_type(p, IKE_XF_INTEG, false) == 0)
		return perr(errbuf, errlen, GW_E_INVAL,
			    "IKE proposal with AEAD '%s' needs a PRF (e.g. prfsha256)",
			    xf_name(first_of(p, IKE_XF_ENCR, -1)));
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < sizeof(integ_prf) / sizeof(integ_prf[0]); j++) {
			if (p->p_xf[i].x_type != IKE_XF_INTEG ||
			    integ_prf[j].integ != p->p_xf[i].x_id)
				continue;
			rc = add_xf(p, IKE_XF_PRF, integ_prf[j].prf, 0);
			if (rc && rc != GW_E_EXISTS)
				return perr(errbuf, errlen, rc, "more than %d algorithms",
					    PROPOSAL_MAX_XF);
		}
	}
	return 0;
}

/* RFC 7296 3.3.3 (mandatory transform types) and RFC 5282 section 8
 * (an AEAD takes no integrity transform). */
static int check_types(struct proposal *p, char *errbuf, size_t errlen)
{
	const struct proposal_xf *aead = first_of(p, IKE_XF_ENCR, 1);
	const struct proposal_xf *plain = first_of(p, IKE_XF_ENCR, 0);
	const struct proposal_xf *integ = first_of(p, IKE_XF_INTEG, -1);
	bool ike = p->p_proto == IKE_PROTO_IKE;
	int rc;

	if (aead == NULL && plain == NULL)
		return perr(errbuf, errlen, GW_E_INVAL, "no encryption algorithm");
	if (aead && plain)
		return perr(errbuf, errlen, GW_E_INVAL,
			    "AEAD '%s' and non-AEAD '%s' in one proposal", xf_name(aead),
			    xf_name(plain));
	if (aead && integ)
		return perr(errbuf, errlen, GW_E_INVAL,
			    "AEAD '%s' cannot take integrity algorithm '%s'", xf_name(aead),
			    xf_name(integ));
	if (plain && integ == NULL)
		return perr(errbuf, errlen, GW_E_INVAL, "'%s' needs an integrity algorithm",
			    xf_name(plain));
	if (ike && (rc = derive_prfs(p, errbuf, errlen)) != 0)
		return rc;
	if (ike && count_type(p, IKE_XF_KE, false) == 0)
		return perr(errbuf, errlen, GW_E_INVAL,
			    "IKE proposal needs a key exchange group (e.g. x25519)");
	/* ESP without an ESN keyword: no ESN, as strongSwan defaults. */
	if (!ike && count_type(p, IKE_XF_ESN, false) == 0)
		return add_xf(p, IKE_XF_ESN, IKE_ESN_NO, 0);
	return 0;
}

/* Stable reorder into print order, so parse(format(p)) == p. */
static void sort_xf(struct proposal *p)
{
	struct proposal_xf tmp[PROPOSAL_MAX_XF];
	size_t n = 0;

	memset(tmp, 0, sizeof(tmp));

	for (size_t t = 0; t < sizeof(type_order); t++)
		for (size_t i = 0; i < p->p_n; i++)
			if (p->p_xf[i].x_type == type_order[t])
				tmp[n++] = p->p_xf[i];
	memcpy(p->p_xf, tmp, n * sizeof(tmp[0]));
	p->p_n = (uint8_t)n;
}

int proposal_parse(const char *str, uint8_t proto, struct proposal *out, char *errbuf,
		   size_t errlen)
{
	const char *s = str, *dash;
	int rc;

	memset(out, 0, sizeof(*out));
	out->p_proto = proto;
	if (errbuf && errlen)
		errbuf[0] = '\0';
	if (proto != IKE_PROTO_IKE && proto != IKE_PROTO_ESP)
		return perr(errbuf, errlen, GW_E_UNSUP, "proposals are for IKE or ESP");
	if (str == NULL || *str == '\0')
		return perr(errbuf, errlen, GW_E_INVAL, "empty proposal");
	for (;;) {
		dash = strchr(s, '-');
		if ((rc = parse_token(out, s, dash ? (size_t)(dash - s) : strlen(s), errbuf,
				      errlen)) != 0)
			goto out;
		if (dash == NULL)
			break;
		s = dash + 1;
	}
	if ((rc = check_types(out, errbuf, errlen)) != 0)
		goto out;
	sort_xf(out);
out:
	if (rc) {
		memset(out, 0, sizeof(*out));
		out->p_proto = proto;
	}
	return rc;
}

int proposal_format(const struct proposal *p, char *buf, size_t len)
{
	size_t used = 0;

	if (buf == NULL || len == 0)
		return GW_E_RANGE;
	buf[0] = '\0';
	if (p->p_n > PROPOSAL_MAX_XF)
		return GW_E_INVAL;
	for (size_t t = 0; t < sizeof(type_order); t++) {
		for (size_t i = 0; i < p->p_n; i++) {
			const char *name;
			int n;

			if (p->p_xf[i].x_type != type_order[t])
				continue;
			if ((name = xf_name(&p->p_xf[i])) == NULL)
				return GW_E_INVAL;
			n = snprintf(buf + used, len - used, "%s%s", used ? "-" : "", name);
			if (n < 0 || (size_t)n >= len - used) {
				buf[0] = '\0';
				return GW_E_RANGE;
			}
			used += (size_t)n;
		}
	}
	return 0;
}

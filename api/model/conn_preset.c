/*
 * conn_preset.c: named proposal presets. An entry "preset:NAME" in a
 * connection's "proposals" or a child's "esp_proposals" stands for the
 * preset's proposal strings, in order, so that an admin can accept a
 * client family on purpose ("preset:windows-default") without writing out
 * what that client sends. What each client sends by default, and where
 * that comes from, is in README.md ("Client compatibility"); the weak
 * groups and ciphers (modp1024, sha1) appear only in the presets named
 * after the clients that need them, never in "modern" or "compat".
 *
 * Each list is in our order of preference: the responder takes the first
 * of ours that the client offers (gateway/sa/select.c), so the strongest
 * thing a client can do comes first.
 */
#include <stdio.h>
#include <string.h>

#include "api/model/conn_int.h"
#include "api/model/json_util.h"
#include "gateway/util/err.h"
#include "gateway/util/log.h"

struct preset {
	const char *ps_name;
	const char *const *ps_ike; /* NULL-terminated */
	const char *const *ps_esp;
};

/* AEAD with elliptic-curve groups (RFC 8247 section 2.4: 19 and 31 are
 * SHOULD, AES-GCM with 16-byte ICV MUST for IKEv2, RFC 8221 for ESP). */
#define IKE_MODERN \
	"aes256gcm16-aes128gcm16-chacha20poly1305-prfsha384-prfsha256-x25519-ecp384-ecp256"
#define ESP_MODERN "aes256gcm16-aes128gcm16-chacha20poly1305"
/* AES-CBC with HMAC-SHA-2 for peers without AEAD in IKE; MODP 2048 is
 * RFC 8247's minimum. */
#define IKE_CBC "aes256-aes128-sha384-sha256-x25519-ecp384-ecp256-modp3072-modp2048"
#define ESP_CBC "aes256-aes128-sha384-sha256"

static const char *const modern_ike[] = { IKE_MODERN, NULL };
static const char *const modern_esp[] = { ESP_MODERN, NULL };
static const char *const compat_ike[] = { IKE_MODERN, IKE_CBC, NULL };
static const char *const compat_esp[] = { ESP_MODERN, ESP_CBC, NULL };

/*
 * Windows 7-11, built-in client (Agile VPN) without registry or
 * PowerShell changes: AES-CBC-256 (and 3DES, AES-128/192) with HMAC-SHA1,
 * SHA-256 or SHA-384, one proposal each, MODP 1024 only; Windows 11 also
 * AES-GCM with MODP 1024. With NegotiateDH2048_AES256 = 1 or 2: AES-CBC-256
 * with MODP 2048. ESP: AES-CBC-256/128 (and 3DES, DES, NULL) with
 * HMAC-SHA1 only. AES-256 is always offered, so 3DES is never needed.
 *
 * The responder takes, for each of our proposals in turn, the client's
 * first proposal it fits (as strongSwan does), and Windows lists SHA-1
 * before SHA-256: SHA-256 gets proposals of its own to be chosen. The
 * last one, SHA-1 alone, is for clients reported to offer only that
 * (the usual "aes256-sha1-modp1024" of other gateways' trackers).
 */
static const char *const windows_ike[] = {
	"aes256-sha256-modp2048",
	"aes256gcm16-prfsha256-modp1024",
	"aes256-sha256-modp1024",
	"aes256-sha1-modp2048-modp1024",
	NULL,
};
static const char *const windows_esp[] = { "aes256-sha1", NULL };

/*
 * iOS and macOS built-in client configured by hand (no profile): IKE
 * AES-CBC-256 + HMAC-SHA-256 with MODP 2048 first, ECP 256 (iOS), then
 * MODP 1536, AES-128/3DES with SHA-1 and MODP 1024; ESP AES-CBC-256 +
 * HMAC-SHA-256 first. A configuration profile's defaults are AES-256,
 * SHA2-256 and group 14 as well.
 */
static const char *const apple_ike[] = { "aes256-sha256-modp2048-ecp256", NULL };
static const char *const apple_esp[] = { "aes256-sha256", NULL };

/*
 * strongSwan's Android app without proposals in the profile: IKE is the
 * library's default (as for "strongswan" below); ESP is
 * aes256gcm16-aes128gcm16-chacha20poly1305, then AES-256/192/128-CBC with
 * SHA-384/256/512/1, each offered with and without a PFS group
 * (android_service.c). Accepted here in the app's order, without SHA-1.
 */
static const char *const android_ike[] = { IKE_MODERN, IKE_CBC, NULL };
static const char *const android_esp[] = {
	ESP_MODERN,
	"aes256-aes192-aes128-sha384-sha256-sha512",
	NULL,
};

/*
 * strongSwan 5.9 with proposals = default (seen from Debian's 5.9.8): one
 * AES-CBC/CTR, Camellia and 3DES proposal with HMAC-SHA-256/384/512/1,
 * then one AEAD proposal (AES-GCM/CCM, ChaCha20-Poly1305), both with
 * PRF SHA-256/384/512/1 and Curve25519, Curve448, ECP 256/384/521,
 * brainpool, MODP 3072-8192 and 2048; ESP AES-CBC with SHA-2/SHA-1/XCBC,
 * then AES-GCM-16. Here: what we implement of it, AEAD first, without the
 * 3DES and SHA-1 it keeps as a last resort.
 */
static const char *const swan_ike[] = {
	"aes256gcm16-aes128gcm16-chacha20poly1305-prfsha256-prfsha384-prfsha512-"
	"x25519-x448-ecp256-ecp384-ecp521-modp3072",
	"aes256-aes128-sha256-sha384-sha512-x25519-x448-ecp256-ecp384-ecp521-modp3072-modp2048",
	NULL,
};
static const char *const swan_esp[] = {
	"aes256gcm16-aes192gcm16-aes128gcm16",
	"aes256-aes192-aes128-sha256-sha384-sha512",
	NULL,
};

static const struct preset presets[] = {
	{ "modern", modern_ike, modern_esp },
	{ "compat", compat_ike, compat_esp },
	{ "windows-default", windows_ike, windows_esp },
	{ "apple-default", apple_ike, apple_esp },
	{ "android-strongswan", android_ike, android_esp },
	{ "strongswan", swan_ike, swan_esp },
};

#define N_PRESETS (sizeof(presets) / sizeof(presets[0]))

const char *const *model_preset(const char *name, uint8_t proto)
{
	for (size_t i = 0; i < N_PRESETS; i++)
		if (!strcmp(presets[i].ps_name, name))
			return proto == IKE_PROTO_IKE ? presets[i].ps_ike : presets[i].ps_esp;
	return NULL;
}

const char *model_preset_name(size_t i)
{
	return i < N_PRESETS ? presets[i].ps_name : NULL;
}

/* "modern, compat, ..." for the message that refuses an unknown name. */
static void preset_names(char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < N_PRESETS && n < len; i++) {
		int w = snprintf(buf + n, len - n, "%s%s", i ? ", " : "", presets[i].ps_name);

		if (w < 0)
			break;
		n += (size_t)w;
	}
}

/*
 * The entry after "preset:" (borrowed: points into s). An unknown name is
 * refused naming the ones there are.
 */
int mc_preset_lookup(const char *s, const char *path, uint8_t proto, const char *const **list,
		     struct model_err *err)
{
	const char *name = s + strlen(MC_PRESET_PREFIX);
	char names[160], esc[80];

	if (strlen(name) < MODEL_PRESET_LEN && (*list = model_preset(name, proto)) != NULL)
		return 0;
	preset_names(names, sizeof(names));
	log_escape(esc, sizeof(esc), name, strlen(name));
	return mj_fail(err, path, "unknown proposal preset '%s' (there are: %s)", esc, names);
}

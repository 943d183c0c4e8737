/*
 * Unit tests: what the client-compatibility presets of api/model select
 * (gateway/sa/select.c) from the proposals common clients send by default
 * (README.md, "Client compatibility"), and how an offer with transforms we
 * do not implement is printed for the NO_PROPOSAL_CHOSEN log line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"
#include "sa/sa_int.h"
#include "util/err.h"

/* The proposals of one or more presets (and explicit strings), as a
 * connection would hold them after expansion. */
static size_t ours_from(const char *const *names, uint8_t proto, struct model_proposal *mp,
			size_t max)
{
	size_t n = 0;
	char err[128];

	for (; *names; names++) {
		const char *const *l = model_preset(*names, proto);
		const char *one[2] = { *names, NULL };

		if (l == NULL)
			l = one; /* not a preset: a proposal string */
		for (; *l && n < max; l++, n++) {
			memset(&mp[n], 0, sizeof(mp[n]));
			snprintf(mp[n].mp_str, sizeof(mp[n].mp_str), "%s", *l);
			CU_ASSERT_EQUAL_FATAL(
				proposal_parse(*l, proto, &mp[n].mp_prop, err, sizeof(err)), 0);
		}
	}
	return n;
}

/* A client's SA payload: one proposal per string, numbered from 1. */
static struct ike_pld_sa *client(const char *const *strs, uint8_t proto)
{
	struct ike_pld_sa *sa = calloc(1, sizeof(*sa));
	struct model_proposal mp[16];
	size_t n = 0;
	char err[128];

	CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
	for (; strs[n]; n++)
		CU_ASSERT_EQUAL_FATAL(
			proposal_parse(strs[n], proto, &mp[n].mp_prop, err, sizeof(err)), 0);
	sa_offer_from_config(mp, n, proto == IKE_PROTO_ESP ? (const uint8_t *)"\1\2\3\4" : NULL,
			     proto == IKE_PROTO_ESP ? 4 : 0, false, sa);
	return sa;
}

/* ours (presets or strings) against the client's offer: the chosen
 * proposal as text, or "none". prefer_ke: the group of the client's KE. */
static const char *pick(const char *const *ours, const struct ike_pld_sa *offer, uint8_t proto,
			uint16_t prefer_ke, char *buf, size_t len)
{
	struct model_proposal mp[16];
	struct ike_proposal chosen;
	size_t n = ours_from(ours, proto, mp, 16);

	if (sa_select_proposal_ke(offer, mp, n, proto, proto == IKE_PROTO_ESP, prefer_ke, &chosen))
		snprintf(buf, len, "none");
	else
		sa_proposal_str(&chosen, buf, len);
	return buf;
}

#define LIST(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Windows 10 (strongSwan's log of a default client, in its order), the
 * same with NegotiateDH2048_AES256 = 2, and Windows 11's AES-GCM one. */
static const char *const win10_ike[] = {
	"3des-sha1-modp1024",
	"aes256-sha1-modp1024",
	"3des-sha256-modp1024",
	"aes256-sha256-modp1024",
	"3des-sha384-modp1024",
	"aes256-sha384-modp1024",
	NULL,
};
static const char *const win_dh2048_ike[] = { "aes256-sha1-modp2048", "aes256-sha256-modp2048",
					      "aes256-sha384-modp2048", NULL };
static const char *const win11_ike[] = {
	"aes128gcm16-aes256gcm16-prfsha1-prfsha256-prfsha384-modp1024",
	"3des-aes128-aes192-aes256-sha1-sha256-sha384-modp1024",
	NULL,
};
static const char *const win_esp[] = { "aes256-sha1", "aes128-sha1", "3des-sha1", NULL };

static void test_windows(void)
{
	struct ike_pld_sa *w10 = client(win10_ike, IKE_PROTO_IKE);
	struct ike_pld_sa *w2048 = client(win_dh2048_ike, IKE_PROTO_IKE);
	struct ike_pld_sa *w11 = client(win11_ike, IKE_PROTO_IKE);
	struct ike_pld_sa *esp = client(win_esp, IKE_PROTO_ESP);
	char b[256];

	/* the strongest of what Windows sends, never 3DES */
	CU_ASSERT_STRING_EQUAL(
		pick(LIST("windows-default"), w10, IKE_PROTO_IKE, IKE_KE_MODP1024, b, sizeof(b)),
		"aes256-sha256-prfsha256-modp1024");
	CU_ASSERT_STRING_EQUAL(
		pick(LIST("windows-default"), w2048, IKE_PROTO_IKE, IKE_KE_MODP2048, b, sizeof(b)),
		"aes256-sha256-prfsha256-modp2048");
	CU_ASSERT_STRING_EQUAL(
		pick(LIST("windows-default"), w11, IKE_PROTO_IKE, IKE_KE_MODP1024, b, sizeof(b)),
		"aes256gcm16-prfsha256-modp1024");
	CU_ASSERT_STRING_EQUAL(pick(LIST("windows-default"), esp, IKE_PROTO_ESP, 0, b, sizeof(b)),
			       "aes256-sha1-noesn");
	/* the complaint: a gateway without MODP 1024 refuses it */
	CU_ASSERT_STRING_EQUAL(
		pick(LIST("modern"), w10, IKE_PROTO_IKE, IKE_KE_MODP1024, b, sizeof(b)), "none");
	CU_ASSERT_STRING_EQUAL(
		pick(LIST("compat"), w10, IKE_PROTO_IKE, IKE_KE_MODP1024, b, sizeof(b)), "none");
	CU_ASSERT_STRING_EQUAL(pick(LIST("compat"), esp, IKE_PROTO_ESP, 0, b, sizeof(b)), "none");
	/* with the registry key, compat suffices for IKE (not for ESP: SHA-1) */
	CU_ASSERT_STRING_EQUAL(
		pick(LIST("compat"), w2048, IKE_PROTO_IKE, IKE_KE_MODP2048, b, sizeof(b)),
		"aes256-sha256-prfsha256-modp2048");
	/* a remote-access mix: compat first, Windows still lands on its own */
	CU_ASSERT_STRING_EQUAL(pick(LIST("compat", "windows-default", "apple-default"), w10,
				    IKE_PROTO_IKE, IKE_KE_MODP1024, b, sizeof(b)),
			       "aes256-sha256-prfsha256-modp1024");
	/* a client that offers SHA-1 only (the example) */
	{
		static const char *const sha1only[] = { "aes256-sha1-modp1024", NULL };
		struct ike_pld_sa *o = client(sha1only, IKE_PROTO_IKE);

		CU_ASSERT_STRING_EQUAL(pick(LIST("windows-default"), o, IKE_PROTO_IKE,
					    IKE_KE_MODP1024, b, sizeof(b)),
				       "aes256-sha1-prfsha1-modp1024");
		free(o);
	}
	/* 3DES is chosen only when written out and nothing better is offered */
	{
		static const char *const only3des[] = { "3des-sha1-modp1024", NULL };
		struct ike_pld_sa *o = client(only3des, IKE_PROTO_IKE);

		CU_ASSERT_STRING_EQUAL(pick(LIST("windows-default"), o, IKE_PROTO_IKE,
					    IKE_KE_MODP1024, b, sizeof(b)),
				       "none");
		CU_ASSERT_STRING_EQUAL(pick(LIST("windows-default", "3des-sha1-modp1024"), o,
					    IKE_PROTO_IKE, IKE_KE_MODP1024, b, sizeof(b)),
				       "3des-sha1-prfsha1-modp1024");
		free(o);
	}
	free(w10);
	free(w2048);
	free(w11);
	free(esp);
}

/* iOS 16.5 / macOS 13.4 built-in client configured by hand. */
static void test_apple(void)
{
	static const char *const ios_ike[] = { "aes256-sha256-modp2048", "aes256-sha256-ecp256",
					       "aes256-sha256-modp1536", "aes128-sha1-modp1024",
					       "3des-sha1-modp1024",     NULL };
	static const char *const ios_esp[] = { "aes256-sha256", "aes128-sha1", "3des-sha1", NULL };
	struct ike_pld_sa *ike = client(ios_ike, IKE_PROTO_IKE);
	struct ike_pld_sa *esp = client(ios_esp, IKE_PROTO_ESP);
	char b[256];

	CU_ASSERT_STRING_EQUAL(
		pick(LIST("apple-default"), ike, IKE_PROTO_IKE, IKE_KE_MODP2048, b, sizeof(b)),
		"aes256-sha256-prfsha256-modp2048");
	/* a profile with group 19: its one proposal and its KE carry ECP 256 */
	{
		static const char *const prof[] = { "aes256-sha256-ecp256", NULL };
		struct ike_pld_sa *o = client(prof, IKE_PROTO_IKE);

		CU_ASSERT_STRING_EQUAL(
			pick(LIST("apple-default"), o, IKE_PROTO_IKE, IKE_KE_ECP256, b, sizeof(b)),
			"aes256-sha256-prfsha256-ecp256");
		free(o);
	}
	CU_ASSERT_STRING_EQUAL(pick(LIST("apple-default"), esp, IKE_PROTO_ESP, 0, b, sizeof(b)),
			       "aes256-sha256-noesn");
	/* compat accepts Apple's defaults without the weak groups */
	CU_ASSERT_STRING_EQUAL(
		pick(LIST("compat"), ike, IKE_PROTO_IKE, IKE_KE_MODP2048, b, sizeof(b)),
		"aes256-sha256-prfsha256-modp2048");
	CU_ASSERT_STRING_EQUAL(pick(LIST("compat"), esp, IKE_PROTO_ESP, 0, b, sizeof(b)),
			       "aes256-sha256-noesn");
	CU_ASSERT_STRING_EQUAL(
		pick(LIST("modern"), ike, IKE_PROTO_IKE, IKE_KE_MODP2048, b, sizeof(b)), "none");
	free(ike);
	free(esp);
}

/* strongSwan 5.9's default proposals (what Debian's 5.9.8 sends, minus
 * the transforms we lack) and the Android app's ESP list. */
static void test_strongswan(void)
{
	static const char *const swan_ike[] = {
		"aes128-aes192-aes256-3des-sha256-sha384-sha512-sha1-x25519-x448-ecp256-ecp384-"
		"ecp521-modp3072-modp4096-modp2048",
		"aes128gcm16-aes192gcm16-aes256gcm16-chacha20poly1305-aes128gcm12-prfsha256-"
		"prfsha384-prfsha512-prfsha1-x25519-x448-ecp256-ecp384-ecp521-modp3072-modp4096-"
		"modp2048",
		NULL,
	};
	static const char *const swan_esp[] = { "aes128-aes192-aes256-sha256-sha384-sha512-sha1",
						"aes128gcm16-aes192gcm16-aes256gcm16", NULL };
	static const char *const android_esp[] = {
		"aes256gcm16-aes128gcm16-chacha20poly1305-x25519-ecp384-ecp521-modp3072-modp4096-"
		"ecp256",
		"aes256-aes192-aes128-sha384-sha256-sha512-sha1-x25519-ecp384-ecp521-modp3072-"
		"modp4096-ecp256-modp2048",
		"aes256gcm16-aes128gcm16-chacha20poly1305",
		"aes256-aes192-aes128-sha384-sha256-sha512-sha1",
		NULL,
	};
	struct ike_pld_sa *ike = client(swan_ike, IKE_PROTO_IKE);
	struct ike_pld_sa *esp = client(swan_esp, IKE_PROTO_ESP);
	struct ike_pld_sa *aesp = client(android_esp, IKE_PROTO_ESP);
	char b[256];

	CU_ASSERT_STRING_EQUAL(
		pick(LIST("strongswan"), ike, IKE_PROTO_IKE, IKE_KE_CURVE25519, b, sizeof(b)),
		"aes256gcm16-prfsha256-x25519");
	CU_ASSERT_STRING_EQUAL(pick(LIST("strongswan"), esp, IKE_PROTO_ESP, 0, b, sizeof(b)),
			       "aes256gcm16-noesn");
	CU_ASSERT_STRING_EQUAL(pick(LIST("android-strongswan"), ike, IKE_PROTO_IKE,
				    IKE_KE_CURVE25519, b, sizeof(b)),
			       "aes256gcm16-prfsha384-x25519");
	/* IKE_AUTH: the app's PFS groups do not count (RFC 7296 1.2) */
	CU_ASSERT_STRING_EQUAL(
		pick(LIST("android-strongswan"), aesp, IKE_PROTO_ESP, 0, b, sizeof(b)),
		"aes256gcm16-noesn");
	CU_ASSERT_STRING_EQUAL(
		pick(LIST("modern"), ike, IKE_PROTO_IKE, IKE_KE_CURVE25519, b, sizeof(b)),
		"aes256gcm16-prfsha384-x25519");
	free(ike);
	free(esp);
	free(aesp);
}

/* Offered transforms we do not implement still show, as IANA type#ID:
 * AES-CTR 13, DES 2, NULL 11, brainpool 28, AES-XCBC-96 5. */
static void test_offer_text(void)
{
	struct ike_proposal p = { .pr_num = 1, .pr_proto = IKE_PROTO_IKE };
	static const struct ike_transform xf[] = {
		{ IKE_XF_ENCR, IKE_ENCR_AES_CTR, 128, false },
		{ IKE_XF_ENCR, IKE_ENCR_AES_CBC, 256, false },
		{ IKE_XF_ENCR, IKE_ENCR_3DES, 0, false },
		{ IKE_XF_INTEG, IKE_INTEG_AES_XCBC_96, 0, false },
		{ IKE_XF_INTEG, IKE_INTEG_HMAC_SHA1_96, 0, false },
		{ IKE_XF_PRF, IKE_PRF_HMAC_SHA1, 0, false },
		{ IKE_XF_KE, IKE_KE_BP256, 0, false },
		{ IKE_XF_KE, IKE_KE_MODP1024, 0, false },
	};
	char b[128], small[24];

	memcpy(p.pr_xf, xf, sizeof(xf));
	p.pr_n = sizeof(xf) / sizeof(xf[0]);
	CU_ASSERT_STRING_EQUAL(sa_proposal_str(&p, b, sizeof(b)),
			       "aes256-3des-sha1-prfsha1-modp1024-encr#13/128-integ#5-ke#28");
	/* too long for the buffer: cut, and said so */
	CU_ASSERT_STRING_EQUAL(sa_proposal_str(&p, small, sizeof(small)),
			       "aes256-3des-sha1-prf...");
	/* nothing we know at all */
	p.pr_n = 1;
	p.pr_proto = IKE_PROTO_ESP;
	p.pr_xf[0] = (struct ike_transform){ IKE_XF_ENCR, 2 /* DES */, 0, false };
	CU_ASSERT_STRING_EQUAL(sa_proposal_str(&p, b, sizeof(b)), "encr#2");
}

static const struct ut_case cases[] = {
	{ "Windows offers and preset:windows-default", test_windows },
	{ "iOS/macOS offers and preset:apple-default", test_apple },
	{ "strongSwan/Android offers and their presets", test_strongswan },
	{ "offers with transforms we lack, as text", test_offer_text },
	{ NULL, NULL },
};

int main(void)
{
	static const struct ut_suite suite = { "sa/compat", cases };
	static const struct ut_suite *const suites[] = { &suite, NULL };

	return ut_main(suites);
}

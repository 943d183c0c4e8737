/* ikeload's command line. */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/bench/ikeload.h"
#include "util/err.h"

static const char usage[] =
	"usage: ikeload --target ADDR --local ADDR [options]\n"
	"  --auth psk|cert        PSK (each client its own identity) or ECDSA certificate\n"
	"  --psk-file FILE        the pre-shared key (first line)\n"
	"  --id-pattern PAT       PSK identity; a '#' in it is replaced by the client\n"
	"                         number (default client.bench.test: one for all)\n"
	"  --creds DIR            cas/ certs/ keys/ (auth cert, or --verify)\n"
	"  --cert NAME --key NAME --id ID    certificate mode: our cert, key, identity\n"
	"  --idr ID               the responder identity to ask for (IDr)\n"
	"  --count N              setups to run (default 1000)\n"
	"  --concurrency C        setups in flight at most (default 64)\n"
	"  --hold                 keep the SAs, print HELD, delete them on SIGUSR1\n"
	"  --verify               verify the responder's AUTH payload\n"
	"  --ke-reuse N           one key pair for N setups (RFC 7296 2.12; the\n"
	"                         responder's work is the same; default 1: fresh)\n"
	"  --sockets N            UDP sockets / source ports (default 16)\n"
	"  --port P --natt-port P responder ports (500, 4500)\n"
	"  --no-float             stay on port 500 even when a NAT is seen\n"
	"  --ike PROP --esp PROP  proposals (aes256gcm16-prfsha256-x25519, aes256gcm16)\n"
	"  --tsi-base ADDR        client i proposes TSi = ADDR + i (default 10.128.0.0)\n"
	"  --tsr LO-HI            TSr range (default 10.2.0.0-10.2.255.255)\n"
	"  --rto MS --tries N     retransmission (default 2000 ms, 4 retransmits)\n"
	"  --max-seconds S        stop the run after S seconds (default 600)\n"
	"  --progress S           progress line every S seconds on stderr (0 = none)\n";

enum {
	O_TARGET = 256,
	O_LOCAL,
	O_AUTH,
	O_PSKFILE,
	O_IDPAT,
	O_CREDS,
	O_CERT,
	O_KEY,
	O_ID,
	O_IDR,
	O_COUNT,
	O_CONC,
	O_HOLD,
	O_VERIFY,
	O_SOCKS,
	O_PORT,
	O_NATT,
	O_NOFLOAT,
	O_IKE,
	O_ESP,
	O_TSI,
	O_TSR,
	O_RTO,
	O_TRIES,
	O_MAXS,
	O_PROG,
	O_KEREUSE,
};

static const struct option opts[] = {
	{ "target", required_argument, NULL, O_TARGET },
	{ "local", required_argument, NULL, O_LOCAL },
	{ "auth", required_argument, NULL, O_AUTH },
	{ "psk-file", required_argument, NULL, O_PSKFILE },
	{ "id-pattern", required_argument, NULL, O_IDPAT },
	{ "creds", required_argument, NULL, O_CREDS },
	{ "cert", required_argument, NULL, O_CERT },
	{ "key", required_argument, NULL, O_KEY },
	{ "id", required_argument, NULL, O_ID },
	{ "idr", required_argument, NULL, O_IDR },
	{ "count", required_argument, NULL, O_COUNT },
	{ "concurrency", required_argument, NULL, O_CONC },
	{ "hold", no_argument, NULL, O_HOLD },
	{ "verify", no_argument, NULL, O_VERIFY },
	{ "ke-reuse", required_argument, NULL, O_KEREUSE },
	{ "sockets", required_argument, NULL, O_SOCKS },
	{ "port", required_argument, NULL, O_PORT },
	{ "natt-port", required_argument, NULL, O_NATT },
	{ "no-float", no_argument, NULL, O_NOFLOAT },
	{ "ike", required_argument, NULL, O_IKE },
	{ "esp", required_argument, NULL, O_ESP },
	{ "tsi-base", required_argument, NULL, O_TSI },
	{ "tsr", required_argument, NULL, O_TSR },
	{ "rto", required_argument, NULL, O_RTO },
	{ "tries", required_argument, NULL, O_TRIES },
	{ "max-seconds", required_argument, NULL, O_MAXS },
	{ "progress", required_argument, NULL, O_PROG },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int num(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*s || *end || v < lo || v > hi) {
		fprintf(stderr, "ikeload: '%s': not a number in [%lu, %lu]\n", s, lo, hi);
		return GW_E_INVAL;
	}
	*out = v;
	return 0;
}

static int addr(const char *s, struct in_addr *a)
{
	if (inet_pton(AF_INET, s, a) != 1) {
		fprintf(stderr, "ikeload: '%s': not an IPv4 address\n", s);
		return GW_E_INVAL;
	}
	return 0;
}

static int range(const char *s, uint32_t *lo, uint32_t *hi)
{
	char buf[64], *dash;
	struct in_addr a, b;

	snprintf(buf, sizeof(buf), "%s", s);
	if (!(dash = strchr(buf, '-'))) {
		fprintf(stderr, "ikeload: '%s': expected LO-HI\n", s);
		return GW_E_INVAL;
	}
	*dash = '\0';
	if (addr(buf, &a) || addr(dash + 1, &b))
		return GW_E_INVAL;
	*lo = ntohl(a.s_addr);
	*hi = ntohl(b.s_addr);
	return 0;
}

static int prop(const char *s, uint8_t proto, struct proposal *p)
{
	char err[128];

	if (proposal_parse(s, proto, p, err, sizeof(err))) {
		fprintf(stderr, "ikeload: proposal '%s': %s\n", s, err);
		return GW_E_INVAL;
	}
	return 0;
}

/* The key stays in memory for the run; a lab secret from a file, so that
 * it never shows on a command line. */
static int read_psk(const char *path, struct lg_cfg *cf)
{
	FILE *f = fopen(path, "r");
	char buf[256];

	if (!f || !fgets(buf, sizeof(buf), f)) {
		fprintf(stderr, "ikeload: cannot read %s\n", path);
		if (f)
			fclose(f);
		return GW_E_IO;
	}
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	free(cf->c_psk);
	cf->c_psk = strdup(buf);
	crypto_wipe(buf, sizeof(buf));
	return cf->c_psk && *cf->c_psk ? 0 : GW_E_INVAL;
}

static void defaults(struct lg_cfg *cf)
{
	char err[64];

	memset(cf, 0, sizeof(*cf));
	cf->c_target.sin_family = AF_INET;
	cf->c_target.sin_port = htons(500);
	cf->c_natt_port = 4500;
	cf->c_float = true;
	cf->c_nsock = 16;
	cf->c_count = 1000;
	cf->c_conc = 64;
	cf->c_rto_ms = 2000;
	cf->c_tries = 4;
	cf->c_max_s = 600;
	cf->c_id_fmt = "client.bench.test";
	cf->c_tsi_base = 0x0a800000; /* 10.128.0.0 */
	cf->c_tsr_lo = 0x0a020000;   /* 10.2.0.0/16 */
	cf->c_tsr_hi = 0x0a02ffff;
	proposal_parse("aes256gcm16-prfsha256-x25519", IKE_PROTO_IKE, &cf->c_ike, err, sizeof(err));
	proposal_parse("aes256gcm16", IKE_PROTO_ESP, &cf->c_esp, err, sizeof(err));
}

static int opt_one(int c, const char *arg, struct lg_cfg *cf, bool *have_target, bool *have_local)
{
	unsigned long v;
	int r = 0;

	switch (c) {
	case O_TARGET:
		*have_target = true;
		return addr(arg, &cf->c_target.sin_addr);
	case O_LOCAL:
		*have_local = true;
		return addr(arg, &cf->c_local);
	case O_AUTH:
		if (strcmp(arg, "psk") && strcmp(arg, "cert"))
			return GW_E_INVAL;
		cf->c_auth = strcmp(arg, "psk") ? LG_AUTH_CERT : LG_AUTH_PSK;
		return 0;
	case O_PSKFILE:
		return read_psk(arg, cf);
	case O_IDPAT:
		cf->c_id_fmt = arg;
		return 0;
	case O_CREDS:
		cf->c_creds = arg;
		return 0;
	case O_CERT:
		cf->c_cert = arg;
		return 0;
	case O_KEY:
		cf->c_key = arg;
		return 0;
	case O_ID:
		cf->c_id = arg;
		return 0;
	case O_IDR:
		cf->c_idr = arg;
		return 0;
	case O_HOLD:
		cf->c_hold = true;
		return 0;
	case O_VERIFY:
		cf->c_verify = true;
		return 0;
	case O_NOFLOAT:
		cf->c_float = false;
		return 0;
	case O_IKE:
		return prop(arg, IKE_PROTO_IKE, &cf->c_ike);
	case O_ESP:
		return prop(arg, IKE_PROTO_ESP, &cf->c_esp);
	case O_TSR:
		return range(arg, &cf->c_tsr_lo, &cf->c_tsr_hi);
	case O_TSI: {
		struct in_addr a;

		if ((r = addr(arg, &a)))
			return r;
		cf->c_tsi_base = ntohl(a.s_addr);
		return 0;
	}
	default:
		break;
	}
	/* the numeric options */
	switch (c) {
	case O_COUNT:
		r = num(arg, 1, 10000000, &v), cf->c_count = (uint32_t)v;
		break;
	case O_CONC:
		r = num(arg, 1, 1000000, &v), cf->c_conc = (uint32_t)v;
		break;
	case O_SOCKS:
		r = num(arg, 1, LG_MAX_SOCKS, &v), cf->c_nsock = (unsigned)v;
		break;
	case O_PORT:
		r = num(arg, 1, 65535, &v), cf->c_target.sin_port = htons((uint16_t)v);
		break;
	case O_NATT:
		r = num(arg, 1, 65535, &v), cf->c_natt_port = (uint16_t)v;
		break;
	case O_RTO:
		r = num(arg, 10, 60000, &v), cf->c_rto_ms = (unsigned)v;
		break;
	case O_TRIES:
		r = num(arg, 0, 20, &v), cf->c_tries = (unsigned)v;
		break;
	case O_MAXS:
		r = num(arg, 1, 86400, &v), cf->c_max_s = (unsigned)v;
		break;
	case O_PROG:
		r = num(arg, 0, 3600, &v), cf->c_progress_s = (unsigned)v;
		break;
	case O_KEREUSE:
		r = num(arg, 1, 1000000, &v), cf->c_ke_reuse = (unsigned)v;
		break;
	default:
		return GW_E_INVAL;
	}
	return r;
}

static int check(const struct lg_cfg *cf, bool have_target, bool have_local)
{
	const char *why = NULL;

	if (!have_target || !have_local)
		why = "--target and --local are required";
	else if (cf->c_auth == LG_AUTH_PSK && !cf->c_psk)
		why = "PSK mode needs --psk-file";
	else if (cf->c_auth == LG_AUTH_CERT &&
		 (!cf->c_creds || !cf->c_cert || !cf->c_key || !cf->c_id))
		why = "certificate mode needs --creds, --cert, --key and --id";
	else if (cf->c_verify && cf->c_auth == LG_AUTH_CERT && !cf->c_creds)
		why = "--verify with certificates needs --creds (the CA)";
	else if ((uint64_t)cf->c_tsi_base + cf->c_count > 0xffffffffu)
		why = "--tsi-base + --count leaves the IPv4 space";
	if (why) {
		fprintf(stderr, "ikeload: %s\n%s", why, usage);
		return GW_E_INVAL;
	}
	return 0;
}

int lg_cfg_parse(int argc, char **argv, struct lg_cfg *cf)
{
	bool have_target = false, have_local = false;
	int c;

	defaults(cf);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h' || c == '?') {
			fputs(usage, c == 'h' ? stdout : stderr);
			return GW_E_INVAL;
		}
		if (opt_one(c, optarg, cf, &have_target, &have_local)) {
			fprintf(stderr, "ikeload: bad value for --%s: '%s'\n",
				opts[c - O_TARGET].name, optarg ? optarg : "");
			return GW_E_INVAL;
		}
	}
	return check(cf, have_target, have_local);
}

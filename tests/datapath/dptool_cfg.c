/*
 * dptool_cfg.c: dptool's JSON configuration (format in README.md) into
 * struct dp_sa and struct dp_policy. Every error names the field.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "dptool.h"
#include "util/err.h"
#include "util/iana.h"

struct named {
	const char *n_name;
	unsigned n_val;
};

static const struct named encrs[] = {
	{ "aes-gcm-16", IKE_ENCR_AES_GCM_16 }, { "aes-gcm", IKE_ENCR_AES_GCM_16 },
	{ "aes-cbc", IKE_ENCR_AES_CBC },       { "chacha20-poly1305", IKE_ENCR_CHACHA20_POLY1305 },
	{ "3des-cbc", IKE_ENCR_3DES },         { NULL, 0 },
};

static const struct named integs[] = {
	{ "none", IKE_INTEG_NONE },
	{ "hmac-sha1-96", IKE_INTEG_HMAC_SHA1_96 },
	{ "hmac-sha2-256-128", IKE_INTEG_HMAC_SHA2_256_128 },
	{ "hmac-sha2-384-192", IKE_INTEG_HMAC_SHA2_384_192 },
	{ "hmac-sha2-512-256", IKE_INTEG_HMAC_SHA2_512_256 },
	{ NULL, 0 },
};

static const struct named protos[] = {
	{ "any", 0 },           { "icmp", IPPROTO_ICMP },     { "tcp", IPPROTO_TCP },
	{ "udp", IPPROTO_UDP }, { "icmpv6", IPPROTO_ICMPV6 }, { NULL, 0 },
};

/* Where we are, for error messages: "sas[2].enc_key". */
struct ctx {
	const char *x_file;
	char x_where[64];
};

static int fail(const struct ctx *x, const char *field, const char *what)
{
	fprintf(stderr, "%s: %s%s%s: %s\n", x->x_file, x->x_where, *field ? "." : "", field, what);
	return GW_E_INVAL;
}

/* A number, a decimal or 0x string, or a name from the table. */
static int get_uint(const struct ctx *x, json_t *o, const char *field, const struct named *names,
		    uint64_t max, uint64_t *out)
{
	json_t *v = json_object_get(o, field);
	const char *s;
	char *end;

	if (!v)
		return 1; /* absent: keep the default */
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (uint64_t)json_integer_value(v);
	} else if (json_is_string(v)) {
		s = json_string_value(v);
		for (const struct named *n = names; n && n->n_name; n++) {
			if (!strcasecmp(s, n->n_name)) {
				*out = n->n_val;
				return 0;
			}
		}
		*out = strtoull(s, &end, 0);
		if (!*s || *end)
			return fail(x, field, "not a number or a known name");
	} else {
		return fail(x, field, "not a number");
	}
	return *out > max ? fail(x, field, "out of range") : 0;
}

static int get_bool(const struct ctx *x, json_t *o, const char *field, bool *out)
{
	json_t *v = json_object_get(o, field);

	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return fail(x, field, "not true/false");
	*out = json_is_true(v);
	return 0;
}

/* "192.0.2.1", "2001:db8::1", optionally "/plen". */
static int parse_addr(const char *s, struct dp_addr *a, int *plen)
{
	char buf[64], *slash;
	long p = -1;

	if (strlen(s) >= sizeof(buf))
		return GW_E_PARSE;
	strcpy(buf, s);
	if ((slash = strchr(buf, '/'))) {
		char *end;

		*slash = '\0';
		p = strtol(slash + 1, &end, 10);
		if (!slash[1] || *end || p < 0)
			return GW_E_PARSE;
	}
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, buf, a->a_addr) == 1)
		a->a_family = AF_INET;
	else if (inet_pton(AF_INET6, buf, a->a_addr) == 1)
		a->a_family = AF_INET6;
	else
		return GW_E_PARSE;
	if (p > (a->a_family == AF_INET ? 32 : 128))
		return GW_E_PARSE;
	*plen = p >= 0 ? (int)p : (a->a_family == AF_INET ? 32 : 128);
	return 0;
}

static int get_addr(const struct ctx *x, json_t *o, const char *field, struct dp_addr *a, int *plen,
		    bool need)
{
	json_t *v = json_object_get(o, field);
	int dummy;

	if (!v)
		return need ? fail(x, field, "missing") : 0;
	if (!json_is_string(v) || parse_addr(json_string_value(v), a, plen ? plen : &dummy) < 0)
		return fail(x, field, "not an address (or prefix)");
	if (!plen && dummy != (a->a_family == AF_INET ? 32 : 128))
		return fail(x, field, "a prefix where an address belongs");
	return 0;
}

static int get_hex(const struct ctx *x, json_t *o, const char *field, uint8_t *out, size_t max,
		   size_t *len)
{
	json_t *v = json_object_get(o, field);
	const char *s;
	size_t n = 0;

	*len = 0;
	if (!v)
		return 0;
	if (!json_is_string(v))
		return fail(x, field, "not a hex string");
	for (s = json_string_value(v); *s; s++) {
		unsigned b;

		if (*s == ':' || *s == ' ')
			continue;
		if (n / 2 >= max || sscanf(s, "%1x", &b) != 1)
			return fail(x, field, "bad hex or too long");
		out[n / 2] = (uint8_t)(n % 2 ? out[n / 2] | b : b << 4);
		n++;
	}
	if (n % 2)
		return fail(x, field, "odd number of hex digits");
	*len = n / 2;
	return 0;
}

static int get_mode(const struct ctx *x, json_t *o, enum dp_mode *m)
{
	json_t *v = json_object_get(o, "mode");
	const char *s = v ? json_string_value(v) : "tunnel";

	if (s && !strcmp(s, "tunnel"))
		*m = DP_MODE_TUNNEL;
	else if (s && !strcmp(s, "transport"))
		*m = DP_MODE_TRANSPORT;
	else
		return fail(x, "mode", "not \"tunnel\" or \"transport\"");
	return 0;
}

/* A selector: "src", "dst" as CIDR, "proto", "sport", "dport" (0 = any). */
static int get_sel(const struct ctx *x, json_t *o, struct dp_selector *sel)
{
	uint64_t proto = 0, sport = 0, dport = 0;
	int sp = 0, dp = 0, r;

	memset(sel, 0, sizeof(*sel));
	if ((r = get_addr(x, o, "src", &sel->s_src, &sp, false)) < 0 ||
	    (r = get_addr(x, o, "dst", &sel->s_dst, &dp, false)) < 0)
		return r;
	if (sel->s_src.a_family && sel->s_dst.a_family &&
	    sel->s_src.a_family != sel->s_dst.a_family)
		return fail(x, "dst", "family differs from src");
	sel->s_family = sel->s_src.a_family ? sel->s_src.a_family : sel->s_dst.a_family;
	if (sel->s_family && !sel->s_src.a_family)
		sel->s_src.a_family = sel->s_family;
	if (sel->s_family && !sel->s_dst.a_family)
		sel->s_dst.a_family = sel->s_family;
	sel->s_src_plen = (uint8_t)sp;
	sel->s_dst_plen = (uint8_t)dp;
	if (get_uint(x, o, "proto", protos, 255, &proto) < 0 ||
	    get_uint(x, o, "sport", NULL, 65535, &sport) < 0 ||
	    get_uint(x, o, "dport", NULL, 65535, &dport) < 0)
		return GW_E_INVAL;
	sel->s_proto = (uint8_t)proto;
	sel->s_sport = (uint16_t)sport;
	sel->s_dport = (uint16_t)dport;
	sel->s_sport_mask = sport ? 0xffff : 0;
	sel->s_dport_mask = dport ? 0xffff : 0;
	return 0;
}

static int get_lifetime(const struct ctx *x, json_t *o, struct dp_lifetime *lt)
{
	json_t *l = json_object_get(o, "lifetime");
	uint64_t ts = 0, th = 0;
	struct ctx lx = *x;

	if (!l)
		return 0;
	if (!json_is_object(l))
		return fail(x, "lifetime", "not an object");
	snprintf(lx.x_where, sizeof(lx.x_where), "%s.lifetime", x->x_where);
	if (get_uint(&lx, l, "bytes_soft", NULL, UINT64_MAX, &lt->l_bytes_soft) < 0 ||
	    get_uint(&lx, l, "bytes_hard", NULL, UINT64_MAX, &lt->l_bytes_hard) < 0 ||
	    get_uint(&lx, l, "packets_soft", NULL, UINT64_MAX, &lt->l_packets_soft) < 0 ||
	    get_uint(&lx, l, "packets_hard", NULL, UINT64_MAX, &lt->l_packets_hard) < 0 ||
	    get_uint(&lx, l, "time_soft", NULL, UINT32_MAX, &ts) < 0 ||
	    get_uint(&lx, l, "time_hard", NULL, UINT32_MAX, &th) < 0)
		return GW_E_INVAL;
	lt->l_time_soft = (uint32_t)ts;
	lt->l_time_hard = (uint32_t)th;
	return 0;
}

static int get_encap(const struct ctx *x, json_t *o, struct dp_sa *sa)
{
	json_t *e = json_object_get(o, "encap");
	uint64_t sport = 4500, dport = 4500;
	struct ctx ex = *x;

	if (!e)
		return 0;
	if (!json_is_object(e))
		return fail(x, "encap", "not an object");
	snprintf(ex.x_where, sizeof(ex.x_where), "%s.encap", x->x_where);
	if (get_uint(&ex, e, "sport", NULL, 65535, &sport) < 0 ||
	    get_uint(&ex, e, "dport", NULL, 65535, &dport) < 0)
		return GW_E_INVAL;
	if (!sport || !dport)
		return fail(&ex, "dport", "ports must not be 0");
	sa->sa_encap_sport = (uint16_t)sport;
	sa->sa_encap_dport = (uint16_t)dport;
	return 0;
}

static int parse_sa(const struct ctx *x, json_t *o, struct dpt_sa_cfg *sc)
{
	struct dp_sa *sa = &sc->sc_sa;
	uint64_t spi = 0, encr = 0, keylen = 0, integ = 0, win = 0, reqid = 0;
	uint64_t mark = 0, mask = 0;
	json_t *sel;
	int r;

	if (!json_is_object(o))
		return fail(x, "", "not an object");
	memset(sc, 0, sizeof(*sc));
	if (get_uint(x, o, "spi", NULL, UINT32_MAX, &spi) != 0 || spi < 256)
		return fail(x, "spi", "missing or below 256");
	if (get_uint(x, o, "encr", encrs, 65535, &encr) != 0)
		return fail(x, "encr", "missing or unknown");
	if ((r = get_uint(x, o, "keylen", NULL, 65535, &keylen)) < 0 ||
	    (r = get_uint(x, o, "integ", integs, 65535, &integ)) < 0 ||
	    (r = get_uint(x, o, "replay_window", NULL, UINT32_MAX, &win)) < 0 ||
	    (r = get_uint(x, o, "reqid", NULL, UINT32_MAX, &reqid)) < 0 ||
	    (r = get_uint(x, o, "mark", NULL, UINT32_MAX, &mark)) < 0 ||
	    (r = get_uint(x, o, "mark_mask", NULL, UINT32_MAX, &mask)) < 0)
		return r;
	sa->sa_spi = (uint32_t)spi;
	sa->sa_encr = (uint16_t)encr;
	sa->sa_encr_keylen = (uint16_t)keylen;
	sa->sa_integ = (uint16_t)integ;
	sa->sa_replay_window = (uint32_t)win;
	sa->sa_reqid = (uint32_t)reqid;
	sa->sa_mark = (uint32_t)mark;
	sa->sa_mark_mask = (uint32_t)mask;
	if ((r = get_bool(x, o, "inbound", &sa->sa_inbound)) < 0 ||
	    (r = get_bool(x, o, "esn", &sa->sa_esn)) < 0 ||
	    (r = get_addr(x, o, "src", &sa->sa_src, NULL, true)) < 0 ||
	    (r = get_addr(x, o, "dst", &sa->sa_dst, NULL, true)) < 0 ||
	    (r = get_mode(x, o, &sa->sa_mode)) < 0 || (r = get_lifetime(x, o, &sa->sa_lt)) < 0 ||
	    (r = get_encap(x, o, sa)) < 0)
		return r;
	if ((r = get_hex(x, o, "enc_key", sc->sc_enc_key, sizeof(sc->sc_enc_key),
			 &sa->sa_enc_key_len)) < 0 ||
	    (r = get_hex(x, o, "int_key", sc->sc_int_key, sizeof(sc->sc_int_key),
			 &sa->sa_int_key_len)) < 0)
		return r;
	sa->sa_enc_key = sc->sc_enc_key;
	sa->sa_int_key = sa->sa_int_key_len ? sc->sc_int_key : NULL;
	if ((sel = json_object_get(o, "sel")) && (r = get_sel(x, sel, &sa->sa_sel)) < 0)
		return r;
	return 0;
}

static int get_dir(const struct ctx *x, json_t *o, enum dp_dir *d)
{
	json_t *v = json_object_get(o, "dir");
	const char *s = v ? json_string_value(v) : NULL;

	if (s && !strcmp(s, "out"))
		*d = DP_DIR_OUT;
	else if (s && !strcmp(s, "in"))
		*d = DP_DIR_IN;
	else if (s && !strcmp(s, "fwd"))
		*d = DP_DIR_FWD;
	else
		return fail(x, "dir", "not \"in\", \"out\" or \"fwd\"");
	return 0;
}

static int parse_policy(const struct ctx *x, json_t *o, struct dp_policy *p)
{
	uint64_t prio = 0, reqid = 0, mark = 0, mask = 0;
	int r, plen;

	if (!json_is_object(o))
		return fail(x, "", "not an object");
	memset(p, 0, sizeof(*p));
	if ((r = get_dir(x, o, &p->p_dir)) < 0 || (r = get_mode(x, o, &p->p_mode)) < 0 ||
	    (r = get_sel(x, o, &p->p_sel)) < 0 || (r = get_bool(x, o, "trap", &p->p_trap)) < 0)
		return r;
	if ((r = get_uint(x, o, "priority", NULL, UINT32_MAX, &prio)) < 0 ||
	    (r = get_uint(x, o, "reqid", NULL, UINT32_MAX, &reqid)) < 0 ||
	    (r = get_uint(x, o, "mark", NULL, UINT32_MAX, &mark)) < 0 ||
	    (r = get_uint(x, o, "mark_mask", NULL, UINT32_MAX, &mask)) < 0)
		return r;
	p->p_priority = (uint32_t)prio;
	p->p_reqid = (uint32_t)reqid;
	p->p_mark = (uint32_t)mark;
	p->p_mark_mask = (uint32_t)mask;
	if ((r = get_addr(x, o, "tmpl_src", &p->p_tmpl_src, &plen, false)) < 0 ||
	    (r = get_addr(x, o, "tmpl_dst", &p->p_tmpl_dst, &plen, false)) < 0)
		return r;
	return 0;
}

static int parse_list(const char *file, json_t *root, const char *key, size_t size, size_t *n,
		      void **out)
{
	json_t *arr = json_object_get(root, key), *v;
	struct ctx x = { .x_file = file };
	size_t i;
	int r;

	*n = 0;
	*out = NULL;
	if (!arr)
		return 0;
	snprintf(x.x_where, sizeof(x.x_where), "%s", key);
	if (!json_is_array(arr))
		return fail(&x, "", "not an array");
	if (!(*out = calloc(json_array_size(arr) + 1, size)))
		return GW_E_NOMEM;
	json_array_foreach(arr, i, v)
	{
		snprintf(x.x_where, sizeof(x.x_where), "%s[%zu]", key, i);
		r = size == sizeof(struct dpt_sa_cfg)
			    ? parse_sa(&x, v, (struct dpt_sa_cfg *)*out + i)
			    : parse_policy(&x, v, (struct dp_policy *)*out + i);
		if (r < 0)
			return r;
		(*n)++;
	}
	return 0;
}

int dptool_cfg_load(const char *path, struct dpt_cfg *cfg)
{
	json_error_t je;
	json_t *root;
	int r;

	memset(cfg, 0, sizeof(*cfg));
	if (!(root = json_load_file(path, JSON_REJECT_DUPLICATES, &je))) {
		fprintf(stderr, "%s:%d: %s\n", path, je.line, je.text);
		return GW_E_PARSE;
	}
	if (!json_is_object(root)) {
		fprintf(stderr, "%s: not a JSON object\n", path);
		r = GW_E_PARSE;
	} else if ((r = parse_list(path, root, "sas", sizeof(struct dpt_sa_cfg), &cfg->c_nsas,
				   (void **)&cfg->c_sas)) == 0) {
		r = parse_list(path, root, "policies", sizeof(struct dp_policy), &cfg->c_npols,
			       (void **)&cfg->c_pols);
	}
	json_decref(root);
	if (r < 0)
		dptool_cfg_free(cfg);
	return r;
}

void dptool_cfg_free(struct dpt_cfg *cfg)
{
	if (cfg->c_sas)
		OPENSSL_cleanse(cfg->c_sas, (cfg->c_nsas + 1) * sizeof(*cfg->c_sas));
	free(cfg->c_sas);
	free(cfg->c_pols);
	memset(cfg, 0, sizeof(*cfg));
}

const char *dptool_addr_str(const struct dp_addr *a, char *out, size_t outsz)
{
	if (!a->a_family || !inet_ntop(a->a_family, a->a_addr, out, (socklen_t)outsz))
		snprintf(out, outsz, "%s", "");
	return out;
}

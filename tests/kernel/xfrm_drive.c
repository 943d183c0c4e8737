/*
 * xfrm_drive: drives the xfrm backend for tests/kernel/kernel-tests.sh.
 * Opens the backend, then reads one command per line on stdin and answers
 * each with one line, "ok ..." or "err <error>"; events from the backend
 * are printed as they come, "event <type> spi=0x.. reqid=N ...". At EOF
 * (or "quit") it closes the backend, which removes its SAs and policies.
 *
 *   probe
 *   spi SRC DST
 *   sa in|out spi=HEX src=IP dst=IP [mode=tunnel|transport] enc=ALG key=HEX
 *      [integ=ALG ikey=HEX] [reqid=N] [esn] [window=N] [encap=SPORT:DPORT]
 *      [bytes-soft=N] [bytes-hard=N] [packets-soft=N] [packets-hard=N]
 *      [time-soft=N] [time-hard=N]
 *   update <same as sa>
 *   del SPI DST
 *   stats SPI DST
 *   policy in|out|fwd src=NET/LEN dst=NET/LEN [proto=N] [mode=...]
 *      [tsrc=IP tdst=IP] [reqid=N] [priority=N] [trap]
 *   policy-del in|out|fwd src=NET/LEN dst=NET/LEN [proto=N]
 *   encap PORT        (a UDP socket on PORT with UDP_ENCAP_ESPINUDP)
 *   listen PORT       (a plain UDP socket on PORT: the test traffic's sink)
 *   received          (datagrams the listen socket got so far)
 *
 * ALG: aes128gcm16 aes256gcm16 aes128gcm8 chacha20poly1305 aes128 aes256 3des
 * (CBC); integ sha1 sha256 sha384 sha512. Test tool: keys come on the
 * command line, which is fine for throw-away test keys only.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "datapath/backend.h"
#include "util/err.h"
#include "util/iana.h"
#include "util/log.h"

#define MAX_ARGS 24

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&out_lock);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

static const char *addr_str(const struct dp_addr *a, char *buf, size_t len)
{
	return inet_ntop(a->a_family, a->a_addr, buf, (socklen_t)len) ? buf : "?";
}

static void on_event(void *arg, const struct dp_event *ev)
{
	static const char *const names[] = { "soft-expire", "hard-expire", "acquire" };
	char d[64], s[64], t[64];

	(void)arg;
	say("event %s spi=0x%08x reqid=%u dst=%s sel=%s/%u->%s/%u proto=%u", names[ev->ev_type],
	    ev->ev_spi, ev->ev_reqid, addr_str(&ev->ev_dst, d, sizeof(d)),
	    ev->ev_sel.s_family ? addr_str(&ev->ev_sel.s_src, s, sizeof(s)) : "any",
	    ev->ev_sel.s_src_plen,
	    ev->ev_sel.s_family ? addr_str(&ev->ev_sel.s_dst, t, sizeof(t)) : "any",
	    ev->ev_sel.s_dst_plen, ev->ev_sel.s_proto);
}

static int parse_addr(const char *s, struct dp_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->a_addr) == 1)
		a->a_family = AF_INET;
	else if (inet_pton(AF_INET6, s, a->a_addr) == 1)
		a->a_family = AF_INET6;
	else
		return GW_E_INVAL;
	return 0;
}

static int parse_net(const char *s, struct dp_addr *a, uint8_t *plen)
{
	char buf[64];
	char *slash;

	snprintf(buf, sizeof(buf), "%s", s);
	if ((slash = strchr(buf, '/')) == NULL)
		return GW_E_INVAL;
	*slash = '\0';
	*plen = (uint8_t)atoi(slash + 1);
	return parse_addr(buf, a);
}

static size_t parse_hex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	unsigned v;

	if (strncmp(s, "0x", 2) == 0)
		s += 2;
	while (s[0] && s[1] && n < max && sscanf(s, "%2x", &v) == 1) {
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return s[0] ? 0 : n;
}

struct alg_name {
	const char *an_name;
	uint16_t an_id, an_keylen;
};

static const struct alg_name encs[] = {
	{ "aes128gcm16", IKE_ENCR_AES_GCM_16, 128 },
	{ "aes256gcm16", IKE_ENCR_AES_GCM_16, 256 },
	{ "aes128gcm8", IKE_ENCR_AES_GCM_8, 128 },
	{ "chacha20poly1305", IKE_ENCR_CHACHA20_POLY1305, 0 },
	{ "aes128", IKE_ENCR_AES_CBC, 128 },
	{ "aes256", IKE_ENCR_AES_CBC, 256 },
	{ "3des", IKE_ENCR_3DES, 0 },
};

static const struct alg_name integs[] = {
	{ "sha1", IKE_INTEG_HMAC_SHA1_96, 0 },
	{ "sha256", IKE_INTEG_HMAC_SHA2_256_128, 0 },
	{ "sha384", IKE_INTEG_HMAC_SHA2_384_192, 0 },
	{ "sha512", IKE_INTEG_HMAC_SHA2_512_256, 0 },
};

static const struct alg_name *find_alg(const struct alg_name *t, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(t[i].an_name, name) == 0)
			return &t[i];
	return NULL;
}

struct sa_args {
	struct dp_sa sa_sa;
	uint8_t sa_key[64], sa_ikey[64];
};

/* key=value options of "sa"/"update"; returns 0 or GW_E_INVAL. */
static int sa_opt(struct sa_args *a, const char *k, const char *v)
{
	struct dp_sa *sa = &a->sa_sa;
	const struct alg_name *alg;

	if (strcmp(k, "spi") == 0)
		sa->sa_spi = (uint32_t)strtoul(v, NULL, 16);
	else if (strcmp(k, "src") == 0)
		return parse_addr(v, &sa->sa_src);
	else if (strcmp(k, "dst") == 0)
		return parse_addr(v, &sa->sa_dst);
	else if (strcmp(k, "mode") == 0)
		sa->sa_mode = strcmp(v, "transport") == 0 ? DP_MODE_TRANSPORT : DP_MODE_TUNNEL;
	else if (strcmp(k, "enc") == 0 &&
		 (alg = find_alg(encs, sizeof(encs) / sizeof(encs[0]), v)) != NULL) {
		sa->sa_encr = alg->an_id;
		sa->sa_encr_keylen = alg->an_keylen;
	} else if (strcmp(k, "integ") == 0 &&
		   (alg = find_alg(integs, sizeof(integs) / sizeof(integs[0]), v)) != NULL)
		sa->sa_integ = alg->an_id;
	else if (strcmp(k, "key") == 0)
		sa->sa_enc_key_len = parse_hex(v, a->sa_key, sizeof(a->sa_key));
	else if (strcmp(k, "ikey") == 0)
		sa->sa_int_key_len = parse_hex(v, a->sa_ikey, sizeof(a->sa_ikey));
	else if (strcmp(k, "reqid") == 0)
		sa->sa_reqid = (uint32_t)strtoul(v, NULL, 0);
	else if (strcmp(k, "window") == 0)
		sa->sa_replay_window = (uint32_t)strtoul(v, NULL, 0);
	else if (strcmp(k, "encap") == 0) {
		if (sscanf(v, "%hu:%hu", &sa->sa_encap_sport, &sa->sa_encap_dport) != 2)
			return GW_E_INVAL;
	} else if (strcmp(k, "bytes-soft") == 0)
		sa->sa_lt.l_bytes_soft = strtoull(v, NULL, 0);
	else if (strcmp(k, "bytes-hard") == 0)
		sa->sa_lt.l_bytes_hard = strtoull(v, NULL, 0);
	else if (strcmp(k, "packets-soft") == 0)
		sa->sa_lt.l_packets_soft = strtoull(v, NULL, 0);
	else if (strcmp(k, "packets-hard") == 0)
		sa->sa_lt.l_packets_hard = strtoull(v, NULL, 0);
	else if (strcmp(k, "time-soft") == 0)
		sa->sa_lt.l_time_soft = (uint32_t)strtoul(v, NULL, 0);
	else if (strcmp(k, "time-hard") == 0)
		sa->sa_lt.l_time_hard = (uint32_t)strtoul(v, NULL, 0);
	else
		return GW_E_INVAL;
	return 0;
}

static int parse_sa(struct sa_args *a, char **argv, int argc)
{
	struct dp_sa *sa = &a->sa_sa;
	int i, rc;

	memset(a, 0, sizeof(*a));
	sa->sa_enc_key = a->sa_key;
	sa->sa_int_key = a->sa_ikey;
	if (argc < 1)
		return GW_E_INVAL;
	sa->sa_inbound = strcmp(argv[0], "in") == 0;
	for (i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (strcmp(argv[i], "esn") == 0) {
			sa->sa_esn = true;
			continue;
		}
		if (eq == NULL)
			return GW_E_INVAL;
		*eq = '\0';
		if ((rc = sa_opt(a, argv[i], eq + 1)) < 0)
			return rc;
	}
	return 0;
}

static int pol_opt(struct dp_policy *p, const char *k, const char *v)
{
	if (strcmp(k, "src") == 0)
		return parse_net(v, &p->p_sel.s_src, &p->p_sel.s_src_plen);
	if (strcmp(k, "dst") == 0)
		return parse_net(v, &p->p_sel.s_dst, &p->p_sel.s_dst_plen);
	if (strcmp(k, "proto") == 0)
		p->p_sel.s_proto = (uint8_t)atoi(v);
	else if (strcmp(k, "mode") == 0)
		p->p_mode = strcmp(v, "transport") == 0 ? DP_MODE_TRANSPORT : DP_MODE_TUNNEL;
	else if (strcmp(k, "tsrc") == 0)
		return parse_addr(v, &p->p_tmpl_src);
	else if (strcmp(k, "tdst") == 0)
		return parse_addr(v, &p->p_tmpl_dst);
	else if (strcmp(k, "reqid") == 0)
		p->p_reqid = (uint32_t)strtoul(v, NULL, 0);
	else if (strcmp(k, "priority") == 0)
		p->p_priority = (uint32_t)strtoul(v, NULL, 0);
	else
		return GW_E_INVAL;
	return 0;
}

static int parse_policy(struct dp_policy *p, char **argv, int argc)
{
	int i, rc;

	memset(p, 0, sizeof(*p));
	if (argc < 1)
		return GW_E_INVAL;
	p->p_dir = strcmp(argv[0], "in") == 0    ? DP_DIR_IN
		   : strcmp(argv[0], "out") == 0 ? DP_DIR_OUT
						 : DP_DIR_FWD;
	for (i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (strcmp(argv[i], "trap") == 0) {
			p->p_trap = true;
			continue;
		}
		if (eq == NULL)
			return GW_E_INVAL;
		*eq = '\0';
		if ((rc = pol_opt(p, argv[i], eq + 1)) < 0)
			return rc;
	}
	p->p_sel.s_family = p->p_sel.s_src.a_family;
	return 0;
}

static int cmd_id(void *st, char **argv, int argc, bool stats)
{
	struct dp_sa_stats s;
	struct dp_addr dst;
	uint32_t spi;
	int rc;

	if (argc != 2 || parse_addr(argv[1], &dst) < 0)
		return GW_E_INVAL;
	spi = (uint32_t)strtoul(argv[0], NULL, 16);
	if (!stats)
		return dp_xfrm_ops.o_sa_del(st, spi, &dst);
	if ((rc = dp_xfrm_ops.o_sa_stats(st, spi, &dst, &s)) == 0)
		say("ok bytes=%llu packets=%llu replay=%llu integrity=%llu",
		    (unsigned long long)s.st_bytes, (unsigned long long)s.st_packets,
		    (unsigned long long)s.st_replay_errors,
		    (unsigned long long)s.st_integrity_failures);
	return rc == 0 ? 1 : rc;
}

static int cmd_spi(void *st, char **argv, int argc)
{
	struct dp_addr src, dst;
	uint32_t spi;
	int rc;

	if (argc != 2 || parse_addr(argv[0], &src) < 0 || parse_addr(argv[1], &dst) < 0)
		return GW_E_INVAL;
	if ((rc = dp_xfrm_ops.o_spi_alloc(st, &src, &dst, &spi)) < 0)
		return rc;
	say("ok spi=0x%08x", spi);
	return 1;
}

static int cmd_encap(void *st, char **argv, int argc)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd;

	if (argc != 1)
		return GW_E_INVAL;
	sin.sin_port = htons((uint16_t)atoi(argv[0]));
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		return GW_E_IO;
	return dp_xfrm_ops.o_udp_encap_enable(st, fd); /* fd stays open until exit */
}

static int cmd_listen(int *sink, char **argv, int argc)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };

	if (argc != 1 || *sink >= 0)
		return GW_E_INVAL;
	sin.sin_port = htons((uint16_t)atoi(argv[0]));
	*sink = socket(AF_INET, SOCK_DGRAM, 0);
	if (*sink < 0 || bind(*sink, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		return GW_E_IO;
	return 0;
}

static int cmd_received(int sink, unsigned long *count)
{
	char buf[2048];

	if (sink < 0)
		return GW_E_STATE;
	while (recv(sink, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		(*count)++;
	say("ok n=%lu", *count);
	return 1;
}

struct drive {
	void *d_st; /* the backend */
	int d_sink; /* "listen" socket, -1 = none */
	unsigned long d_received;
};

/* Returns 1 when the command already said "ok ...", 0 for a plain ok. */
static int run(struct drive *d, char **argv, int argc)
{
	void *st = d->d_st;

	struct sa_args sa;
	struct dp_policy p;
	int rc;

	if (strcmp(argv[0], "probe") == 0) {
		say("ok esp=%d", dp_xfrm_esp_available() ? 1 : 0);
		return 1;
	}
	if (strcmp(argv[0], "spi") == 0)
		return cmd_spi(st, argv + 1, argc - 1);
	if (strcmp(argv[0], "sa") == 0 || strcmp(argv[0], "update") == 0) {
		if ((rc = parse_sa(&sa, argv + 1, argc - 1)) < 0)
			return rc;
		return argv[0][0] == 's' ? dp_xfrm_ops.o_sa_add(st, &sa.sa_sa)
					 : dp_xfrm_ops.o_sa_update(st, &sa.sa_sa);
	}
	if (strcmp(argv[0], "del") == 0 || strcmp(argv[0], "stats") == 0)
		return cmd_id(st, argv + 1, argc - 1, argv[0][0] == 's');
	if (strcmp(argv[0], "policy") == 0 || strcmp(argv[0], "policy-del") == 0) {
		if ((rc = parse_policy(&p, argv + 1, argc - 1)) < 0)
			return rc;
		if (strcmp(argv[0], "policy") == 0)
			return dp_xfrm_ops.o_policy_add(st, &p);
		return dp_xfrm_ops.o_policy_del(st, &p.p_sel, p.p_dir, 0, 0);
	}
	if (strcmp(argv[0], "encap") == 0)
		return cmd_encap(st, argv + 1, argc - 1);
	if (strcmp(argv[0], "listen") == 0)
		return cmd_listen(&d->d_sink, argv + 1, argc - 1);
	if (strcmp(argv[0], "received") == 0)
		return cmd_received(d->d_sink, &d->d_received);
	return GW_E_INVAL;
}

int main(void)
{
	struct dp_config cfg = { .c_backend = DP_BACKEND_XFRM, .c_event = on_event };
	char line[2048], *argv[MAX_ARGS], *save, *tok;
	struct drive d = { .d_sink = -1 };
	int rc, argc;

	log_init("xfrm_drive", false, LOG_WARNING);
	if ((rc = dp_xfrm_ops.o_open(&cfg, &d.d_st)) < 0) {
		say("err open: %s", gw_strerror(rc));
		return 1;
	}
	say("ready");
	while (fgets(line, sizeof(line), stdin) != NULL) {
		argc = 0;
		for (tok = strtok_r(line, " \t\r\n", &save); tok && argc < MAX_ARGS;
		     tok = strtok_r(NULL, " \t\r\n", &save))
			argv[argc++] = tok;
		if (argc == 0)
			continue;
		if (strcmp(argv[0], "quit") == 0)
			break;
		rc = run(&d, argv, argc);
		if (rc == 0)
			say("ok");
		else if (rc < 0)
			say("err %s", gw_strerror(rc));
	}
	dp_xfrm_ops.o_close(d.d_st);
	return 0;
}

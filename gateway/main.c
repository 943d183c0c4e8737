/*
 * palisade-gatewayd: start-up, signals, readiness. Builds the one struct
 * daemon, wires the layers together (net/ -> sa/ through function
 * pointers) and waits for signals in the main thread: SIGTERM/SIGINT stop,
 * SIGHUP reloads gateway.json's reloadable settings (log level).
 */
#include <errno.h>
#include <pthread.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "api/model/model.h"
#include "cmds.h"
#include "control/control.h"
#include "datapath/datapath.h"
#include "net/net.h"
#include "pkcs11/pkcs11.h"
#include "pool/pool.h"
#include "sa/sa.h"
#include "util/err.h"
#include "util/log.h"

struct daemon {
	const char *d_config_dir;
	const char *d_run_dir;
	bool d_foreground;
	bool d_daemonized;
	int d_cli_log_level;           /* -1: from gateway.json */
	struct gw_settings d_settings; /* as started (sockets, data path) */
	struct p11 *d_p11;             /* the PKCS#11 module, or NULL */
	struct sa_engine *d_engine;
	struct pool *d_pool;
	struct net *d_net;
	struct datapath *d_dp;
	struct control *d_ctl;
	struct cmds d_cmds;
	uint64_t d_watchdog_n; /* spreads the watchdog pings over the workers */
};

#define QUEUE_LEN 8192 /* jobs per worker before the receiver drops */

static void usage(FILE *f)
{
	fprintf(f, "usage: palisade-gatewayd [--config-dir DIR] [--run-dir DIR] [--foreground]\n"
		   "                         [--log-level LEVEL]\n"
		   "\n"
		   "The Palisade IKEv2 gateway daemon.\n"
		   "  --config-dir DIR   configuration directory (default /etc/palisade);\n"
		   "                     settings from DIR/gateway.json\n"
		   "  --run-dir DIR      runtime directory (default /run/palisade)\n"
		   "  --foreground       stay in the foreground and log to stderr\n"
		   "  --log-level LEVEL  debug, info, notice, warning or err\n"
		   "  --version, --help\n"
		   "\n"
		   "It negotiates IKEv2 SAs (PSK and certificates) as responder and\n"
		   "initiator and installs ESP through the kernel (xfrm) or its own\n"
		   "userspace data path, with rekeying and EAP. Private keys may live\n"
		   "in a PKCS#11 token (gateway.json \"pkcs11\").\n");
}

static int parse_args(struct daemon *d, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config-dir", required_argument, NULL, 'c' },
		{ "run-dir", required_argument, NULL, 'r' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:r:fl:Vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			d->d_config_dir = optarg;
			break;
		case 'r':
			d->d_run_dir = optarg;
			break;
		case 'f':
			d->d_foreground = true;
			break;
		case 'l':
			if ((d->d_cli_log_level = log_level_parse(optarg)) < 0) {
				fprintf(stderr, "palisade-gatewayd: unknown log level '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'V':
			printf("palisade-gatewayd %s\n", PACKAGE_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "palisade-gatewayd: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	return 0;
}

static int make_run_dir(const char *dir)
{
	if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
		log_err(LOG_SUB_DMN, "cannot create run directory %s: %s", dir, strerror(errno));
		return GW_E_IO;
	}
	return 0;
}

static enum dp_backend backend_of(enum model_datapath m)
{
	return m == MODEL_DP_XFRM        ? DP_BACKEND_XFRM
	       : m == MODEL_DP_USERSPACE ? DP_BACKEND_USERSPACE
					 : DP_BACKEND_AUTO;
}

/* Data path events: expires go to the engine (rekey, or the SA is gone). */
static void dp_event(void *arg, const struct dp_event *ev)
{
	struct daemon *d = arg;

	log_debug(LOG_SUB_KNL, "data path: %s for SPI %08x (reqid %u)",
		  ev->ev_type == DP_EV_SOFT_EXPIRE   ? "soft expire"
		  : ev->ev_type == DP_EV_HARD_EXPIRE ? "hard expire"
						     : "acquire",
		  ev->ev_spi, ev->ev_reqid);
	if (d->d_engine)
		sa_engine_dp_event(d->d_engine, ev);
}

static int start_net(struct daemon *d)
{
	const char *addrs[MODEL_MAX_LISTEN];
	struct net_config nc = { 0 };

	for (size_t i = 0; i < d->d_settings.gs_n_listen; i++)
		addrs[i] = d->d_settings.gs_listen[i];
	nc.nc_addrs = addrs;
	nc.nc_n_addrs = d->d_settings.gs_n_listen;
	nc.nc_ike_port = d->d_settings.gs_ike_port;
	nc.nc_natt_port = d->d_settings.gs_natt_port;
	nc.nc_ike = sa_engine_input;
	nc.nc_esp = sa_engine_esp_input;
	nc.nc_arg = d->d_engine;
	return net_new(&nc, &d->d_net);
}

static int start_datapath(struct daemon *d)
{
	struct dp_config dc = {
		.c_backend = backend_of(d->d_settings.gs_datapath),
		.c_tun_name = d->d_settings.gs_tun_name,
		.c_replay_window = d->d_settings.gs_replay_window,
		.c_event = dp_event,
		.c_event_arg = d,
		.c_udp4_fd = net_socket_fd(d->d_net, AF_INET, d->d_settings.gs_natt_port),
		.c_udp6_fd = net_socket_fd(d->d_net, AF_INET6, d->d_settings.gs_natt_port),
	};
	int fds[NET_MAX_SOCKETS], fams[NET_MAX_SOCKETS];
	size_t n;
	int r;

	if ((r = dp_new(&dc, &d->d_dp)))
		return r;
	/* IKE itself never goes through IPsec (transport mode between the
	 * gateways' own addresses would otherwise catch it) */
	n = net_sockets(d->d_net, fds, fams, NET_MAX_SOCKETS);
	for (size_t i = 0; i < n; i++)
		if ((r = dp_socket_bypass(d->d_dp, fds[i], fams[i])))
			return r;
	/* xfrm: the kernel takes ESP-in-UDP off the NAT-T sockets itself */
	if (dp_backend_of(d->d_dp) == DP_BACKEND_XFRM) {
		for (int fam = AF_INET; fam; fam = fam == AF_INET ? AF_INET6 : 0) {
			int fd = net_socket_fd(d->d_net, fam, d->d_settings.gs_natt_port);

			if (fd >= 0 && (r = dp_udp_encap_enable(d->d_dp, fd)))
				return r;
		}
	}
	return 0;
}

static int start_control(struct daemon *d)
{
	char path[4096];
	struct control_config cc = { .cc_path = path };
	int r;

	snprintf(path, sizeof(path), "%s/control.sock", d->d_run_dir);
	if ((r = control_new(&cc, &d->d_ctl)))
		return r;
	d->d_cmds.cm_e = d->d_engine;
	d->d_cmds.cm_ctl = d->d_ctl;
	d->d_cmds.cm_net = d->d_net;
	d->d_cmds.cm_p11 = d->d_p11;
	if ((r = cmds_register(&d->d_cmds)) || (r = control_start(d->d_ctl)))
		log_err(LOG_SUB_CTL, "control socket %s: %s", path, gw_strerror(r));
	return r;
}

static int start(struct daemon *d)
{
	int r;

	if ((r = make_run_dir(d->d_run_dir)) ||
	    (r = pool_new(d->d_settings.gs_workers, QUEUE_LEN, &d->d_pool)) || (r = start_net(d)) ||
	    (r = start_datapath(d)))
		return r;
	sa_engine_set_pool(d->d_engine, d->d_pool);
	sa_engine_set_net(d->d_engine, d->d_net);
	sa_engine_set_datapath(d->d_engine, d->d_dp);
	log_info(LOG_SUB_DMN, "data path: %s", dp_backend_name(dp_backend_of(d->d_dp)));
	if ((r = start_control(d)) || (r = net_start(d->d_net)))
		return r;
	return sa_engine_start(d->d_engine);
}

static void stop(struct daemon *d)
{
	/* the Deletes below end SAs and workers emit events until the pool
	 * stops: they must not reach the freed control server */
	if (d->d_ctl)
		cmds_detach(&d->d_cmds);
	control_free(d->d_ctl); /* no more commands while we go */
	d->d_ctl = NULL;
	if (d->d_net && d->d_pool)
		sa_engine_shutdown(d->d_engine); /* Deletes out while we can send */
	net_free(d->d_net);                      /* no more calls into the engine */
	d->d_net = NULL;
	pool_free(d->d_pool); /* runs what was queued, drops timers */
	d->d_pool = NULL;
	dp_free(d->d_dp); /* removes what is left of ours */
	d->d_dp = NULL;
	sa_engine_free(d->d_engine);
	d->d_engine = NULL;
	p11_free(d->d_p11); /* after the engine: its connections held keys */
	d->d_p11 = NULL;
}

/*
 * The PKCS#11 module, before the connections that use its keys. A module
 * does not survive fork() (PKCS#11 v2.40 6.7.1), so without --foreground
 * we become the daemon first; start-up errors then go to syslog.
 */
static int open_p11(struct daemon *d)
{
	struct model_err err;
	struct gw_settings gs;
	struct p11_config pc = { 0 };
	char why[512];

	if (gw_settings_load(d->d_config_dir, &gs, &err) || !gs.gs_pkcs11.p_enabled)
		return 0; /* a broken gateway.json: sa_engine_new() says what is wrong */
	if (d->d_cli_log_level < 0)
		log_set_level(gs.gs_log_level);
	if (!d->d_foreground) {
		if (daemon(0, 0) < 0) {
			log_err(LOG_SUB_DMN, "cannot daemonize: %s", strerror(errno));
			return GW_E_IO;
		}
		d->d_daemonized = true;
	}
	pc.pc_module = gs.gs_pkcs11.p_module;
	pc.pc_pin_file = gs.gs_pkcs11.p_pin_file;
	pc.pc_sessions = gs.gs_pkcs11.p_sessions;
	pc.pc_require_non_extractable = gs.gs_pkcs11.p_require_non_extractable;
	pc.pc_rsa_pss = gs.gs_pkcs11.p_rsa_pss;
	if (p11_new(&pc, &d->d_p11, why, sizeof(why)) != 0) {
		log_err(LOG_SUB_P11, "pkcs11: %s", why);
		return GW_E_INVAL;
	}
	return 0;
}

static bool p11_changed(const struct gw_pkcs11 *a, const struct gw_pkcs11 *b)
{
	return a->p_enabled != b->p_enabled || strcmp(a->p_module, b->p_module) ||
	       strcmp(a->p_pin_file, b->p_pin_file) || a->p_sessions != b->p_sessions ||
	       a->p_require_non_extractable != b->p_require_non_extractable ||
	       a->p_rsa_pss != b->p_rsa_pss;
}

/* SIGHUP: reload the configuration directory; listen addresses, ports and
 * the data path change on restart only. */
static void reload(struct daemon *d)
{
	const char *code;
	char why[512];
	json_t *res;

	if (!(res = sa_engine_reload(d->d_engine, &code, why, sizeof(why)))) {
		log_err(LOG_SUB_CFG, "%s", why);
		log_warn(LOG_SUB_CFG, "reload refused, keeping the running configuration");
		return;
	}
	if (d->d_ctl)
		cmds_reload_event(d->d_ctl, res, NULL);
	json_decref(res);
	log_set_level(d->d_cli_log_level >= 0 ? d->d_cli_log_level
					      : sa_engine_settings(d->d_engine)->gs_log_level);
	if (p11_changed(&d->d_settings.gs_pkcs11, &sa_engine_settings(d->d_engine)->gs_pkcs11))
		log_warn(LOG_SUB_CFG, "gateway.json: pkcs11 settings change on restart only");
	log_info(LOG_SUB_CFG, "configuration reloaded");
}

/* systemd's watchdog: the ping goes out from a worker, so a pool that
 * stopped running jobs stops the pings too and systemd restarts us. */
static void watchdog_ping(void *arg)
{
	(void)arg;
	sd_notify(0, "WATCHDOG=1");
}

static void watchdog_kick(struct daemon *d)
{
	/* a different worker each time: any stuck worker shows eventually */
	pool_submit(d->d_pool, d->d_watchdog_n++, watchdog_ping, NULL);
}

/* The main thread owns the signals; every other thread blocks them. */
static int wait_signals(struct daemon *d, const sigset_t *set)
{
	uint64_t wd_usec = 0;
	struct timespec ts;

	if (sd_watchdog_enabled(0, &wd_usec) <= 0)
		wd_usec = 0;
	ts.tv_sec = (time_t)(wd_usec / 2 / 1000000);
	ts.tv_nsec = (long)(wd_usec / 2 % 1000000) * 1000;
	for (;;) {
		int sig;

		if (wd_usec) {
			watchdog_kick(d);
			if ((sig = sigtimedwait(set, NULL, &ts)) < 0) {
				if (errno == EAGAIN || errno == EINTR)
					continue;
				return GW_E_IO;
			}
		} else if (sigwait(set, &sig)) {
			return GW_E_IO;
		}
		if (sig == SIGHUP) {
			sd_notify(0, "RELOADING=1");
			reload(d);
			sd_notify(0, "READY=1");
			continue;
		}
		log_info(LOG_SUB_DMN, "signal %d: stopping", sig);
		sd_notify(0, "STOPPING=1");
		return 0;
	}
}

int main(int argc, char **argv)
{
	struct daemon d = {
		.d_config_dir = "/etc/palisade",
		.d_run_dir = "/run/palisade",
		.d_cli_log_level = -1,
	};
	char why[512];
	sigset_t set;
	int r;

	if ((r = parse_args(&d, argc, argv)))
		return r;
	model_json_wipe_init();
	log_init("palisade-gatewayd", !d.d_foreground,
		 d.d_cli_log_level >= 0 ? d.d_cli_log_level : LOG_INFO);
	if (open_p11(&d)) {
		p11_free(d.d_p11);
		return 1;
	}
	if (sa_engine_new(d.d_config_dir, d.d_p11, &d.d_engine, why, sizeof(why))) {
		log_err(LOG_SUB_CFG, "%s", why);
		p11_free(d.d_p11);
		return 1;
	}
	d.d_settings = *sa_engine_settings(d.d_engine);
	log_set_level(d.d_cli_log_level >= 0 ? d.d_cli_log_level : d.d_settings.gs_log_level);
	if (!d.d_foreground && !d.d_daemonized && daemon(0, 0) < 0) {
		log_err(LOG_SUB_DMN, "cannot daemonize: %s", strerror(errno));
		return 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	log_info(LOG_SUB_DMN, "palisade-gatewayd %s starting (config %s)", PACKAGE_VERSION,
		 d.d_config_dir);
	if ((r = start(&d))) {
		log_err(LOG_SUB_DMN, "start-up failed: %s", gw_strerror(r));
		stop(&d);
		return 1;
	}
	sd_notify(0, "READY=1");
	log_info(LOG_SUB_DMN, "ready");
	r = wait_signals(&d, &set);
	stop(&d);
	log_info(LOG_SUB_DMN, "stopped");
	return r ? 1 : 0;
}

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
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "api/model/model.h"
#include "net/net.h"
#include "sa/sa.h"
#include "util/err.h"
#include "util/log.h"

struct daemon {
	const char *d_config_dir;
	const char *d_run_dir;
	bool d_foreground;
	int d_cli_log_level; /* -1: from gateway.json */
	struct gw_settings d_settings;
	struct net *d_net;
	struct sa_engine *d_engine;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: palisade-gatewayd [--config-dir DIR] [--run-dir DIR] [--foreground]\n"
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
		"This build listens on the IKE and NAT-T ports and validates every IKE\n"
		"message it receives with the full IKEv2 codec, logging each one; it does\n"
		"not negotiate SAs yet (the exchanges are a later milestone) and sends\n"
		"no replies.\n");
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
				fprintf(stderr, "palisade-gatewayd: unknown log level '%s'\n", optarg);
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

static int load_settings(struct daemon *d, struct gw_settings *gs)
{
	struct model_err err;
	char buf[512];

	if (gw_settings_load(d->d_config_dir, gs, &err)) {
		log_err(LOG_SUB_CFG, "%s", model_err_str(&err, "gateway.json", buf, sizeof(buf)));
		return GW_E_INVAL;
	}
	if (d->d_cli_log_level >= 0)
		gs->gs_log_level = d->d_cli_log_level;
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

static int start(struct daemon *d)
{
	const char *addrs[MODEL_MAX_LISTEN];
	struct net_config nc = { 0 };
	int r;

	for (size_t i = 0; i < d->d_settings.gs_n_listen; i++)
		addrs[i] = d->d_settings.gs_listen[i];
	if ((r = make_run_dir(d->d_run_dir)) || (r = sa_engine_new(&d->d_engine)))
		return r;
	nc.nc_addrs = addrs;
	nc.nc_n_addrs = d->d_settings.gs_n_listen;
	nc.nc_ike_port = d->d_settings.gs_ike_port;
	nc.nc_natt_port = d->d_settings.gs_natt_port;
	nc.nc_ike = sa_engine_input;
	nc.nc_arg = d->d_engine;
	if ((r = net_new(&nc, &d->d_net)))
		return r;
	sa_engine_set_net(d->d_engine, d->d_net);
	return net_start(d->d_net);
}

static void stop(struct daemon *d)
{
	net_free(d->d_net); /* first: no more calls into the engine */
	d->d_net = NULL;
	sa_engine_free(d->d_engine);
	d->d_engine = NULL;
}

/* SIGHUP: re-read gateway.json; settings that need new sockets or a new
 * data path take effect at the next start and say so. */
static void reload(struct daemon *d)
{
	struct gw_settings gs;

	if (load_settings(d, &gs)) {
		log_warn(LOG_SUB_CFG, "reload refused, keeping the running settings");
		return;
	}
	if (gs.gs_ike_port != d->d_settings.gs_ike_port ||
	    gs.gs_natt_port != d->d_settings.gs_natt_port ||
	    gs.gs_n_listen != d->d_settings.gs_n_listen ||
	    memcmp(gs.gs_listen, d->d_settings.gs_listen, sizeof(gs.gs_listen)) ||
	    gs.gs_datapath != d->d_settings.gs_datapath)
		log_warn(LOG_SUB_CFG, "listen addresses, ports and data path change on restart only");
	log_set_level(gs.gs_log_level);
	d->d_settings.gs_log_level = gs.gs_log_level;
	log_info(LOG_SUB_CFG, "configuration reloaded");
}

/* The main thread owns the signals; every other thread blocks them. */
static int wait_signals(struct daemon *d, const sigset_t *set)
{
	for (;;) {
		int sig;

		if (sigwait(set, &sig))
			return GW_E_IO;
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
	sigset_t set;
	int r;

	if ((r = parse_args(&d, argc, argv)))
		return r;
	log_init("palisade-gatewayd", !d.d_foreground, d.d_cli_log_level >= 0 ? d.d_cli_log_level : LOG_INFO);
	if (load_settings(&d, &d.d_settings))
		return 1;
	log_set_level(d.d_settings.gs_log_level);
	if (!d.d_foreground && daemon(0, 0) < 0) {
		log_err(LOG_SUB_DMN, "cannot daemonize: %s", strerror(errno));
		return 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	log_info(LOG_SUB_DMN, "palisade-gatewayd %s starting (config %s, data path %s)",
		 PACKAGE_VERSION, d.d_config_dir, model_datapath_name(d.d_settings.gs_datapath));
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

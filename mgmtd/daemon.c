/*
 * daemon.c: start-up and shutdown of the server: the directory check
 * before anything listens, the TLS files read once, signals taken
 * synchronously (sigwait) so no handler runs inside libmicrohttpd.
 */
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/util/err.h"
#include "gateway/util/log.h"
#include "mgmtd/mgmtd.h"

#define TLS_FILE_MAX (1u << 20)

static char *read_pem(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t n = 0;

	if (!f)
		return NULL;
	if ((buf = malloc(TLS_FILE_MAX + 1)))
		n = fread(buf, 1, TLS_FILE_MAX, f);
	fclose(f);
	if (!buf || n == 0 || n == TLS_FILE_MAX) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

static int setup(struct mgmtd *md, const char *dir, const char *sock, const char *web)
{
	char why[1024] = "";
	int r;

	md->md_config_dir = dir;
	md->md_socket = sock;
	if ((r = store_open(dir, &md->md_store, why, sizeof(why))) ||
	    (r = store_check(md->md_store, why, sizeof(why)))) {
		fprintf(stderr,
			"palisade-mgmtd: %s%s%s: refusing to start (fix or move the file)\n",
			why[0] == '/' ? "" : dir, why[0] == '/' ? "" : "/", why);
		return r ? r : GW_E_INVAL;
	}
	if (web) {
		if (!realpath(web, md->md_web_real)) {
			fprintf(stderr, "palisade-mgmtd: --web-root %s: no such directory\n", web);
			return GW_E_INVAL;
		}
		md->md_web_root = web;
	}
	if ((r = authdb_new(md->md_store, &md->md_auth)) || (r = gw_new(sock, &md->md_gw)) ||
	    !(md->md_rates = rates_new()) || !(md->md_live = live_new()))
		return r ? r : GW_E_NOMEM;
	return gw_watch_start(md->md_gw);
}

int mgmtd_serve(const char *dir, const char *sock, const char *addr, uint16_t port,
		const char *cert, const char *key, const char *web)
{
	struct mgmtd md = { 0 };
	char *cert_pem = NULL, *key_pem = NULL;
	sigset_t set;
	int sig, rc = 1;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (setup(&md, dir, sock, web))
		goto out;
	if (cert && (!(cert_pem = read_pem(cert)) || !(key_pem = read_pem(key)))) {
		fprintf(stderr, "palisade-mgmtd: cannot read %s\n", cert_pem ? key : cert);
		goto out;
	}
	if (http_start(&md, addr, port, cert_pem, key_pem)) {
		fprintf(stderr,
			"palisade-mgmtd: cannot listen on %s port %u (in use, or TLS files "
			"that do not fit)\n",
			addr, port);
		goto out;
	}
	log_msg(LOG_SUB_DMN, LOG_NOTICE, "listening on %s port %u (%s), gateway socket %s: ready",
		addr, port, cert ? "https" : "http", sock);
	sigwait(&set, &sig);
	log_msg(LOG_SUB_DMN, LOG_NOTICE, "signal %d: stopping", sig);
	http_stop(&md);
	rc = 0;
out:
	if (key_pem) {
		memset(key_pem, 0, strlen(key_pem));
		free(key_pem);
	}
	free(cert_pem);
	gw_free(md.md_gw);
	live_free(md.md_live);
	rates_free(md.md_rates);
	authdb_free(md.md_auth);
	store_free(md.md_store);
	return rc;
}

/*
 * check.c: the start-up check of the configuration directory. mgmtd
 * refuses to start on a broken file and names it, rather than serving
 * (and later overwriting) something it cannot read. Every object is
 * checked with the parser that reads it for real: api/model for the
 * JSON files, OpenSSL for the PEM files, authdb for mgmt/.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway/util/err.h"
#include "gateway/util/log.h"
#include "mgmtd/mgmtd.h"
#include "mgmtd/x509.h"

/* A crash between mkstemp and rename leaves ".tmp-NAME-XXXXXX": never an
 * object (the rename did not happen), so it goes. */
static void sweep_tmp(struct store *st, const char *sub)
{
	char path[4096], f[4096 + 256];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s%s%s", store_dir(st), sub[0] ? "/" : "", sub);
	if (!(d = opendir(path)))
		return;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, ".tmp-", 5)) {
			snprintf(f, sizeof(f), "%s/%s", path, de->d_name);
			if (!unlink(f))
				log_msg(LOG_SUB_CFG, LOG_NOTICE, "removed %s (left by a crash)", f);
		}
	closedir(d);
}

static int check_conns(struct store *st, char *why, size_t why_len)
{
	char **names, file[128];
	size_t n;
	int r = 0;

	if (store_list(st, "conns", ".json", &names, &n))
		return snprintf(why, why_len, "%s/conns: cannot list", store_dir(st)), GW_E_IO;
	for (size_t i = 0; i < n && !r; i++) {
		struct model_conn *c;
		struct model_err err;

		if ((r = model_conn_load(store_dir(st), names[i], &c, &err))) {
			snprintf(file, sizeof(file), "conns/%s.json", names[i]);
			model_err_str(&err, file, why, why_len);
		}
		model_conn_free(c);
	}
	store_names_free(names, n);
	return r;
}

static int check_pems(struct store *st, const char *sub, char *why, size_t why_len)
{
	char **names, rel[128], *buf;
	size_t n, len;
	int r = 0;

	if (store_list(st, sub, ".pem", &names, &n))
		return snprintf(why, why_len, "%s/%s: cannot list", store_dir(st), sub), GW_E_IO;
	for (size_t i = 0; i < n && !r; i++) {
		STACK_OF(X509) *sk = NULL;
		struct x509_err err;

		snprintf(rel, sizeof(rel), "%s/%s.pem", sub, names[i]);
		if ((r = store_read(st, rel, STORE_FILE_MAX, &buf, &len))) {
			snprintf(why, why_len, "%s: cannot read it", rel);
			break;
		}
		if ((r = x509_bundle_parse(buf, len, &sk, &err)))
			snprintf(why, why_len, "%s: %s", rel, err.xe_msg);
		sk_X509_pop_free(sk, X509_free);
		store_buf_free(buf, len);
	}
	store_names_free(names, n);
	return r;
}

static int check_lists(struct store *st, char *why, size_t why_len)
{
	struct model_eap_users *us = NULL;
	struct model_pools *ps = NULL;
	struct gw_settings gs;
	struct model_err err;
	int r;

	if ((r = gw_settings_load(store_dir(st), &gs, &err))) {
		model_err_str(&err, "gateway.json", why, why_len);
		return r;
	}
	if ((r = model_eap_users_load(store_dir(st), &us, &err))) {
		model_err_str(&err, "eap-users.json", why, why_len);
		return r;
	}
	model_eap_users_free(us);
	if ((r = model_pools_load(store_dir(st), &ps, &err))) {
		model_err_str(&err, "pools.json", why, why_len);
		return r;
	}
	model_pools_free(ps);
	return 0;
}

int store_check(struct store *st, char *why, size_t why_len)
{
	static const char *const subs[] = { "", "conns", "cas", "certs", STORE_MGMT };
	int r;

	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		sweep_tmp(st, subs[i]);
	if ((r = check_lists(st, why, why_len)) || (r = check_conns(st, why, why_len)) ||
	    (r = check_pems(st, "cas", why, why_len)) ||
	    (r = check_pems(st, "certs", why, why_len)))
		return r;
	return authdb_check_files(st, why, why_len);
}

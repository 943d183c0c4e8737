/* The configuration snapshot: load, reference counting, lookup. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sa/config.h"
#include "util/err.h"
#include "util/log.h"

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Connection names from conns/ *.json, sorted (the order conns are tried in). */
static int list_conns(const char *dir, char ***names, size_t *n, char *why, size_t why_len)
{
	char path[4096];
	struct dirent *de;
	DIR *d;

	*names = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "%s/conns", dir);
	if (!(d = opendir(path)))
		return errno == ENOENT
			       ? 0
			       : (snprintf(why, why_len, "%s: %s", path, strerror(errno)), GW_E_IO);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char **nn;

		if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".json"))
			continue;
		if (*n >= SA_MAX_CONNS) {
			closedir(d);
			snprintf(why, why_len, "conns/: too many connections (at most %d)",
				 SA_MAX_CONNS);
			return GW_E_RANGE;
		}
		if (!(nn = realloc(*names, (*n + 1) * sizeof(*nn)))) {
			closedir(d);
			return GW_E_NOMEM;
		}
		*names = nn;
		if (!(nn[*n] = strndup(de->d_name, len - 5))) {
			closedir(d);
			return GW_E_NOMEM;
		}
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(*names, *n, sizeof(**names), name_cmp);
	return 0;
}

/* Resolve what a connection needs from the credentials. */
static int prepare_conn(struct sa_config *cf, struct sa_conn *sc, char *why, size_t why_len)
{
	const struct model_conn *c = sc->sc_conn;
	char sub[AUTH_WHY_LEN];

	if (c->c_local.e_auth == MODEL_AUTH_PUBKEY &&
	    auth_local_new(cf->cf_creds, c->c_local.e_cert, c->c_local.e_key, &sc->sc_local, sub,
			   sizeof(sub))) {
		snprintf(why, why_len, "conns/%s.json: $.local: %s", c->c_name, sub);
		return GW_E_INVAL;
	}
	if (c->c_local.e_id[0]) {
		if (auth_id_from_string(c->c_local.e_id, &sc->sc_local_id)) {
			snprintf(why, why_len, "conns/%s.json: $.local.id: not an identity",
				 c->c_name);
			return GW_E_INVAL;
		}
		sc->sc_local_id_set = true;
	} else if (sc->sc_local && !auth_local_subject_id(sc->sc_local, &sc->sc_local_id)) {
		sc->sc_local_id_set = true;
	}
	sc->sc_remote_any = !c->c_remote.e_id[0] || !strcmp(c->c_remote.e_id, "%any");
	if (!sc->sc_remote_any && auth_id_from_string(c->c_remote.e_id, &sc->sc_remote_id)) {
		snprintf(why, why_len, "conns/%s.json: $.remote.id: not an identity", c->c_name);
		return GW_E_INVAL;
	}
	for (size_t i = 0; i < c->c_n_pools; i++) {
		if (!model_pools_find(cf->cf_pools, c->c_pools[i])) {
			snprintf(why, why_len,
				 "conns/%s.json: $.pools[%zu]: no pool '%s' in pools.json",
				 c->c_name, i, c->c_pools[i]);
			return GW_E_INVAL;
		}
	}
	if (c->c_remote.e_ca[0] && !auth_creds_has_ca(cf->cf_creds, c->c_remote.e_ca)) {
		snprintf(why, why_len, "conns/%s.json: $.remote.ca: no such CA: cas/%s.pem",
			 c->c_name, c->c_remote.e_ca);
		return GW_E_INVAL;
	}
	return 0;
}

static int load_conns(const char *dir, struct sa_config **cfp, char *why, size_t why_len)
{
	struct sa_config *cf = *cfp, *ncf;
	char **names = NULL;
	size_t n = 0;
	int r;

	if ((r = list_conns(dir, &names, &n, why, why_len)))
		goto out;
	if (!(ncf = realloc(cf, sizeof(*cf) + n * sizeof(cf->cf_conns[0])))) {
		r = GW_E_NOMEM;
		goto out;
	}
	*cfp = cf = ncf;
	memset(cf->cf_conns, 0, n * sizeof(cf->cf_conns[0]));
	for (size_t i = 0; i < n; i++) {
		struct model_err err;
		char buf[512];

		if ((r = model_conn_load(dir, names[i], &cf->cf_conns[i].sc_conn, &err))) {
			snprintf(buf, sizeof(buf), "conns/%s.json", names[i]);
			model_err_str(&err, buf, why, why_len);
			break;
		}
		cf->cf_n = i + 1;
		if ((r = prepare_conn(cf, &cf->cf_conns[i], why, why_len)))
			break;
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

int sa_config_load(const char *dir, uint64_t generation, struct sa_config **out, char *why,
		   size_t why_len)
{
	struct sa_config *cf = calloc(1, sizeof(*cf));
	struct model_err err;
	int r;

	if (!cf)
		return GW_E_NOMEM;
	atomic_init(&cf->cf_refs, 1);
	cf->cf_generation = generation;
	if ((r = gw_settings_load(dir, &cf->cf_settings, &err))) {
		model_err_str(&err, "gateway.json", why, why_len);
		goto fail;
	}
	if ((r = model_eap_users_load(dir, &cf->cf_eap_users, &err))) {
		model_err_str(&err, "eap-users.json", why, why_len);
		goto fail;
	}
	if ((r = model_pools_load(dir, &cf->cf_pools, &err))) {
		model_err_str(&err, "pools.json", why, why_len);
		goto fail;
	}
	if ((r = auth_creds_load(dir, &cf->cf_creds, why, why_len)) ||
	    (r = load_conns(dir, &cf, why, why_len)))
		goto fail;
	*out = cf;
	return 0;
fail:
	sa_config_unref(cf);
	return r;
}

struct sa_config *sa_config_ref(struct sa_config *c)
{
	atomic_fetch_add(&c->cf_refs, 1);
	return c;
}

void sa_config_unref(struct sa_config *c)
{
	if (!c || atomic_fetch_sub(&c->cf_refs, 1) != 1)
		return;
	for (size_t i = 0; i < c->cf_n; i++) {
		auth_local_free(c->cf_conns[i].sc_local);
		model_conn_free(c->cf_conns[i].sc_conn);
	}
	auth_creds_unref(c->cf_creds);
	model_eap_users_free(c->cf_eap_users);
	model_pools_free(c->cf_pools);
	free(c);
}

const struct sa_conn *sa_config_find(const struct sa_config *c, const char *name)
{
	for (size_t i = 0; i < c->cf_n; i++)
		if (!strcmp(c->cf_conns[i].sc_conn->c_name, name))
			return &c->cf_conns[i];
	return NULL;
}

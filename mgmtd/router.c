/*
 * router.c: the route table of api/openapi.yaml: method, path pattern, the
 * least role that may call it, the body cap, and whether it changes
 * something (audit log). Paths arrive still percent-encoded (mgmtd's
 * unescape callback leaves them alone) so that an encoded '/' inside an
 * EAP identity does not split a segment; parameters are decoded here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgmtd/mgmtd.h"

#define V    MG_ROLE_VIEWER
#define O    MG_ROLE_OPERATOR
#define A    MG_ROLE_ADMIN
#define N    MG_ROLE_NONE
#define B    MG_BODY_MAX
#define BI   MG_BODY_IMPORT_MAX
#define CONN "/api/v1/connections/{}"
#define EAPU "/api/v1/eap-users"

static const struct route routes[] = {
	{ "GET", "/healthz", N, 0, h_healthz, false },
	{ "GET", "/readyz", N, 0, h_readyz, false },
	{ "GET", "/metrics", V, 0, h_metrics, false },
	{ "GET", "/api/v1/session", N, 0, h_session_get, false },
	{ "POST", "/api/v1/session", N, 16384, h_session_login, false },
	{ "DELETE", "/api/v1/session", N, 0, h_session_logout, false },
	{ "GET", "/api/v1/connections", V, 0, h_conns_list, false },
	{ "POST", "/api/v1/connections", A, B, h_conns_create, true },
	{ "GET", CONN, V, 0, h_conns_get, false },
	{ "PUT", CONN, A, B, h_conns_replace, true },
	{ "PATCH", CONN, A, B, h_conns_patch, true },
	{ "DELETE", CONN, A, 0, h_conns_delete, true },
	{ "POST", CONN "/initiate", O, B, h_conns_initiate, true },
	{ "GET", "/api/v1/cas", V, 0, h_cas_list, false },
	{ "POST", "/api/v1/cas", A, B, h_cas_create, true },
	{ "GET", "/api/v1/cas/{}", V, 0, h_cas_get, false },
	{ "DELETE", "/api/v1/cas/{}", A, 0, h_cas_delete, true },
	{ "GET", "/api/v1/cas/{}/crl", V, 0, h_cas_crl_get, false },
	{ "PUT", "/api/v1/cas/{}/crl", A, B, h_cas_crl_put, true },
	{ "DELETE", "/api/v1/cas/{}/crl", A, 0, h_cas_crl_delete, true },
	{ "GET", "/api/v1/certs", V, 0, h_certs_list, false },
	{ "POST", "/api/v1/certs", A, B, h_certs_create, true },
	{ "GET", "/api/v1/certs/{}", V, 0, h_certs_get, false },
	{ "DELETE", "/api/v1/certs/{}", A, 0, h_certs_delete, true },
	{ "GET", EAPU, V, 0, h_eap_list, false },
	{ "POST", EAPU, A, B, h_eap_create, true },
	{ "POST", EAPU "/import", A, BI, h_eap_import, true },
	{ "GET", EAPU "/{*}", V, 0, h_eap_get, false },
	{ "PUT", EAPU "/{*}", A, B, h_eap_replace, true },
	{ "DELETE", EAPU "/{*}", A, 0, h_eap_delete, true },
	{ "GET", "/api/v1/pools", V, 0, h_pools_list, false },
	{ "POST", "/api/v1/pools", A, B, h_pools_create, true },
	{ "GET", "/api/v1/pools/{}", V, 0, h_pools_get, false },
	{ "PUT", "/api/v1/pools/{}", A, B, h_pools_replace, true },
	{ "DELETE", "/api/v1/pools/{}", A, 0, h_pools_delete, true },
	{ "GET", "/api/v1/sas", V, 0, h_sas_list, false },
	{ "GET", "/api/v1/sas/{}", V, 0, h_sas_get, false },
	{ "POST", "/api/v1/sas/{}/terminate", O, B, h_sas_terminate, true },
	{ "POST", "/api/v1/sas/{}/rekey", O, B, h_sas_rekey, true },
	{ "POST", "/api/v1/sas/{}/children/{}/terminate", O, B, h_child_terminate, true },
	{ "POST", "/api/v1/sas/{}/children/{}/rekey", O, B, h_child_rekey, true },
	{ "GET", "/api/v1/stats", V, 0, h_stats, false },
	{ "GET", "/api/v1/hsm", V, 0, h_hsm, false },
	{ "GET", "/api/v1/events", V, 0, h_events, false },
	{ "GET", "/api/v1/tokens", A, 0, h_tokens_list, false },
	{ "DELETE", "/api/v1/tokens/{}", A, 0, h_tokens_delete, true },
	{ "GET", "/api/v1/audit", A, 0, h_audit_list, false },
};

static void params_free(struct req *rq)
{
	for (size_t i = 0; i < rq->rq_n_params; i++) {
		free(rq->rq_params[i]);
		rq->rq_params[i] = NULL;
	}
	rq->rq_n_params = 0;
}

static bool add_param(struct req *rq, const char *s, size_t n)
{
	char *p;

	if (rq->rq_n_params >= MG_PARAMS || !n || !(p = malloc(n + 1)))
		return false;
	if (pct_decode(s, n, p, n + 1)) {
		free(p);
		return false;
	}
	rq->rq_params[rq->rq_n_params++] = p;
	return true;
}

/* Does path match pattern? Parameters go to rq. */
static bool match(const char *pat, const char *path, struct req *rq)
{
	params_free(rq);
	while (*pat && *path) {
		if (!strncmp(pat, "{*}", 3))
			return add_param(rq, path, strlen(path));
		if (!strncmp(pat, "{}", 2)) {
			size_t n = strcspn(path, "/");

			if (!add_param(rq, path, n))
				return false;
			pat += 2;
			path += n;
			continue;
		}
		if (*pat != *path)
			return false;
		pat++;
		path++;
	}
	if (*pat || *path)
		return false;
	return true;
}

const struct route *router_match(const char *method, const char *path, struct req *rq,
				 bool *method_mismatch, char *allow, size_t allow_len)
{
	const struct route *hit = NULL;
	size_t o = 0;

	*method_mismatch = false;
	allow[0] = '\0';
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (!match(routes[i].rt_pattern, path, rq))
			continue;
		if (!strcmp(routes[i].rt_method, method)) {
			hit = &routes[i];
			break;
		}
		*method_mismatch = true;
		o += (size_t)snprintf(allow + o, o < allow_len ? allow_len - o : 0, "%s%s",
				      o ? ", " : "", routes[i].rt_method);
	}
	if (!hit)
		params_free(rq);
	return hit;
}

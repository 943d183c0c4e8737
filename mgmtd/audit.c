/*
 * audit.c: the audit log, mgmt/audit.log (0600): one JSON line per
 * request that changes something (or tries to): when, who (token or user
 * name and role), from where, what (method, path, the file it touched)
 * and the status. Never a body, so never a secret. Each line is one
 * write() to an O_APPEND descriptor, so concurrent lines never interleave.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gateway/util/err.h"
#include "gateway/util/log.h"
#include "mgmtd/mgmtd.h"

#define AUDIT_FILE STORE_MGMT "/audit.log"

void req_client_addr(struct req *rq, char *buf, size_t len)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(rq->rq_conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(buf, len, "?");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf,
			  (socklen_t)len);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf,
			  (socklen_t)len);
}

void audit_log(struct req *rq)
{
	char path[4096], addr[64], t[32], who[80];
	json_t *line;
	char *s;
	int fd;

	req_client_addr(rq, addr, sizeof(addr));
	mg_time_str(time(NULL), t, sizeof(t));
	snprintf(who, sizeof(who), "%s:%s", rq->rq_who.p_kind[0] ? rq->rq_who.p_kind : "anonymous",
		 rq->rq_who.p_name);
	line = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i}", "time", t, "who", who, "role",
			 mg_role_name(rq->rq_who.p_role), "address", addr, "method", rq->rq_method,
			 "path", rq->rq_path, "object", rq->rq_audit_obj, "status", rq->rq_status);
	if (!line || !(s = json_dumps(line, JSON_COMPACT | JSON_ENSURE_ASCII))) {
		json_decref(line);
		return;
	}
	json_decref(line);
	log_msg(LOG_SUB_CFG, LOG_NOTICE, "audit: %s", s);
	snprintf(path, sizeof(path), "%s/" AUDIT_FILE, store_dir(rq->rq_md->md_store));
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) >= 0) {
		size_t n = strlen(s);

		s[n] = '\n';
		if (write(fd, s, n + 1) < 0)
			log_msg(LOG_SUB_CFG, LOG_ERR, "audit log %s: write failed", path);
		close(fd);
	}
	free(s);
}

enum MHD_Result h_audit_list(struct req *rq)
{
	enum MHD_Result ret;
	size_t off, lim, len;
	json_t *items;
	char *buf, *line, *save = NULL;
	int r;

	if (!req_page(rq, &off, &lim, &ret))
		return ret;
	r = store_read(rq->rq_md->md_store, AUDIT_FILE, STORE_FILE_MAX, &buf, &len);
	if (r && r != GW_E_NOTFOUND)
		return reply_problem(rq, 500, "storage", NULL, "cannot read the audit log");
	items = json_array();
	for (line = r ? NULL : strtok_r(buf, "\n", &save); line && items;
	     line = strtok_r(NULL, "\n", &save)) {
		json_t *e = json_loads(line, 0, NULL);

		if (json_is_object(e))
			json_array_insert_new(items, 0, e); /* newest first */
		else
			json_decref(e);
	}
	free(buf);
	return reply_page(rq, items, off, lim);
}

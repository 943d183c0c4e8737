/*
 * The engine's control face: initiate, terminate, reload, and the JSON of
 * list-sas, list-conns and stats (api/control.md has the schemas). Called
 * from the control thread: SAs are read under checkout, one at a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sa/sa_int.h"
#include "sa/table.h"
#include "util/err.h"
#include "util/log.h"

static json_t *ep_json(const struct sa_ep *ep)
{
	char buf[80], addr[80];
	char *p;

	sa_ep_str(ep, buf, sizeof(buf));
	/* "192.0.2.1[500]" / "[2001:db8::1][500]" -> address only */
	snprintf(addr, sizeof(addr), "%s", buf[0] == '[' ? buf + 1 : buf);
	if ((p = strchr(addr, ']')) && buf[0] == '[')
		*p = '\0';
	else if ((p = strchr(addr, '[')))
		*p = '\0';
	return json_pack("{s:s, s:i}", "address", addr, "port", ep->ep_port);
}

static void spi_str(uint64_t spi, char *buf, size_t len)
{
	snprintf(buf, len, "%016llx", (unsigned long long)spi);
}

static json_t *ts_json(const struct ike_ts *ts, uint8_t n)
{
	json_t *a = json_array();

	for (uint8_t i = 0; i < n; i++) {
		struct model_ts m = { .t_family = ts[i].ts_type == IKE_TS_IPV4_ADDR_RANGE ? AF_INET
											   : AF_INET6,
				      .t_proto = ts[i].ts_proto,
				      .t_port_start = ts[i].ts_port_start,
				      .t_port_end = ts[i].ts_port_end };
		char buf[128];

		memcpy(m.t_start, ts[i].ts_addr_start, 16);
		memcpy(m.t_end, ts[i].ts_addr_end, 16);
		if (!model_ts_format(&m, buf, sizeof(buf)))
			json_array_append_new(a, json_string(buf));
	}
	return a;
}

static json_t *child_json(struct sa_engine *e, const struct ike_sa *sa, const struct child_sa *c)
{
	struct ike_proposal p = { .pr_proto = IKE_PROTO_ESP };
	struct dp_sa_stats in = { 0 }, out = { 0 };
	struct dp_addr local, remote;
	char pstr[128], spi_in[12], spi_out[12];
	json_t *j;

	local.a_family = remote.a_family = sa->s_local.ep_family;
	memcpy(local.a_addr, sa->s_local.ep_addr, 16);
	memcpy(remote.a_addr, sa->s_remote.ep_addr, 16);
	dp_sa_stats(e->e_dp, c->c_spi_in, &local, &in);
	dp_sa_stats(e->e_dp, c->c_spi_out, &remote, &out);
	p.pr_xf[p.pr_n++] = (struct ike_transform){ IKE_XF_ENCR, c->c_encr, c->c_encr_keylen,
						    false };
	if (c->c_integ)
		p.pr_xf[p.pr_n++] = (struct ike_transform){ IKE_XF_INTEG, c->c_integ, 0, false };
	p.pr_xf[p.pr_n++] = (struct ike_transform){ IKE_XF_ESN, c->c_esn, 0, false };
	sa_proposal_str(&p, pstr, sizeof(pstr));
	snprintf(spi_in, sizeof(spi_in), "%08x", c->c_spi_in);
	snprintf(spi_out, sizeof(spi_out), "%08x", c->c_spi_out);
	j = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:b, s:s}", "name", c->c_cfg->c_name,
		      "uid", (json_int_t)c->c_uid, "state",
		      c->c_state == CHILD_ST_INSTALLED ? "INSTALLED" : "DELETING", "mode",
		      c->c_mode == DP_MODE_TRANSPORT ? "transport" : "tunnel", "protocol", "ESP",
		      "spi_in", spi_in, "spi_out", spi_out, "encap", c->c_encap, "proposal", pstr);
	if (!j)
		return NULL;
	json_object_set_new(j, "local_ts", ts_json(c->c_ts_l, c->c_n_ts_l));
	json_object_set_new(j, "remote_ts", ts_json(c->c_ts_r, c->c_n_ts_r));
	json_object_set_new(j, "bytes_in", json_integer((json_int_t)in.st_bytes));
	json_object_set_new(j, "packets_in", json_integer((json_int_t)in.st_packets));
	json_object_set_new(j, "bytes_out", json_integer((json_int_t)out.st_bytes));
	json_object_set_new(j, "packets_out", json_integer((json_int_t)out.st_packets));
	json_object_set_new(j, "installed", json_integer((json_int_t)c->c_installed));
	json_object_set_new(j, "age", json_integer((json_int_t)((uint64_t)time(NULL) -
							       c->c_installed)));
	return j;
}

static const char *state_name(uint8_t st)
{
	static const char *const names[] = { "CONNECTING", "CONNECTING", "CONNECTING",
					     "ESTABLISHED", "DELETING", "DELETED" };

	return st < sizeof(names) / sizeof(names[0]) ? names[st] : "?";
}

static json_t *ike_json(struct sa_engine *e, const struct ike_sa *sa)
{
	struct ike_proposal p;
	char spi_i[20], spi_r[20], pstr[128], id[300] = "";
	json_t *j, *children = json_array();

	spi_str(sa->s_spi_i, spi_i, sizeof(spi_i));
	spi_str(sa->s_spi_r, spi_r, sizeof(spi_r));
	if (sa->s_suite.s_encr) {
		sa_suite_proposal(&sa->s_suite, &p);
		sa_proposal_str(&p, pstr, sizeof(pstr));
	} else {
		pstr[0] = '\0';
	}
	if (sa->s_peer_id)
		auth_id_str(sa->s_peer_id, id, sizeof(id));
	j = json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:s, s:s, s:b, s:b, s:b}", "uid",
		      (json_int_t)sa->s_uid, "name", sa->s_conn ? sa->s_conn->sc_conn->c_name : "",
		      "state", state_name(sa->s_state), "role",
		      sa->s_initiator ? "initiator" : "responder", "local", ep_json(&sa->s_local),
		      "remote", ep_json(&sa->s_remote), "remote_id", id, "spi_i", spi_i, "spi_r",
		      spi_r, "proposal", pstr, "nat_local", sa->s_nat_local, "nat_remote",
		      sa->s_nat_remote, "encap", sa->s_natt);
	if (!j) {
		json_decref(children);
		return NULL;
	}
	if (sa->s_established) {
		json_object_set_new(j, "established", json_integer((json_int_t)sa->s_established));
		json_object_set_new(j, "age", json_integer((json_int_t)((uint64_t)time(NULL) -
								       sa->s_established)));
	}
	for (const struct child_sa *c = sa->s_children; c; c = c->c_next)
		json_array_append_new(children, child_json(e, sa, c));
	json_object_set_new(j, "children", children);
	return j;
}

json_t *sa_engine_list_sas(struct sa_engine *e, const char *conn, const char *id)
{
	json_t *a = json_array();
	uint64_t *spis;
	size_t n = sa_table_spis(e->e_table, &spis);

	for (size_t i = 0; i < n; i++) {
		struct ike_sa *sa = sa_table_checkout(e->e_table, spis[i]);
		char pid[300] = "";

		if (!sa)
			continue;
		if (sa->s_peer_id)
			auth_id_str(sa->s_peer_id, pid, sizeof(pid));
		if ((!conn || (sa->s_conn && !strcmp(sa->s_conn->sc_conn->c_name, conn))) &&
		    (!id || !strcmp(pid, id)))
			json_array_append_new(a, ike_json(e, sa));
		ike_sa_checkin(e, sa);
	}
	free(spis);
	return a;
}

json_t *sa_engine_list_conns(struct sa_engine *e)
{
	struct sa_config *cf = sa_engine_config(e);
	json_t *a = json_array();

	for (size_t i = 0; i < cf->cf_n; i++) {
		char *s = model_conn_to_json(cf->cf_conns[i].sc_conn);
		json_t *j = s ? json_loads(s, 0, NULL) : NULL;

		if (j)
			json_array_append_new(a, j);
		free(s);
	}
	sa_config_unref(cf);
	return a;
}

json_t *sa_engine_stats(struct sa_engine *e)
{
	struct sa_counters *k = &e->e_k;
	json_t *fail = json_object(), *j;
	struct pool_stats ps = { 0 };
	struct net_stats ns = { 0 };

	for (int i = 0; i < SA_FAIL_MAX; i++)
		json_object_set_new(fail, sa_fail_name((enum sa_fail)i),
				    json_integer((json_int_t)atomic_load(&k->k_fail[i])));
	if (e->e_pool)
		pool_get_stats(e->e_pool, &ps);
	if (e->e_net)
		net_get_stats(e->e_net, &ns);
	j = json_pack("{s:I, s:{s:I, s:I}, s:{s:I, s:o}, s:{s:I, s:I}, s:{s:I, s:I, s:I, s:I, s:I,"
		      " s:I, s:I, s:I}, s:s, s:{s:I, s:I, s:I}}",
		      "uptime", (json_int_t)((uint64_t)time(NULL) - e->e_started), "ike_sas",
		      "total", (json_int_t)sa_table_count(e->e_table), "half_open",
		      (json_int_t)atomic_load(&e->e_half_open), "setups", "ok",
		      (json_int_t)atomic_load(&k->k_setups_ok), "failed", fail, "cookies", "sent",
		      (json_int_t)atomic_load(&k->k_cookies_sent), "bad",
		      (json_int_t)atomic_load(&k->k_cookies_bad), "packets", "rx",
		      (json_int_t)atomic_load(&k->k_rx), "tx", (json_int_t)atomic_load(&k->k_tx),
		      "rx_bad", (json_int_t)atomic_load(&k->k_rx_bad), "rx_dropped",
		      (json_int_t)atomic_load(&k->k_rx_dropped), "rx_integrity",
		      (json_int_t)atomic_load(&k->k_rx_integrity), "rx_retransmit",
		      (json_int_t)atomic_load(&k->k_rx_retransmit), "tx_retransmit",
		      (json_int_t)atomic_load(&k->k_tx_retransmit), "nat_keepalives_rx",
		      (json_int_t)ns.ns_rx_keepalive, "datapath",
		      e->e_dp ? dp_backend_name(dp_backend_of(e->e_dp)) : "none", "workers", "jobs",
		      (json_int_t)ps.ps_jobs, "dropped", (json_int_t)ps.ps_dropped, "pending",
		      (json_int_t)ps.ps_pending);
	if (j)
		json_object_set_new(j, "child_sas",
				    json_pack("{s:I, s:I}", "ok",
					      (json_int_t)atomic_load(&k->k_child_ok), "failed",
					      (json_int_t)atomic_load(&k->k_child_fail)));
	return j;
}

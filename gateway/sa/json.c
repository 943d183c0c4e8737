/*
 * The JSON of IKE and CHILD SAs as api/control.md (5.3) defines them, for
 * list-sas and the event stream. Caller holds checkout.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sa/sa_int.h"

json_t *sa_json_time(uint64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[32];

	if (!t || !gmtime_r(&tt, &tm))
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static json_t *json_hex(uint64_t v, int digits)
{
	char buf[20];

	snprintf(buf, sizeof(buf), "%0*llx", digits, (unsigned long long)v);
	return json_string(buf);
}

json_t *sa_json_addr(const struct sa_ep *ep)
{
	char buf[INET6_ADDRSTRLEN];

	if (!inet_ntop(ep->ep_family, ep->ep_addr, buf, sizeof(buf)))
		return json_null();
	return json_string(buf);
}

/* One transform as its proposal keyword ("aes256gcm16", "prfsha384"). */
static json_t *alg(uint8_t type, uint16_t id, uint16_t keylen)
{
	struct proposal p = { .p_proto = IKE_PROTO_IKE, .p_n = 1 };
	char buf[32];

	if (!id && type != IKE_XF_ESN)
		return json_null();
	p.p_xf[0] = (struct proposal_xf){ type, id, keylen };
	if (type == IKE_XF_ESN)
		p.p_proto = IKE_PROTO_ESP;
	return proposal_format(&p, buf, sizeof(buf)) ? json_null() : json_string(buf);
}

static const char *id_type_name(uint8_t t)
{
	switch (t) {
	case IKE_ID_IPV4_ADDR:
		return "ipv4";
	case IKE_ID_IPV6_ADDR:
		return "ipv6";
	case IKE_ID_FQDN:
		return "fqdn";
	case IKE_ID_RFC822_ADDR:
		return "rfc822";
	case IKE_ID_DER_ASN1_DN:
		return "der_asn1_dn";
	case IKE_ID_KEY_ID:
		return "key_id";
	}
	return "other";
}

const char *sa_auth_name(enum model_auth a)
{
	static const char *const names[] = { "psk", "pubkey", "eap-md5", "eap-mschapv2", "eap" };

	return (unsigned)a < sizeof(names) / sizeof(names[0]) ? names[a] : "?";
}

/* The virtual IPs of one side: ours (given to us) or the peer's (leased). */
static json_t *vips_json(const struct ike_sa *sa, bool local)
{
	json_t *a = json_array();
	struct sa_ep v[2];
	/* the client of virtual IPs is the original initiator (a rekey's
	 * initiator may be either side, RFC 7296 2.18) */

	size_t n = local == sa->s_orig_initiator ? cp_vips(sa, v, 2) : 0;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, sa_json_addr(&v[i]));
	return a;
}

json_t *sa_json_eap_id(const struct ike_sa *sa)
{
	char eid[4 * EAP_IDENTITY_MAX + 1];

	if (!sa->s_ra || !sa->s_ra->r_eap_id_len)
		return json_null();
	log_escape(eid, sizeof(eid), sa->s_ra->r_eap_id, sa->s_ra->r_eap_id_len);
	return json_string(eid);
}

/* local or remote: address, port, identity, authentication. */
static json_t *end_json(const struct ike_sa *sa, bool local)
{
	struct auth_id mine, peer;
	const struct auth_id *id = !local && sa_peer_id(sa, &peer) ? &peer : NULL;
	const struct model_conn *c = sa->s_conn ? sa->s_conn->sc_conn : NULL;
	bool up = sa->s_state == IKE_ST_ESTABLISHED || sa->s_state == IKE_ST_DELETING;
	char buf[300];
	json_t *j;

	if (local && up && c) {
		sa_local_id(sa, sa->s_conn, &mine);
		id = &mine;
	}
	j = json_pack(
		"{s:o, s:i, s:o, s:o, s:o, s:o}", "addr",
		sa_json_addr(local ? &sa->s_local : &sa->s_remote), "port",
		local ? sa->s_local.ep_port : sa->s_remote.ep_port, "id",
		id ? json_string(auth_id_str(id, buf, sizeof(buf))) : json_null(), "id_type",
		id ? json_string(id_type_name(id->id_type)) : json_null(), "auth",
		up && c ? json_string(sa_auth_name(local ? c->c_local.e_auth : c->c_remote.e_auth))
			: json_null(),
		"vips", vips_json(sa, local));
	if (j && !local)
		json_object_set_new(j, "eap_id", sa_json_eap_id(sa));
	return j;
}

static const char *ike_state_name(const struct ike_sa *sa)
{
	if (sa->s_state == IKE_ST_ESTABLISHED && sa->s_replaced)
		return "REKEYED";
	if (sa->s_state == IKE_ST_ESTABLISHED && sa->s_task &&
	    sa->s_task->t_type == SA_TASK_IKE_REKEY)
		return "REKEYING";
	switch (sa->s_state) {
	case IKE_ST_INIT_SENT:
	case IKE_ST_INIT_DONE:
	case IKE_ST_AUTH_SENT:
		return "CONNECTING";
	case IKE_ST_ESTABLISHED:
		return "ESTABLISHED";
	default:
		return "DELETING";
	}
}

static json_t *ike_algs(const struct ike_sa *sa)
{
	const struct ike_suite *s = &sa->s_suite;
	struct ike_proposal p;
	char buf[128];

	if (!s->s_encr)
		return json_pack("{s:n, s:n, s:n, s:n, s:n}", "proposal", "encr", "integ", "prf",
				 "dh");
	sa_suite_proposal(s, &p);
	return json_pack("{s:s, s:o, s:o, s:o, s:o}", "proposal",
			 sa_proposal_str(&p, buf, sizeof(buf)), "encr",
			 alg(IKE_XF_ENCR, s->s_encr, s->s_encr_keylen), "integ",
			 alg(IKE_XF_INTEG, s->s_integ, 0), "prf", alg(IKE_XF_PRF, s->s_prf, 0),
			 "dh", alg(IKE_XF_KE, s->s_ke, 0));
}

static json_t *ts_json(const struct ike_ts *ts, uint8_t n)
{
	json_t *a = json_array();

	for (uint8_t i = 0; i < n; i++) {
		struct model_ts m = { .t_family = ts[i].ts_type == IKE_TS_IPV4_ADDR_RANGE
							  ? AF_INET
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

static json_t *since(uint64_t now, uint64_t t)
{
	return t ? json_integer((json_int_t)(now >= t ? now - t : 0)) : json_null();
}

static json_t *esp_algs(const struct child_sa *c)
{
	struct ike_proposal p = { .pr_proto = IKE_PROTO_ESP };
	char buf[128];

	p.pr_xf[p.pr_n++] =
		(struct ike_transform){ IKE_XF_ENCR, c->c_encr, c->c_encr_keylen, false };
	if (c->c_integ)
		p.pr_xf[p.pr_n++] = (struct ike_transform){ IKE_XF_INTEG, c->c_integ, 0, false };
	p.pr_xf[p.pr_n++] = (struct ike_transform){ IKE_XF_ESN, c->c_esn, 0, false };
	return json_pack("{s:s, s:o, s:o, s:o, s:b}", "proposal",
			 sa_proposal_str(&p, buf, sizeof(buf)), "encr",
			 alg(IKE_XF_ENCR, c->c_encr, c->c_encr_keylen), "integ",
			 alg(IKE_XF_INTEG, c->c_integ, 0), "dh", alg(IKE_XF_KE, c->c_pfs, 0), "esn",
			 c->c_esn);
}

/* Counters from the data path: inbound by our SPI, outbound by theirs. */
void sa_child_counters(struct sa_engine *e, const struct ike_sa *sa, const struct child_sa *c,
		       struct dp_sa_stats *in, struct dp_sa_stats *out)
{
	struct dp_addr local, remote;

	memset(in, 0, sizeof(*in));
	memset(out, 0, sizeof(*out));
	local.a_family = sa->s_local.ep_family;
	remote.a_family = sa->s_remote.ep_family;
	memcpy(local.a_addr, sa->s_local.ep_addr, 16);
	memcpy(remote.a_addr, sa->s_remote.ep_addr, 16);
	if (e->e_dp) {
		dp_sa_stats(e->e_dp, c->c_spi_in, &local, in);
		dp_sa_stats(e->e_dp, c->c_spi_out, &remote, out);
	}
}

static const char *child_state_name(const struct child_sa *c)
{
	switch (c->c_state) {
	case CHILD_ST_INSTALLED:
		return c->c_out_pending ? "INSTALLING" : "INSTALLED";
	case CHILD_ST_REKEYING:
		return "REKEYING";
	case CHILD_ST_REKEYED:
		return "REKEYED";
	default:
		return "DELETING";
	}
}

static json_t *secs_or_null(int64_t v)
{
	return v < 0 ? json_null() : json_integer((json_int_t)v);
}

static int64_t child_rekey_in(const struct child_sa *c)
{
	uint64_t now = pool_now_ms();

	if (c->c_state != CHILD_ST_INSTALLED || !c->c_rekey_ms)
		return -1;
	return c->c_rekey_ms > now ? (int64_t)((c->c_rekey_ms - now + 999) / 1000) : 0;
}

json_t *sa_json_child(struct sa_engine *e, const struct ike_sa *sa, const struct child_sa *c)
{
	uint64_t now = (uint64_t)time(NULL), life = c->c_cfg->c_life_time;
	struct dp_sa_stats in, out;
	json_t *j;

	sa_child_counters(e, sa, c, &in, &out);
	j = json_pack(
		"{s:I, s:s, s:s, s:s, s:s, s:I, s:o, s:o, s:b, s:o, s:o, s:o, s:I, s:I, s:I,"
		" s:I, s:o, s:o, s:o, s:I, s:o, s:o}",
		"uid", (json_int_t)c->c_uid, "name", c->c_cfg->c_name, "state", child_state_name(c),
		"mode", c->c_mode == DP_MODE_TRANSPORT ? "transport" : "tunnel", "protocol", "esp",
		"reqid", (json_int_t)c->c_reqid, "spi_in", json_hex(c->c_spi_in, 8), "spi_out",
		json_hex(c->c_spi_out, 8), "encap", c->c_encap, "esp", esp_algs(c), "local_ts",
		ts_json(c->c_ts_l, c->c_n_ts_l), "remote_ts", ts_json(c->c_ts_r, c->c_n_ts_r),
		"bytes_in", (json_int_t)in.st_bytes, "packets_in", (json_int_t)in.st_packets,
		"bytes_out", (json_int_t)out.st_bytes, "packets_out", (json_int_t)out.st_packets,
		"last_in", since(now, in.st_last_use), "last_out", since(now, out.st_last_use),
		"installed_at", sa_json_time(c->c_installed), "age",
		(json_int_t)(now - c->c_installed), "rekey_in", secs_or_null(child_rekey_in(c)),
		"expires_in",
		life ? json_integer((json_int_t)(c->c_installed + life > now
							 ? c->c_installed + life - now
							 : 0))
		     : json_null());
	return j;
}

json_t *sa_json_ike(struct sa_engine *e, const struct ike_sa *sa, bool children)
{
	uint64_t now = (uint64_t)time(NULL);
	json_t *j, *a;

	j = json_pack("{s:I, s:s, s:s, s:s, s:i, s:o, s:o, s:o, s:o, s:{s:b, s:b, s:b}, s:o, s:o,"
		      " s:o, s:I, s:o, s:o}",
		      "uid", (json_int_t)sa->s_uid, "name",
		      sa->s_conn ? sa->s_conn->sc_conn->c_name : "", "state", ike_state_name(sa),
		      "role", sa->s_initiator ? "initiator" : "responder", "version", 2, "spi_i",
		      json_hex(sa->s_spi_i, 16), "spi_r", json_hex(sa->s_spi_r, 16), "local",
		      end_json(sa, true), "remote", end_json(sa, false), "nat", "local",
		      sa->s_nat_local, "remote", sa->s_nat_remote, "encap_forced",
		      sa->s_conn && sa->s_conn->sc_conn->c_encap, "ike", ike_algs(sa), "created_at",
		      sa_json_time(sa->s_created), "established_at",
		      sa_json_time(sa->s_established), "age", (json_int_t)(now - sa->s_created),
		      "rekey_in", secs_or_null(sa_ike_rekey_in(sa, false)), "reauth_in",
		      secs_or_null(sa_ike_rekey_in(sa, true)));
	if (!j || !children)
		return j;
	a = json_array();
	/* the list is newest first; list-sas orders by uid */
	for (const struct child_sa *c = sa->s_children; c; c = c->c_next)
		json_array_insert_new(a, 0, sa_json_child(e, sa, c));
	json_object_set_new(j, "children", a);
	return j;
}

/* IKE SA objects: creation, keys, teardown, log prefixes. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sa/sa_int.h"
#include "sa/table.h"
#include "util/err.h"
#include "util/log.h"

void sa_ep_from_sockaddr(struct sa_ep *ep, const struct sockaddr_storage *ss)
{
	memset(ep, 0, sizeof(*ep));
	ep->ep_family = (uint8_t)ss->ss_family;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		memcpy(ep->ep_addr, &s4->sin_addr, 4);
		ep->ep_port = ntohs(s4->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		memcpy(ep->ep_addr, &s6->sin6_addr, 16);
		ep->ep_port = ntohs(s6->sin6_port);
	}
}

void sa_ep_to_sockaddr(const struct sa_ep *ep, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (ep->ep_family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, ep->ep_addr, 4);
		s4->sin_port = htons(ep->ep_port);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, ep->ep_addr, 16);
		s6->sin6_port = htons(ep->ep_port);
	}
}

const char *sa_ep_str(const struct sa_ep *ep, char *buf, size_t len)
{
	struct sockaddr_storage ss;

	sa_ep_to_sockaddr(ep, &ss);
	return net_addr_str(&ss, buf, len);
}

struct sa_id *sa_id_new(const struct auth_id *id)
{
	size_t n = id->id_len <= AUTH_ID_MAX ? id->id_len : AUTH_ID_MAX;
	struct sa_id *s = malloc(sizeof(*s) + n);

	if (s) {
		s->si_type = id->id_type;
		s->si_len = (uint16_t)n;
		memcpy(s->si_data, id->id_data, n);
	}
	return s;
}

/* struct sa_id has a flexible array: a struct copy would leave si_data
 * behind (a rekeyed SA keeps the identity, 2.18). */
struct sa_id *sa_id_dup(const struct sa_id *id)
{
	struct sa_id *s = malloc(sizeof(*s) + id->si_len);

	if (s)
		memcpy(s, id, sizeof(*s) + id->si_len);
	return s;
}

bool sa_peer_id(const struct ike_sa *sa, struct auth_id *out)
{
	if (!sa->s_peer_id)
		return false;
	memset(out, 0, sizeof(*out));
	out->id_type = sa->s_peer_id->si_type;
	out->id_len = sa->s_peer_id->si_len;
	memcpy(out->id_data, sa->s_peer_id->si_data, out->id_len);
	return true;
}

bool sa_ep_equal(const struct sa_ep *a, const struct sa_ep *b)
{
	return a->ep_family == b->ep_family && a->ep_port == b->ep_port &&
	       !memcmp(a->ep_addr, b->ep_addr, a->ep_family == AF_INET ? 4 : 16);
}

struct ike_sa *ike_sa_new(struct sa_engine *e, bool initiator)
{
	struct ike_sa *sa = calloc(1, sizeof(*sa));

	if (!sa)
		return NULL;
	sa->s_initiator = initiator;
	sa->s_orig_initiator = initiator;
	sa->s_uid = atomic_fetch_add(&e->e_next_uid, 1) + 1;
	sa->s_created_ms = pool_now_ms();
	sa->s_created = (uint64_t)time(NULL);
	sa->s_last_rx_ms = sa->s_created_ms;
	return sa;
}

uint64_t ike_sa_our_spi(const struct ike_sa *sa)
{
	return sa->s_initiator ? sa->s_spi_i : sa->s_spi_r;
}

const char *ike_sa_prefix(const struct ike_sa *sa, char *buf, size_t len)
{
	char ep[64];

	snprintf(buf, len, "ike[%u] %s", sa->s_uid, sa_ep_str(&sa->s_remote, ep, sizeof(ep)));
	return buf;
}

int ike_sa_derive(struct ike_sa *sa, const struct secret *shared)
{
	const struct ike_suite *s = &sa->s_suite;
	int r;

	if ((r = keymat_ike_sa(s, shared, sa->s_ni, sa->s_ni_len, sa->s_nr, sa->s_nr_len,
			       sa->s_spi_i, sa->s_spi_r, &sa->s_keys, NULL)))
		return r;
	return ike_sa_ciphers(sa);
}

int ike_sa_ciphers(struct ike_sa *sa)
{
	const struct ike_suite *s = &sa->s_suite;
	const struct secret *ei, *ai;
	int r;

	ei = sa->s_keys.k_ei;
	ai = sa->s_keys.k_ai;
	/* Our outbound direction uses the initiator's keys when we initiated. */
	if ((r = sk_cipher_new(s->s_encr, s->s_encr_keylen, s->s_integ,
			       sa->s_initiator ? ei : sa->s_keys.k_er,
			       sa->s_initiator ? ai : sa->s_keys.k_ar, &sa->s_c_out)) ||
	    (r = sk_cipher_new(s->s_encr, s->s_encr_keylen, s->s_integ,
			       sa->s_initiator ? sa->s_keys.k_er : ei,
			       sa->s_initiator ? sa->s_keys.k_ar : ai, &sa->s_c_in)))
		return r;
	return ike_sa_sk_init(sa);
}

static void free_bytes(uint8_t **p, size_t *len)
{
	if (*p) {
		crypto_wipe(*p, *len);
		free(*p);
	}
	*p = NULL;
	*len = 0;
}

void ike_sa_free(struct sa_engine *e, struct ike_sa *sa)
{
	if (!sa)
		return;
	if (sa->s_half_open)
		atomic_fetch_sub(&e->e_half_open, 1);
	if (sa->s_bbm_waiter.w_fn) /* a break-before-make reauth that never ran */
		sa->s_bbm_waiter.w_fn(sa->s_bbm_waiter.w_arg, "ike-failed", "the IKE SA went away",
				      NULL);
	ike_keys_clear(&sa->s_keys);
	sk_cipher_free(sa->s_c_out);
	sk_cipher_free(sa->s_c_in);
	ke_free(sa->s_ke);
	free_bytes(&sa->s_ni, &sa->s_ni_len);
	free_bytes(&sa->s_nr, &sa->s_nr_len);
	free_bytes(&sa->s_init_i, &sa->s_init_i_len);
	free_bytes(&sa->s_init_r, &sa->s_init_r_len);
	free_bytes(&sa->s_cookie, &sa->s_cookie_len);
	sa_wire_clear(&sa->s_req);
	sa_wire_clear(&sa->s_rsp);
	sa_tasks_flush(sa);
	ccs_req_free(e, sa);
	ike_coll_free(e, sa);
	ike_reasm_free(sa->s_reasm);
	sa_ra_free(e, sa); /* an SA freed before it got anywhere (checkin freed it else) */
	free(sa->s_peer_id);
	free(sa->s_pending);
	sa_config_unref(sa->s_cfg);
	free(sa);
}

/* Our identity for the SA's connection: configured, the certificate's
 * subject, or our IP address (3.5). */
void sa_local_id(const struct ike_sa *sa, const struct sa_conn *sc, struct auth_id *id)
{
	if (sc && sc->sc_local_id_set) {
		*id = sc->sc_local_id;
		return;
	}
	memset(id, 0, sizeof(*id));
	id->id_type = sa->s_local.ep_family == AF_INET ? IKE_ID_IPV4_ADDR : IKE_ID_IPV6_ADDR;
	id->id_len = sa->s_local.ep_family == AF_INET ? 4 : 16;
	memcpy(id->id_data, sa->s_local.ep_addr, id->id_len);
}

/* Tell a waiting control request how it ended. */
void sa_waiter_fire(struct ike_sa *sa, const char *code, const char *msg, json_t *result)
{
	struct sa_waiter w = sa->s_waiter;

	memset(&sa->s_waiter, 0, sizeof(sa->s_waiter));
	if (w.w_fn)
		w.w_fn(w.w_arg, code, msg, result);
	else
		json_decref(result);
}

void ike_sa_kill(struct sa_engine *e, struct ike_sa *sa, enum sa_end why, const char *reason)
{
	bool up = sa->s_state == IKE_ST_ESTABLISHED || sa->s_state == IKE_ST_DELETING;
	char pfx[96];

	if (sa->s_state == IKE_ST_DEAD)
		return;
	if (sa->s_replaced) { /* rekeyed: ike-rekeyed told it all (6.1) */
		sa_waiter_fire(sa, NULL, NULL, sa_terminated_json(sa));
		sa->s_state = IKE_ST_DEAD;
		sa->s_timer_gen++;
		return;
	}
	if (up && why < SA_FAIL_MAX) /* an established SA does not fail, it ends */
		why = why == SA_END_TIMEOUT ? SA_END_DPD : SA_END_ERROR;
	if (!up) {
		sa_fail_count(e, why < SA_FAIL_MAX ? why : SA_END_LOCAL_ERROR);
		log_info(LOG_SUB_IKE, "%s: IKE SA setup failed (%s): %s",
			 ike_sa_prefix(sa, pfx, sizeof(pfx)), sa_end_name(why), reason);
	} else {
		atomic_fetch_sub(&e->e_established, 1);
		log_info(LOG_SUB_IKE, "%s: IKE SA down (%s): %s",
			 ike_sa_prefix(sa, pfx, sizeof(pfx)), sa_end_name(why), reason);
	}
	sa_event_ike_end(e, sa, why, reason);
	if (!up)
		sa_waiter_fire(sa, why == SA_END_AUTH ? "auth-failed" : "ike-failed", reason, NULL);
	else
		sa_waiter_fire(sa, NULL, NULL, sa_terminated_json(sa));
	sa->s_state = IKE_ST_DEAD;
	sa->s_timer_gen++;
	sa_restart_maybe(e, sa, why);
}

void ike_sa_checkin(struct sa_engine *e, struct ike_sa *sa)
{
	uint64_t spi = ike_sa_our_spi(sa);

	if (sa->s_state != IKE_ST_DEAD) {
		ike_sa_sk_idle(sa);
		sa_table_checkin(e->e_table, spi);
		return;
	}
	child_sa_delete_all(e, sa);
	if (sa->s_pending)
		child_offer_abort(e, sa);
	sa_tasks_flush(sa);
	ccs_req_free(e, sa);
	cp_release(e, sa);
	sa_ra_free(e, sa);
	if (sa->s_half_open)
		sa_table_halfopen_del(e->e_table, sa->s_spi_i, &sa->s_remote);
	sa_table_remove(e->e_table, spi);
	ike_sa_free(e, sa);
}

json_t *sa_terminated_json(const struct ike_sa *sa)
{
	json_t *kids = json_array();

	for (const struct child_sa *c = sa->s_children; c; c = c->c_next)
		json_array_append_new(kids, json_integer((json_int_t)c->c_uid));
	return json_pack("{s:[I], s:o}", "ike_sas", (json_int_t)sa->s_uid, "child_sas", kids);
}

/* The initiate result (api/control.md 5.4) once the SA is up. */
json_t *sa_initiated_json(const struct ike_sa *sa)
{
	json_t *kids = json_array();

	for (const struct child_sa *c = sa->s_children; c; c = c->c_next)
		json_array_append_new(kids,
				      json_pack("{s:s, s:I, s:s}", "name", c->c_cfg->c_name, "uid",
						(json_int_t)c->c_uid, "state", "INSTALLED"));
	return json_pack("{s:I, s:s, s:s, s:o}", "ike_uid", (json_int_t)sa->s_uid, "conn",
			 sa->s_conn->sc_conn->c_name, "state", "ESTABLISHED", "children", kids);
}

/* Engine entry: every IKE datagram is parsed and checked before anything else. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/ike.h"
#include "sa/sa.h"
#include "util/err.h"
#include "util/log.h"

struct sa_engine {
	struct net *e_net;
	_Atomic uint64_t e_rx, e_rx_bad, e_rx_unsupp;
};

int sa_engine_new(struct sa_engine **out)
{
	struct sa_engine *e = calloc(1, sizeof(*e));

	if (!e)
		return GW_E_NOMEM;
	*out = e;
	return 0;
}

void sa_engine_set_net(struct sa_engine *e, struct net *net)
{
	e->e_net = net;
}

void sa_engine_free(struct sa_engine *e)
{
	free(e);
}

void sa_engine_get_stats(const struct sa_engine *e, struct sa_engine_stats *st)
{
	st->es_rx = e->e_rx;
	st->es_rx_bad = e->e_rx_bad;
	st->es_rx_unsupp = e->e_rx_unsupp;
}

/* "SA KE No N(NAT_DETECTION_SOURCE_IP) V" for the log. */
static void chain_summary(const struct ike_msg *msg, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < msg->m_n && o < len; i++) {
		const struct ike_pld *p = &msg->m_pld[i];
		struct ike_pld_notify n;
		struct ike_err err;
		int r;

		if (p->p_type == IKE_PLD_NOTIFY && !ike_pld_notify_parse(p, &n, &err))
			r = snprintf(buf + o, len - o, "%sN(%s)", o ? " " : "",
				     ike_notify_name(n.n_type));
		else
			r = snprintf(buf + o, len - o, "%s%s", o ? " " : "",
				     ike_pld_name(p->p_type));
		if (r < 0)
			break;
		o += (size_t)r;
	}
}

void sa_engine_input(void *arg, struct net_dgram *d)
{
	struct sa_engine *e = arg;
	struct ike_msg m, *msg = &m;
	char from[64], ebuf[160], chain[256];
	struct ike_err err;

	e->e_rx++;
	net_addr_str(&d->d_src, from, sizeof(from));
	if (ike_msg_parse(d->d_data, d->d_len, msg, &err) ||
	    (msg->m_sk < 0 && ike_msg_check_rules(msg, &err))) {
		e->e_rx_bad++;
		log_info(LOG_SUB_IKE, "%s: refused %zu bytes: %s", from, d->d_len,
			 ike_err_str(&err, ebuf, sizeof(ebuf)));
		return;
	}
	chain_summary(msg, chain, sizeof(chain));
	e->e_rx_unsupp++;
	log_info(LOG_SUB_IKE, "%s: %s %s #%u [ %s ] (%zu bytes): no exchange handler in this build",
		 from, ike_exch_name(msg->m_hdr.h_exch),
		 msg->m_hdr.h_flags & IKE_FLAG_RESPONSE ? "response" : "request",
		 msg->m_hdr.h_msgid, chain, d->d_len);
}

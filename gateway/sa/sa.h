/*
 * sa.h: the IKE engine's entry points. At this stage the engine validates
 * and logs every IKE message it receives (header, payload chain, exchange
 * rules); the exchanges themselves (IKE_SA_INIT, IKE_AUTH, ...) are the
 * next layer to land here. Called from net/'s receiver thread.
 */
#ifndef PAL_SA_SA_H
#define PAL_SA_SA_H

#include <stdint.h>

#include "net/net.h"

struct sa_engine_stats {
	uint64_t es_rx;        /* IKE messages received */
	uint64_t es_rx_bad;    /* refused by the codec */
	uint64_t es_rx_unsupp; /* well-formed, not answered by this build */
};

struct sa_engine;

int sa_engine_new(struct sa_engine **out);
/* The sockets replies leave from; set before net_start(). */
void sa_engine_set_net(struct sa_engine *e, struct net *net);
void sa_engine_free(struct sa_engine *e);
/* net_recv_fn for IKE datagrams; arg is the engine. */
void sa_engine_input(void *arg, struct net_dgram *d);
void sa_engine_get_stats(const struct sa_engine *e, struct sa_engine_stats *st);

struct ike_sk_ops;
struct sk_cipher;
/* Fill ops so that ike/ seals and opens SK payloads with c (borrowed). */
void sa_sk_ops_init(struct ike_sk_ops *ops, struct sk_cipher *c);

#endif

/*
 * backend.h: what a data path backend provides (internal to datapath/;
 * other folders include datapath.h only). datapath.c dispatches every
 * dp_*() call to the ops of the backend chosen in dp_new().
 */
#ifndef PAL_DATAPATH_BACKEND_H
#define PAL_DATAPATH_BACKEND_H

#include "datapath/datapath.h"

struct dp_ops {
	const char *o_name;
	/* Open the backend with cfg; *state is passed to every other op. */
	int (*o_open)(const struct dp_config *cfg, void **state);
	/* Remove our SAs and policies, stop threads, free. */
	void (*o_close)(void *state);
	int (*o_spi_alloc)(void *state, const struct dp_addr *src, const struct dp_addr *dst,
			   uint32_t *spi);
	int (*o_sa_add)(void *state, const struct dp_sa *sa);
	int (*o_sa_update)(void *state, const struct dp_sa *sa);
	int (*o_sa_del)(void *state, uint32_t spi, const struct dp_addr *dst);
	int (*o_sa_stats)(void *state, uint32_t spi, const struct dp_addr *dst,
			  struct dp_sa_stats *st);
	int (*o_policy_add)(void *state, const struct dp_policy *p);
	int (*o_policy_del)(void *state, const struct dp_selector *sel, enum dp_dir dir,
			    uint32_t mark, uint32_t mark_mask);
	/* NULL where the backend has no such thing (GW_E_UNSUP). */
	int (*o_esp_input_udp)(void *state, uint8_t *pkt, size_t len, const struct dp_addr *src,
			       uint16_t sport, const struct dp_addr *dst, uint16_t dport);
	int (*o_udp_encap_enable)(void *state, int fd);
	int (*o_socket_bypass)(void *state, int fd, int family);
};

extern const struct dp_ops dp_xfrm_ops;
extern const struct dp_ops dp_user_ops;

/* True when the running kernel accepts an ESP state (probe for auto). */
bool dp_xfrm_esp_available(void);

#endif

/*
 * datapath.c: dp_*() over the backend chosen in dp_new().
 */
#include <stdlib.h>

#include "datapath/backend.h"
#include "datapath/user_io.h"
#include "datapath/userspace.h"
#include "util/err.h"
#include "util/log.h"

struct datapath {
	const struct dp_ops *d_ops;
	void *d_state;
	enum dp_backend d_backend;
};

const char *dp_backend_name(enum dp_backend b)
{
	switch (b) {
	case DP_BACKEND_AUTO:
		return "auto";
	case DP_BACKEND_XFRM:
		return "xfrm";
	case DP_BACKEND_USERSPACE:
		return "userspace";
	}
	return "unknown";
}

/* auto: the kernel's ESP where it takes an ESP state, else ours. */
static enum dp_backend pick(enum dp_backend want)
{
	bool esp;

	if (want != DP_BACKEND_AUTO)
		return want;
	esp = dp_xfrm_esp_available();
	log_info(LOG_SUB_KNL, "data path: %s (auto: the kernel %s ESP states)",
		 esp ? "xfrm" : "userspace", esp ? "accepts" : "does not accept");
	return esp ? DP_BACKEND_XFRM : DP_BACKEND_USERSPACE;
}

int dp_new(const struct dp_config *cfg, struct datapath **out)
{
	struct datapath *dp;
	int r;

	*out = NULL;
	if (!cfg)
		return GW_E_INVAL;
	if (!(dp = calloc(1, sizeof(*dp))))
		return GW_E_NOMEM;
	dp->d_backend = pick(cfg->c_backend);
	switch (dp->d_backend) {
	case DP_BACKEND_XFRM:
		dp->d_ops = &dp_xfrm_ops;
		break;
	case DP_BACKEND_USERSPACE:
		dp->d_ops = &dp_user_ops;
		break;
	default:
		break;
	}
	r = GW_E_UNSUP;
	if (!dp->d_ops || (r = dp->d_ops->o_open(cfg, &dp->d_state)) < 0) {
		log_err(LOG_SUB_KNL, "data path %s: %s", dp_backend_name(dp->d_backend),
			gw_strerror(r));
		free(dp);
		return r;
	}
	*out = dp;
	return 0;
}

void dp_free(struct datapath *dp)
{
	if (!dp)
		return;
	dp->d_ops->o_close(dp->d_state);
	free(dp);
}

enum dp_backend dp_backend_of(const struct datapath *dp)
{
	return dp->d_backend;
}

int dp_spi_alloc(struct datapath *dp, const struct dp_addr *src, const struct dp_addr *dst,
		 uint32_t *spi)
{
	if (!dp || !dst || !spi)
		return GW_E_INVAL;
	return dp->d_ops->o_spi_alloc(dp->d_state, src, dst, spi);
}

int dp_sa_add(struct datapath *dp, const struct dp_sa *sa)
{
	if (!dp || !sa)
		return GW_E_INVAL;
	return dp->d_ops->o_sa_add(dp->d_state, sa);
}

int dp_sa_update(struct datapath *dp, const struct dp_sa *sa)
{
	if (!dp || !sa)
		return GW_E_INVAL;
	return dp->d_ops->o_sa_update(dp->d_state, sa);
}

int dp_sa_del(struct datapath *dp, uint32_t spi, const struct dp_addr *dst)
{
	if (!dp || !dst)
		return GW_E_INVAL;
	return dp->d_ops->o_sa_del(dp->d_state, spi, dst);
}

int dp_sa_stats(struct datapath *dp, uint32_t spi, const struct dp_addr *dst,
		struct dp_sa_stats *st)
{
	if (!dp || !dst || !st)
		return GW_E_INVAL;
	return dp->d_ops->o_sa_stats(dp->d_state, spi, dst, st);
}

int dp_policy_add(struct datapath *dp, const struct dp_policy *p)
{
	if (!dp || !p)
		return GW_E_INVAL;
	return dp->d_ops->o_policy_add(dp->d_state, p);
}

int dp_policy_del(struct datapath *dp, const struct dp_selector *sel, enum dp_dir dir,
		  uint32_t mark, uint32_t mark_mask)
{
	if (!dp || !sel)
		return GW_E_INVAL;
	return dp->d_ops->o_policy_del(dp->d_state, sel, dir, mark, mark_mask);
}

int dp_esp_input_udp(struct datapath *dp, uint8_t *pkt, size_t len, const struct dp_addr *src,
		     uint16_t sport, const struct dp_addr *dst, uint16_t dport)
{
	if (!dp || !pkt || !src || !dst)
		return GW_E_INVAL;
	if (!dp->d_ops->o_esp_input_udp)
		return GW_E_UNSUP;
	return dp->d_ops->o_esp_input_udp(dp->d_state, pkt, len, src, sport, dst, dport);
}

int dp_udp_encap_enable(struct datapath *dp, int fd)
{
	if (!dp || fd < 0)
		return GW_E_INVAL;
	if (!dp->d_ops->o_udp_encap_enable)
		return GW_E_UNSUP;
	return dp->d_ops->o_udp_encap_enable(dp->d_state, fd);
}

int dp_socket_bypass(struct datapath *dp, int fd, int family)
{
	if (!dp->d_ops->o_socket_bypass)
		return GW_E_UNSUP;
	return dp->d_ops->o_socket_bypass(dp->d_state, fd, family);
}

int dp_user_counters(struct datapath *dp, struct dp_user_counters *c)
{
	if (!dp || !c)
		return GW_E_INVAL;
	if (dp->d_ops != &dp_user_ops)
		return GW_E_UNSUP;
	user_io_counters(dp->d_state, c);
	return 0;
}

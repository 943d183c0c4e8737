/*
 * dp_null.c: a data path that installs nothing, for tests/bench only. It
 * implements datapath.h so that a palisade-gatewayd linked with it
 * (tests/bench/gatewayd-nulldp) measures the IKE engine alone: setup rate
 * and memory per SA without ESP state, as strongSwan's load-tester plugin
 * does with its fake kernel interface. SPIs are unique (a counter from a
 * random start); every other call succeeds and keeps nothing.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "datapath/datapath.h"
#include "datapath/userspace.h"
#include "util/err.h"

struct datapath {
	_Atomic uint32_t d_next_spi;
};

const char *dp_backend_name(enum dp_backend b)
{
	(void)b;
	return "null (benchmark build: nothing installed)";
}

int dp_new(const struct dp_config *cfg, struct datapath **out)
{
	struct datapath *dp = calloc(1, sizeof(*dp));
	uint32_t start;

	(void)cfg;
	if (!dp)
		return GW_E_NOMEM;
	if (crypto_random(&start, sizeof(start))) {
		free(dp);
		return GW_E_CRYPTO;
	}
	atomic_init(&dp->d_next_spi, start);
	*out = dp;
	return 0;
}

void dp_free(struct datapath *dp)
{
	free(dp);
}

enum dp_backend dp_backend_of(const struct datapath *dp)
{
	(void)dp;
	return DP_BACKEND_AUTO;
}

int dp_user_counters(struct datapath *dp, struct dp_user_counters *c)
{
	(void)dp;
	(void)c;
	return GW_E_UNSUP; /* no packets: stats show the backend only */
}

int dp_spi_alloc(struct datapath *dp, const struct dp_addr *src, const struct dp_addr *dst,
		 uint32_t *spi)
{
	uint32_t v;

	(void)src;
	(void)dst;
	do { /* RFC 4303 2.1: SPIs 1-255 are reserved */
		v = atomic_fetch_add(&dp->d_next_spi, 1);
	} while (v < 256);
	*spi = v;
	return 0;
}

int dp_sa_add(struct datapath *dp, const struct dp_sa *sa)
{
	(void)dp;
	(void)sa;
	return 0;
}

int dp_sa_update(struct datapath *dp, const struct dp_sa *sa)
{
	(void)dp;
	(void)sa;
	return 0;
}

int dp_sa_del(struct datapath *dp, uint32_t spi, const struct dp_addr *dst)
{
	(void)dp;
	(void)spi;
	(void)dst;
	return 0;
}

int dp_sa_stats(struct datapath *dp, uint32_t spi, const struct dp_addr *dst,
		struct dp_sa_stats *st)
{
	(void)dp;
	(void)spi;
	(void)dst;
	memset(st, 0, sizeof(*st));
	return 0;
}

int dp_policy_add(struct datapath *dp, const struct dp_policy *p)
{
	(void)dp;
	(void)p;
	return 0;
}

int dp_policy_del(struct datapath *dp, const struct dp_selector *sel, enum dp_dir dir,
		  uint32_t mark, uint32_t mark_mask)
{
	(void)dp;
	(void)sel;
	(void)dir;
	(void)mark;
	(void)mark_mask;
	return 0;
}

int dp_esp_input_udp(struct datapath *dp, uint8_t *pkt, size_t len, const struct dp_addr *src,
		     uint16_t sport, const struct dp_addr *dst, uint16_t dport)
{
	(void)dp;
	(void)pkt;
	(void)len;
	(void)src;
	(void)sport;
	(void)dst;
	(void)dport;
	return GW_E_UNSUP;
}

int dp_udp_encap_enable(struct datapath *dp, int fd)
{
	(void)dp;
	(void)fd;
	return GW_E_UNSUP;
}

int dp_socket_bypass(struct datapath *dp, int fd, int family)
{
	(void)dp;
	(void)fd;
	(void)family;
	return 0; /* nothing to bypass: no policy is ever installed */
}

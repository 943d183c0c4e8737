/*
 * dptool.h: the manual-keying test tool (tests/datapath/README.md): SAs and
 * policies read from JSON, installed through datapath.h. dptool_cfg.c
 * parses, dptool.c runs.
 */
#ifndef PAL_TESTS_DPTOOL_H
#define PAL_TESTS_DPTOOL_H

#include <stddef.h>
#include <stdint.h>

#include "datapath/datapath.h"

/* One SA with the key bytes it points to. */
struct dpt_sa_cfg {
	struct dp_sa sc_sa;
	uint8_t sc_enc_key[64];
	uint8_t sc_int_key[64];
};

struct dpt_cfg {
	struct dpt_sa_cfg *c_sas;
	size_t c_nsas;
	struct dp_policy *c_pols;
	size_t c_npols;
};

/* Reads path; on error prints "path: where: what" to stderr and returns a
 * negative GW_E_*. */
int dptool_cfg_load(const char *path, struct dpt_cfg *cfg);
/* Wipes the keys and frees. */
void dptool_cfg_free(struct dpt_cfg *cfg);

/* Formats an address ("192.0.2.1", "2001:db8::1") into out (>= 46 bytes). */
const char *dptool_addr_str(const struct dp_addr *a, char *out, size_t outsz);

#endif

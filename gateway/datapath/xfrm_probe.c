/*
 * xfrm_probe.c: does the running kernel do ESP? (DP_BACKEND_AUTO)
 * Kernels without esp4/esp6 or without GCM accept XFRM netlink but refuse
 * an ESP state ("Requested type not found", ENOSYS/ENOENT). We add and
 * remove one throw-away AES-GCM state that cannot collide with real SAs:
 * its SPI is in 1-255, which IANA reserves and IKE never assigns
 * (RFC 4303 section 2.1), it carries a mark no packet has, and our owner
 * tag, so a crash between add and delete leaves it to dp_new()'s flush.
 */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "datapath/backend.h"
#include "datapath/xfrm_be.h"
#include "util/err.h"
#include "util/iana.h"
#include "util/log.h"

#define PROBE_MARK 0x50414c53u /* "PALS": never set on packets */

static void probe_sa(struct dp_sa *sa, const uint8_t *key, size_t keylen)
{
	memset(sa, 0, sizeof(*sa));
	/* different processes probing at once pick different SPIs */
	sa->sa_spi = 1 + (uint32_t)getpid() % 255;
	sa->sa_src.a_family = sa->sa_dst.a_family = AF_INET;
	sa->sa_src.a_addr[0] = sa->sa_dst.a_addr[0] = 127;
	sa->sa_src.a_addr[3] = sa->sa_dst.a_addr[3] = 1;
	sa->sa_mode = DP_MODE_TRANSPORT;
	sa->sa_encr = IKE_ENCR_AES_GCM_16;
	sa->sa_encr_keylen = 128;
	sa->sa_integ = IKE_INTEG_NONE;
	sa->sa_enc_key = key; /* not a secret: the state carries no traffic */
	sa->sa_enc_key_len = keylen;
	sa->sa_mark = PROBE_MARK;
	sa->sa_mark_mask = 0xffffffffu;
}

bool dp_xfrm_esp_available(void)
{
	static const uint8_t key[20] = { 0 };
	struct nl_sock *sk = NULL;
	struct nl_msg *msg = NULL;
	struct dp_sa sa;
	int rc;

	probe_sa(&sa, key, sizeof(key));
	if ((rc = xfrm_nl_open(&sk, false)) < 0)
		goto out;
	if ((rc = xfrm_msg_sa(XFRM_MSG_NEWSA, &sa, 32, XFRM_TAG, NULL, &msg)) < 0)
		goto out;
	rc = xfrm_nl_request(sk, msg, NULL, NULL);
	xfrm_msg_free(msg);
	msg = NULL;
	/* EEXIST: a concurrent probe's state, built by the same kernel */
	if (rc != 0 && rc != GW_E_EXISTS)
		goto out;
	if (rc == 0) {
		if (xfrm_msg_sa_id(XFRM_MSG_DELSA, sa.sa_spi, &sa.sa_dst, sa.sa_mark,
				   sa.sa_mark_mask, &msg) < 0 ||
		    xfrm_nl_request(sk, msg, NULL, NULL) < 0)
			log_warn(LOG_SUB_KNL, "xfrm: could not remove the probe state");
	}
	rc = 0;
out:
	xfrm_msg_free(msg);
	nl_socket_free(sk);
	log_debug(LOG_SUB_KNL, "xfrm: kernel ESP %s (%s)", rc == 0 ? "available" : "unavailable",
		  gw_strerror(rc));
	return rc == 0;
}

/*
 * fuzz_esp: libFuzzer target for ESP decapsulation (gateway/datapath/esp.c)
 * and the IP header code behind it (pkt.c). The first byte picks the
 * algorithm, mode, ESN and how the rest is used:
 *   raw     the rest is an ESP packet for esp_decap() (parsing, SPI,
 *           replay and ICV paths; the RFC 7634 appendix A packet passes
 *           the ICV with the chacha20 key);
 *   sealed  the rest is a plaintext (payload, padding, pad length, next
 *           header: anything) sealed under the SA's keys, so decapsulation
 *           gets past the ICV into trailer and inner-packet parsing;
 *   encap   the rest is an IP packet: encapsulated, then decapsulated, and
 *           what comes back must be what went in;
 *   offload the rest is a virtio_net_hdr and a packet as the TUN device
 *           gives them (cut by TSO), and a run of packets as a peer's
 *           tunnel could deliver them (merged by GRO: inner packets come
 *           from the peer).
 * Any input gives a defined error or a result, never a crash.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "datapath/esp.h"
#include "datapath/esp_crypto.h"
#include "datapath/offload.h"
#include "datapath/pkt.h"
#include "util/err.h"
#include "util/iana.h"

/* A GRO run must come out as one IP packet of at most 64 KiB whose header
 * gives its length. */
static int gro_sink(void *arg, struct iovec *iov, int n, unsigned npkts)
{
	size_t total = 0;

	(void)arg;
	if (n < 2 || npkts == 0 || iov[0].iov_len != OFFLOAD_HDR)
		abort();
	for (int i = 1; i < n; i++)
		total += iov[i].iov_len;
	if (npkts > 1 && total > 0xffff)
		abort();
	return 0;
}

static void run_offload(const uint8_t *data, size_t size)
{
	static uint8_t seg[ESP_HEADROOM + 9216];
	uint8_t *copy = malloc(size + 1);
	struct virtio_net_hdr vh;
	struct gro g;
	struct tso t;
	size_t n, off = 0;
	int segs = 0;

	memcpy(copy, data, size);
	if (size > sizeof(vh)) {
		memcpy(&vh, copy, sizeof(vh));
		if (offload_tso_init(&t, &vh, copy + sizeof(vh), size - sizeof(vh)) == 0)
			while (segs++ < 100 && offload_tso_next(&t, seg, sizeof(seg), &n))
				if (n > sizeof(seg))
					abort();
		if ((vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
			offload_csum_finish(copy + sizeof(vh), size - sizeof(vh), vh.csum_start,
					    vh.csum_offset);
	}
	/* Packets, each after a 16-bit length, merged where they may be. */
	memcpy(copy, data, size);
	gro_init(&g);
	while (size - off > 2 && !gro_full(&g)) {
		size_t len = (size_t)copy[off] << 8 | copy[off + 1];

		off += 2;
		if (len > size - off)
			len = size - off;
		gro_add(&g, copy + off, len);
		off += len;
	}
	gro_flush(&g, gro_sink, NULL);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXPKT 4096
#define SPI    0x01020304u

struct alg {
	uint16_t encr, keylen, integ;
	size_t enc_len, int_len;
};

static const struct alg algs[] = {
	{ IKE_ENCR_CHACHA20_POLY1305, 256, IKE_INTEG_NONE, 36, 0 },
	{ IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE, 20, 0 },
	{ IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE, 36, 0 },
	{ IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA1_96, 16, 20 },
	{ IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128, 16, 32 },
	{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_384_192, 32, 48 },
	{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_512_256, 32, 64 },
	{ IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE, 36, 0 },
};
#define NALGS (sizeof(algs) / sizeof(algs[0]))

/* SAs live for the whole run (created on first use): one per algorithm,
 * mode and ESN, outbound and inbound. */
struct pair {
	struct esp_sa *out, *in;
	struct esp_suite su;
	struct esp_cctx cc;
};

static struct pair pairs[NALGS][2][2];

/* RFC 7634 appendix A's KEYMAT (key 80..9f, salt a0..a3), stretched for
 * the longer HMAC keys. */
static void keys(uint8_t *enc, uint8_t *integ)
{
	for (int i = 0; i < 64; i++) {
		enc[i] = (uint8_t)(0x80 + i);
		integ[i] = (uint8_t)(0x40 + 3 * i);
	}
}

static void sa_desc(struct dp_sa *d, const struct alg *a, bool transport, bool esn,
		    const uint8_t *enc, const uint8_t *integ)
{
	memset(d, 0, sizeof(*d));
	d->sa_spi = SPI;
	d->sa_src.a_family = d->sa_dst.a_family = AF_INET;
	d->sa_mode = transport ? DP_MODE_TRANSPORT : DP_MODE_TUNNEL;
	d->sa_encr = a->encr;
	d->sa_encr_keylen = a->keylen;
	d->sa_integ = a->integ;
	d->sa_enc_key = enc;
	d->sa_enc_key_len = a->enc_len;
	d->sa_int_key = a->int_len ? integ : NULL;
	d->sa_int_key_len = a->int_len;
	d->sa_esn = esn;
	d->sa_replay_window = 64;
}

static struct pair *pair_get(unsigned ai, bool transport, bool esn)
{
	struct pair *p = &pairs[ai][transport][esn];
	struct esp_opts o = { .eo_nctx = 1 };
	uint8_t enc[64], integ[64];
	struct dp_sa d;

	if (p->in)
		return p;
	keys(enc, integ);
	sa_desc(&d, &algs[ai], transport, esn, enc, integ);
	if (esp_sa_new(&d, &o, &p->out) < 0 || esp_suite_init(&p->su, &d) < 0 ||
	    esp_cctx_init(&p->cc, &p->su, &d, true) < 0)
		abort();
	d.sa_inbound = true;
	if (esp_sa_new(&d, &o, &p->in) < 0)
		abort();
	return p;
}

/* What a receiver does with the result: parse it as the data path would. */
static void consume(const struct esp_sa *in, bool transport, const uint8_t *pl,
		    const struct esp_pkt *res)
{
	static const uint8_t a[4] = { 192, 0, 2, 1 }, b[4] = { 192, 0, 2, 2 };
	uint8_t hdr[PKT_IP6_HDR], copy[MAXPKT];
	struct pkt_flow f;

	(void)in;
	if (res->ep_nh == ESP_NH_NONE)
		return;
	if (!transport) {
		if (pkt_parse(pl, res->ep_len, &f) < 0)
			abort(); /* esp_decap checked the inner packet */
		return;
	}
	if (res->ep_len > sizeof(copy))
		abort();
	memcpy(copy, pl, res->ep_len);
	pkt_build_hdr(hdr, AF_INET, a, b, res->ep_nh, res->ep_len);
	pkt_fix_l4_csum(AF_INET, a, b, res->ep_nh, copy, res->ep_len);
	pkt_flow_l4(&f, AF_INET, a, b, res->ep_nh, copy, res->ep_len);
}

static void run_raw(struct pair *p, bool transport, const uint8_t *data, size_t size)
{
	uint8_t *pkt = malloc(size ? size : 1);
	struct esp_pkt res;

	memcpy(pkt, data, size);
	esp_sa_set_seq(p->in, 0);
	if (esp_decap(p->in, 0, pkt, size, 1, &res) == 0)
		consume(p->in, transport, pkt + res.ep_off, &res);
	free(pkt);
}

static void run_sealed(struct pair *p, bool transport, bool esn, const uint8_t *data, size_t size)
{
	size_t iv = p->su.su_iv_len, n = size, len;
	uint8_t *pkt;
	struct esp_pkt res;

	if (p->su.su_kind == ESP_KIND_CBC_HMAC)
		n -= n % 16;
	len = 8 + iv + n + p->su.su_icv_len;
	pkt = malloc(len);
	memcpy(pkt, "\x01\x02\x03\x04\x00\x00\x00\x07", 8);
	memcpy(pkt + 8 + iv, data, n);
	if (esp_crypto_seal(&p->su, &p->cc, pkt, n, esn, 7) < 0)
		abort();
	esp_sa_set_seq(p->in, 0);
	if (esp_decap(p->in, 0, pkt, len, 1, &res) == 0)
		consume(p->in, transport, pkt + res.ep_off, &res);
	free(pkt);
}

static void run_encap(struct pair *p, bool transport, const uint8_t *data, size_t size)
{
	uint8_t buf[ESP_HEADROOM + MAXPKT + ESP_TAILROOM];
	struct pkt_flow f;
	struct esp_pkt res, back;
	size_t hl;

	if (size > MAXPKT)
		return;
	memcpy(buf + ESP_HEADROOM, data, size);
	esp_sa_set_seq(p->out, 0);
	esp_sa_set_seq(p->in, 0);
	if (esp_encap(p->out, 0, buf, sizeof(buf), ESP_HEADROOM, size, 1, &res) < 0)
		return;
	/* Encapsulation took it, so it was IP (transport: whole, parsed). */
	hl = 0;
	if (transport) {
		if (pkt_parse(data, size, &f) < 0)
			abort();
		hl = f.pf_hdr_len;
	}
	if (esp_decap(p->in, 0, buf + res.ep_off, res.ep_len, 1, &back) < 0) {
		/* Only a tunnel-mode packet that is not a whole IP packet may fail. */
		if (transport || pkt_parse(data, size, &f) == 0)
			abort();
		return;
	}
	if (back.ep_len > size - hl ||
	    memcmp(buf + res.ep_off + back.ep_off, data + hl, back.ep_len) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned ai, how;
	bool transport, esn;
	struct pair *p;

	if (size < 1 || size > MAXPKT)
		return 0;
	ai = data[0] % NALGS;
	transport = data[0] & 0x08;
	esn = data[0] & 0x10;
	how = (data[0] >> 5) % 4;
	p = pair_get(ai, transport, esn);
	if (how == 0)
		run_raw(p, transport, data + 1, size - 1);
	else if (how == 1)
		run_sealed(p, transport, esn, data + 1, size - 1);
	else if (how == 2)
		run_encap(p, transport, data + 1, size - 1);
	else
		run_offload(data + 1, size - 1);
	return 0;
}

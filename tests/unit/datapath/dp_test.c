/* dp_test.c: shared helpers of the datapath unit tests (dp_test.h). */
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "dp_test.h"
#include "util/iana.h"

/* Exactly the set both backends offer. */
const struct dpt_alg dpt_algs[] = {
	{ "aes-gcm-128", IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE, 20, 0 },
	{ "aes-gcm-256", IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE, 36, 0 },
	{ "chacha20-poly1305", IKE_ENCR_CHACHA20_POLY1305, 256, IKE_INTEG_NONE, 36, 0 },
	{ "aes-cbc-128/sha1-96", IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA1_96, 16, 20 },
	{ "aes-cbc-128/sha256-128", IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128, 16, 32 },
	{ "aes-cbc-256/sha256-128", IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128, 32, 32 },
	{ "aes-cbc-128/sha384-192", IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_384_192, 16, 48 },
	{ "aes-cbc-256/sha512-256", IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_512_256, 32, 64 },
	/* RFC 2451: no Key Length attribute, 24 key bytes, 8-byte block */
	{ "3des-cbc/sha1-96", IKE_ENCR_3DES, 0, IKE_INTEG_HMAC_SHA1_96, 24, 20 },
};
const size_t dpt_nalgs = sizeof(dpt_algs) / sizeof(dpt_algs[0]);

void dpt_keys_fill(struct dpt_keys *k, uint8_t seed)
{
	for (size_t i = 0; i < sizeof(k->k_enc); i++) {
		k->k_enc[i] = (uint8_t)(seed + 3 * i);
		k->k_int[i] = (uint8_t)(seed ^ (7 * i + 1));
	}
}

static void addr(struct dp_addr *a, int family, uint8_t last)
{
	memset(a, 0, sizeof(*a));
	a->a_family = family;
	if (family == AF_INET) {
		a->a_addr[0] = 192;
		a->a_addr[2] = 2;
		a->a_addr[3] = last;
	} else {
		a->a_addr[0] = 0x20;
		a->a_addr[1] = 0x01;
		a->a_addr[2] = 0x0d;
		a->a_addr[3] = 0xb8;
		a->a_addr[15] = last;
	}
}

void dpt_sa(struct dp_sa *d, const struct dpt_alg *a, const struct dpt_keys *k, uint32_t spi,
	    bool inbound, enum dp_mode mode, int family, bool esn)
{
	memset(d, 0, sizeof(*d));
	d->sa_spi = spi;
	d->sa_inbound = inbound;
	addr(&d->sa_src, family, inbound ? 2 : 1);
	addr(&d->sa_dst, family, inbound ? 1 : 2);
	d->sa_mode = mode;
	d->sa_encr = a->a_encr;
	d->sa_encr_keylen = a->a_keylen;
	d->sa_integ = a->a_integ;
	d->sa_enc_key = k->k_enc;
	d->sa_enc_key_len = a->a_enc_len;
	d->sa_int_key = a->a_int_len ? k->k_int : NULL;
	d->sa_int_key_len = a->a_int_len;
	d->sa_esn = esn;
}

int dpt_pair_new(struct dpt_pair *p, const struct dpt_alg *a, enum dp_mode mode, int family,
		 bool esn, uint32_t window)
{
	struct esp_opts o = { .eo_nctx = 2, .eo_now = 1000 };
	struct dpt_keys k;
	struct dp_sa d;
	int r;

	memset(p, 0, sizeof(*p));
	dpt_keys_fill(&k, 0x42);
	dpt_sa(&d, a, &k, 0x11223344, false, mode, family, esn);
	if ((r = esp_sa_new(&d, &o, &p->p_out)) < 0)
		return r;
	dpt_sa(&d, a, &k, 0x11223344, true, mode, family, esn);
	d.sa_replay_window = window;
	return esp_sa_new(&d, &o, &p->p_in);
}

void dpt_pair_free(struct dpt_pair *p)
{
	esp_sa_free(p->p_out);
	esp_sa_free(p->p_in);
	p->p_out = p->p_in = NULL;
}

static void put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* UDP 1234 -> 5678 or ICMP echo request, then n pattern bytes. */
static size_t l4(uint8_t *out, uint8_t proto, size_t n, uint8_t seed)
{
	size_t hl = 8;

	memset(out, 0, hl);
	if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
		out[0] = proto == IPPROTO_ICMP ? 8 : 128;
	} else {
		put16(out, 1234);
		put16(out + 2, 5678);
		put16(out + 4, hl + n);
	}
	for (size_t i = 0; i < n; i++)
		out[hl + i] = (uint8_t)(seed + i);
	return hl + n;
}

size_t dpt_ip4(uint8_t *out, uint8_t proto, size_t n, uint8_t seed)
{
	size_t len = 20 + l4(out + 20, proto, n, seed);

	memset(out, 0, 20);
	out[0] = 0x45;
	put16(out + 2, len);
	out[8] = 64;
	out[9] = proto;
	memcpy(out + 12, (const uint8_t[]){ 10, 1, 0, 1 }, 4);
	memcpy(out + 16, (const uint8_t[]){ 10, 2, 0, 1 }, 4);
	return len;
}

size_t dpt_ip6(uint8_t *out, uint8_t proto, size_t n, uint8_t seed)
{
	size_t pl = l4(out + 40, proto, n, seed);

	memset(out, 0, 40);
	out[0] = 0x60;
	put16(out + 4, pl);
	out[6] = proto;
	out[7] = 64;
	out[8] = 0xfd; /* fd00::1 -> fd02::1 */
	out[23] = 1;
	out[24] = 0xfd;
	out[25] = 2;
	out[39] = 1;
	return 40 + pl;
}

void dpt_event_record(void *arg, const struct dp_event *ev)
{
	struct dpt_events *e = arg;

	if (e->e_n < 16) {
		e->e_type[e->e_n] = ev->ev_type;
		e->e_spi[e->e_n] = ev->ev_spi;
	}
	e->e_n++;
}

size_t dpt_encap(struct esp_sa *out, const uint8_t *pkt, size_t len, uint8_t *wire)
{
	uint8_t buf[ESP_HEADROOM + 2048 + ESP_TAILROOM];
	struct esp_pkt res;

	if (len > 2048)
		return 0;
	memcpy(buf + ESP_HEADROOM, pkt, len);
	if (esp_encap(out, 0, buf, sizeof(buf), ESP_HEADROOM, len, 1000, &res) < 0)
		return 0;
	memcpy(wire, buf + res.ep_off, res.ep_len);
	return res.ep_len;
}

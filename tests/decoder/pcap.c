/* A minimal pcap writer: enough for tshark to read our test captures. */
#include <string.h>

#include "pcap.h"

static int put32(FILE *f, uint32_t v)
{
	return fwrite(&v, 4, 1, f) == 1 ? 0 : -1; /* host order: the magic says which */
}

static int put16(FILE *f, uint16_t v)
{
	return fwrite(&v, 2, 1, f) == 1 ? 0 : -1;
}

int pcap_open(struct pcap *pc, const char *path)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		return -1;
	/* magic, version 2.4, thiszone, sigfigs, snaplen, LINKTYPE_RAW (101) */
	if (put32(f, 0xa1b2c3d4) || put16(f, 2) || put16(f, 4) || put32(f, 0) || put32(f, 0) ||
	    put32(f, 65535) || put32(f, 101)) {
		fclose(f);
		return -1;
	}
	pc->pc_f = f;
	pc->pc_ts = 1700000000;
	return 0;
}

int pcap_close(struct pcap *pc)
{
	return fclose(pc->pc_f) ? -1 : 0;
}

static uint16_t ip_checksum(const uint8_t *h, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int pcap_udp4(struct pcap *pc, const uint8_t src[4], uint16_t sport, const uint8_t dst[4],
	      uint16_t dport, const uint8_t *payload, size_t len)
{
	FILE *f = pc->pc_f;
	uint8_t hdr[28] = { 0x45, 0 };
	size_t total = sizeof(hdr) + len;
	uint16_t csum;

	if (total > 65535)
		return -1;
	hdr[2] = (uint8_t)(total >> 8);
	hdr[3] = (uint8_t)total;
	hdr[8] = 64; /* TTL */
	hdr[9] = 17; /* UDP */
	memcpy(hdr + 12, src, 4);
	memcpy(hdr + 16, dst, 4);
	csum = ip_checksum(hdr, 20);
	hdr[10] = (uint8_t)(csum >> 8);
	hdr[11] = (uint8_t)csum;
	hdr[20] = (uint8_t)(sport >> 8);
	hdr[21] = (uint8_t)sport;
	hdr[22] = (uint8_t)(dport >> 8);
	hdr[23] = (uint8_t)dport;
	hdr[24] = (uint8_t)((len + 8) >> 8);
	hdr[25] = (uint8_t)(len + 8);
	/* UDP checksum 0: none (allowed over IPv4) */
	if (put32(f, pc->pc_ts++) || put32(f, 0) || put32(f, (uint32_t)total) ||
	    put32(f, (uint32_t)total) || fwrite(hdr, sizeof(hdr), 1, f) != 1 ||
	    (len && fwrite(payload, len, 1, f) != 1))
		return -1;
	return 0;
}

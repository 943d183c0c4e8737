/* pcap.h: write IPv4/UDP datagrams into a classic pcap file (LINKTYPE_RAW). */
#ifndef PAL_TESTS_PCAP_H
#define PAL_TESTS_PCAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct pcap {
	FILE *pc_f;
	uint32_t pc_ts; /* seconds of the next record: one per packet */
};

int pcap_open(struct pcap *pc, const char *path);
int pcap_close(struct pcap *pc);
/* src/dst are IPv4 addresses in network order (4 bytes). */
int pcap_udp4(struct pcap *pc, const uint8_t src[4], uint16_t sport, const uint8_t dst[4],
	      uint16_t dport, const uint8_t *payload, size_t len);

#endif

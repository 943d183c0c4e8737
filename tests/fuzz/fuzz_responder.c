/*
 * fuzz_responder: whole datagrams into the responder's receive path (not
 * only the parser): header check, cookie gate, IKE_SA_INIT handling with a
 * real configuration (a PSK and a certificate connection), SA lookup,
 * message-ID window, SK decryption attempts, INFORMATIONAL and IKE_AUTH
 * refusals. No sockets and no data path: what the engine would send is
 * dropped, so state (half-open SAs) is what the fuzzer exercises. The
 * first input byte picks the port (IKE or NAT-T) and the source address.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pool/pool.h"
#include "sa/sa.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char gateway_json[] =
	"{ \"listen\": [\"127.0.0.1\"], \"cookie_threshold\": 16, \"log_level\": \"err\" }";
static const char conn_psk[] =
	"{ \"local\": {\"id\": \"gw.test\", \"auth\": \"psk\"},"
	"  \"remote\": {\"addrs\": [\"192.0.2.0/24\"], \"id\": \"c.test\", \"auth\": \"psk\"},"
	"  \"ike\": {\"proposals\": [\"aes256gcm16-prfsha256-x25519-ecp256\", "
	"\"aes128-sha256-modp2048\"]},"
	"  \"children\": [{\"name\": \"net\", \"local_ts\": [\"10.1.0.0/16\"]}],"
	"  \"psk\": \"fuzz-psk-0123456789\" }";

/* The engine under test lives for the whole run (libFuzzer calls us in a
 * loop); this is the fuzz target's only state. */
static struct sa_engine *engine;

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(f = fopen(path, "w")) || fputs(text, f) < 0 || fclose(f))
		abort();
}

static struct sa_engine *setup(void)
{
	char dir[] = "/tmp/fuzz-responder-XXXXXX", sub[64], why[512];
	struct sa_engine *e;
	struct pool *pool;

	log_init("fuzz_responder", false, LOG_CRIT);
	if (!mkdtemp(dir))
		abort();
	snprintf(sub, sizeof(sub), "%s/conns", dir);
	mkdir(sub, 0700);
	write_file(dir, "gateway.json", gateway_json);
	write_file(dir, "conns/psk.json", conn_psk);
	if (sa_engine_new(strdup(dir), NULL, &e, why, sizeof(why)) || pool_new(1, 1024, &pool)) {
		fprintf(stderr, "fuzz_responder: %s\n", why);
		abort();
	}
	sa_engine_set_pool(e, pool);
	return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct net_dgram d = { 0 };
	struct sockaddr_in *src = (struct sockaddr_in *)&d.d_src;
	struct sockaddr_in *dst = (struct sockaddr_in *)&d.d_dst;
	uint8_t *buf;

	if (!engine)
		engine = setup();
	if (size < 1)
		return 0;
	src->sin_family = dst->sin_family = AF_INET;
	src->sin_addr.s_addr = htonl(0xc0000200 | (data[0] & 0x3f)); /* 192.0.2.x */
	src->sin_port = htons(data[0] & 0x40 ? 4500 : 500);
	dst->sin_addr.s_addr = htonl(0x7f000001);
	dst->sin_port = htons(data[0] & 0x80 ? 4500 : 500);
	d.d_natt = data[0] & 0x80;
	if (!(buf = malloc(size))) /* writable, exactly sized: ASan sees over-reads */
		return 0;
	memcpy(buf, data + 1, size - 1);
	d.d_data = buf;
	d.d_len = size - 1;
	sa_engine_input_sync(engine, &d);
	free(buf);
	return 0;
}

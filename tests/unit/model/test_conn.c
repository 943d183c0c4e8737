/*
 * Unit tests for api/model connections: documents that must parse, with
 * every field checked, and the parse -> to_json -> parse round trip.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "api/model/model.h"
#include "conn_rt.h"
#include "gateway/util/err.h"
#include "test_conn.h"

/* DESIGN.md, Configuration: the remote-access example, verbatim. */
static const char design_rw[] =
	"{ \"name\": \"rw\", \"local\": {\"id\": \"vpn.example.com\", \"auth\": \"pubkey\",\n"
	"    \"cert\": \"gw\", \"key\": \"pkcs11:token=palisade;object=gw-key\"},\n"
	"  \"remote\": {\"addrs\": [\"%any\"], \"auth\": \"eap-mschapv2\", \"ca\": "
	"\"corp-root\"},\n"
	"  \"ike\": {\"proposals\": [\"aes256gcm16-prfsha384-x25519\"], \"rekey_time\": 14400,\n"
	"          \"dpd_delay\": 30, \"encap\": false},\n"
	"  \"children\": [{\"name\": \"net\", \"mode\": \"tunnel\", \"local_ts\": "
	"[\"10.1.0.0/16\"],\n"
	"                \"remote_ts\": [\"dynamic\"], \"esp_proposals\": [\"aes256gcm16\"],\n"
	"                \"rekey_time\": 3600, \"start_action\": \"none\"}],\n"
	"  \"pools\": [\"rw-v4\"] }\n";

/* Site to site with a PSK, as DESIGN.md describes it. */
static const char s2s_psk[] =
	"{\"local\": {\"addrs\": [\"192.0.2.1\"], \"id\": \"gw-a.example.com\", \"auth\": \"psk\"},"
	" \"remote\": {\"addrs\": [\"198.51.100.7\"], \"id\": \"gw-b.example.com\", \"auth\": "
	"\"psk\"},"
	" \"ike\": {\"proposals\": [\"aes256gcm16-prfsha384-x25519\", \"aes128-sha256-modp2048\"]},"
	" \"children\": [{\"name\": \"lan\", \"local_ts\": [\"10.1.0.0/16\"],"
	"   \"remote_ts\": [\"10.2.0.0/16\", \"10.3.0.0/16\"], \"start_action\": \"trap\"}],"
	" \"psk\": \"Correct-Horse-Battery-Staple-42\"}";

/* Every field away from its default: pubkey server, EAP-MD5 clients. */
static const char full_server[] =
	"{\"name\": \"full\","
	" \"local\": {\"addrs\": [\"192.0.2.1\", \"2001:db8::1\", \"10.0.0.0/8\","
	"   \"10.9.0.1-10.9.0.20\", \"gw.example.net\"],"
	"   \"id\": \"C=CH, O=Example AG, OU=VPN+L=Zurich, CN=gw.example.com\", \"auth\": "
	"\"pubkey\","
	"   \"cert\": \"gw-2024\", \"key\": \"pkcs11:token=palisade;object=gw%20key;type=private"
	"?module-path=/usr/lib/softhsm/libsofthsm2.so\"},"
	" \"remote\": {\"addrs\": [\"%any\"], \"id\": \"%any\", \"auth\": \"eap-md5\","
	"   \"ca\": \"corp-root\", \"cert\": \"\", \"port\": 4500},"
	" \"ike\": {\"proposals\": [\"aes256gcm16-prfsha384-x25519\", \"AES128-SHA256-MODP2048\","
	"   \"chacha20poly1305-prfsha256-ecp256-x448\"], \"rekey_time\": 7200, \"reauth_time\": "
	"86400, \"reauth_mode\": \"break-before-make\","
	"   \"over_time\": 600, \"dpd_delay\": 0, \"dpd_timeout\": 60, \"encap\": true,"
	"   \"fragmentation\": false, \"keyingtries\": 0, \"retransmit_tries\": 3,"
	"   \"retransmit_timeout\": 0.25},"
	" \"children\": ["
	"  {\"name\": \"net\", \"mode\": \"tunnel\", \"local_ts\": [\"10.1.0.0/16[tcp/443]\","
	"    \"2001:db8:1::/48\", \"10.5.0.1-10.5.0.9[udp/1000-2000]\"], \"remote_ts\": "
	"[\"[udp]\"],"
	"    \"esp_proposals\": [\"aes128-sha256-modp2048-esn\", \"aes256gcm16\"],"
	"    \"rekey_time\": 1800, \"life_time\": 2000, \"rekey_bytes\": 1000000000,"
	"    \"life_bytes\": 1200000000, \"rekey_packets\": 1000000, \"life_packets\": 2000000,"
	"    \"start_action\": \"trap\", \"dpd_action\": \"restart\", \"close_action\": \"start\","
	"    \"replay_window\": 4096},"
	"  {\"name\": \"host\", \"mode\": \"transport\", \"local_ts\": [\"192.0.2.1[47]\"],"
	"    \"remote_ts\": [\"dynamic\", \"198.51.100.9\"], \"rekey_time\": 0,"
	"    \"start_action\": \"start\", \"dpd_action\": \"trap\", \"close_action\": \"trap\","
	"    \"replay_window\": 32}],"
	" \"pools\": [\"rw-v4\", \"rw-v6\"]}";

/* An EAP client: we prove ourselves with EAP, the server with a cert. */
static const char eap_client[] =
	"{\"local\": {\"auth\": \"eap\", \"id\": \"alice@corp.example\", \"eap_id\": \"alice\","
	"   \"vips\": [\"0.0.0.0\", \"::\"]},"
	" \"remote\": {\"addrs\": [\"vpn.corp.example\"], \"id\": \"keyid:0123456789abcdef\","
	"   \"auth\": \"pubkey\", \"ca\": \"corp-root\", \"cert\": \"vpn-pinned\", \"port\": 1500},"
	" \"ike\": {\"proposals\": [\"aes256-sha384-ecp384\"]}, \"psk\": \"alice-Passw0rd\"}";

/* A binary PSK given as hex, IPv6 ids on both ends. */
static const char hex_psk[] =
	"{\"name\": \"v6\", \"local\": {\"id\": \"2001:db8::1\", \"auth\": \"psk\"},"
	" \"remote\": {\"addrs\": [\"2001:db8::2\"], \"id\": \"2001:db8::2\", \"auth\": \"psk\"},"
	" \"ike\": {\"proposals\": [\"aes128gcm16-prfsha256-x25519\"]},"
	" \"psk\": \"0x00ff10a5DEADbeef\"}";

static struct model_conn *parse_ok(const char *json, const char *name)
{
	struct model_conn *c = NULL;
	struct model_err err;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = model_conn_parse(json, strlen(json), name, &c, &err);
	if (rc)
		fprintf(stderr, "parse failed: %s: %s\n", err.me_path, err.me_msg);
	CU_ASSERT_EQUAL(rc, 0);
	return c;
}

static void assert_round_trip(const struct model_conn *c, const char *name)
{
	char why[8192];

	if (conn_rt_check(c, name, why, sizeof(why))) {
		fprintf(stderr, "round trip: %s\n", why);
		CU_FAIL("parse -> to_json -> parse changed the connection");
	}
}

static void ts_is(const struct model_ts *ts, const char *want)
{
	char buf[128];

	CU_ASSERT_EQUAL(model_ts_format(ts, buf, sizeof(buf)), 0);
	if (strcmp(buf, want)) {
		fprintf(stderr, "selector '%s', expected '%s'\n", buf, want);
		CU_FAIL("traffic selector");
	}
}

static void test_design_example(void)
{
	struct model_conn *c = parse_ok(design_rw, "rw");
	const struct model_child *ch;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_STRING_EQUAL(c->c_name, "rw");
	CU_ASSERT_STRING_EQUAL(c->c_local.e_id, "vpn.example.com");
	CU_ASSERT_EQUAL(c->c_local.e_auth, MODEL_AUTH_PUBKEY);
	CU_ASSERT_STRING_EQUAL(c->c_local.e_key, "pkcs11:token=palisade;object=gw-key");
	CU_ASSERT_EQUAL(c->c_local.e_n_addrs, 1);
	CU_ASSERT_STRING_EQUAL(c->c_local.e_addrs[0], "%any");
	CU_ASSERT_EQUAL(c->c_remote.e_auth, MODEL_AUTH_EAP_MSCHAPV2);
	CU_ASSERT_STRING_EQUAL(c->c_remote.e_ca, "corp-root");
	CU_ASSERT_EQUAL(c->c_remote.e_port, 500);
	CU_ASSERT_EQUAL(c->c_n_props, 1);
	CU_ASSERT_STRING_EQUAL(c->c_props[0].mp_str, "aes256gcm16-prfsha384-x25519");
	CU_ASSERT_EQUAL(c->c_props[0].mp_prop.p_proto, IKE_PROTO_IKE);
	CU_ASSERT_EQUAL(c->c_props[0].mp_prop.p_n, 3);
	/* defaults */
	CU_ASSERT_EQUAL(c->c_rekey_time, 14400);
	CU_ASSERT_EQUAL(c->c_reauth_time, 0);
	CU_ASSERT_FALSE(c->c_reauth_bbm); /* make-before-break */
	CU_ASSERT_EQUAL(c->c_over_time, 1440);
	CU_ASSERT_EQUAL(c->c_dpd_timeout, 150);
	CU_ASSERT_TRUE(c->c_fragmentation);
	CU_ASSERT_FALSE(c->c_encap);
	CU_ASSERT_EQUAL(c->c_keyingtries, 1);
	CU_ASSERT_EQUAL(c->c_retransmit_tries, 5);
	CU_ASSERT_EQUAL(c->c_retransmit_timeout_ms, 4000);
	CU_ASSERT_EQUAL(c->c_psk_len, 0);
	CU_ASSERT_EQUAL_FATAL(c->c_n_children, 1);
	ch = &c->c_children[0];
	CU_ASSERT_STRING_EQUAL(ch->c_name, "net");
	CU_ASSERT_EQUAL(ch->c_mode, MODEL_MODE_TUNNEL);
	CU_ASSERT_EQUAL(ch->c_n_local_ts, 1);
	ts_is(&ch->c_local_ts[0], "10.1.0.0/16");
	CU_ASSERT_TRUE(ch->c_remote_ts[0].t_dynamic);
	CU_ASSERT_EQUAL(ch->c_n_props, 1);
	CU_ASSERT_EQUAL(ch->c_props[0].mp_prop.p_proto, IKE_PROTO_ESP);
	CU_ASSERT_EQUAL(ch->c_rekey_time, 3600);
	CU_ASSERT_EQUAL(ch->c_life_time, 3960);
	CU_ASSERT_EQUAL(ch->c_dpd_action, MODEL_ACTION_CLEAR);
	CU_ASSERT_EQUAL(ch->c_replay_window, 0);
	CU_ASSERT_EQUAL(c->c_n_pools, 1);
	CU_ASSERT_STRING_EQUAL(c->c_pools[0], "rw-v4");
	assert_round_trip(c, "rw");
	model_conn_free(c);
}

static void test_s2s_psk(void)
{
	struct model_conn *c = parse_ok(s2s_psk, "site-b");
	const struct model_child *ch;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_STRING_EQUAL(c->c_name, "site-b"); /* from the file name */
	CU_ASSERT_EQUAL(c->c_local.e_auth, MODEL_AUTH_PSK);
	CU_ASSERT_EQUAL(c->c_remote.e_auth, MODEL_AUTH_PSK);
	CU_ASSERT_STRING_EQUAL(c->c_remote.e_addrs[0], "198.51.100.7");
	CU_ASSERT_EQUAL(c->c_psk_len, strlen("Correct-Horse-Battery-Staple-42"));
	CU_ASSERT_EQUAL(memcmp(c->c_psk, "Correct-Horse-Battery-Staple-42", c->c_psk_len), 0);
	CU_ASSERT_EQUAL(c->c_n_props, 2);
	ch = &c->c_children[0];
	CU_ASSERT_EQUAL(ch->c_start_action, MODEL_ACTION_TRAP);
	CU_ASSERT_EQUAL(ch->c_n_remote_ts, 2);
	ts_is(&ch->c_remote_ts[1], "10.3.0.0/16");
	/* default ESP proposals */
	CU_ASSERT_EQUAL(ch->c_n_props, 2);
	CU_ASSERT_STRING_EQUAL(ch->c_props[0].mp_str, "aes256gcm16");
	CU_ASSERT_STRING_EQUAL(ch->c_props[1].mp_str, "aes128-sha256");
	CU_ASSERT_EQUAL(ch->c_props[1].mp_prop.p_n, 3); /* encr, integ, ESN no */
	assert_round_trip(c, "site-b");
	model_conn_free(c);
}

static void test_full_server(void)
{
	struct model_conn *c = parse_ok(full_server, "full");
	const struct model_child *ch, *h;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->c_local.e_n_addrs, 5);
	CU_ASSERT_STRING_EQUAL(c->c_local.e_addrs[4], "gw.example.net");
	CU_ASSERT_STRING_EQUAL(c->c_local.e_cert, "gw-2024");
	CU_ASSERT_PTR_NOT_NULL(strstr(c->c_local.e_key, "module-path="));
	CU_ASSERT_STRING_EQUAL(c->c_remote.e_id, "%any");
	CU_ASSERT_EQUAL(c->c_remote.e_auth, MODEL_AUTH_EAP_MD5);
	CU_ASSERT_EQUAL(c->c_remote.e_port, 4500);
	CU_ASSERT_EQUAL(c->c_n_props, 3);
	CU_ASSERT_STRING_EQUAL(c->c_props[1].mp_str, "AES128-SHA256-MODP2048");
	CU_ASSERT_EQUAL(c->c_rekey_time, 7200);
	CU_ASSERT_EQUAL(c->c_reauth_time, 86400);
	CU_ASSERT_TRUE(c->c_reauth_bbm);
	CU_ASSERT_EQUAL(c->c_over_time, 600);
	CU_ASSERT_EQUAL(c->c_dpd_delay, 0);
	CU_ASSERT_EQUAL(c->c_dpd_timeout, 60);
	CU_ASSERT_TRUE(c->c_encap);
	CU_ASSERT_FALSE(c->c_fragmentation);
	CU_ASSERT_EQUAL(c->c_keyingtries, 0);
	CU_ASSERT_EQUAL(c->c_retransmit_tries, 3);
	CU_ASSERT_EQUAL(c->c_retransmit_timeout_ms, 250);
	CU_ASSERT_EQUAL_FATAL(c->c_n_children, 2);
	ch = &c->c_children[0];
	CU_ASSERT_EQUAL(ch->c_n_local_ts, 3);
	ts_is(&ch->c_local_ts[0], "10.1.0.0/16[tcp/443]");
	ts_is(&ch->c_local_ts[2], "10.5.0.1-10.5.0.9[udp/1000-2000]");
	ts_is(&ch->c_remote_ts[0], "dynamic[udp]");
	CU_ASSERT_STRING_EQUAL(ch->c_props[0].mp_str, "aes128-sha256-modp2048-esn");
	CU_ASSERT_EQUAL(ch->c_life_time, 2000);
	CU_ASSERT_EQUAL(ch->c_rekey_bytes, 1000000000ULL);
	CU_ASSERT_EQUAL(ch->c_life_bytes, 1200000000ULL);
	CU_ASSERT_EQUAL(ch->c_rekey_packets, 1000000);
	CU_ASSERT_EQUAL(ch->c_life_packets, 2000000);
	CU_ASSERT_EQUAL(ch->c_start_action, MODEL_ACTION_TRAP);
	CU_ASSERT_EQUAL(ch->c_dpd_action, MODEL_ACTION_START);
	CU_ASSERT_EQUAL(ch->c_close_action, MODEL_ACTION_START);
	CU_ASSERT_EQUAL(ch->c_replay_window, 4096);
	h = &c->c_children[1];
	CU_ASSERT_EQUAL(h->c_mode, MODEL_MODE_TRANSPORT);
	ts_is(&h->c_local_ts[0], "192.0.2.1/32[47]");
	CU_ASSERT_EQUAL(h->c_rekey_time, 0);
	CU_ASSERT_EQUAL(h->c_life_time, 0);
	CU_ASSERT_EQUAL(h->c_dpd_action, MODEL_ACTION_TRAP);
	CU_ASSERT_EQUAL(h->c_close_action, MODEL_ACTION_TRAP);
	CU_ASSERT_EQUAL(h->c_replay_window, 32);
	CU_ASSERT_EQUAL(c->c_n_pools, 2);
	assert_round_trip(c, "full");
	model_conn_free(c);
}

static void test_eap_client_and_hex_psk(void)
{
	static const uint8_t key[] = { 0x00, 0xff, 0x10, 0xa5, 0xde, 0xad, 0xbe, 0xef };
	struct model_conn *c = parse_ok(eap_client, "corp");

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->c_local.e_auth, MODEL_AUTH_EAP);
	CU_ASSERT_STRING_EQUAL(c->c_local.e_eap_id, "alice");
	CU_ASSERT_EQUAL(c->c_local.e_n_vips, 2);
	CU_ASSERT_EQUAL(c->c_local.e_vip_family[0], AF_INET);
	CU_ASSERT_EQUAL(c->c_local.e_vip_family[1], AF_INET6);
	CU_ASSERT_EQUAL(c->c_psk_len, 14); /* the EAP password */
	CU_ASSERT_STRING_EQUAL(c->c_remote.e_id, "keyid:0123456789abcdef");
	CU_ASSERT_STRING_EQUAL(c->c_remote.e_cert, "vpn-pinned");
	CU_ASSERT_EQUAL(c->c_remote.e_port, 1500);
	CU_ASSERT_EQUAL(c->c_n_children, 0);
	assert_round_trip(c, "corp");
	model_conn_free(c);

	c = parse_ok(hex_psk, "v6");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->c_psk_len, sizeof(key));
	CU_ASSERT_EQUAL(memcmp(c->c_psk, key, sizeof(key)), 0);
	assert_round_trip(c, "v6");
	model_conn_free(c);
}

/* Defaults derived from other fields: over_time, life_* = 110%. */
static void test_derived_defaults(void)
{
	static const char doc[] =
		"{\"local\": {\"auth\": \"psk\"}, \"remote\": {\"auth\": \"psk\", \"id\": "
		"\"b.example\"},"
		" \"ike\": {\"proposals\": [\"aes128-sha256-x25519\"], \"rekey_time\": 0,"
		"   \"reauth_time\": 3000}, \"psk\": \"k\","
		" \"children\": [{\"name\": \"a\", \"rekey_time\": 5, \"rekey_bytes\": 100,"
		"   \"rekey_packets\": 7}, {\"name\": \"b\", \"rekey_time\": 0, \"life_time\": "
		"60}]}";
	struct model_conn *c = NULL;
	struct model_err err;

	/* no name in the document and none given */
	CU_ASSERT_EQUAL(model_conn_parse(doc, strlen(doc), NULL, &c, &err), GW_E_INVAL);
	CU_ASSERT_STRING_EQUAL(err.me_path, "$.name");
	CU_ASSERT_PTR_NULL(c);
	c = parse_ok(doc, "x");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->c_over_time, 300);
	CU_ASSERT_EQUAL(c->c_children[0].c_life_time, 6);
	CU_ASSERT_EQUAL(c->c_children[0].c_life_bytes, 110);
	CU_ASSERT_EQUAL(c->c_children[0].c_life_packets, 8);
	CU_ASSERT_EQUAL(c->c_children[1].c_life_time, 60);
	CU_ASSERT_EQUAL(c->c_children[1].c_life_bytes, 0);
	assert_round_trip(c, "x");
	model_conn_free(c);
}

/* Identity forms that must be accepted. */
static void test_good_ids(void)
{
	static const char *const ids[] = {
		"gw",
		"vpn.example.com",
		"192.0.2.1",
		"2001:db8::1",
		"user@example.com",
		"CN=gw",
		"C=CH, O=Example, CN=gw",
		"cn=gw,o=Example",
		"2.5.4.3=gw",
		"CN=a\\\\, b+OU=x",
		"keyid:00",
		"O=Ex\\\\41mple",
		"E=gw@example.com, commonName=gw",
		"%any",
		"",
	};
	char doc[1024];

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct model_conn *c;

		snprintf(doc, sizeof(doc),
			 "{\"local\": {\"auth\": \"pubkey\", \"cert\": \"c\", \"key\": \"k\"},"
			 " \"remote\": {\"auth\": \"pubkey\", \"id\": \"%s\"},"
			 " \"ike\": {\"proposals\": [\"aes128-sha256-x25519\"]}}",
			 ids[i]);
		c = parse_ok(doc, "ids");
		if (!c)
			fprintf(stderr, "id '%s' refused\n", ids[i]);
		else
			assert_round_trip(c, "ids");
		model_conn_free(c);
	}
}

static void test_good_addrs(void)
{
	static const char *const addrs[] = {
		"%any",
		"192.0.2.1",
		"::",
		"10.0.0.0/8",
		"2001:db8::/32",
		"10.0.0.1-10.0.0.3",
		"vpn-1.example.com",
		"localhost",
		"a",
		"x1.y2.z3",
	};
	char doc[1024];

	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		struct model_conn *c;

		snprintf(doc, sizeof(doc),
			 "{\"local\": {\"auth\": \"pubkey\", \"cert\": \"c\", \"key\": \"k\"},"
			 " \"remote\": {\"auth\": \"pubkey\", \"addrs\": [\"%s\"]},"
			 " \"ike\": {\"proposals\": [\"aes128-sha256-x25519\"]}}",
			 addrs[i]);
		c = parse_ok(doc, "addrs");
		if (!c)
			fprintf(stderr, "address '%s' refused\n", addrs[i]);
		model_conn_free(c);
	}
}

static int parse_psk(const char *psk, struct model_conn **c, struct model_err *err)
{
	char doc[1024];

	snprintf(doc, sizeof(doc),
		 "{\"local\": {\"auth\": \"psk\"}, \"remote\": {\"auth\": \"pubkey\", \"id\": "
		 "\"%%any\"},"
		 " \"ike\": {\"proposals\": [\"aes128-sha256-x25519\"]}, \"psk\": \"%s\"}",
		 psk);
	return model_conn_parse(doc, strlen(doc), "p", c, err);
}

/* 1-256 bytes, as text or as "0x" + hex. */
static void test_psk_lengths(void)
{
	char psk[2 + 2 * MODEL_PSK_MAX + 3];
	struct model_conn *c = NULL;
	struct model_err err;

	memset(psk, 'k', MODEL_PSK_MAX);
	psk[MODEL_PSK_MAX] = '\0';
	CU_ASSERT_EQUAL(parse_psk(psk, &c, &err), 0);
	CU_ASSERT_EQUAL(c ? c->c_psk_len : 0, MODEL_PSK_MAX);
	model_conn_free(c);
	c = NULL;
	strcat(psk, "k");
	CU_ASSERT_EQUAL(parse_psk(psk, &c, &err), GW_E_INVAL);
	CU_ASSERT_STRING_EQUAL(err.me_path, "$.psk");
	CU_ASSERT_PTR_NOT_NULL(strstr(err.me_msg, "1-256 bytes"));
	psk[0] = '0';
	psk[1] = 'x';
	memset(psk + 2, 'a', 2 * MODEL_PSK_MAX);
	psk[2 + 2 * MODEL_PSK_MAX] = '\0';
	CU_ASSERT_EQUAL(parse_psk(psk, &c, &err), 0);
	CU_ASSERT_EQUAL(c ? c->c_psk_len : 0, MODEL_PSK_MAX);
	CU_ASSERT_EQUAL(c ? c->c_psk[MODEL_PSK_MAX - 1] : 0, 0xaa);
	model_conn_free(c);
	c = NULL;
	strcat(psk, "aa");
	CU_ASSERT_EQUAL(parse_psk(psk, &c, &err), GW_E_INVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.me_msg, "1-256 bytes"));
	/* a one-byte key is allowed (weak, but the admin's choice) */
	CU_ASSERT_EQUAL(parse_psk("0x00", &c, &err), 0);
	CU_ASSERT_EQUAL(c ? c->c_psk_len : 0, 1);
	model_conn_free(c);
}

/* to_json: every field present, the PSK absent. */
static void test_to_json(void)
{
	struct model_conn *c = parse_ok(s2s_psk, "s2s");
	json_t *root, *child, *ike;
	char *js;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	js = model_conn_to_json(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(js);
	CU_ASSERT_PTR_NULL(strstr(js, "Correct-Horse"));
	CU_ASSERT_PTR_NULL(strstr(js, "\"psk\":"));
	root = json_loads(js, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	CU_ASSERT_TRUE(json_is_true(json_object_get(root, "psk_set")));
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(root, "name")), "s2s");
	CU_ASSERT_EQUAL(json_object_size(json_object_get(root, "local")), 7);
	CU_ASSERT_EQUAL(json_object_size(json_object_get(root, "remote")), 6);
	ike = json_object_get(root, "ike");
	CU_ASSERT_EQUAL(json_object_size(ike), 12);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(ike, "reauth_mode")),
			       "make-before-break");
	CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(ike, "retransmit_timeout")), 4.0,
			       1e-9);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(ike, "over_time")), 1440);
	child = json_array_get(json_object_get(root, "children"), 0);
	CU_ASSERT_EQUAL(json_object_size(child), 15);
	CU_ASSERT_STRING_EQUAL(
		json_string_value(json_array_get(json_object_get(child, "esp_proposals"), 1)),
		"aes128-sha256");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(child, "dpd_action")), "clear");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(child, "life_time")), 3960);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(root, "pools")), 0);
	json_decref(root);
	free(js);
	model_conn_free(c);

	c = parse_ok(design_rw, "rw");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	js = model_conn_to_json(c);
	CU_ASSERT_PTR_NOT_NULL(strstr(js, "\"psk_set\": false"));
	CU_ASSERT_PTR_NOT_NULL(strstr(js, "\"retransmit_timeout\": 4.0"));
	free(js);
	model_conn_free(c);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

static void test_load(void)
{
	char dir[] = "/tmp/palisade-conn-XXXXXX";
	char sub[64], path[128];
	struct model_conn *c = (struct model_conn *)1;
	struct model_err err;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/conns", dir);
	CU_ASSERT_EQUAL_FATAL(mkdir(sub, 0700), 0);
	CU_ASSERT_EQUAL(model_conn_load(dir, "rw", &c, &err), GW_E_NOTFOUND);
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.me_msg, "no such connection"));
	snprintf(path, sizeof(path), "%s/rw.json", sub);
	write_file(path, design_rw);
	CU_ASSERT_EQUAL(model_conn_load(dir, "rw", &c, &err), 0);
	CU_ASSERT_PTR_NOT_NULL(c);
	model_conn_free(c);
	/* the document's name must be the file's */
	CU_ASSERT_EQUAL(model_conn_load(dir, "rw2", &c, &err), GW_E_NOTFOUND);
	snprintf(path, sizeof(path), "%s/rw2.json", sub);
	write_file(path, design_rw);
	CU_ASSERT_EQUAL(model_conn_load(dir, "rw2", &c, &err), GW_E_INVAL);
	CU_ASSERT_STRING_EQUAL(err.me_path, "$.name");
	unlink(path);
	/* names are file names: no way out of conns/ */
	CU_ASSERT_EQUAL(model_conn_load(dir, "../conns/rw", &c, &err), GW_E_INVAL);
	CU_ASSERT_EQUAL(model_conn_load(dir, ".hidden", &c, &err), GW_E_INVAL);
	snprintf(path, sizeof(path), "%s/rw.json", sub);
	unlink(path);
	rmdir(sub);
	rmdir(dir);
	model_conn_free(NULL);
}

/* A token key may come without "cert": its certificate is found later. */
static void test_pkcs11_no_cert(void)
{
	static const char doc[] =
		"{\"local\": {\"auth\": \"pubkey\", \"key\": "
		"\"pkcs11:token=palisade;object=gw-key\"},"
		" \"remote\": {\"auth\": \"pubkey\", \"id\": \"peer.example.com\"},"
		" \"ike\": {\"proposals\": [\"aes256gcm16-prfsha256-ecp256\"]}}";
	struct model_conn *c = parse_ok(doc, "hsm");

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_STRING_EQUAL(c->c_local.e_cert, "");
	CU_ASSERT_STRING_EQUAL(c->c_local.e_key, "pkcs11:token=palisade;object=gw-key");
	model_conn_free(c);
}

static const struct ut_case good_cases[] = {
	{ "pkcs11 key without cert", test_pkcs11_no_cert },
	{ "DESIGN.md example", test_design_example },
	{ "site-to-site PSK", test_s2s_psk },
	{ "every field set", test_full_server },
	{ "EAP client, hex PSK", test_eap_client_and_hex_psk },
	{ "derived defaults", test_derived_defaults },
	{ "identity forms", test_good_ids },
	{ "address forms", test_good_addrs },
	{ "PSK lengths", test_psk_lengths },
	{ "to_json content", test_to_json },
	{ "load from conns/", test_load },
	{ NULL, NULL },
};

const struct ut_suite conn_good_suite = { "model/conn good", good_cases };

int main(void)
{
	static const struct ut_suite *const suites[] = { &conn_good_suite, &conn_bad_suite,
							 &ts_suite, &preset_suite, NULL };

	return ut_main(suites);
}

/*
 * gen_ike: writes a capture of complete IKEv2 conversations built by our
 * codec and crypto (IKE_SA_INIT, IKE_AUTH with PSK or with EAP rounds,
 * CREATE_CHILD_SA, INFORMATIONAL, an RFC 7383 fragmented message), and the
 * ikev2_decryption_table line with our SK keys, so that tshark (an
 * independent decoder) can check every payload and decrypt every SK.
 *
 *   gen_ike SUITE OUT.pcap OUT.uat      SUITE: gcm | cbc | cbc-natt
 * The addresses are documentation addresses: nothing is sent anywhere.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "crypto/crypto.h"
#include "ike/ike.h"
#include "pcap.h"
#include "sa/sa.h"
#include "util/err.h"

#define DIE(...)                                          \
	do {                                              \
		fprintf(stderr, "gen_ike: " __VA_ARGS__); \
		fputc('\n', stderr);                      \
		exit(1);                                  \
	} while (0)

static const uint8_t addr_i[4] = { 192, 0, 2, 1 };
static const uint8_t addr_r[4] = { 192, 0, 2, 2 };

struct flow {
	struct pcap f_pc;
	struct proposal f_ike_prop;
	struct ike_suite f_suite;
	uint64_t f_spi_i, f_spi_r;
	struct ke *f_ke_i, *f_ke_r;
	uint8_t f_ni[32], f_nr[32];
	struct ike_keys f_keys;
	struct sk_cipher *f_c_i, *f_c_r; /* initiator -> responder, and back */
	uint16_t f_port;                 /* 500, or 4500 after NAT-T floating */
	uint8_t *f_init_req, *f_init_rsp;
	size_t f_init_req_len, f_init_rsp_len;
	uint8_t f_cert[2048];
	size_t f_cert_len;
};

/* A freshly generated self-signed ECDSA P-256 certificate for CERT. */
static size_t make_cert(uint8_t *out, size_t max)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	X509_NAME *n;
	unsigned char *p = out;
	int len;

	if (!key || !x)
		DIE("cannot make a key");
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 4242);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
				   (const unsigned char *)"client.example.org", -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509_set_pubkey(x, key);
	if (!X509_sign(x, key, EVP_sha256()) || (len = i2d_X509(x, NULL)) <= 0 ||
	    (size_t)len > max || i2d_X509(x, &p) != len)
		DIE("cannot make a certificate");
	X509_free(x);
	EVP_PKEY_free(key);
	return (size_t)len;
}

static void sa_from_proposal(const struct proposal *p, const uint8_t *spi, uint8_t spi_len,
			     struct ike_pld_sa *sa)
{
	struct ike_proposal *pr = &sa->sa_prop[0];

	memset(sa, 0, sizeof(*sa));
	sa->sa_n = 1;
	pr->pr_num = 1;
	pr->pr_proto = p->p_proto;
	pr->pr_spi_len = spi_len;
	if (spi_len)
		memcpy(pr->pr_spi, spi, spi_len);
	pr->pr_n = p->p_n;
	for (uint8_t i = 0; i < p->p_n; i++) {
		pr->pr_xf[i].t_type = p->p_xf[i].x_type;
		pr->pr_xf[i].t_id = p->p_xf[i].x_id;
		pr->pr_xf[i].t_keylen = p->p_xf[i].x_keylen;
	}
}

static void suite_from_proposal(const struct proposal *p, struct ike_suite *s)
{
	memset(s, 0, sizeof(*s));
	for (uint8_t i = 0; i < p->p_n; i++) {
		const struct proposal_xf *x = &p->p_xf[i];

		switch (x->x_type) {
		case IKE_XF_ENCR:
			s->s_encr = x->x_id;
			s->s_encr_keylen = x->x_keylen;
			break;
		case IKE_XF_INTEG:
			s->s_integ = x->x_id;
			break;
		case IKE_XF_PRF:
			s->s_prf = x->x_id;
			break;
		case IKE_XF_KE:
			s->s_ke = x->x_id;
			break;
		}
	}
}

static void emit(struct flow *f, bool from_i, const uint8_t *buf, size_t len)
{
	uint8_t dgram[IKE_MSG_MAX + 4] = { 0 };
	size_t off = f->f_port == 4500 ? 4 : 0; /* RFC 3948 non-ESP marker */

	memcpy(dgram + off, buf, len);
	if (pcap_udp4(&f->f_pc, from_i ? addr_i : addr_r, f->f_port, from_i ? addr_r : addr_i,
		      f->f_port, dgram, len + off))
		DIE("cannot write the capture");
}

static void hdr_init(struct flow *f, struct ike_hdr *h, uint8_t exch, uint32_t msgid, bool from_i,
		     bool response)
{
	memset(h, 0, sizeof(*h));
	h->h_spi_i = f->f_spi_i;
	h->h_spi_r = exch == IKE_EXCH_SA_INIT && !response ? 0 : f->f_spi_r;
	h->h_version = IKE_VERSION_2;
	h->h_exch = exch;
	h->h_flags = (from_i ? IKE_FLAG_INITIATOR : 0) | (response ? IKE_FLAG_RESPONSE : 0);
	h->h_msgid = msgid;
}

static void notify(struct ike_builder *b, uint16_t type, const uint8_t *data, size_t len)
{
	struct ike_pld_notify n = { .n_type = type, .n_data = data, .n_len = len };

	ike_build_notify(b, &n);
}

/* RFC 7296 2.23: SHA-1(SPIi | SPIr | IP | port) */
static void nat_d(const struct flow *f, uint64_t spi_r, const uint8_t ip[4], uint8_t out[20])
{
	uint8_t in[8 + 8 + 4 + 2];
	unsigned int len;

	for (int i = 0; i < 8; i++) {
		in[i] = (uint8_t)(f->f_spi_i >> (56 - 8 * i));
		in[8 + i] = (uint8_t)(spi_r >> (56 - 8 * i));
	}
	memcpy(in + 16, ip, 4);
	in[20] = 500 >> 8;
	in[21] = 500 & 0xff;
	if (!EVP_Digest(in, sizeof(in), out, &len, EVP_sha1(), NULL))
		DIE("sha1");
}

static uint8_t *finish(struct ike_builder *b, struct writer *wr, size_t *len)
{
	uint8_t *p;

	if (ike_build_end(b) || !(p = wr_take(wr, len)))
		DIE("cannot build a message");
	return p;
}

static void init_request(struct flow *f)
{
	static const uint8_t hash_algs[] = { 0, 2, 0, 3, 0, 4 };
	static const uint8_t vid[] = "palisade decoder test";
	struct ike_pld_nonce ni = { f->f_ni, sizeof(f->f_ni) };
	struct ike_pld_vendor v = { vid, sizeof(vid) - 1 };
	struct ike_pld_ke ke = { .ke_group = f->f_suite.s_ke };
	struct ike_builder b;
	struct ike_pld_sa sa;
	struct writer wr;
	struct ike_hdr h;
	uint8_t src[20], dst[20];

	ke.ke_data = ke_public(f->f_ke_i, &ke.ke_len);
	sa_from_proposal(&f->f_ike_prop, NULL, 0, &sa);
	nat_d(f, 0, addr_i, src);
	nat_d(f, 0, addr_r, dst);
	wr_init(&wr, IKE_MSG_MAX);
	hdr_init(f, &h, IKE_EXCH_SA_INIT, 0, true, false);
	ike_build_begin(&b, &wr, &h);
	ike_build_sa(&b, &sa);
	ike_build_ke(&b, &ke);
	ike_build_nonce(&b, &ni);
	notify(&b, IKE_N_NAT_DETECTION_SOURCE_IP, src, sizeof(src));
	notify(&b, IKE_N_NAT_DETECTION_DESTINATION_IP, dst, sizeof(dst));
	notify(&b, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
	notify(&b, IKE_N_SIGNATURE_HASH_ALGORITHMS, hash_algs, sizeof(hash_algs));
	ike_build_vendor(&b, &v);
	f->f_init_req = finish(&b, &wr, &f->f_init_req_len);
	emit(f, true, f->f_init_req, f->f_init_req_len);
}

static void init_response(struct flow *f)
{
	static const uint8_t ca_hash[20] = { 0x5a, 0x11, 0xde, 0xad };
	struct ike_pld_nonce nr = { f->f_nr, sizeof(f->f_nr) };
	struct ike_pld_cert creq = { IKE_CERT_X509_SIG, ca_hash, sizeof(ca_hash) };
	struct ike_pld_ke ke = { .ke_group = f->f_suite.s_ke };
	struct ike_builder b;
	struct ike_pld_sa sa;
	struct writer wr;
	struct ike_hdr h;
	uint8_t src[20], dst[20];

	ke.ke_data = ke_public(f->f_ke_r, &ke.ke_len);
	sa_from_proposal(&f->f_ike_prop, NULL, 0, &sa);
	nat_d(f, f->f_spi_r, addr_r, src);
	nat_d(f, f->f_spi_r, addr_i, dst);
	wr_init(&wr, IKE_MSG_MAX);
	hdr_init(f, &h, IKE_EXCH_SA_INIT, 0, false, true);
	ike_build_begin(&b, &wr, &h);
	ike_build_sa(&b, &sa);
	ike_build_ke(&b, &ke);
	ike_build_nonce(&b, &nr);
	notify(&b, IKE_N_NAT_DETECTION_SOURCE_IP, src, sizeof(src));
	notify(&b, IKE_N_NAT_DETECTION_DESTINATION_IP, dst, sizeof(dst));
	ike_build_cert(&b, IKE_PLD_CERTREQ, &creq);
	notify(&b, IKE_N_MULTIPLE_AUTH_SUPPORTED, NULL, 0);
	f->f_init_rsp = finish(&b, &wr, &f->f_init_rsp_len);
	emit(f, false, f->f_init_rsp, f->f_init_rsp_len);
}

/* Both sides derive g^ir; they must agree before anything is encrypted. */
static void derive(struct flow *f)
{
	struct secret *s_i = NULL, *s_r = NULL;
	size_t li, lr;
	const uint8_t *pi = ke_public(f->f_ke_i, &li), *pr = ke_public(f->f_ke_r, &lr);

	if (ke_derive(f->f_ke_i, pr, lr, &s_i) || ke_derive(f->f_ke_r, pi, li, &s_r) ||
	    s_i->len != s_r->len || !crypto_ct_equal(s_i->data, s_r->data, s_i->len))
		DIE("key exchange failed");
	if (keymat_ike_sa(&f->f_suite, s_i, f->f_ni, sizeof(f->f_ni), f->f_nr, sizeof(f->f_nr),
			  f->f_spi_i, f->f_spi_r, &f->f_keys, NULL))
		DIE("key derivation failed");
	if (sk_cipher_new(f->f_suite.s_encr, f->f_suite.s_encr_keylen, f->f_suite.s_integ,
			  f->f_keys.k_ei, f->f_keys.k_ai, &f->f_c_i) ||
	    sk_cipher_new(f->f_suite.s_encr, f->f_suite.s_encr_keylen, f->f_suite.s_integ,
			  f->f_keys.k_er, f->f_keys.k_ar, &f->f_c_r))
		DIE("SK cipher setup failed");
	secret_free(s_i);
	secret_free(s_r);
}

/* Seal an inner chain into an SK message and check that it opens again. */
static void send_sk(struct flow *f, uint8_t exch, uint32_t msgid, bool from_i, bool response,
		    struct ike_builder *inner)
{
	struct ike_sk_ops ops;
	struct ike_builder b;
	struct writer wr;
	struct ike_hdr h;
	struct ike_msg m;
	struct ike_err err;
	uint8_t *buf;
	size_t len;

	sa_sk_ops_init(&ops, from_i ? f->f_c_i : f->f_c_r);
	wr_init(&wr, IKE_MSG_MAX);
	hdr_init(f, &h, exch, msgid, from_i, response);
	ike_build_begin(&b, &wr, &h);
	if (ike_build_sk(&b, inner->b_first, wr_data(inner->b_wr), wr_len(inner->b_wr), &ops,
			 NULL) ||
	    !(buf = wr_take(&wr, &len)))
		DIE("cannot seal an SK payload");
	emit(f, from_i, buf, len);
	if (ike_msg_parse(buf, len, &m, &err) || ike_msg_open_sk(&m, buf, len, &ops, &err) ||
	    ike_msg_check_rules(&m, &err))
		DIE("our own SK message does not open: %s", gw_strerror(err.e_code));
	free(buf);
	wr_free(inner->b_wr);
}

static void inner_begin(struct ike_builder *b, struct writer *wr)
{
	wr_init(wr, IKE_MSG_MAX);
	ike_build_inner_begin(b, wr);
}

/*
 * RFC 7296 2.15: AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"),
 * <SignedOctets>), SignedOctets = first message | peer's nonce |
 * prf(SK_p, ID body).
 */
static void psk_auth(const struct flow *f, bool from_i, const struct ike_pld_id *id, uint8_t *out,
		     size_t *out_len)
{
	static const char psk[] = "decoder-test-psk-not-a-secret";
	static const char pad[] = "Key Pad for IKEv2";
	uint16_t prf = f->f_suite.s_prf;
	size_t n = prf_len(prf), mlen = from_i ? f->f_init_req_len : f->f_init_rsp_len;
	const struct secret *skp = from_i ? f->f_keys.k_pi : f->f_keys.k_pr;
	uint8_t idbody[300], key[64], *octets;

	idbody[0] = id->id_type;
	memset(idbody + 1, 0, 3);
	memcpy(idbody + 4, id->id_data, id->id_len);
	if (!(octets = malloc(mlen + 32 + 64)))
		DIE("out of memory");
	memcpy(octets, from_i ? f->f_init_req : f->f_init_rsp, mlen);
	memcpy(octets + mlen, from_i ? f->f_nr : f->f_ni, 32);
	if (prf_compute(prf, skp->data, skp->len, idbody, 4 + id->id_len, octets + mlen + 32) ||
	    prf_compute(prf, (const uint8_t *)psk, strlen(psk), (const uint8_t *)pad, strlen(pad),
			key) ||
	    prf_compute(prf, key, n, octets, mlen + 32 + n, out))
		DIE("prf failed");
	*out_len = n;
	crypto_wipe(key, sizeof(key));
	free(octets);
}

static void child_payloads(struct ike_builder *b, const char *esp, uint32_t spi, bool v6)
{
	struct ike_pld_ts tsi = { .ts_n = 1 }, tsr = { .ts_n = v6 ? 2 : 1 };
	struct proposal p;
	struct ike_pld_sa sa;
	uint8_t spib[4] = { (uint8_t)(spi >> 24), (uint8_t)(spi >> 16), (uint8_t)(spi >> 8),
			    (uint8_t)spi };
	char err[64];

	if (proposal_parse(esp, IKE_PROTO_ESP, &p, err, sizeof(err)))
		DIE("ESP proposal: %s", err);
	sa_from_proposal(&p, spib, 4, &sa);
	ike_build_sa(b, &sa);
	tsi.ts[0] = (struct ike_ts){ IKE_TS_IPV4_ADDR_RANGE, 0, 0, 65535, { 10, 1, 0, 0 },
				     { 10, 1, 255, 255 } };
	tsr.ts[0] = (struct ike_ts){ IKE_TS_IPV4_ADDR_RANGE, 17, 53, 53, { 10, 2, 0, 0 },
				     { 10, 2, 0, 255 } };
	tsr.ts[1] = (struct ike_ts){ IKE_TS_IPV6_ADDR_RANGE,
				     0,
				     0,
				     65535,
				     { 0x20, 0x01, 0x0d, 0xb8 },
				     { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff,
				       0xff, 0xff, 0xff, 0xff, 0xff } };
	ike_build_ts(b, IKE_PLD_TSI, &tsi);
	ike_build_ts(b, IKE_PLD_TSR, &tsr);
}

static void cp(struct ike_builder *b, uint8_t type)
{
	static const uint8_t ip4[] = { 10, 9, 0, 7 }, mask[] = { 255, 255, 255, 255 };
	static const uint8_t dns[] = { 10, 9, 0, 1 };
	static const uint8_t ip6[17] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 128 };
	struct ike_pld_cp c = { .cp_type = type, .cp_n = 4 };
	bool reply = type == IKE_CFG_REPLY;

	c.cp_attr[0] = (struct ike_cp_attr){ IKE_CA_INTERNAL_IP4_ADDRESS, ip4, reply ? 4 : 0 };
	c.cp_attr[1] = (struct ike_cp_attr){ IKE_CA_INTERNAL_IP4_NETMASK, mask, reply ? 4 : 0 };
	c.cp_attr[2] = (struct ike_cp_attr){ IKE_CA_INTERNAL_IP4_DNS, dns, reply ? 4 : 0 };
	c.cp_attr[3] = (struct ike_cp_attr){ IKE_CA_INTERNAL_IP6_ADDRESS, ip6, reply ? 17 : 0 };
	ike_build_cp(b, &c);
}

static const struct ike_pld_id id_i = { IKE_ID_FQDN, (const uint8_t *)"client.example.org", 18 };
static const struct ike_pld_id id_r = { IKE_ID_RFC822_ADDR, (const uint8_t *)"vpn@example.com",
					15 };

static void auth_psk(struct flow *f)
{
	struct ike_pld_auth a = { .a_method = IKE_AUTH_PSK };
	struct ike_builder b;
	struct writer wr;
	uint8_t mac[64];

	inner_begin(&b, &wr);
	ike_build_id(&b, IKE_PLD_IDI, &id_i);
	notify(&b, IKE_N_INITIAL_CONTACT, NULL, 0);
	ike_build_id(&b, IKE_PLD_IDR, &id_r);
	psk_auth(f, true, &id_i, mac, &a.a_len);
	a.a_data = mac;
	ike_build_auth(&b, &a);
	cp(&b, IKE_CFG_REQUEST);
	child_payloads(&b, "aes128-sha256", 0xc0ffee01, true);
	notify(&b, IKE_N_ESP_TFC_PADDING_NOT_SUPPORTED, NULL, 0);
	send_sk(f, IKE_EXCH_AUTH, 1, true, false, &b);

	inner_begin(&b, &wr);
	ike_build_id(&b, IKE_PLD_IDR, &id_r);
	psk_auth(f, false, &id_r, mac, &a.a_len);
	ike_build_auth(&b, &a);
	cp(&b, IKE_CFG_REPLY);
	child_payloads(&b, "aes128-sha256", 0xbeef0001, true);
	send_sk(f, IKE_EXCH_AUTH, 1, false, true, &b);
}

static void eap(struct ike_builder *b, uint8_t code, uint8_t id, uint8_t type, const void *data,
		size_t len)
{
	struct ike_pld_eap e = { code, id, type, data, len };

	ike_build_eap(b, &e);
}

/* EAP-MSCHAPv2 packets (draft-kamath-pppext-eap-mschapv2): OpCode,
 * MS-CHAPv2-ID, MS-Length, then the op's data; values here are filler. */
static size_t mschapv2(uint8_t *out, uint8_t op, uint8_t id, const void *data, size_t len)
{
	size_t total = 4 + len;

	out[0] = op;
	out[1] = id;
	out[2] = (uint8_t)(total >> 8);
	out[3] = (uint8_t)total;
	memcpy(out + 4, data, len);
	return total;
}

/* RFC 7296 2.16: the responder signs first, then EAP rounds, then AUTH. */
static void auth_eap(struct flow *f)
{
	static const char success[] = "S=0123456789ABCDEF0123456789ABCDEF01234567 M=welcome";
	uint8_t sig[64], mac[32], chal[1 + 16 + 6], resp[1 + 49 + 5], buf[128];
	struct ike_pld_cert cert = { IKE_CERT_X509_SIG, f->f_cert, f->f_cert_len };
	struct ike_pld_auth a = { IKE_AUTH_ECDSA_256, sig, sizeof(sig) };
	struct ike_builder b;
	struct writer wr;
	size_t n;

	if (crypto_random(sig, sizeof(sig)) || crypto_random(mac, sizeof(mac)) ||
	    crypto_random(chal, sizeof(chal)) || crypto_random(resp, sizeof(resp)))
		DIE("random");
	chal[0] = 16; /* Value-Size, then the challenge, then the server name */
	memcpy(chal + 17, "vpngw", 5);
	resp[0] = 49; /* Peer-Challenge, 8 reserved, NT-Response, Flags, name */
	memset(resp + 17, 0, 8);
	resp[49] = 0;
	memcpy(resp + 50, "alice", 5);
	inner_begin(&b, &wr);
	ike_build_id(&b, IKE_PLD_IDI, &id_i);
	ike_build_id(&b, IKE_PLD_IDR, &id_r);
	cp(&b, IKE_CFG_REQUEST);
	child_payloads(&b, "aes256gcm16", 0xc0ffee02, false);
	send_sk(f, IKE_EXCH_AUTH, 1, true, false, &b);

	inner_begin(&b, &wr);
	ike_build_id(&b, IKE_PLD_IDR, &id_r);
	ike_build_cert(&b, IKE_PLD_CERT, &cert);
	ike_build_auth(&b, &a);
	eap(&b, EAP_CODE_REQUEST, 1, EAP_TYPE_IDENTITY, NULL, 0);
	send_sk(f, IKE_EXCH_AUTH, 1, false, true, &b);

	inner_begin(&b, &wr);
	eap(&b, EAP_CODE_RESPONSE, 1, EAP_TYPE_IDENTITY, "alice", 5);
	send_sk(f, IKE_EXCH_AUTH, 2, true, false, &b);
	inner_begin(&b, &wr);
	n = mschapv2(buf, 1, 7, chal, sizeof(chal) - 1);
	eap(&b, EAP_CODE_REQUEST, 2, EAP_TYPE_MSCHAPV2, buf, n);
	send_sk(f, IKE_EXCH_AUTH, 2, false, true, &b);
	inner_begin(&b, &wr);
	n = mschapv2(buf, 2, 7, resp, sizeof(resp));
	eap(&b, EAP_CODE_RESPONSE, 2, EAP_TYPE_MSCHAPV2, buf, n);
	send_sk(f, IKE_EXCH_AUTH, 3, true, false, &b);
	inner_begin(&b, &wr);
	n = mschapv2(buf, 3, 7, success, sizeof(success) - 1);
	eap(&b, EAP_CODE_REQUEST, 3, EAP_TYPE_MSCHAPV2, buf, n);
	send_sk(f, IKE_EXCH_AUTH, 3, false, true, &b);
	inner_begin(&b, &wr);
	buf[0] = 3; /* Success acknowledged: the OpCode alone */
	eap(&b, EAP_CODE_RESPONSE, 3, EAP_TYPE_MSCHAPV2, buf, 1);
	send_sk(f, IKE_EXCH_AUTH, 4, true, false, &b);
	inner_begin(&b, &wr);
	eap(&b, EAP_CODE_SUCCESS, 3, 0, NULL, 0);
	send_sk(f, IKE_EXCH_AUTH, 4, false, true, &b);

	a = (struct ike_pld_auth){ IKE_AUTH_PSK, mac, sizeof(mac) };
	inner_begin(&b, &wr);
	ike_build_auth(&b, &a);
	send_sk(f, IKE_EXCH_AUTH, 5, true, false, &b);
	inner_begin(&b, &wr);
	ike_build_auth(&b, &a);
	cp(&b, IKE_CFG_REPLY);
	child_payloads(&b, "aes256gcm16", 0xbeef0002, false);
	send_sk(f, IKE_EXCH_AUTH, 5, false, true, &b);
}

/* 1.3.3: rekey a CHILD_SA with PFS. */
static void create_child(struct flow *f, uint32_t msgid, bool fragment)
{
	static const uint8_t old_spi[4] = { 0xc0, 0xff, 0xee, 0x01 };
	struct ike_pld_notify rekey = { IKE_PROTO_ESP, 4, old_spi, IKE_N_REKEY_SA, NULL, 0 };
	uint8_t nonce[32];
	struct ike_pld_nonce n = { nonce, sizeof(nonce) };
	struct ike_pld_ke ke = { .ke_group = f->f_suite.s_ke };
	struct ike_builder b;
	struct writer wr;

	if (crypto_random(nonce, sizeof(nonce)))
		DIE("random");
	ke.ke_data = ke_public(f->f_ke_i, &ke.ke_len);
	inner_begin(&b, &wr);
	ike_build_notify(&b, &rekey);
	child_payloads(&b, "aes128-sha256-modp2048", 0xc0ffee11, true);
	ike_build_nonce(&b, &n);
	ike_build_ke(&b, &ke);
	if (!fragment) {
		send_sk(f, IKE_EXCH_CREATE_CHILD_SA, msgid, true, false, &b);
	} else {
		struct ike_sk_ops ops;
		uint8_t *frags[16];
		size_t lens[16], nf = 0;
		struct ike_hdr h;

		sa_sk_ops_init(&ops, f->f_c_i);
		hdr_init(f, &h, IKE_EXCH_CREATE_CHILD_SA, msgid, true, false);
		if (ike_build_fragments(&h, b.b_first, wr_data(&wr), wr_len(&wr), 200, &ops, frags,
					lens, 16, &nf) ||
		    nf < 2)
			DIE("fragmentation failed");
		for (size_t i = 0; i < nf; i++) {
			emit(f, true, frags[i], lens[i]);
			free(frags[i]);
		}
		wr_free(&wr);
	}
	inner_begin(&b, &wr);
	child_payloads(&b, "aes128-sha256-modp2048", 0xbeef0011, true);
	ike_build_nonce(&b, &n);
	ke.ke_data = ke_public(f->f_ke_r, &ke.ke_len);
	ike_build_ke(&b, &ke);
	send_sk(f, IKE_EXCH_CREATE_CHILD_SA, msgid, false, true, &b);
}

/* 1.4.1: delete the old CHILD_SA; then a liveness check (empty message). */
static void informational(struct flow *f, uint32_t msgid)
{
	static const uint8_t spis[8] = { 0xc0, 0xff, 0xee, 0x01, 0xc0, 0xff, 0xee, 0x02 };
	struct ike_pld_delete d = { IKE_PROTO_ESP, 4, 2, spis };
	struct ike_builder b;
	struct writer wr;

	inner_begin(&b, &wr);
	ike_build_delete(&b, &d);
	send_sk(f, IKE_EXCH_INFORMATIONAL, msgid, true, false, &b);
	inner_begin(&b, &wr);
	ike_build_delete(&b, &d);
	send_sk(f, IKE_EXCH_INFORMATIONAL, msgid, false, true, &b);
	inner_begin(&b, &wr);
	send_sk(f, IKE_EXCH_INFORMATIONAL, msgid + 1, true, false, &b);
	inner_begin(&b, &wr);
	send_sk(f, IKE_EXCH_INFORMATIONAL, msgid + 1, false, true, &b);
}

/* tshark's names for the algorithms in its ikev2_decryption_table UAT. */
static void write_uat(const struct flow *f, const char *path)
{
	const char *encr = NULL, *integ = "NONE [RFC4306]";
	unsigned bits = f->f_suite.s_encr_keylen;
	FILE *u = fopen(path, "w");
	char ebuf[64];

	if (!u)
		DIE("cannot write %s", path);
	if (f->f_suite.s_encr == IKE_ENCR_AES_GCM_16)
		snprintf(ebuf, sizeof(ebuf), "AES-GCM-%u with 16 octet ICV [RFC5282]", bits);
	else
		snprintf(ebuf, sizeof(ebuf), "AES-CBC-%u [RFC3602]", bits);
	encr = ebuf;
	if (f->f_suite.s_integ == IKE_INTEG_HMAC_SHA2_256_128)
		integ = "HMAC_SHA2_256_128 [RFC4868]";
	fprintf(u, "%016llx,%016llx,", (unsigned long long)f->f_spi_i,
		(unsigned long long)f->f_spi_r);
	for (size_t i = 0; i < f->f_keys.k_ei->len; i++)
		fprintf(u, "%02x", f->f_keys.k_ei->data[i]);
	fputc(',', u);
	for (size_t i = 0; i < f->f_keys.k_er->len; i++)
		fprintf(u, "%02x", f->f_keys.k_er->data[i]);
	fprintf(u, ",\"%s\",", encr);
	for (size_t i = 0; f->f_keys.k_ai && i < f->f_keys.k_ai->len; i++)
		fprintf(u, "%02x", f->f_keys.k_ai->data[i]);
	fputc(',', u);
	for (size_t i = 0; f->f_keys.k_ar && i < f->f_keys.k_ar->len; i++)
		fprintf(u, "%02x", f->f_keys.k_ar->data[i]);
	fprintf(u, ",\"%s\"\n", integ);
	if (fclose(u))
		DIE("cannot write %s", path);
}

int main(int argc, char **argv)
{
	struct flow f = { .f_port = 500 };
	const char *suite = argc == 4 ? argv[1] : "";
	const char *prop;
	char err[80];
	bool eap_flow, natt = !strcmp(suite, "cbc-natt");

	if (!strcmp(suite, "gcm")) {
		prop = "aes256gcm16-prfsha256-x25519";
		eap_flow = true;
	} else if (!strcmp(suite, "cbc") || natt) {
		prop = "aes256-sha256-ecp256";
		eap_flow = false;
	} else {
		fprintf(stderr, "usage: gen_ike gcm|cbc|cbc-natt OUT.pcap OUT.uat\n");
		return 2;
	}
	if (proposal_parse(prop, IKE_PROTO_IKE, &f.f_ike_prop, err, sizeof(err)))
		DIE("proposal: %s", err);
	suite_from_proposal(&f.f_ike_prop, &f.f_suite);
	if (pcap_open(&f.f_pc, argv[2]) || crypto_random(&f.f_spi_i, 8) ||
	    crypto_random(&f.f_spi_r, 8) || crypto_random(f.f_ni, 32) ||
	    crypto_random(f.f_nr, 32) || ke_new(f.f_suite.s_ke, &f.f_ke_i) ||
	    ke_new(f.f_suite.s_ke, &f.f_ke_r))
		DIE("setup failed");
	f.f_cert_len = make_cert(f.f_cert, sizeof(f.f_cert));
	init_request(&f);
	init_response(&f);
	derive(&f);
	if (natt)
		f.f_port = 4500; /* 2.23: IKE_AUTH onwards on the NAT-T port */
	if (eap_flow)
		auth_eap(&f);
	else
		auth_psk(&f);
	create_child(&f, eap_flow ? 6 : 2, natt);
	informational(&f, eap_flow ? 7 : 3);
	write_uat(&f, argv[3]);
	if (pcap_close(&f.f_pc))
		DIE("cannot write the capture");
	ike_keys_clear(&f.f_keys);
	sk_cipher_free(f.f_c_i);
	sk_cipher_free(f.f_c_r);
	ke_free(f.f_ke_i);
	ke_free(f.f_ke_r);
	free(f.f_init_req);
	free(f.f_init_rsp);
	return 0;
}

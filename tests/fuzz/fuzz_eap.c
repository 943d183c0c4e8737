/*
 * fuzz_eap: libFuzzer target for the EAP server and client
 * (gateway/auth/eap). Input: a mode byte, a step byte, then chunks
 * (two-byte big-endian length, bytes). A real server and a real client
 * talk; from the step-th packet on, each packet to the target side (the
 * server, or the client with mode bit 0) is replaced by the next chunk,
 * its EAP Identifier set to the real one unless mode bit 4 is set. So
 * the fuzzer reaches every state (after Identity, after the challenge,
 * after the Success Request) and not only the first. Invariants: each
 * answer is well formed for its status, an MSK exists only after success
 * and is 64 bytes, nothing runs after the end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/eap/eap.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct user {
	const char *u_name;
	unsigned u_methods;
	const char *u_pw;
};

static const struct user users[] = {
	{ "alice", EAP_M_ALL, "correct horse" },
	{ "carol", EAP_M_MD5, "md5 only" },
	{ "CORP\\dave", EAP_M_MSCHAPV2, "domain pass" },
	{ NULL, 0, NULL },
};

static int lookup(void *arg, const uint8_t *id, size_t len, struct eap_cred *out)
{
	(void)arg;
	memset(out, 0, sizeof(*out));
	for (const struct user *u = users; u->u_name; u++) {
		if (strlen(u->u_name) != len || memcmp(u->u_name, id, len))
			continue;
		out->cr_methods = u->u_methods;
		out->cr_password = secret_dup(u->u_pw, strlen(u->u_pw));
		return out->cr_password ? 0 : GW_E_NOMEM;
	}
	return GW_E_NOTFOUND;
}

static struct eap_ctx *ctx;
static struct eap_rl *rl;

static const unsigned method_sets[4] = { EAP_M_ALL, EAP_M_MD5, EAP_M_MSCHAPV2, EAP_M_ALL };

/* Checks on what the server produced. */
static void check_server(const struct eap_server *s, int rc, enum eap_status st,
			 const struct eap_out *out)
{
	const struct secret *msk = eap_server_msk(s);

	if (rc == GW_E_STATE)
		return;
	if (rc && st != EAP_FAILURE)
		abort();
	if (out->o_len > EAP_MSG_MAX || (out->o_len && out->o_len < 4))
		abort();
	if (st == EAP_CONTINUE && (out->o_len < 5 || out->o_buf[0] != 1))
		abort();
	if (st == EAP_FAILURE && (out->o_len != 4 || out->o_buf[0] != 4 || !eap_server_why(s)[0]))
		abort();
	if (st == EAP_SUCCESS && (out->o_len != 4 || out->o_buf[0] != 3))
		abort();
	if (msk && (st != EAP_SUCCESS || msk->len != EAP_MSK_LEN))
		abort();
}

static void check_client(const struct eap_client *c, int rc, enum eap_status st,
			 const struct eap_out *out)
{
	const struct secret *msk = eap_client_msk(c);

	if (rc == GW_E_STATE)
		return;
	if (st == EAP_FAILURE && (out->o_len != 0 || !eap_client_why(c)[0]))
		abort();
	if (st == EAP_CONTINUE && (out->o_len < 5 || out->o_buf[0] != 2))
		abort();
	if (msk && (st != EAP_SUCCESS || msk->len != EAP_MSK_LEN))
		abort();
}

struct input {
	const uint8_t *in_p;
	size_t in_left;
};

/* The next chunk, or false when the input is used up. */
static bool next_chunk(struct input *in, const uint8_t **p, size_t *n)
{
	if (in->in_left < 2)
		return false;
	*n = (size_t)in->in_p[0] << 8 | in->in_p[1];
	in->in_p += 2;
	in->in_left -= 2;
	if (*n > in->in_left)
		*n = in->in_left;
	*p = in->in_p;
	in->in_p += *n;
	in->in_left -= *n;
	return true;
}

/* Replace pkt (the real packet to the target) by the next chunk. */
static void substitute(struct input *in, uint8_t mode, struct eap_out *pkt)
{
	const uint8_t *p;
	size_t n;
	uint8_t id = pkt->o_len > 1 ? pkt->o_buf[1] : 0;

	if (!next_chunk(in, &p, &n))
		return;
	if (n > sizeof(pkt->o_buf))
		n = sizeof(pkt->o_buf);
	memcpy(pkt->o_buf, p, n);
	pkt->o_len = n;
	if (!(mode & 0x10) && n > 1)
		pkt->o_buf[1] = id;
}

static void run(uint8_t mode, uint8_t step, struct input *in)
{
	unsigned methods = method_sets[(mode >> 1) & 3];
	const char *who = users[(mode >> 5) % 3].u_name;
	struct eap_server_cfg scfg = { .sc_ctx = ctx,
				       .sc_methods = methods,
				       .sc_lookup = lookup,
				       .sc_rl = (mode & 0x80) ? rl : NULL };
	const char *pass = users[(mode >> 5) % 3].u_pw;
	struct secret *pw = secret_dup(pass, strlen(pass));
	/* mode bit 3: a client without MS-CHAPv2, so the server sees Naks */
	struct eap_client_cfg ccfg = { .cc_ctx = ctx,
				       .cc_methods = (mode & 0x08) ? EAP_M_MD5 : EAP_M_ALL,
				       .cc_identity = (const uint8_t *)who,
				       .cc_identity_len = strlen(who),
				       .cc_password = pw };
	struct eap_server *s = NULL;
	struct eap_client *c = NULL;
	struct eap_out sout, cout;
	enum eap_status sst = EAP_CONTINUE, cst = EAP_CONTINUE;
	bool fuzz_client = mode & 1;
	int rc;

	if (!pw || eap_server_new(&scfg, &s) || eap_client_new(&ccfg, &c) ||
	    eap_server_start(s, &sout))
		goto out;
	for (unsigned k = 0; k < 24; k++) {
		if (fuzz_client && k >= step)
			substitute(in, mode, &sout);
		rc = eap_client_process(c, sout.o_buf, sout.o_len, &cout, &cst);
		check_client(c, rc, cst, &cout);
		if (rc || sst != EAP_CONTINUE || cst != EAP_CONTINUE)
			break;
		if (!fuzz_client && k >= step)
			substitute(in, mode, &cout);
		rc = eap_server_process(s, cout.o_buf, cout.o_len, &sout, &sst);
		check_server(s, rc, sst, &sout);
		if (rc)
			break;
	}
	/* After the end nothing more happens. */
	if (sst != EAP_CONTINUE &&
	    eap_server_process(s, cout.o_buf, cout.o_len, &sout, &sst) != GW_E_STATE)
		abort();
out:
	eap_server_free(s);
	eap_client_free(c);
	secret_free(pw);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in;
	char why[EAP_WHY_LEN];

	if (!ctx && (eap_ctx_new(&ctx, why, sizeof(why)) || eap_rl_new(NULL, &rl)))
		abort();
	if (size < 2)
		return 0;
	in.in_p = data + 2;
	in.in_left = size - 2;
	run(data[0], data[1], &in);
	return 0;
}

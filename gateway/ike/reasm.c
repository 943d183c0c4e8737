/*
 * reasm.c: reassembly of decrypted IKE fragments (RFC 7383 2.6). Every
 * allocation is bounded by struct ike_frag_limits: fragments per message,
 * bytes per message, messages at once, and a lifetime per partial message.
 * The plaintext may hold secrets (EAP, AUTH), so it is wiped when freed.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike/ike_int.h"
#include "util/err.h"

struct reasm_frag {
	uint8_t *rf_data; /* NULL until received */
	size_t rf_len;
};

struct reasm_msg {
	bool rm_used;
	uint32_t rm_msgid;
	uint16_t rm_total;
	uint16_t rm_have;
	size_t rm_bytes;
	uint8_t rm_first;
	uint64_t rm_start_ms;
	struct reasm_frag *rm_frags; /* rm_total entries */
};

struct ike_reasm {
	struct ike_frag_limits r_lim;
	struct reasm_msg *r_msgs; /* fl_max_pending slots */
};

struct ike_reasm *ike_reasm_new(const struct ike_frag_limits *lim)
{
	struct ike_reasm *r;

	if (!lim->fl_max_frags || !lim->fl_max_total || !lim->fl_timeout_ms ||
	    !lim->fl_max_pending || lim->fl_max_frags > UINT16_MAX)
		return NULL;
	if (!(r = calloc(1, sizeof(*r))))
		return NULL;
	r->r_lim = *lim;
	if (!(r->r_msgs = calloc(lim->fl_max_pending, sizeof(r->r_msgs[0])))) {
		free(r);
		return NULL;
	}
	return r;
}

static void msg_drop(struct reasm_msg *m)
{
	if (!m || !m->rm_used)
		return;
	for (unsigned i = 0; i < m->rm_total; i++) {
		if (m->rm_frags[i].rf_data) {
			OPENSSL_cleanse(m->rm_frags[i].rf_data, m->rm_frags[i].rf_len);
			free(m->rm_frags[i].rf_data);
		}
	}
	free(m->rm_frags);
	memset(m, 0, sizeof(*m));
}

void ike_reasm_free(struct ike_reasm *r)
{
	if (!r)
		return;
	for (unsigned i = 0; i < r->r_lim.fl_max_pending; i++)
		msg_drop(&r->r_msgs[i]);
	free(r->r_msgs);
	free(r);
}

void ike_reasm_expire(struct ike_reasm *r, uint64_t now_ms)
{
	for (unsigned i = 0; i < r->r_lim.fl_max_pending; i++) {
		struct reasm_msg *m = &r->r_msgs[i];

		/* A clock that went back counts as no time passed. */
		if (m->rm_used && now_ms > m->rm_start_ms &&
		    now_ms - m->rm_start_ms > r->r_lim.fl_timeout_ms)
			msg_drop(m);
	}
}

static struct reasm_msg *msg_find(struct ike_reasm *r, uint32_t msgid)
{
	for (unsigned i = 0; i < r->r_lim.fl_max_pending; i++)
		if (r->r_msgs[i].rm_used && r->r_msgs[i].rm_msgid == msgid)
			return &r->r_msgs[i];
	return NULL;
}

static int msg_start(struct ike_reasm *r, uint32_t msgid, uint16_t total, uint64_t now_ms,
		     struct reasm_msg **out)
{
	for (unsigned i = 0; i < r->r_lim.fl_max_pending; i++) {
		struct reasm_msg *m = &r->r_msgs[i];

		if (m->rm_used)
			continue;
		if (!(m->rm_frags = calloc(total, sizeof(m->rm_frags[0]))))
			return GW_E_NOMEM;
		m->rm_used = true;
		m->rm_msgid = msgid;
		m->rm_total = total;
		m->rm_start_ms = now_ms;
		*out = m;
		return 0;
	}
	return GW_E_RANGE; /* fl_max_pending messages under way */
}

/* All fragments are in: concatenate them in order and free the message. */
static int msg_finish(struct reasm_msg *m, uint8_t **out, size_t *out_len, uint8_t *out_first)
{
	uint8_t *buf = malloc(m->rm_bytes ? m->rm_bytes : 1);
	size_t pos = 0;

	if (!buf) {
		msg_drop(m);
		return GW_E_NOMEM;
	}
	for (unsigned i = 0; i < m->rm_total; i++) {
		memcpy(buf + pos, m->rm_frags[i].rf_data, m->rm_frags[i].rf_len);
		pos += m->rm_frags[i].rf_len;
	}
	*out = buf;
	*out_len = pos;
	*out_first = m->rm_first;
	msg_drop(m);
	return 0;
}

/* RFC 7383 2.6.1: a larger total means the sender started over with
 * smaller fragments: drop what we have. A smaller one is stale: ignore it. */
static int total_check(struct reasm_msg **m, uint16_t total)
{
	if (!*m || (*m)->rm_total == total)
		return 0;
	if (total < (*m)->rm_total)
		return GW_E_AGAIN;
	msg_drop(*m);
	*m = NULL;
	return 0;
}

int ike_reasm_add(struct ike_reasm *r, uint32_t msgid, const struct ike_pld_skf *f, uint8_t first,
		  const uint8_t *plain, size_t plain_len, uint64_t now_ms, uint8_t **out,
		  size_t *out_len, uint8_t *out_first)
{
	struct reasm_msg *m;
	struct reasm_frag *fr;
	int rc;

	*out = NULL;
	*out_len = 0;
	*out_first = IKE_PLD_NONE;
	if (f->f_num == 0 || f->f_num > f->f_total)
		return GW_E_PARSE;
	ike_reasm_expire(r, now_ms);
	m = msg_find(r, msgid);
	if (f->f_total > r->r_lim.fl_max_frags) {
		msg_drop(m);
		return GW_E_RANGE;
	}
	if ((rc = total_check(&m, f->f_total)) != 0)
		return rc;
	if (!m && (rc = msg_start(r, msgid, f->f_total, now_ms, &m)) != 0)
		return rc;
	fr = &m->rm_frags[f->f_num - 1];
	if (fr->rf_data)
		return GW_E_AGAIN; /* a duplicate (retransmission) */
	if (plain_len > r->r_lim.fl_max_total - m->rm_bytes) {
		msg_drop(m);
		return GW_E_RANGE;
	}
	if (!(fr->rf_data = malloc(plain_len ? plain_len : 1))) {
		msg_drop(m);
		return GW_E_NOMEM;
	}
	if (plain_len)
		memcpy(fr->rf_data, plain, plain_len);
	fr->rf_len = plain_len;
	m->rm_bytes += plain_len;
	if (f->f_num == 1)
		m->rm_first = first;
	if (++m->rm_have < m->rm_total)
		return GW_E_AGAIN;
	return msg_finish(m, out, out_len, out_first);
}

/*
 * events.c: the mailbox other threads use to reach the server thread
 * (late replies, events) and the fan-out of events to subscribers. An
 * emitter never waits for a subscriber: it queues under a short mutex and
 * returns. Each subscriber has a bounded buffer; once an event does not
 * fit, that subscriber loses events until everything queued for it has
 * been written, then it reads a "dropped" line with the count
 * (api/control.md, Events).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "control/control_int.h"
#include "util/err.h"

int ctl_mbox_new(struct ctl_mbox **out)
{
	struct ctl_mbox *mb = calloc(1, sizeof(*mb));

	if (!mb)
		return GW_E_NOMEM;
	if ((mb->mb_wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		free(mb);
		return GW_E_IO;
	}
	pthread_mutex_init(&mb->mb_lock, NULL);
	mb->mb_refs = 1;
	mb->mb_tailp = &mb->mb_head;
	*out = mb;
	return 0;
}

static void msg_free(struct ctl_msg *m)
{
	free(m->m_line);
	json_decref(m->m_data);
	free(m);
}

static struct ctl_msg *take_all(struct ctl_mbox *mb, uint64_t *lost)
{
	struct ctl_msg *list;

	pthread_mutex_lock(&mb->mb_lock);
	list = mb->mb_head;
	mb->mb_head = NULL;
	mb->mb_tailp = &mb->mb_head;
	mb->mb_n_events = 0;
	mb->mb_woken = false;
	*lost = mb->mb_lost;
	mb->mb_lost = 0;
	pthread_mutex_unlock(&mb->mb_lock);
	return list;
}

void ctl_mbox_unref(struct ctl_mbox *mb)
{
	struct ctl_msg *m;
	uint64_t lost;
	unsigned refs;

	if (!mb)
		return;
	pthread_mutex_lock(&mb->mb_lock);
	refs = --mb->mb_refs;
	pthread_mutex_unlock(&mb->mb_lock);
	if (refs)
		return;
	for (m = take_all(mb, &lost); m;) {
		struct ctl_msg *next = m->m_next;

		msg_free(m);
		m = next;
	}
	close(mb->mb_wakefd);
	pthread_mutex_destroy(&mb->mb_lock);
	free(mb);
}

void ctl_mbox_close(struct ctl_mbox *mb)
{
	pthread_mutex_lock(&mb->mb_lock);
	mb->mb_closed = true;
	pthread_mutex_unlock(&mb->mb_lock);
}

void ctl_mbox_wake(struct ctl_mbox *mb)
{
	uint64_t one = 1;
	ssize_t n;

	/* EAGAIN means the counter is already non-zero: a wake-up is due. */
	do
		n = write(mb->mb_wakefd, &one, sizeof(one));
	while (n < 0 && errno == EINTR);
}

/* Queue m; false when the mailbox is closed or the event queue is full. */
static bool post(struct ctl_mbox *mb, struct ctl_msg *m)
{
	bool wake = false, ok = false;

	pthread_mutex_lock(&mb->mb_lock);
	if (mb->mb_closed)
		goto out;
	if (!m->m_client && mb->mb_n_events >= CTL_MBOX_EVENTS) {
		mb->mb_lost++;
		goto out;
	}
	if (!m->m_client)
		mb->mb_n_events++;
	*mb->mb_tailp = m;
	mb->mb_tailp = &m->m_next;
	wake = !mb->mb_woken;
	mb->mb_woken = true;
	ok = true;
out:
	pthread_mutex_unlock(&mb->mb_lock);
	if (wake)
		ctl_mbox_wake(mb);
	return ok;
}

void ctl_mbox_post_reply(struct ctl_mbox *mb, uint64_t client, char *line, size_t len, bool error)
{
	struct ctl_msg *m = calloc(1, sizeof(*m));

	if (!m) {
		free(line);
		return;
	}
	m->m_client = client;
	m->m_line = line;
	m->m_len = len;
	m->m_error = error;
	if (!post(mb, m))
		msg_free(m);
}

bool control_has_subscribers(struct control *ctl)
{
	return ctl && atomic_load(&ctl->ctl_n_subs) > 0;
}

void control_emit(struct control *ctl, const char *event, json_t *data)
{
	struct ctl_msg *m;

	if (!data)
		data = json_object();
	if (!control_has_subscribers(ctl) || !event || !ctl_name_valid(event) ||
	    !(m = calloc(1, sizeof(*m)))) {
		json_decref(data);
		return;
	}
	m->m_time = time(NULL);
	m->m_data = data;
	snprintf(m->m_event, sizeof(m->m_event), "%s", event);
	atomic_fetch_add(&ctl->ctl_events, 1);
	if (!post(ctl->ctl_mbox, m))
		msg_free(m);
}

void ctl_format_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* {"event":...,"seq":...,"time":...,"data":...} and its newline. */
static char *event_line(const char *event, uint64_t seq, time_t t, json_t *data, size_t *len)
{
	json_t *o = json_object();
	char ts[32], *s, *line = NULL;

	ctl_format_time(t, ts, sizeof(ts));
	json_object_set_new(o, "event", json_string(event));
	if (seq)
		json_object_set_new(o, "seq", json_integer((json_int_t)seq));
	json_object_set_new(o, "time", json_string(ts));
	json_object_set(o, "data", data);
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (s && (line = realloc(s, strlen(s) + 2))) {
		*len = strlen(line);
		line[(*len)++] = '\n';
		line[*len] = 0;
	} else {
		free(s);
	}
	return line;
}

void ctl_sub_notice(struct ctl_client *c)
{
	json_t *data;
	char *line;
	size_t len;

	if (!c->c_subscribed || !c->c_dropped || ctl_buf_used(&c->c_out))
		return;
	data = json_pack("{sI}", "count", (json_int_t)c->c_dropped);
	if ((line = event_line("dropped", 0, time(NULL), data, &len)) &&
	    !ctl_client_send(c, line, len))
		c->c_dropped = 0;
	free(line);
	json_decref(data);
}

bool ctl_sub_wants(const struct ctl_client *c, const char *event)
{
	if (!c->c_n_filter)
		return true;
	for (size_t i = 0; i < c->c_n_filter; i++)
		if (!strcmp(c->c_filter[i], event))
			return true;
	return false;
}

static bool is_sub(const struct ctl_client *c)
{
	return c && c->c_subscribed && !c->c_dead && !c->c_closing;
}

/* One event to every subscriber that wants it and has room. */
static void fan_out(struct control *ctl, struct ctl_msg *m)
{
	uint64_t seq = ++ctl->ctl_seq;
	size_t len = 0, room = ctl->ctl_sub_buffer - CTL_NOTICE_RESERVE;
	char *line = NULL;

	for (unsigned i = 0; i < ctl->ctl_max_clients; i++) {
		struct ctl_client *c = ctl->ctl_clients[i];

		if (!is_sub(c) || !ctl_sub_wants(c, m->m_event))
			continue;
		if (!line && !(line = event_line(m->m_event, seq, m->m_time, m->m_data, &len)))
			return;
		if (!c->c_dropped && ctl_buf_used(&c->c_out) + len <= room &&
		    !ctl_client_send(c, line, len))
			continue;
		c->c_dropped++;
		atomic_fetch_add(&ctl->ctl_events_dropped, 1);
	}
	free(line);
}

static void deliver_reply(struct control *ctl, struct ctl_msg *m)
{
	struct ctl_client *c = ctl_client_find(ctl, m->m_client);

	if (m->m_error)
		atomic_fetch_add(&ctl->ctl_errors, 1);
	if (!c)
		return; /* gone: the answer has nobody to go to */
	if (c->c_pending)
		c->c_pending--;
	if (!c->c_closing)
		ctl_client_send(c, m->m_line, m->m_len);
}

void ctl_mbox_drain(struct control *ctl)
{
	uint64_t lost;
	struct ctl_msg *m = take_all(ctl->ctl_mbox, &lost);

	while (m) {
		struct ctl_msg *next = m->m_next;

		if (m->m_client)
			deliver_reply(ctl, m);
		else
			fan_out(ctl, m);
		msg_free(m);
		m = next;
	}
	/* Events the full queue refused came after everything above. */
	ctl->ctl_seq += lost;
	for (unsigned i = 0; i < ctl->ctl_max_clients; i++) {
		struct ctl_client *c = ctl->ctl_clients[i];

		if (!c || c->c_dead)
			continue;
		if (lost && is_sub(c)) {
			c->c_dropped += lost;
			atomic_fetch_add(&ctl->ctl_events_dropped, lost);
		}
		ctl_sub_notice(c);
		ctl_client_pump(ctl, c);
	}
}

/*
 * server.c: the control server's life cycle and its one thread: an epoll
 * loop over the listening socket, the mailbox's eventfd and the clients.
 * Accepting checks the peer (peer.c) before a single byte is read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control/control_int.h"
#include "util/err.h"
#include "util/log.h"

#define DEFAULT_MAX_CLIENTS 64
#define DEFAULT_SUB_BUFFER  (256u * 1024)
#define EPOLL_BATCH         32

int control_new(const struct control_config *cfg, struct control **out)
{
	struct control *ctl;
	int r = GW_E_NOMEM;

	if (!cfg->cc_path || !*cfg->cc_path)
		return GW_E_INVAL;
	if (!(ctl = calloc(1, sizeof(*ctl))))
		return GW_E_NOMEM;
	ctl->ctl_listen_fd = ctl->ctl_lock_fd = ctl->ctl_epfd = -1;
	ctl->ctl_max_clients = cfg->cc_max_clients ? cfg->cc_max_clients : DEFAULT_MAX_CLIENTS;
	ctl->ctl_sub_buffer = cfg->cc_sub_buffer ? cfg->cc_sub_buffer : DEFAULT_SUB_BUFFER;
	if (ctl->ctl_sub_buffer < 2 * CTL_NOTICE_RESERVE)
		ctl->ctl_sub_buffer = 2 * CTL_NOTICE_RESERVE;
	if (!(ctl->ctl_path = strdup(cfg->cc_path)) ||
	    !(ctl->ctl_group = strdup(cfg->cc_group ? cfg->cc_group : "palisade")) ||
	    !(ctl->ctl_ident = strdup(cfg->cc_ident ? cfg->cc_ident : "palisade-gatewayd")) ||
	    !(ctl->ctl_clients = calloc(ctl->ctl_max_clients, sizeof(*ctl->ctl_clients))))
		goto out;
	if ((r = ctl_mbox_new(&ctl->ctl_mbox)) || (r = ctl_builtins_register(ctl)))
		goto out;
	*out = ctl;
	return 0;
out:
	control_free(ctl);
	return r;
}

int control_register(struct control *ctl, const char *cmd, control_fn fn, void *arg, unsigned flags)
{
	struct ctl_cmd *c;

	if (ctl->ctl_started)
		return GW_E_STATE;
	if (!cmd || !fn || !ctl_name_valid(cmd))
		return GW_E_INVAL;
	for (size_t i = 0; i < ctl->ctl_n_cmds; i++)
		if (!strcmp(ctl->ctl_cmds[i].cmd_name, cmd))
			return GW_E_EXISTS;
	if (ctl->ctl_n_cmds == CTL_MAX_CMDS)
		return GW_E_RANGE;
	c = &ctl->ctl_cmds[ctl->ctl_n_cmds++];
	snprintf(c->cmd_name, sizeof(c->cmd_name), "%s", cmd);
	c->cmd_fn = fn;
	c->cmd_arg = arg;
	c->cmd_flags = flags;
	return 0;
}

/* Refusals are logged, but at most once a second (a loop of refused
 * connects must not flood the log). */
static void log_refusal(struct control *ctl, const struct control_peer *p, const char *why)
{
	time_t now = time(NULL);

	if (now == ctl->ctl_refuse_log_time) {
		ctl->ctl_refuse_suppressed++;
		return;
	}
	log_warn(LOG_SUB_CTL, "refused uid %u gid %u pid %d: %s (%u more refusals not logged)",
		 (unsigned)p->cp_uid, (unsigned)p->cp_gid, (int)p->cp_pid, why,
		 ctl->ctl_refuse_suppressed);
	ctl->ctl_refuse_log_time = now;
	ctl->ctl_refuse_suppressed = 0;
}

/* One error line, best effort, and close: the refused peer learns why. */
static void refuse(struct control *ctl, int fd, const struct control_peer *p, const char *code,
		   const char *msg)
{
	size_t len = 0;
	char *line = ctl_reply_line(NULL, NULL, code, msg, &len);

	/* counted before the peer can see the answer (tests read the stats) */
	atomic_fetch_add(&ctl->ctl_refused, 1);
	if (line && send(fd, line, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_debug(LOG_SUB_CTL, "refusal not sent: %s", strerror(errno));
	free(line);
	close(fd);
	log_refusal(ctl, p, msg);
}

static void accept_one(struct control *ctl, int fd)
{
	struct control_peer peer = { 0 };
	struct epoll_event ev = { .events = EPOLLIN };
	struct ctl_client *c;

	if (ctl_peer_check(ctl, fd, &peer)) {
		refuse(ctl, fd, &peer, "permission-denied",
		       "not root, the daemon's user or a member of the socket's group");
		return;
	}
	if (!(c = ctl_client_new(ctl, fd, &peer))) {
		refuse(ctl, fd, &peer, "busy", "too many control clients");
		return;
	}
	ev.data.ptr = c;
	if (epoll_ctl(ctl->ctl_epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		ctl_client_close(ctl, c);
		return;
	}
	c->c_mask = EPOLLIN;
	atomic_fetch_add(&ctl->ctl_accepted, 1);
	log_debug(LOG_SUB_CTL, "client uid %u pid %d connected", (unsigned)peer.cp_uid,
		  (int)peer.cp_pid);
}

static void listen_events(struct control *ctl, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = &ctl->ctl_listen_fd };

	epoll_ctl(ctl->ctl_epfd, EPOLL_CTL_MOD, ctl->ctl_listen_fd, &ev);
}

static void accept_clients(struct control *ctl)
{
	for (;;) {
		int fd = accept4(ctl->ctl_listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			accept_one(ctl, fd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			/* Level-triggered epoll would spin: pause for a while. */
			log_warn(LOG_SUB_CTL, "accept: %s; pausing", strerror(errno));
			listen_events(ctl, 0);
			ctl->ctl_listen_paused = true;
		}
		return;
	}
}

static void client_events(struct control *ctl, struct ctl_client *c, uint32_t events)
{
	if (c->c_dead)
		return;
	if (events & (EPOLLERR | EPOLLHUP)) {
		ctl_client_close(ctl, c);
		return;
	}
	if (events & EPOLLIN)
		ctl_client_read(ctl, c);
	if ((events & EPOLLOUT) && !c->c_dead)
		ctl_client_flush(ctl, c);
}

static void sweep_dead(struct control *ctl)
{
	for (unsigned i = 0; i < ctl->ctl_max_clients; i++)
		if (ctl->ctl_clients[i] && ctl->ctl_clients[i]->c_dead)
			ctl_client_free(ctl, ctl->ctl_clients[i]);
}

static void *server_main(void *arg)
{
	struct control *ctl = arg;
	struct epoll_event evs[EPOLL_BATCH];

	while (!atomic_load(&ctl->ctl_stop)) {
		int n = epoll_wait(ctl->ctl_epfd, evs, EPOLL_BATCH,
				   ctl->ctl_listen_paused ? 1000 : -1);

		if (n < 0 && errno != EINTR) {
			log_err(LOG_SUB_CTL, "epoll_wait: %s", strerror(errno));
			break;
		}
		if (ctl->ctl_listen_paused) {
			ctl->ctl_listen_paused = false;
			listen_events(ctl, EPOLLIN);
		}
		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;
			uint64_t v;

			if (p == &ctl->ctl_listen_fd) {
				accept_clients(ctl);
			} else if (p == ctl->ctl_mbox) {
				if (read(ctl->ctl_mbox->mb_wakefd, &v, sizeof(v)) < 0 &&
				    errno != EAGAIN)
					log_warn(LOG_SUB_CTL, "eventfd: %s", strerror(errno));
				ctl_mbox_drain(ctl);
			} else {
				client_events(ctl, p, evs[i].events);
			}
		}
		sweep_dead(ctl);
	}
	return NULL;
}

static int add_fd(struct control *ctl, int fd, void *ptr)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = ptr };

	return epoll_ctl(ctl->ctl_epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? GW_E_IO : 0;
}

int control_start(struct control *ctl)
{
	int r;

	if (ctl->ctl_started)
		return GW_E_STATE;
	if (ctl->ctl_epfd < 0 && (ctl->ctl_epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return GW_E_IO;
	if ((r = ctl_sock_open(ctl)))
		return r;
	if ((r = add_fd(ctl, ctl->ctl_listen_fd, &ctl->ctl_listen_fd)) ||
	    (r = add_fd(ctl, ctl->ctl_mbox->mb_wakefd, ctl->ctl_mbox)))
		goto fail;
	if (pthread_create(&ctl->ctl_thread, NULL, server_main, ctl)) {
		log_err(LOG_SUB_CTL, "cannot start the control thread");
		r = GW_E_NOMEM;
		goto fail;
	}
	ctl->ctl_started = true;
	return 0;
fail:
	/* Leave nothing behind: a later control_start() may try again. */
	epoll_ctl(ctl->ctl_epfd, EPOLL_CTL_DEL, ctl->ctl_mbox->mb_wakefd, NULL);
	ctl_sock_close(ctl);
	return r;
}

void control_free(struct control *ctl)
{
	if (!ctl)
		return;
	if (ctl->ctl_started) {
		atomic_store(&ctl->ctl_stop, true);
		ctl_mbox_wake(ctl->ctl_mbox);
		pthread_join(ctl->ctl_thread, NULL);
	}
	for (unsigned i = 0; ctl->ctl_clients && i < ctl->ctl_max_clients; i++)
		ctl_client_free(ctl, ctl->ctl_clients[i]);
	ctl_sock_close(ctl);
	if (ctl->ctl_epfd >= 0)
		close(ctl->ctl_epfd);
	if (ctl->ctl_mbox) {
		ctl_mbox_close(ctl->ctl_mbox);
		ctl_mbox_unref(ctl->ctl_mbox);
	}
	free(ctl->ctl_clients);
	free(ctl->ctl_path);
	free(ctl->ctl_group);
	free(ctl->ctl_ident);
	free(ctl);
}

void control_get_stats(struct control *ctl, struct control_stats *st)
{
	st->cs_clients = atomic_load(&ctl->ctl_n_clients);
	st->cs_subscribers = atomic_load(&ctl->ctl_n_subs);
	st->cs_accepted = atomic_load(&ctl->ctl_accepted);
	st->cs_refused = atomic_load(&ctl->ctl_refused);
	st->cs_requests = atomic_load(&ctl->ctl_requests);
	st->cs_errors = atomic_load(&ctl->ctl_errors);
	st->cs_events = atomic_load(&ctl->ctl_events);
	st->cs_events_dropped = atomic_load(&ctl->ctl_events_dropped);
}

json_t *control_stats_json(struct control *ctl)
{
	struct control_stats st;

	control_get_stats(ctl, &st);
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "clients", (json_int_t)st.cs_clients,
			 "subscribers", (json_int_t)st.cs_subscribers, "accepted",
			 (json_int_t)st.cs_accepted, "refused", (json_int_t)st.cs_refused,
			 "requests", (json_int_t)st.cs_requests, "errors", (json_int_t)st.cs_errors,
			 "events", (json_int_t)st.cs_events, "events_dropped",
			 (json_int_t)st.cs_events_dropped);
}

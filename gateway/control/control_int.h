/*
 * control_int.h: the control server's internals, shared by its files and
 * by the unit tests and fuzz target (which drive a client without a
 * socket). Everything here runs on the server thread unless it says
 * otherwise; the mailbox is the only structure other threads touch.
 */
#ifndef PAL_CONTROL_CONTROL_INT_H
#define PAL_CONTROL_CONTROL_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "control/control.h"

#define CTL_NAME_MAX       32 /* command and event names */
#define CTL_MAX_CMDS       64
#define CTL_MAX_PENDING    16                     /* unanswered requests per client */
#define CTL_OUT_HIGH       (1u << 20)             /* stop reading requests above this */
#define CTL_MBOX_EVENTS    8192                   /* events queued for the server thread */
#define CTL_NOTICE_RESERVE 160                    /* room kept for the "dropped" line */
#define CTL_MAX_FILTER     32                     /* event names a subscriber may pick */
#define CTL_IN_CAP         (CONTROL_LINE_MAX + 1) /* a maximal line and its newline */
#define CTL_IN_CHUNK       4096

struct ctl_cmd {
	char cmd_name[CTL_NAME_MAX + 1];
	control_fn cmd_fn;
	void *cmd_arg;
	unsigned cmd_flags;
};

/* A reply line for one client, or an event for every subscriber. */
struct ctl_msg {
	struct ctl_msg *m_next;
	uint64_t m_client; /* reply: the client's id; 0: event */
	char *m_line;      /* reply: the line with its newline */
	size_t m_len;
	bool m_error;   /* reply: ok:false */
	time_t m_time;  /* event */
	json_t *m_data; /* event */
	char m_event[CTL_NAME_MAX + 1];
};

/*
 * The one structure other threads touch: replies and events queue here
 * and an eventfd wakes the server thread. Reference-counted so that a
 * handler finishing after control_free() finds a closed mailbox instead
 * of freed memory.
 */
struct ctl_mbox {
	pthread_mutex_t mb_lock;
	unsigned mb_refs;
	int mb_wakefd;
	bool mb_closed;
	bool mb_woken; /* a wake-up is in flight: no need for another */
	struct ctl_msg *mb_head;
	struct ctl_msg **mb_tailp;
	size_t mb_n_events;
	uint64_t mb_lost; /* events refused because the queue was full */
};

/* Bytes waiting to be written: [b_head, b_len) of b_data. */
struct ctl_buf {
	char *b_data;
	size_t b_head;
	size_t b_len;
	size_t b_cap;
};

struct ctl_client {
	uint64_t c_id; /* never reused: replies find their client by it */
	int c_fd;      /* -1: detached (tests, fuzzing): output stays in c_out */
	unsigned c_slot;
	struct control_peer c_peer;
	char *c_in; /* grows to CTL_IN_CAP bytes */
	size_t c_in_cap, c_in_head, c_in_len, c_in_scan;
	struct ctl_buf c_out;
	unsigned c_pending;
	uint32_t c_mask; /* epoll events registered */
	bool c_eof;      /* the peer shut down its side */
	bool c_closing;  /* close once c_out is written */
	bool c_dead;     /* closed; freed after the current epoll batch */
	bool c_subscribed;
	uint64_t c_dropped; /* events lost since the last "dropped" notice */
	size_t c_n_filter;  /* 0: every event */
	char c_filter[CTL_MAX_FILTER][CTL_NAME_MAX + 1];
};

struct control {
	char *ctl_path;
	char *ctl_group;
	char *ctl_ident;
	unsigned ctl_max_clients;
	size_t ctl_sub_buffer;
	struct ctl_cmd ctl_cmds[CTL_MAX_CMDS];
	size_t ctl_n_cmds;
	int ctl_listen_fd;
	int ctl_lock_fd;
	int ctl_epfd;
	bool ctl_listen_paused; /* out of file descriptors: accept later */
	dev_t ctl_sock_dev;
	ino_t ctl_sock_ino;
	gid_t ctl_sock_gid;
	pthread_t ctl_thread;
	bool ctl_started;
	atomic_bool ctl_stop;
	struct ctl_mbox *ctl_mbox;
	struct ctl_client **ctl_clients; /* ctl_max_clients slots */
	uint64_t ctl_next_id;
	uint64_t ctl_seq; /* events numbered on the server thread */
	time_t ctl_refuse_log_time;
	unsigned ctl_refuse_suppressed;
	atomic_uint_fast64_t ctl_n_clients, ctl_n_subs, ctl_accepted, ctl_refused;
	atomic_uint_fast64_t ctl_requests, ctl_errors, ctl_events, ctl_events_dropped;
};

/* A request being answered; owned by its handler once it went pending. */
struct control_req {
	struct ctl_mbox *r_mbox; /* referenced */
	uint64_t r_client;
	struct ctl_client *r_conn; /* only during the synchronous call */
	struct control *r_ctl;     /* only during the synchronous call */
	json_t *r_id;              /* the request's id (referenced) */
	struct control_peer r_peer;
	char r_cmd[CTL_NAME_MAX + 1];
	char r_code[CTL_NAME_MAX + 1]; /* control_req_error() */
	char r_msg[256];
};

/* sock.c */
int ctl_sock_open(struct control *ctl);
void ctl_sock_close(struct control *ctl);

/* peer.c: 0 when the peer may talk to us, GW_E_AUTH when not. */
int ctl_peer_check(const struct control *ctl, int fd, struct control_peer *peer);

/* conn.c */
struct ctl_client *ctl_client_new(struct control *ctl, int fd, const struct control_peer *peer);
void ctl_client_free(struct control *ctl, struct ctl_client *c);
/* Takes up to len bytes of input as read() would; returns how many. */
size_t ctl_client_input(struct control *ctl, struct ctl_client *c, const char *data, size_t len);
void ctl_client_read(struct control *ctl, struct ctl_client *c);
void ctl_client_flush(struct control *ctl, struct ctl_client *c);
/* Parse what is buffered, as far as limits allow, then update epoll. */
void ctl_client_pump(struct control *ctl, struct ctl_client *c);
int ctl_client_send(struct ctl_client *c, const char *line, size_t len);
void ctl_client_close(struct control *ctl, struct ctl_client *c);
void ctl_client_update(struct control *ctl, struct ctl_client *c);
struct ctl_client *ctl_client_find(struct control *ctl, uint64_t id);
/* Detached clients: hand the written output to the caller (malloc'd,
 * NUL-terminated) and act as if the peer had read it. */
char *ctl_client_take_output(struct control *ctl, struct ctl_client *c, size_t *len);
size_t ctl_buf_used(const struct ctl_buf *b);

/* dispatch.c */
void ctl_dispatch_line(struct control *ctl, struct ctl_client *c, const char *line, size_t len);
/* A whole response line for id (NULL = null), malloc'd, newline included. */
char *ctl_reply_line(json_t *id, json_t *result, const char *code, const char *msg, size_t *len);
void ctl_send_error(struct ctl_client *c, json_t *id, const char *code, const char *msg);
int ctl_builtins_register(struct control *ctl);
json_t *ctl_json_text(const char *s);

/* events.c */
int ctl_mbox_new(struct ctl_mbox **out);
void ctl_mbox_unref(struct ctl_mbox *mb);
void ctl_mbox_close(struct ctl_mbox *mb);
/* Queue a reply line (taken); dropped when the mailbox is closed. */
void ctl_mbox_post_reply(struct ctl_mbox *mb, uint64_t client, char *line, size_t len, bool error);
void ctl_mbox_wake(struct ctl_mbox *mb);
/* Deliver everything queued: replies to their clients, events to subscribers. */
void ctl_mbox_drain(struct control *ctl);
/* Append the "dropped" notice once a lagging subscriber has caught up. */
void ctl_sub_notice(struct ctl_client *c);
bool ctl_sub_wants(const struct ctl_client *c, const char *event);
void ctl_format_time(time_t t, char *buf, size_t len);

/* args.c */
bool ctl_name_valid(const char *s);

#endif

/*
 * sock.c: the listening socket. Created under a temporary name, given its
 * mode and group, then renamed over the final path, so the path never
 * names a socket with looser permissions and a stale socket file is
 * replaced atomically. A lock file next to it and a connect() probe keep a
 * second daemon from stealing a live daemon's socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/control_int.h"
#include "util/err.h"
#include "util/log.h"

static int make_addr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return GW_E_RANGE;
	memcpy(sun->sun_path, path, strlen(path));
	return 0;
}

/* The group named in the configuration, else the daemon's own. */
static gid_t socket_group(const struct control *ctl)
{
	struct group gr, *res = NULL;
	char buf[4096];

	if (getgrnam_r(ctl->ctl_group, &gr, buf, sizeof(buf), &res) == 0 && res)
		return res->gr_gid;
	log_info(LOG_SUB_CTL, "group '%s' does not exist: control socket keeps group %u",
		 ctl->ctl_group, (unsigned)getegid());
	return getegid();
}

/* One daemon per socket path: flock() on PATH.lock, held until exit. */
static int take_lock(struct control *ctl)
{
	char lock[sizeof(((struct sockaddr_un *)0)->sun_path) + 8];
	int fd;

	snprintf(lock, sizeof(lock), "%s.lock", ctl->ctl_path);
	if ((fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0) {
		log_err(LOG_SUB_CTL, "cannot open %s: %s", lock, strerror(errno));
		return GW_E_IO;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;

		close(fd);
		if (e == EWOULDBLOCK) {
			log_err(LOG_SUB_CTL, "%s: another daemon holds this control socket",
				ctl->ctl_path);
			return GW_E_EXISTS;
		}
		log_err(LOG_SUB_CTL, "cannot lock %s: %s", lock, strerror(e));
		return GW_E_IO;
	}
	ctl->ctl_lock_fd = fd;
	return 0;
}

/* An existing file at the path: a socket nobody answers on is stale and
 * may go; a live socket or anything that is not a socket stays. */
static int check_existing(const char *path, const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, r = 0;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : GW_E_IO;
	if (!S_ISSOCK(st.st_mode)) {
		log_err(LOG_SUB_CTL, "%s exists and is not a socket: not replaced", path);
		return GW_E_EXISTS;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return GW_E_IO;
	if (connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0) {
		log_err(LOG_SUB_CTL, "%s: a daemon is listening there: not replaced", path);
		r = GW_E_EXISTS;
	} else if (errno != ECONNREFUSED) {
		log_err(LOG_SUB_CTL, "%s: cannot probe: %s", path, strerror(errno));
		r = GW_E_IO;
	} else {
		log_info(LOG_SUB_CTL, "%s: replacing a stale socket", path);
	}
	close(fd);
	return r;
}

/* Bind under tmp, set mode and group, listen. */
static int bind_tmp(struct control *ctl, const char *tmp, gid_t gid)
{
	struct sockaddr_un sun;
	int fd;

	if (make_addr(tmp, &sun))
		return GW_E_RANGE;
	if (unlink(tmp) < 0 && errno != ENOENT)
		return GW_E_IO;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return GW_E_IO;
	ctl->ctl_listen_fd = fd;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		log_err(LOG_SUB_CTL, "cannot bind %s: %s", tmp, strerror(errno));
		return GW_E_IO;
	}
	if (chmod(tmp, 0660) < 0 || (chown(tmp, (uid_t)-1, gid) < 0 && errno != EPERM)) {
		log_err(LOG_SUB_CTL, "cannot set mode/group of %s: %s", tmp, strerror(errno));
		return GW_E_IO;
	}
	if (listen(fd, 64) < 0)
		return GW_E_IO;
	return 0;
}

int ctl_sock_open(struct control *ctl)
{
	char tmp[sizeof(((struct sockaddr_un *)0)->sun_path) + 8];
	struct sockaddr_un sun;
	struct stat st;
	int r;

	if (make_addr(ctl->ctl_path, &sun) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s.new", ctl->ctl_path) >= sizeof(sun.sun_path)) {
		log_err(LOG_SUB_CTL, "control socket path too long: %s", ctl->ctl_path);
		return GW_E_RANGE;
	}
	if ((r = take_lock(ctl)))
		return r;
	if ((r = check_existing(ctl->ctl_path, &sun)) ||
	    (r = bind_tmp(ctl, tmp, socket_group(ctl))))
		goto out;
	if (rename(tmp, ctl->ctl_path) < 0 || stat(ctl->ctl_path, &st) < 0) {
		log_err(LOG_SUB_CTL, "cannot move %s to %s: %s", tmp, ctl->ctl_path,
			strerror(errno));
		r = GW_E_IO;
		goto out;
	}
	/* Peers are checked against the group the file really has. */
	ctl->ctl_sock_dev = st.st_dev;
	ctl->ctl_sock_ino = st.st_ino;
	ctl->ctl_sock_gid = st.st_gid;
	log_info(LOG_SUB_CTL, "control socket %s (mode 0660, group %u)", ctl->ctl_path,
		 (unsigned)st.st_gid);
out:
	if (r) {
		unlink(tmp);
		ctl_sock_close(ctl);
	}
	return r;
}

void ctl_sock_close(struct control *ctl)
{
	struct stat st;

	if (ctl->ctl_listen_fd >= 0) {
		/* Remove the path only if it still names our socket: a newer
		 * daemon may have replaced it. */
		if (ctl->ctl_sock_ino && stat(ctl->ctl_path, &st) == 0 &&
		    st.st_dev == ctl->ctl_sock_dev && st.st_ino == ctl->ctl_sock_ino)
			unlink(ctl->ctl_path);
		close(ctl->ctl_listen_fd);
		ctl->ctl_listen_fd = -1;
	}
	if (ctl->ctl_lock_fd >= 0) {
		/* The lock file stays: unlinking it would let a starter that
		 * opened it already lock a file nobody else sees. */
		close(ctl->ctl_lock_fd);
		ctl->ctl_lock_fd = -1;
	}
}

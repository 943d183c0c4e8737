/*
 * peer.c: who may talk to the daemon. The socket's mode (0660) is the
 * first gate; this is the second, in case the file's permissions were
 * loosened: root, the daemon's own user and members of the socket's group
 * (primary or supplementary) pass, everybody else is refused. The kernel
 * records the credentials at connect() (SO_PEERCRED, SO_PEERGROUPS), so a
 * peer cannot change them afterwards.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control/control_int.h"
#include "util/err.h"

#define PEER_MAX_GROUPS 65536 /* NGROUPS_MAX on Linux */

static bool in_list(const gid_t *groups, size_t n, gid_t gid)
{
	for (size_t i = 0; i < n; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

/* SO_PEERGROUPS (Linux 4.13): the supplementary groups at connect(). */
static int peer_groups_sockopt(int fd, gid_t gid, bool *member)
{
	gid_t small[64], *groups = small;
	socklen_t len = sizeof(small);
	int r = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0) {
		if (errno != ERANGE)
			return GW_E_UNSUP;
		if (len > PEER_MAX_GROUPS * sizeof(gid_t) || !(groups = malloc(len)))
			return GW_E_NOMEM;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0) {
			r = GW_E_IO;
			goto out;
		}
	}
	*member = in_list(groups, len / sizeof(gid_t), gid);
out:
	if (groups != small)
		free(groups);
	return r;
}

/* Older kernels: the "Groups:" line of /proc/PID/status. */
static int peer_groups_proc(pid_t pid, gid_t gid, bool *member)
{
	char path[64], line[4096];
	FILE *f;
	int r = GW_E_NOTFOUND;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "re")))
		return GW_E_IO;
	*member = false;
	while (fgets(line, sizeof(line), f)) {
		char *p = line + 7, *end;

		if (strncmp(line, "Groups:", 7))
			continue;
		r = 0;
		for (;;) {
			unsigned long v = strtoul(p, &end, 10);

			if (end == p)
				break;
			if ((gid_t)v == gid)
				*member = true;
			p = end;
		}
		break;
	}
	fclose(f);
	return r;
}

int ctl_peer_check(const struct control *ctl, int fd, struct control_peer *peer)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	bool member = false;
	int r;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || len != sizeof(cred))
		return GW_E_AUTH;
	peer->cp_pid = cred.pid;
	peer->cp_uid = cred.uid;
	peer->cp_gid = cred.gid;
	if (cred.uid == 0 || cred.uid == geteuid() || cred.gid == ctl->ctl_sock_gid)
		return 0;
	r = peer_groups_sockopt(fd, ctl->ctl_sock_gid, &member);
	if (r == GW_E_UNSUP)
		r = peer_groups_proc(cred.pid, ctl->ctl_sock_gid, &member);
	return !r && member ? 0 : GW_E_AUTH;
}

/*
 * Control server, the socket itself: mode 0660 and group, a stale socket
 * replaced, a live daemon's socket (or any other file) left alone, clean
 * removal, and the peer check: a process that dropped to nobody is
 * refused unless it is in the socket's group (needs root; skipped
 * otherwise).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tc.h"
#include "util/err.h"

#define NOBODY 65534

static bool version_ok(const char *path)
{
	struct tcli c;
	json_t *a;
	bool ok;

	if (tcli_open(&c, path))
		return false;
	a = tcli_call(&c, "{\"id\":1,\"cmd\":\"version\"}\n");
	ok = ans_ok(a, 1);
	json_decref(a);
	tcli_close(&c);
	return ok;
}

/* A socket file at path; listening or not. Returns the fd (or -1). */
static int plain_socket(const char *path, bool listening)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    (listening && listen(fd, 1) < 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void test_mode_and_group(void)
{
	struct group *gr = getgrnam("palisade");
	char tmp[160], lock[160];
	struct stat st;
	struct tsrv s;

	CU_ASSERT_EQUAL_FATAL(tsrv_start(&s, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(stat(s.ts_path, &st), 0);
	CU_ASSERT_TRUE(S_ISSOCK(st.st_mode));
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0660);
	CU_ASSERT_EQUAL(st.st_gid, gr ? gr->gr_gid : getegid());
	snprintf(tmp, sizeof(tmp), "%s.new", s.ts_path);
	snprintf(lock, sizeof(lock), "%s.lock", s.ts_path);
	CU_ASSERT_NOT_EQUAL(access(tmp, F_OK), 0);
	CU_ASSERT_EQUAL(access(lock, F_OK), 0);
	CU_ASSERT_TRUE(version_ok(s.ts_path));
	control_free(s.ts_ctl);
	s.ts_ctl = NULL;
	CU_ASSERT_NOT_EQUAL(access(s.ts_path, F_OK), 0); /* removed on exit */
	tsrv_stop(&s);
}

static void test_configured_group(void)
{
	struct control_config cfg = { .cc_group = "nogroup" };
	struct group *gr = getgrnam("nogroup");
	struct stat st;
	struct tsrv s;

	if (geteuid() != 0 || !gr) {
		fprintf(stderr, " (skipped: needs root and group nogroup) ");
		return;
	}
	CU_ASSERT_EQUAL_FATAL(tsrv_start(&s, &cfg), 0);
	CU_ASSERT_EQUAL(stat(s.ts_path, &st), 0);
	CU_ASSERT_EQUAL(st.st_gid, gr->gr_gid);
	tsrv_stop(&s);
	cfg.cc_group = "no-such-group-palisade-test";
	CU_ASSERT_EQUAL_FATAL(tsrv_start(&s, &cfg), 0);
	CU_ASSERT_EQUAL(stat(s.ts_path, &st), 0);
	CU_ASSERT_EQUAL(st.st_gid, getegid());
	tsrv_stop(&s);
}

static void test_stale_replaced(void)
{
	struct stat before, after;
	struct tsrv s;
	int fd;

	CU_ASSERT_EQUAL_FATAL(tsrv_new(&s, NULL), 0);
	fd = plain_socket(s.ts_path, false);
	CU_ASSERT_TRUE_FATAL(fd >= 0);
	close(fd); /* the file stays, nobody listens: stale */
	CU_ASSERT_EQUAL(stat(s.ts_path, &before), 0);
	CU_ASSERT_EQUAL(control_start(s.ts_ctl), 0);
	CU_ASSERT_EQUAL(stat(s.ts_path, &after), 0);
	CU_ASSERT_NOT_EQUAL(before.st_ino, after.st_ino);
	CU_ASSERT_TRUE(version_ok(s.ts_path));
	tsrv_stop(&s);
}

static void test_live_not_stolen(void)
{
	struct control_config cfg = { 0 };
	struct control *second;
	struct stat before, after;
	struct tsrv s;

	CU_ASSERT_EQUAL_FATAL(tsrv_start(&s, NULL), 0);
	CU_ASSERT_EQUAL(stat(s.ts_path, &before), 0);
	cfg.cc_path = s.ts_path;
	CU_ASSERT_EQUAL_FATAL(control_new(&cfg, &second), 0);
	CU_ASSERT_EQUAL(control_start(second), GW_E_EXISTS);
	control_free(second);
	CU_ASSERT_EQUAL(stat(s.ts_path, &after), 0);
	CU_ASSERT_EQUAL(before.st_ino, after.st_ino);
	CU_ASSERT_TRUE(version_ok(s.ts_path));
	tsrv_stop(&s);
}

/* Without the lock (a listener that is not ours): the connect probe. */
static void test_live_probe(void)
{
	struct stat before, after;
	struct tsrv s;
	int fd;

	CU_ASSERT_EQUAL_FATAL(tsrv_new(&s, NULL), 0);
	fd = plain_socket(s.ts_path, true);
	CU_ASSERT_TRUE_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(stat(s.ts_path, &before), 0);
	CU_ASSERT_EQUAL(control_start(s.ts_ctl), GW_E_EXISTS);
	CU_ASSERT_EQUAL(stat(s.ts_path, &after), 0);
	CU_ASSERT_EQUAL(before.st_ino, after.st_ino);
	close(fd);
	/* the failed start released the lock: a retry after the listener
	 * went away takes over the now stale socket */
	CU_ASSERT_EQUAL(control_start(s.ts_ctl), 0);
	CU_ASSERT_TRUE(version_ok(s.ts_path));
	tsrv_stop(&s);
}

static void test_not_a_socket(void)
{
	struct tsrv s;
	char buf[8] = { 0 };
	int fd;

	CU_ASSERT_EQUAL_FATAL(tsrv_new(&s, NULL), 0);
	fd = open(s.ts_path, O_WRONLY | O_CREAT, 0600);
	CU_ASSERT_EQUAL(write(fd, "keep", 4), 4);
	close(fd);
	CU_ASSERT_EQUAL(control_start(s.ts_ctl), GW_E_EXISTS);
	fd = open(s.ts_path, O_RDONLY);
	CU_ASSERT_EQUAL(read(fd, buf, sizeof(buf)), 4);
	ASSERT_STR(buf, "keep");
	close(fd);
	tsrv_stop(&s);
}

/* A newer file at the path is not removed by the old server's exit. */
static void test_replaced_path_kept(void)
{
	char other[160];
	struct tsrv s;
	int fd;

	CU_ASSERT_EQUAL_FATAL(tsrv_start(&s, NULL), 0);
	snprintf(other, sizeof(other), "%s/other", s.ts_dir);
	fd = open(other, O_WRONLY | O_CREAT, 0600);
	close(fd);
	CU_ASSERT_EQUAL(rename(other, s.ts_path), 0);
	control_free(s.ts_ctl);
	s.ts_ctl = NULL;
	CU_ASSERT_EQUAL(access(s.ts_path, F_OK), 0);
	tsrv_stop(&s);
}

static void test_path_too_long(void)
{
	struct control_config cfg = { 0 };
	struct control *ctl;
	char path[200];

	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = 0;
	cfg.cc_path = path;
	CU_ASSERT_EQUAL_FATAL(control_new(&cfg, &ctl), 0);
	CU_ASSERT_EQUAL(control_start(ctl), GW_E_RANGE);
	control_free(ctl);
}

enum peer_result {
	PEER_EACCES = 10,  /* connect() refused by the file mode */
	PEER_ALLOWED = 20, /* answered, as uid nobody */
	PEER_REFUSED = 30, /* permission-denied line, then closed */
	PEER_OTHER = 40,
};

/* Fork, become nobody with gid and groups, talk to the socket. */
static int as_nobody(const char *path, gid_t gid, const gid_t *groups, size_t n)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		struct tcli c;
		json_t *a;
		int r;

		if (setgroups(n, groups) || setgid(gid) || setuid(NOBODY))
			_exit(PEER_OTHER + 1);
		if ((r = tcli_open(&c, path)) == -EACCES)
			_exit(PEER_EACCES);
		if (r)
			_exit(PEER_OTHER + 2);
		tcli_sends(&c, "{\"id\":1,\"cmd\":\"peer\"}\n"); /* may fail if refused */
		a = tcli_json(&c, TC_TIMEOUT);
		if (ans_ok(a, 1) && json_integer_value(json_object_get(json_object_get(a, "result"),
								       "uid")) == NOBODY)
			_exit(PEER_ALLOWED);
		if (ans_err(a, "permission-denied") && json_is_null(json_object_get(a, "id")) &&
		    tcli_eof(&c, TC_TIMEOUT))
			_exit(PEER_REFUSED);
		_exit(PEER_OTHER + 3);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void test_peer_check(void)
{
	struct control_stats st;
	struct stat sst;
	struct tsrv s;
	gid_t g;

	if (geteuid() != 0) {
		fprintf(stderr, " (skipped: the peer check test needs root) ");
		return;
	}
	CU_ASSERT_EQUAL_FATAL(tsrv_start(&s, NULL), 0);
	CU_ASSERT_EQUAL(chmod(s.ts_dir, 0755), 0);
	CU_ASSERT_EQUAL_FATAL(stat(s.ts_path, &sst), 0);
	g = sst.st_gid;
	CU_ASSERT_NOT_EQUAL_FATAL(g, NOBODY);
	/* mode 0660: nobody cannot even connect */
	CU_ASSERT_EQUAL(as_nobody(s.ts_path, NOBODY, NULL, 0), PEER_EACCES);
	/* loosened permissions: the peer check still refuses */
	CU_ASSERT_EQUAL(chmod(s.ts_path, 0666), 0);
	CU_ASSERT_EQUAL(as_nobody(s.ts_path, NOBODY, NULL, 0), PEER_REFUSED);
	control_get_stats(s.ts_ctl, &st);
	CU_ASSERT_EQUAL(st.cs_refused, 1);
	CU_ASSERT_EQUAL(st.cs_accepted, 0);
	/* members of the socket's group pass: supplementary, then primary */
	CU_ASSERT_EQUAL(chmod(s.ts_path, 0660), 0);
	CU_ASSERT_EQUAL(as_nobody(s.ts_path, NOBODY, &g, 1), PEER_ALLOWED);
	CU_ASSERT_EQUAL(as_nobody(s.ts_path, g, NULL, 0), PEER_ALLOWED);
	/* root passes too */
	CU_ASSERT_TRUE(version_ok(s.ts_path));
	control_get_stats(s.ts_ctl, &st);
	CU_ASSERT_EQUAL(st.cs_refused, 1);
	CU_ASSERT_EQUAL(st.cs_accepted, 3);
	tsrv_stop(&s);
}

const struct ut_case tc_socket_cases[] = {
	{ "mode 0660, group, removal", test_mode_and_group },
	{ "configured group", test_configured_group },
	{ "stale socket replaced", test_stale_replaced },
	{ "live daemon's socket not stolen (lock)", test_live_not_stolen },
	{ "live listener not stolen (probe)", test_live_probe },
	{ "a file that is not a socket stays", test_not_a_socket },
	{ "a replaced path is not removed", test_replaced_path_kept },
	{ "path too long", test_path_too_long },
	{ "peer credentials (root only)", test_peer_check },
	{ NULL, NULL },
};

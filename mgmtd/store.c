/*
 * store.c: atomic files in the configuration directory. A write goes to a
 * temporary file in the same directory (".tmp-" prefix: neither gatewayd
 * nor the start-up check ever reads it as an object), is fsync()ed, then
 * rename()d over the old file, and the directory is fsync()ed so the
 * rename itself survives a power loss. A crash at any point leaves either
 * the old or the new file under the object's name.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "gateway/util/err.h"
#include "mgmtd/store.h"

#define ETAG_KEY_LEN 32

struct store {
	char *st_dir;
	pthread_mutex_t st_lock;
	int st_lockfd;
	bool st_group_shared; /* the directory is set-group-ID: see share_mode() */
	uint8_t st_key[ETAG_KEY_LEN];
};

const char *store_dir(const struct store *st)
{
	return st->st_dir;
}

static int path_of(const struct store *st, const char *rel, char *buf, size_t len)
{
	if ((size_t)snprintf(buf, len, "%s/%s", st->st_dir, rel) >= len)
		return GW_E_RANGE;
	return 0;
}

static int fsync_dir_of(const char *path)
{
	char dir[4096];
	char *slash;
	int fd, r = 0;

	snprintf(dir, sizeof(dir), "%s", path);
	if (!(slash = strrchr(dir, '/')))
		return GW_E_INVAL;
	*slash = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return GW_E_IO;
	if (fsync(fd) < 0)
		r = GW_E_IO;
	close(fd);
	return r;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return GW_E_IO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A set-group-ID directory is shared with the gateway's group (the
 * installed layout, systemd/palisade.tmpfiles.conf: palisade-gatewayd runs
 * as another user and only reads): the secrets it must read (connections
 * with a PSK, eap-users.json) are 0640 there, group-owned through the
 * directory. mgmtd's own state in mgmt/ stays 0600. */
static mode_t share_mode(const struct store *st, const char *rel, mode_t mode)
{
	if (st->st_group_shared && mode == 0600 &&
	    strncmp(rel, STORE_MGMT "/", strlen(STORE_MGMT) + 1))
		return 0640;
	return mode;
}

int store_write(struct store *st, const char *rel, const void *buf, size_t len, mode_t mode)
{
	char path[4096], tmp[4096 + 16];
	const char *base;
	char *slash;
	int fd = -1, r;

	if ((r = path_of(st, rel, path, sizeof(path))))
		return r;
	slash = strrchr(path, '/');
	base = slash + 1;
	snprintf(tmp, sizeof(tmp), "%.*s/.tmp-%s-XXXXXX", (int)(slash - path), path, base);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		return GW_E_IO;
	r = GW_E_IO;
	if (fchmod(fd, share_mode(st, rel, mode)) < 0 || write_all(fd, buf, len) || fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	return fsync_dir_of(path);
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return r;
}

int store_remove(struct store *st, const char *rel)
{
	char path[4096];
	int r;

	if ((r = path_of(st, rel, path, sizeof(path))))
		return r;
	if (unlink(path) < 0)
		return errno == ENOENT ? GW_E_NOTFOUND : GW_E_IO;
	return fsync_dir_of(path);
}

bool store_exists(struct store *st, const char *rel)
{
	char path[4096];
	struct stat sb;

	return !path_of(st, rel, path, sizeof(path)) && stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

int store_read(struct store *st, const char *rel, size_t max, char **buf, size_t *len)
{
	char path[4096];
	struct stat sb;
	char *b = NULL;
	size_t got = 0;
	int fd, r;

	*buf = NULL;
	*len = 0;
	if ((r = path_of(st, rel, path, sizeof(path))))
		return r;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return errno == ENOENT ? GW_E_NOTFOUND : GW_E_IO;
	r = GW_E_IO;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode))
		goto out;
	r = GW_E_RANGE;
	if ((uint64_t)sb.st_size > max)
		goto out;
	r = GW_E_NOMEM;
	if (!(b = malloc((size_t)sb.st_size + 1)))
		goto out;
	while (got < (size_t)sb.st_size) {
		ssize_t n = read(fd, b + got, (size_t)sb.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	b[got] = '\0';
	*buf = b;
	*len = got;
	b = NULL;
	r = 0;
out:
	free(b);
	close(fd);
	return r;
}

void store_buf_free(char *buf, size_t len)
{
	if (!buf)
		return;
	OPENSSL_cleanse(buf, len);
	free(buf);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void store_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Plain names only: what gatewayd would read (no dot first, no '/'). */
static bool plain(const char *s, size_t n)
{
	if (!n || n >= 64 || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

int store_list(struct store *st, const char *sub, const char *suffix, char ***names, size_t *n)
{
	size_t slen = strlen(suffix), cap = 0;
	char path[4096];
	struct dirent *de;
	char **v = NULL;
	DIR *d;
	int r = 0;

	*names = NULL;
	*n = 0;
	if ((r = path_of(st, sub, path, sizeof(path))))
		return r;
	if (!(d = opendir(path)))
		return errno == ENOENT ? 0 : GW_E_IO;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len <= slen || strcmp(de->d_name + len - slen, suffix) ||
		    !plain(de->d_name, len - slen))
			continue;
		if (*n == cap) {
			char **nv = realloc(v, (cap = cap ? 2 * cap : 16) * sizeof(*v));

			if (!nv) {
				r = GW_E_NOMEM;
				break;
			}
			v = nv;
		}
		if (!(v[*n] = strndup(de->d_name, len - slen))) {
			r = GW_E_NOMEM;
			break;
		}
		(*n)++;
	}
	closedir(d);
	if (r) {
		store_names_free(v, *n);
		*n = 0;
		return r;
	}
	if (*n)
		qsort(v, *n, sizeof(*v), name_cmp);
	*names = v;
	return 0;
}

void store_etag(const struct store *st, const void *buf, size_t len, char out[STORE_ETAG_LEN])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;

	HMAC(EVP_sha256(), st->st_key, sizeof(st->st_key), buf, len, md, &mdlen);
	out[0] = '"';
	for (unsigned i = 0; i < 16; i++) {
		out[1 + 2 * i] = hex[md[i] >> 4];
		out[2 + 2 * i] = hex[md[i] & 15];
	}
	out[33] = '"';
	out[34] = '\0';
}

void store_lock(struct store *st)
{
	pthread_mutex_lock(&st->st_lock);
	while (flock(st->st_lockfd, LOCK_EX) < 0 && errno == EINTR)
		;
}

void store_unlock(struct store *st)
{
	flock(st->st_lockfd, LOCK_UN);
	pthread_mutex_unlock(&st->st_lock);
}

/* mgmt/etag.key: made once, kept so ETags survive a restart. */
static int load_key(struct store *st, char *why, size_t why_len)
{
	char *buf;
	size_t len;
	int r = store_read(st, STORE_MGMT "/etag.key", 64, &buf, &len);

	if (!r && len == ETAG_KEY_LEN) {
		memcpy(st->st_key, buf, ETAG_KEY_LEN);
		store_buf_free(buf, len);
		return 0;
	}
	store_buf_free(buf, len);
	if (r && r != GW_E_NOTFOUND) {
		snprintf(why, why_len, "%s/" STORE_MGMT "/etag.key: cannot read it", st->st_dir);
		return r;
	}
	if (RAND_bytes(st->st_key, ETAG_KEY_LEN) != 1)
		return GW_E_CRYPTO;
	if ((r = store_write(st, STORE_MGMT "/etag.key", st->st_key, ETAG_KEY_LEN, 0600)))
		snprintf(why, why_len, "%s/" STORE_MGMT "/etag.key: cannot write it", st->st_dir);
	return r;
}

static int open_dirs(struct store *st, char *why, size_t why_len)
{
	static const char *const subs[] = { "conns", "cas", "certs" };
	char path[4096];
	struct stat sb;

	if (stat(st->st_dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		snprintf(why, why_len, "%s: not a directory", st->st_dir);
		return GW_E_IO;
	}
	st->st_group_shared = (sb.st_mode & S_ISGID) != 0;
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		path_of(st, subs[i], path, sizeof(path));
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			snprintf(why, why_len, "%s: %s", path, strerror(errno));
			return GW_E_IO;
		}
	}
	path_of(st, STORE_MGMT, path, sizeof(path));
	if ((mkdir(path, 0700) < 0 && errno != EEXIST) || chmod(path, 0700) < 0) {
		snprintf(why, why_len, "%s: %s", path, strerror(errno));
		return GW_E_IO;
	}
	path_of(st, STORE_MGMT "/lock", path, sizeof(path));
	if ((st->st_lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		snprintf(why, why_len, "%s: %s", path, strerror(errno));
		return GW_E_IO;
	}
	return 0;
}

int store_open(const char *dir, struct store **out, char *why, size_t why_len)
{
	struct store *st;
	int r;

	*out = NULL;
	if (!(st = calloc(1, sizeof(*st))) || !(st->st_dir = strdup(dir))) {
		free(st);
		return GW_E_NOMEM;
	}
	st->st_lockfd = -1;
	pthread_mutex_init(&st->st_lock, NULL);
	if ((r = open_dirs(st, why, why_len)) || (r = load_key(st, why, why_len))) {
		store_free(st);
		return r;
	}
	*out = st;
	return 0;
}

void store_free(struct store *st)
{
	if (!st)
		return;
	if (st->st_lockfd >= 0)
		close(st->st_lockfd);
	pthread_mutex_destroy(&st->st_lock);
	OPENSSL_cleanse(st->st_key, sizeof(st->st_key));
	free(st->st_dir);
	free(st);
}

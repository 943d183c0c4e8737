/*
 * pin.c: the user PIN, read once from a file that only its owner may read
 * (gateway.json names it; a PIN never comes from the command line or a
 * URI). It is kept in a page of its own, locked in RAM and left out of
 * core dumps, and wiped with OPENSSL_cleanse() when the module goes; the
 * read buffer is wiped at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "pkcs11/p11_int.h"
#include "util/err.h"

/* One page holds any PIN; mmap() gives it to us alone. */
static uint8_t *pin_page(size_t *map_len)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t n = pg > 0 ? (size_t)pg : 4096;
	void *m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		return NULL;
	/* best effort: a small RLIMIT_MEMLOCK must not stop the daemon */
	(void)mlock(m, n);
	(void)madvise(m, n, MADV_DONTDUMP);
	*map_len = n;
	return m;
}

static int pin_check_file(int fd, const char *path, char *why, size_t why_len)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		p11_why(why, why_len, "PIN file %s: %s", path, strerror(errno));
		return GW_E_IO;
	}
	if (!S_ISREG(st.st_mode)) {
		p11_why(why, why_len, "PIN file %s: not a regular file", path);
		return GW_E_INVAL;
	}
	if (st.st_mode & 077) {
		p11_why(why, why_len,
			"PIN file %s: mode %04o lets others read it (chmod 600, owner only)", path,
			(unsigned)(st.st_mode & 07777));
		return GW_E_INVAL;
	}
	if (st.st_size > P11_PIN_MAX + 2) {
		p11_why(why, why_len, "PIN file %s: larger than a PIN (%d bytes at most)", path,
			P11_PIN_MAX);
		return GW_E_RANGE;
	}
	return 0;
}

/* The PIN is the file's bytes up to one final "\n" or "\r\n". */
static int pin_parse(const uint8_t *buf, size_t n, const char *path, size_t *len, char *why,
		     size_t why_len)
{
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	if (n == 0) {
		p11_why(why, why_len, "PIN file %s is empty", path);
		return GW_E_INVAL;
	}
	if (n > P11_PIN_MAX) {
		p11_why(why, why_len, "PIN file %s: larger than a PIN (%d bytes at most)", path,
			P11_PIN_MAX);
		return GW_E_RANGE;
	}
	if (memchr(buf, '\0', n) != NULL || memchr(buf, '\n', n) != NULL) {
		p11_why(why, why_len, "PIN file %s: more than one line, or a NUL byte", path);
		return GW_E_INVAL;
	}
	*len = n;
	return 0;
}

int p11_pin_read(const char *path, uint8_t **pin, size_t *len, char *why, size_t why_len)
{
	uint8_t buf[P11_PIN_MAX + 3];
	size_t n = 0, map_len = 0;
	ssize_t got;
	int fd, r;

	*pin = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		p11_why(why, why_len, "PIN file %s: %s", path, strerror(errno));
		return errno == ENOENT ? GW_E_NOTFOUND : GW_E_IO;
	}
	if ((r = pin_check_file(fd, path, why, why_len)) != 0)
		goto out;
	while (n < sizeof(buf) && (got = read(fd, buf + n, sizeof(buf) - n)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			p11_why(why, why_len, "PIN file %s: %s", path, strerror(errno));
			r = GW_E_IO;
			goto out;
		}
		n += (size_t)got;
	}
	if ((r = pin_parse(buf, n, path, len, why, why_len)) != 0)
		goto out;
	if ((*pin = pin_page(&map_len)) == NULL) {
		r = GW_E_NOMEM;
		goto out;
	}
	memcpy(*pin, buf, *len);
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	close(fd);
	if (r != 0)
		*len = 0;
	return r;
}

void p11_pin_free(uint8_t *pin, size_t len)
{
	long pg = sysconf(_SC_PAGESIZE);

	if (pin == NULL)
		return;
	OPENSSL_cleanse(pin, len);
	munlock(pin, pg > 0 ? (size_t)pg : 4096);
	munmap(pin, pg > 0 ? (size_t)pg : 4096);
}

/* Loader for the strongSwan capture vectors (see vec.h). */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "runner.h"
#include "util/reader.h"
#include "vec.h"

#define VEC_ROOT "vectors/strongswan"

static void vec_abort(const char *what, const char *arg)
{
	fprintf(stderr, "vectors: %s: %s\n", what, arg);
	abort();
}

/* buf = a sep b; truncation means a broken vector tree. */
static void join(char *buf, size_t len, const char *a, const char *sep, const char *b)
{
	int n = snprintf(buf, len, "%s%s%s", a, sep, b);

	if (n < 0 || (size_t)n >= len)
		vec_abort("path or name too long", a);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

size_t vec_scn_list(char names[][VEC_NAME_MAX], size_t max)
{
	char root[1024], sub[1300], path[1400];
	struct dirent *de;
	struct stat st;
	size_t n = 0;
	DIR *d;

	join(root, sizeof(root), ut_path(VEC_ROOT), "", "");
	if (!(d = opendir(root)))
		vec_abort("cannot open", root);
	while ((de = readdir(d)) && n < max) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= VEC_NAME_MAX)
			continue;
		join(sub, sizeof(sub), root, "/", de->d_name);
		join(path, sizeof(path), sub, "/", "keys.txt");
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			join(names[n++], VEC_NAME_MAX, de->d_name, "", "");
	}
	closedir(d);
	qsort(names, n, VEC_NAME_MAX, cmp_names);
	return n;
}

static char *trim(char *p)
{
	char *e;

	while (isspace((unsigned char)*p))
		p++;
	e = p + strlen(p);
	while (e > p && isspace((unsigned char)e[-1]))
		*--e = 0;
	return p;
}

static void load_keys(struct vec_scn *s)
{
	char path[1100], *text, *line, *save = NULL;
	size_t len;

	join(path, sizeof(path), s->s_dir, "/", "keys.txt");
	text = (char *)ut_read_file(path, &len);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq, *name;
		struct vec_kv *kv;

		line = trim(line);
		if (!*line || *line == '#')
			continue;
		if (!(eq = strchr(line, '=')))
			vec_abort("line without '=' in keys.txt", line);
		*eq = 0;
		name = trim(line);
		kv = realloc(s->s_kv, (s->s_nkv + 1) * sizeof(*kv));
		if (!kv)
			vec_abort("out of memory", path);
		s->s_kv = kv;
		kv[s->s_nkv].kv_name = strdup(name);
		kv[s->s_nkv].kv_val = strdup(trim(eq + 1));
		if (!kv[s->s_nkv].kv_name || !kv[s->s_nkv].kv_val)
			vec_abort("out of memory", path);
		s->s_nkv++;
	}
	free(text);
}

static int is_bin(const struct dirent *de)
{
	size_t n = strlen(de->d_name);

	return n > 4 && strcmp(de->d_name + n - 4, ".bin") == 0;
}

static void load_msgs(struct vec_scn *s)
{
	struct dirent **list;
	char path[1200];
	int n = scandir(s->s_dir, &list, is_bin, alphasort);

	if (n < 0)
		vec_abort("cannot list", s->s_dir);
	if ((size_t)n > VEC_MAX_MSGS)
		vec_abort("too many messages in", s->s_dir);
	for (int i = 0; i < n; i++) {
		struct vec_msg *m = &s->s_msg[s->s_nmsg++];

		join(m->vm_name, sizeof(m->vm_name), list[i]->d_name, "", "");
		join(path, sizeof(path), s->s_dir, "/", list[i]->d_name);
		m->vm_buf = ut_read_file(path, &m->vm_len);
		free(list[i]);
	}
	free(list);
}

/* A comma-separated list of payload types ("none": empty). */
static size_t parse_types(char *list, uint8_t *out, size_t max)
{
	char *tok, *save = NULL;
	size_t n = 0;

	if (strcmp(list, "none") == 0)
		return 0;
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == max)
			vec_abort("too many payloads in messages.txt", list);
		out[n++] = (uint8_t)strtoul(tok, NULL, 10);
	}
	return n;
}

/* messages.txt: "file time src dst exchange flags msgid length marker
 * outer inner" (README.md) */
static void index_line(struct vec_scn *s, char *line)
{
	char *tok[11], *save = NULL;
	struct vec_msg *m = NULL;
	size_t n = 0;

	for (char *t = strtok_r(line, " ", &save); t && n < 11; t = strtok_r(NULL, " ", &save))
		tok[n++] = t;
	if (n != 11)
		vec_abort("messages.txt line without 11 fields", line);
	for (size_t i = 0; i < s->s_nmsg; i++)
		if (strcmp(tok[0], s->s_msg[i].vm_name) == 0)
			m = &s->s_msg[i];
	if (!m)
		vec_abort("messages.txt names an unknown file", tok[0]);
	m->vm_nouter = parse_types(tok[9], m->vm_outer, VEC_MAX_MSGS);
	m->vm_has_inner = strcmp(tok[10], "-") != 0;
	if (m->vm_has_inner)
		m->vm_ninner = parse_types(tok[10], m->vm_inner, VEC_MAX_MSGS);
}

static void load_index(struct vec_scn *s)
{
	char path[1100], *text, *line, *save = NULL;
	size_t len;

	join(path, sizeof(path), s->s_dir, "/", "messages.txt");
	text = (char *)ut_read_file(path, &len);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (*line != '#')
			index_line(s, line);
	free(text);
}

struct vec_scn *vec_scn_load(const char *name)
{
	struct vec_scn *s = calloc(1, sizeof(*s));

	if (!s)
		vec_abort("out of memory", name);
	join(s->s_name, sizeof(s->s_name), name, "", "");
	join(s->s_dir, sizeof(s->s_dir), ut_path(VEC_ROOT), "/", name);
	load_keys(s);
	load_msgs(s);
	load_index(s);
	return s;
}

void vec_scn_free(struct vec_scn *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->s_nkv; i++) {
		free(s->s_kv[i].kv_name);
		free(s->s_kv[i].kv_val);
	}
	free(s->s_kv);
	for (size_t i = 0; i < s->s_nmsg; i++)
		free(s->s_msg[i].vm_buf);
	free(s);
}

const char *vec_get(const struct vec_scn *s, const char *name)
{
	for (size_t i = 0; i < s->s_nkv; i++)
		if (strcmp(s->s_kv[i].kv_name, name) == 0)
			return s->s_kv[i].kv_val;
	return NULL;
}

bool vec_has(const struct vec_scn *s, const char *name)
{
	return vec_get(s, name) != NULL;
}

static const char *vec_need(const struct vec_scn *s, const char *name)
{
	const char *v = vec_get(s, name);

	if (!v)
		vec_abort(s->s_name, name);
	return v;
}

size_t vec_hex(const struct vec_scn *s, const char *name, uint8_t *out, size_t max)
{
	return ut_hex(vec_need(s, name), out, max);
}

struct secret *vec_secret(const struct vec_scn *s, const char *name)
{
	const char *v = vec_need(s, name);
	size_t max = strlen(v) / 2 + 1;
	struct secret *sec;
	uint8_t *tmp = malloc(max);
	size_t n;

	if (!tmp)
		vec_abort("out of memory", name);
	n = ut_hex(v, tmp, max);
	sec = secret_dup(tmp, n);
	free(tmp);
	if (!sec)
		vec_abort("secret_dup failed for", name);
	return sec;
}

unsigned long vec_num(const struct vec_scn *s, const char *name)
{
	const char *v = vec_need(s, name);
	char *end;
	unsigned long n = strtoul(v, &end, 10);

	if (!*v || *end)
		vec_abort("not a number", name);
	return n;
}

uint64_t vec_spi(const struct vec_scn *s, const char *name)
{
	uint8_t b[8];
	uint64_t v = 0;

	if (vec_hex(s, name, b, sizeof(b)) != sizeof(b))
		vec_abort("SPI is not 8 bytes", name);
	for (size_t i = 0; i < sizeof(b); i++)
		v = v << 8 | b[i];
	return v;
}

const char *vec_sa_key(unsigned n, const char *field, char *buf, size_t len)
{
	static const char *const xf[] = { "encr", "encr_keylen", "integ", "prf", "dh", NULL };
	bool is_xf = false;

	for (size_t i = 0; xf[i]; i++)
		is_xf = is_xf || strcmp(field, xf[i]) == 0;
	if (n >= 2)
		snprintf(buf, len, "ike%u_%s", n, field);
	else
		snprintf(buf, len, "%s%s", is_xf ? "ike_" : "", field);
	return buf;
}

bool vec_sa_get(const struct vec_scn *s, unsigned n, struct vec_sa *sa)
{
	char k[64];

	if (!vec_has(s, vec_sa_key(n, "spi_i", k, sizeof(k))))
		return false;
	sa->sa_n = n;
	sa->sa_spi_i = vec_spi(s, vec_sa_key(n, "spi_i", k, sizeof(k)));
	sa->sa_spi_r = vec_spi(s, vec_sa_key(n, "spi_r", k, sizeof(k)));
	sa->sa_suite.s_encr = (uint16_t)vec_num(s, vec_sa_key(n, "encr", k, sizeof(k)));
	sa->sa_suite.s_encr_keylen =
		(uint16_t)vec_num(s, vec_sa_key(n, "encr_keylen", k, sizeof(k)));
	sa->sa_suite.s_integ = (uint16_t)vec_num(s, vec_sa_key(n, "integ", k, sizeof(k)));
	sa->sa_suite.s_prf = (uint16_t)vec_num(s, vec_sa_key(n, "prf", k, sizeof(k)));
	sa->sa_suite.s_ke = (uint16_t)vec_num(s, vec_sa_key(n, "dh", k, sizeof(k)));
	return true;
}

bool vec_sa_of_msg(const struct vec_scn *s, const uint8_t *msg, size_t len, struct vec_sa *sa)
{
	struct reader rd;
	uint64_t spi_i, spi_r;

	rd_init(&rd, msg, len);
	spi_i = rd_u64(&rd);
	spi_r = rd_u64(&rd);
	if (!rd_ok(&rd))
		return false;
	for (unsigned n = 1; vec_sa_get(s, n, sa); n++)
		if (sa->sa_spi_i == spi_i && sa->sa_spi_r == spi_r)
			return true;
	return false;
}

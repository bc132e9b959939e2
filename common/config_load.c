/* SPDX-License-Identifier: MIT */
/*
 * Reading cordon.conf with inih. inih splits "key = value" and tracks the
 * section; our line reader in front of it does the rest, so that the
 * result does not depend on how inih was built:
 *   - counts lines, so every message names FILE:LINE;
 *   - caps line length and rejects control characters;
 *   - strips comments: a line whose first non-blank is ';' or '#', and
 *     from a ';' or '#' that follows a blank to the end of the line;
 *   - drops leading blanks, which turns off inih's multi-line values (an
 *     indented line is a key of its own, not a continuation);
 *   - checks section names, which inih would silently truncate and
 *     reports to the handler only once a key follows.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_impl.h"

/*
 * Debian's libinih sizes its line buffer at run time from ini_max_line
 * (upstream fixes it at build time). Weak so that another inih still
 * links; there, lines longer than its buffer are reported as too long.
 */
#pragma weak ini_max_line
extern int ini_max_line;

struct load_ctx {
	struct cordon_config *c;
	const char *name;       /* file name for messages */
	const char *p, *end;    /* what is left to read */
	unsigned line;          /* current line, 1-based */
	unsigned *seen;         /* per option: first line that set it */
	unsigned *last;         /* per option: last line that set it */
	int rc;                 /* first error, 0 if none */
	unsigned err_line;
	char *err;
	size_t errlen;
};

static void ctx_fail(struct load_ctx *x, int rc, const char *fmt, ...) __printf(3, 4);
static void ctx_fail(struct load_ctx *x, int rc, const char *fmt, ...)
{
	char msg[ERRLEN];
	va_list ap;

	if (x->rc)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	x->rc = rc;
	x->err_line = x->line;
	util_err(x->err, x->errlen, "%s:%u: %s", x->name, x->line, msg);
}

/* Optimal string alignment distance, case-insensitive; short words only. */
UNITTEST_STATIC unsigned config_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	unsigned d[33][33];

	if (n > 32 || m > 32)
		return 99;
	for (size_t i = 0; i <= n; i++)
		d[i][0] = (unsigned)i;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= n; i++) {
		for (size_t j = 1; j <= m; j++) {
			unsigned cost = tolower((unsigned char)a[i - 1]) !=
					tolower((unsigned char)b[j - 1]);
			unsigned v = d[i - 1][j] + 1;

			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 &&
			    tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == tolower((unsigned char)b[j - 1]) &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[n][m];
}

#define SUGGEST_MAX 2

static const char *suggest_section(const char *s)
{
	const char *best = NULL;
	unsigned bd = SUGGEST_MAX + 1;

	for (size_t i = 0; config_sections[i]; i++) {
		unsigned d = config_distance(s, config_sections[i]);

		if (d < bd)
			bd = d, best = config_sections[i];
	}
	return best;
}

/* Closest key in this section, else in any other. */
static const struct config_opt *suggest_key(const char *section, const char *key)
{
	const struct config_opt *best = NULL;
	unsigned bd = SUGGEST_MAX + 1;

	for (int pass = 0; pass < 2 && !best; pass++) {
		for (size_t i = 0; i < config_nopts; i++) {
			const struct config_opt *o = &config_opts[i];
			unsigned d;

			if (!strcmp(o->section, section) != !pass)
				continue;
			d = config_distance(key, o->key);
			if (d < bd)
				bd = d, best = o;
		}
	}
	return best;
}

static bool known_section(const char *s, size_t n)
{
	for (size_t i = 0; config_sections[i]; i++)
		if (strlen(config_sections[i]) == n &&
		    !strncmp(config_sections[i], s, n))
			return true;
	return false;
}

/* "[name]" with nothing after it but blanks. */
static void check_section_line(struct load_ctx *x, const char *s, size_t len)
{
	const char *close = memchr(s, ']', len), *hint;
	char name[40];
	size_t n;

	if (!close) {
		ctx_fail(x, -EINVAL, "'[' without a closing ']'");
		return;
	}
	for (const char *t = close + 1; t < s + len; t++) {
		if (*t != ' ' && *t != '\t') {
			ctx_fail(x, -EINVAL, "text after the section's ']'");
			return;
		}
	}
	n = (size_t)(close - s - 1);
	if (known_section(s + 1, n))
		return;
	snprintf(name, sizeof(name), "%.*s", (int)(n < 32 ? n : 32), s + 1);
	hint = suggest_section(name);
	if (hint)
		ctx_fail(x, -EINVAL, "unknown section [%s%s] (did you mean [%s]?)",
			 name, n > 32 ? "..." : "", hint);
	else
		ctx_fail(x, -EINVAL, "unknown section [%s%s]", name,
			 n > 32 ? "..." : "");
}

/* inih's ini_reader: one cleaned-up line per call, NULL at the end. */
static char *read_line(char *str, int num, void *stream)
{
	struct load_ctx *x = stream;
	const char *s, *nl;
	size_t len;

	if (x->rc || x->p >= x->end)
		return NULL;
	s = x->p;
	nl = memchr(s, '\n', (size_t)(x->end - s));
	len = nl ? (size_t)(nl - s) : (size_t)(x->end - s);
	x->p = nl ? nl + 1 : x->end;
	x->line++;
	if (len && s[len - 1] == '\r')
		len--;
	if (x->line == 1 && len >= 3 && !memcmp(s, "\xef\xbb\xbf", 3))
		s += 3, len -= 3;
	str[0] = '\0';
	if (len > CONFIG_MAX_LINE || len + 1 > (size_t)num) {
		ctx_fail(x, -EFBIG, "line is longer than %d bytes",
			 len > CONFIG_MAX_LINE ? CONFIG_MAX_LINE : num - 1);
		return str;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
			ctx_fail(x, -EINVAL, "control character 0x%02x", ch);
			return str;
		}
	}
	while (len && (*s == ' ' || *s == '\t'))
		s++, len--;
	if (len && (*s == ';' || *s == '#'))
		return str;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] == ';' || s[i] == '#') &&
		    (s[i - 1] == ' ' || s[i - 1] == '\t')) {
			len = i;
			break;
		}
	}
	if (len && *s == '[')
		check_section_line(x, s, len);
	memcpy(str, s, len);
	str[len] = '\0';
	return str;
}

/* inih's handler: 1 to go on, 0 for an error (already in x). */
static int on_value(void *user, const char *section, const char *key,
		    const char *value)
{
	struct load_ctx *x = user;
	const struct config_opt *o, *hint;
	char why[ERRLEN];
	int i, rc;

	if (x->rc)
		return 0;
	if (!*section) {
		ctx_fail(x, -EINVAL, "'%.40s' is outside any section", key);
		return 0;
	}
	if (!*key) {
		ctx_fail(x, -EINVAL, "[%s] no key before '='", section);
		return 0;
	}
	i = config_find(section, key);
	if (i < 0) {
		hint = suggest_key(section, key);
		if (!hint)
			ctx_fail(x, -EINVAL, "[%s] %.40s: unknown key", section, key);
		else if (!strcmp(hint->section, section))
			ctx_fail(x, -EINVAL,
				 "[%s] %.40s: unknown key (did you mean '%s'?)",
				 section, key, hint->key);
		else
			ctx_fail(x, -EINVAL,
				 "[%s] %.40s: unknown key (did you mean [%s] %s?)",
				 section, key, hint->section, hint->key);
		return 0;
	}
	o = &config_opts[i];
	if (!value) {
		ctx_fail(x, -EINVAL, "[%s] %s: no value", section, key);
		return 0;
	}
	if (x->seen[i] && !(o->flags & CF_REPEAT)) {
		ctx_fail(x, -EINVAL, "[%s] %s: set again (first set on line %u)",
			 section, key, x->seen[i]);
		return 0;
	}
	rc = config_opt_set(x->c, o, value, !x->seen[i], why, sizeof(why));
	if (!x->seen[i])
		x->seen[i] = x->line;
	x->last[i] = x->line;
	if (rc) {
		ctx_fail(x, rc, "[%s] %s: %s", section, key, why);
		return 0;
	}
	return 1;
}

static void cross_check(struct load_ctx *x)
{
	char why[ERRLEN];
	int other = -1, i = config_cross_check(x->c, &other, why, sizeof(why));
	const struct config_opt *o;

	if (i < 0)
		return;
	o = &config_opts[i];
	/* Blame the later of the two lines: that is where the clash shows. */
	x->line = x->last[i];
	if (other >= 0 && x->last[other] > x->line)
		x->line = x->last[other];
	if (!x->line) {
		x->rc = -EINVAL;
		util_err(x->err, x->errlen, "%s: [%s] %s: %s", x->name,
			 o->section, o->key, why);
		return;
	}
	ctx_fail(x, -EINVAL, "[%s] %s: %s", o->section, o->key, why);
}

int config_load_mem(struct cordon_config *c, const char *name, const char *buf,
		    size_t len, char *err, size_t errlen)
{
	struct load_ctx x = {
		.c = c, .name = name, .p = buf, .end = buf + len,
		.err = err, .errlen = errlen,
	};
	int rc, line;

	rc = config_defaults(c);
	if (rc) {
		util_err(err, errlen, "%s: out of memory", name);
		return rc;
	}
	if (len > CONFIG_MAX_FILE) {
		util_err(err, errlen, "%s: larger than %u bytes", name,
			 CONFIG_MAX_FILE);
		rc = -EFBIG;
		goto out;
	}
	x.seen = calloc(2 * config_nopts, sizeof(*x.seen));
	x.last = x.seen ? x.seen + config_nopts : NULL;
	if (!x.seen) {
		util_err(err, errlen, "%s: out of memory", name);
		rc = -ENOMEM;
		goto out;
	}
	if (&ini_max_line && ini_max_line < CONFIG_MAX_LINE + 3)
		ini_max_line = CONFIG_MAX_LINE + 3;
	line = ini_parse_stream(read_line, &x, on_value, &x);
	/* inih returns the first bad line; ours may be a later one. */
	if (line > 0 && (!x.rc || (unsigned)line < x.err_line)) {
		x.rc = 0;
		x.line = (unsigned)line;
		ctx_fail(&x, -EINVAL, "expected '[section]' or 'key = value'");
	} else if (line < 0 && !x.rc) {
		x.rc = -ENOMEM;
		util_err(err, errlen, "%s: out of memory", name);
	}
	if (!x.rc)
		cross_check(&x);
	rc = x.rc;
out:
	free(x.seen);
	if (rc)
		config_free(c);
	return rc;
}

int config_load(struct cordon_config *c, const char *path, bool must_exist,
		char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	struct stat st;
	int fd, rc = 0;
	ssize_t r;

	memset(c, 0, sizeof(*c));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		rc = -errno;
		if (rc == -ENOENT && !must_exist)
			rc = config_defaults(c);
		if (rc)
			util_err(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	/* The daemon runs as root: a file anyone may change is refused. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & S_IWOTH)) {
		util_err(err, errlen, "%s: writable by everyone (chmod o-w)", path);
		rc = -EPERM;
		goto out;
	}
	buf = malloc(CONFIG_MAX_FILE + 1);
	if (!buf) {
		util_err(err, errlen, "%s: out of memory", path);
		rc = -ENOMEM;
		goto out;
	}
	while (len <= CONFIG_MAX_FILE) {
		r = read(fd, buf + len, CONFIG_MAX_FILE + 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			util_err(err, errlen, "%s: %s", path, strerror(-rc));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len > CONFIG_MAX_FILE) {
		util_err(err, errlen, "%s: larger than %u bytes", path,
			 CONFIG_MAX_FILE);
		rc = -EFBIG;
		goto out;
	}
	rc = config_load_mem(c, path, buf, len, err, errlen);
out:
	free(buf);
	close(fd);
	return rc;
}

/* SPDX-License-Identifier: MIT */
/*
 * The shared credentials and config files: INI as the AWS CLI reads it.
 * Written by hand (not inih) because it parses from memory, so that it
 * can be fuzzed, and because values must never be echoed in messages.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "aws_creds.h"
#include "buf.h"
#include "log.h"

#define PROFILE_MAX_FILE (1024 * 1024)
#define PROFILE_MAX_LINE 8192

static void trim(const char **s, size_t *n)
{
	while (*n && isspace((unsigned char)**s))
		(*s)++, (*n)--;
	while (*n && isspace((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

static bool eq(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && !memcmp(s, lit, n);
}

/* Does section header text [s,n) name profile `name`? */
static bool section_is(const char *s, size_t n, const char *name, bool config_file)
{
	if (config_file && n > 8 && !memcmp(s, "profile", 7) && isspace((unsigned char)s[7])) {
		s += 8, n -= 8;
		trim(&s, &n);
		return eq(s, n, name);
	}
	/* In the config file only [default] is written without "profile". */
	if (config_file && strcmp(name, "default"))
		return false;
	return eq(s, n, name);
}

static int set_value(char *dst, size_t dstlen, const char *v, size_t n)
{
	if (n >= dstlen)
		return -EFBIG;
	memcpy(dst, v, n);
	dst[n] = '\0';
	return 0;
}

int aws_profile_parse(const char *file, const char *buf, size_t len, const char *name,
		      bool config_file, struct aws_profile *out, char *err, size_t errlen)
{
	const char *p = buf, *end = buf + len;
	bool in = false, found = false;
	unsigned line = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *s = p, *raw = p, *eqs;
		size_t n = (size_t)((nl ? nl : end) - p), kn, vn;
		const char *k, *v;
		int ret = 0;

		p = nl ? nl + 1 : end;
		line++;
		if (n > PROFILE_MAX_LINE)
			return util_err(err, errlen, "%s:%u: line too long", file, line);
		if (memchr(s, '\0', n))
			return util_err(err, errlen, "%s:%u: NUL byte", file, line);
		trim(&s, &n);
		if (!n || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			if (s[n - 1] != ']')
				return util_err(err, errlen, "%s:%u: unterminated section header", file, line);
			s++, n -= 2;
			trim(&s, &n);
			in = section_is(s, n, name, config_file);
			found |= in;
			continue;
		}
		eqs = memchr(s, '=', n);
		if (!eqs) {
			/* A nested value's continuation line ("  key = v" under
			 * "s3 =") is indented and belongs to the key above. */
			if (isspace((unsigned char)raw[0]))
				continue;
			return util_err(err, errlen, "%s:%u: expected key = value", file, line);
		}
		if (!in)
			continue;
		k = s;
		kn = (size_t)(eqs - s);
		v = eqs + 1;
		vn = n - kn - 1;
		trim(&k, &kn);
		trim(&v, &vn);
		if (eq(k, kn, "aws_access_key_id"))
			ret = set_value(out->creds.akid, sizeof(out->creds.akid), v, vn);
		else if (eq(k, kn, "aws_secret_access_key"))
			ret = set_value(out->creds.secret, sizeof(out->creds.secret), v, vn);
		else if (eq(k, kn, "aws_session_token"))
			ret = set_value(out->creds.token, sizeof(out->creds.token), v, vn);
		else if (eq(k, kn, "region"))
			ret = set_value(out->region, sizeof(out->region), v, vn);
		/* The value itself is never quoted back: it may be a secret. */
		if (ret)
			return util_err(err, errlen, "%s:%u: value of '%.*s' too long", file,
					line, (int)(kn > 40 ? 40 : kn), k);
	}
	out->has_creds = out->creds.akid[0] && out->creds.secret[0];
	return found ? 0 : -ENOENT;
}

/* Read a whole small file; -ENOENT when it does not exist. */
static int read_file(const char *path, struct buf *b, char *err, size_t errlen)
{
	char chunk[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = 0;
	ssize_t n;

	if (fd < 0) {
		int e = errno;

		if (e != ENOENT)
			util_err(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) > 0 && !ret)
		ret = buf_add(b, chunk, (size_t)n);
	if (n < 0)
		ret = util_err(err, errlen, "%s: %s", path, strerror(errno));
	else if (ret)
		ret = util_err(err, errlen, "%s: larger than %d bytes", path, PROFILE_MAX_FILE);
	OPENSSL_cleanse(chunk, sizeof(chunk));
	close(fd);
	return ret;
}

static int load_one(const char *env, const char *dflt, const char *name, bool config,
		    struct aws_profile *out, char *err, size_t errlen)
{
	const char *home = getenv("HOME"), *path = getenv(env);
	char def[512];
	struct buf b;
	int ret;

	bool dflt_path = false;

	if (!path || !*path) {
		if (!home)
			return -ENOENT;
		snprintf(def, sizeof(def), "%s/%s", home, dflt);
		path = def;
		dflt_path = true;
	}
	buf_init(&b, PROFILE_MAX_FILE);
	ret = read_file(path, &b, err, errlen);
	/*
	 * As the SDKs do: a default file we may not read (HOME=/root after
	 * the agent dropped to its own user) counts as absent, so the chain
	 * goes on to IMDS. A file named by the environment must be readable.
	 */
	if (dflt_path && (ret == -EACCES || ret == -EPERM)) {
		static bool warned;

		if (!warned)
			log_warnx("%s: not readable by uid %u, skipped: %s", path,
				  (unsigned)getuid(), strerror(-ret));
		warned = true;
		ret = -ENOENT;
	}
	if (!ret)
		ret = aws_profile_parse(path, buf_str(&b), b.len, name, config, out, err, errlen);
	buf_free_secure(&b);
	return ret;
}

int aws_profile_load(struct aws_profile *out, char *err, size_t errlen)
{
	const char *name = getenv("AWS_PROFILE");
	struct aws_profile cfg;
	int ret;

	if (!name || !*name)
		name = "default";
	memset(out, 0, sizeof(*out));
	memset(&cfg, 0, sizeof(cfg));
	ret = load_one("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials", name, false,
		       out, err, errlen);
	if (ret && ret != -ENOENT)
		goto out;
	ret = load_one("AWS_CONFIG_FILE", ".aws/config", name, true, &cfg, err, errlen);
	if (ret && ret != -ENOENT)
		goto out;
	/* The credentials file wins; the config file may hold keys too. */
	if (!out->has_creds && cfg.has_creds) {
		out->creds = cfg.creds;
		out->has_creds = true;
	}
	if (!out->region[0])
		util_strlcpy(out->region, cfg.region, sizeof(out->region));
	if (out->has_creds)
		snprintf(out->creds.source, sizeof(out->creds.source), "profile %.20s", name);
	ret = out->has_creds ? 0 : -ENOENT;
out:
	OPENSSL_cleanse(&cfg, sizeof(cfg));
	return ret;
}

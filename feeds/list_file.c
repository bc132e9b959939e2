/* SPDX-License-Identifier: MIT */
/*
 * Reading a list from a local file with a size cap. A regular file is
 * mapped at its size when opened. Read otherwise: st_size is then only a
 * hint (the file may grow while we read, and pipes or /dev/stdin have no
 * size at all), so the cap is enforced on the bytes actually read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "list_impl.h"

#define READ_CHUNK ((size_t)64 << 10)

static int read_error(const char *path, int e, char *err, size_t errlen)
{
	util_err(err, errlen, "%s: %s", path, strerror(e));
	return -e;
}

int lst_read_file(const char *path, size_t cap, char **out, size_t *outlen,
		  bool *mapped, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, bcap;
	int fd, rc;

	*out = NULL;
	*outlen = 0;
	if (mapped)
		*mapped = false;
	if (cap > SIZE_MAX / 2)
		cap = SIZE_MAX / 2;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return read_error(path, errno, err, errlen);
	if (fstat(fd, &st)) {
		rc = read_error(path, errno, err, errlen);
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = read_error(path, EISDIR, err, errlen);
		goto out;
	}
	if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > cap) {
		util_err(err, errlen, "%s: %jd bytes is over the %zu-byte list size cap",
			 path, (intmax_t)st.st_size, cap);
		rc = -EFBIG;
		goto out;
	}
	/*
	 * A regular file within the cap is mapped from this same descriptor
	 * (opened once: a FIFO opened twice loses its writer's data): a 20 MB
	 * list is then neither copied nor written into fresh pages first. A
	 * mapped file truncated while it is parsed kills the parser (SIGBUS),
	 * so only a file no one else can write is mapped (cordon's own copies
	 * are only ever replaced by rename); any other is read, where a
	 * truncation is only a shorter list. A map that fails is read.
	 */
	if (mapped && S_ISREG(st.st_mode) && st.st_size > 0 && fileio_private(&st)) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE,
			       fd, 0);

		if (m != MAP_FAILED) {
			*out = m;
			*outlen = (size_t)st.st_size;
			*mapped = true;
			rc = 0;
			goto out;
		}
	}
	/* One read past the expected end tells us we really reached it. */
	bcap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 1 : READ_CHUNK;
	if (bcap > cap + 1)
		bcap = cap + 1;
	for (;;) {
		ssize_t r;

		if (len == bcap) {
			size_t ncap = bcap * 2;
			char *nb;

			if (len > cap)
				break;
			if (ncap > cap + 1)
				ncap = cap + 1;
			nb = realloc(buf, ncap);
			if (!nb) {
				rc = read_error(path, ENOMEM, err, errlen);
				goto out;
			}
			buf = nb;
			bcap = ncap;
		} else if (!buf) {
			buf = malloc(bcap);
			if (!buf) {
				rc = read_error(path, ENOMEM, err, errlen);
				goto out;
			}
		}
		r = read(fd, buf + len, bcap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = read_error(path, errno, err, errlen);
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len > cap) {
		util_err(err, errlen, "%s: more than %zu bytes (the list size cap)", path, cap);
		rc = -EFBIG;
		goto out;
	}
	*out = buf;
	*outlen = len;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	close(fd);
	return rc;
}

int list_load_file(const struct list_spec *spec, const struct list_limits *lim,
		   struct list **out, char *err, size_t errlen)
{
	struct list_limits dflt;
	bool mapped;
	char *buf;
	size_t len;
	int rc;

	*out = NULL;
	if (!lim) {
		list_limits_default(&dflt);
		lim = &dflt;
	}
	if (list_location_is_remote(spec->location))
		return util_err(err, errlen,
				"%s: not a local file; remote lists are fetched first (lists sync)",
				spec->location);
	rc = lst_read_file(spec->location, lim->max_bytes, &buf, &len, &mapped, err, errlen);
	if (rc)
		return rc;
	rc = list_parse(spec->location, spec->fmt, spec->kind, buf, len, lim, out,
			err, errlen);
	if (mapped)
		munmap(buf, len);
	else
		free(buf);
	return rc;
}

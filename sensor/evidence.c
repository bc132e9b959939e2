/* SPDX-License-Identifier: MIT */
/*
 * The evidence directory of an incident and its manifest: every file's
 * size and SHA-256, written last, so that a file changed, added or cut
 * short afterwards shows (evidence_manifest_verify).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "evidence.h"
#include "fileio.h"

#define MANIFEST_MAX (4u << 20)

int evidence_file_create(const char *path)
{
	/* Neither the file nor its directory through a symlink (fileio.h). */
	return fileio_open_path(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
}

static bool id_ok(const char *s)
{
	if (!*s || *s == '.' || strlen(s) >= EVID_ID_LEN)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return false;
	return true;
}

/* name under parent: made 0700 or, if it exists, a real directory of ours. */
static int subdir(int parent, const char *name, int *out)
{
	bool made = fileio_exists(parent, name) == -ENOENT;
	struct stat st;
	int fd;

	fd = fileio_subdir(parent, name, 0700);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid()) {
		close(fd);
		return -EPERM;
	}
	if ((st.st_mode & 07777) != 0700 && fchmod(fd, 0700) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	if (made)
		fsync(parent); /* the new name must survive a crash */
	*out = fd;
	return 0;
}

int evidence_dir_create(const char *state_dir, const char *incident_id,
		    char *path, size_t pathlen, char *err, size_t errlen)
{
	int sfd = -1, efd = -1, ifd = -1, rc;

	if (!id_ok(incident_id))
		return util_err(err, errlen, "incident id '%s': want [A-Za-z0-9._-], "
				"no leading dot, under %d bytes", incident_id,
				EVID_ID_LEN);
	if (snprintf(path, pathlen, "%s/evidence/%s", state_dir, incident_id) >=
	    (int)pathlen)
		return util_err(err, errlen, "state directory %s: name too long",
				state_dir);
	sfd = fileio_dir_open(state_dir, 0700);
	if (sfd < 0) {
		rc = sfd;
		goto out;
	}
	rc = subdir(sfd, "evidence", &efd);
	if (!rc)
		rc = subdir(efd, incident_id, &ifd);
out:
	if (rc)
		util_err(err, errlen, "%s: %s", path,
			 rc == -ELOOP ? "a symlink or not a directory, refused" :
			 rc == -EPERM ? "not owned by us, refused" : strerror(-rc));
	if (ifd >= 0)
		close(ifd);
	if (efd >= 0)
		close(efd);
	if (sfd >= 0)
		close(sfd);
	return rc;
}

/*
 * Size and SHA-256 (hex) of name in dirfd, read through O_NOFOLLOW; with
 * sync, fsync'ed first, so that a manifest never lists bytes a crash
 * could still take back (writers under seccomp can't fsync themselves).
 */
static int hash_file(int dirfd, const char *name, bool sync, uint64_t *size,
		     char hex[2 * 32 + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE], buf[64 * 1024];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned mdlen = 0;
	int fd, rc = 0;
	ssize_t n;

	if (!ctx)
		return -ENOMEM;
	fd = fileio_open(dirfd, name, O_RDONLY, 0);
	if (fd < 0) {
		EVP_MD_CTX_free(ctx);
		return fd;
	}
	*size = 0;
	if (sync && fsync(fd) < 0)
		rc = -errno;
	if (!rc && !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
		rc = -EIO;
	while (!rc && (n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = -errno;
		else if (!EVP_DigestUpdate(ctx, buf, (size_t)n))
			rc = -EIO;
		else
			*size += (uint64_t)n;
	}
	if (!rc && !EVP_DigestFinal_ex(ctx, md, &mdlen))
		rc = -EIO;
	for (unsigned i = 0; !rc && i < mdlen && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	close(fd);
	EVP_MD_CTX_free(ctx);
	return rc;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of dir that the manifest covers, sorted. */
static int list_files(int dirfd, char ***out, size_t *n)
{
	struct dirent *e;
	char **v = NULL;
	size_t cnt = 0;
	int fd, rc = 0;
	DIR *d;

	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	v = calloc(EVID_MAX_FILES, sizeof(*v));
	if (!v)
		rc = -ENOMEM;
	while (!rc && (e = readdir(d))) {
		struct stat st;

		if (e->d_name[0] == '.' || !strcmp(e->d_name, EVID_MANIFEST))
			continue;
		if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (cnt == EVID_MAX_FILES) {
			rc = -E2BIG;
			break;
		}
		v[cnt] = strdup(e->d_name);
		if (!v[cnt])
			rc = -ENOMEM;
		else
			cnt++;
	}
	closedir(d);
	if (rc) {
		for (size_t i = 0; i < cnt; i++)
			free(v[i]);
		free(v);
		return rc;
	}
	qsort(v, cnt, sizeof(*v), name_cmp);
	*out = v;
	*n = cnt;
	return 0;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

int evidence_manifest_write(const char *dir, char *err, size_t errlen)
{
	char at[UTIL_TIMESTAMP_LEN], hex[65], *text = NULL;
	cJSON *m = NULL, *files;
	char **names = NULL;
	size_t n = 0;
	int dfd, rc;

	dfd = fileio_dir_open(dir, 0);
	if (dfd < 0) {
		util_err(err, errlen, "%s: %s", dir, fileio_strerror(dfd));
		return dfd;
	}
	rc = list_files(dfd, &names, &n);
	if (rc) {
		util_err(err, errlen, "%s: %s", dir, rc == -E2BIG ?
			 "too many files" : strerror(-rc));
		goto out;
	}
	util_iso8601_ms(util_now_real_ns(), at);
	m = cJSON_CreateObject();
	files = m ? cJSON_AddArrayToObject(m, "files") : NULL;
	if (!files || !cJSON_AddStringToObject(m, "incident", util_basename(dir)) ||
	    !cJSON_AddStringToObject(m, "created", at)) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		cJSON *f = cJSON_CreateObject();
		uint64_t size;

		rc = hash_file(dfd, names[i], true, &size, hex);
		if (rc) {
			cJSON_Delete(f);
			util_err(err, errlen, "%s/%s: %s", dir, names[i], fileio_strerror(rc));
			goto out;
		}
		cJSON_AddStringToObject(f, "name", names[i]);
		cJSON_AddNumberToObject(f, "size", (double)size);
		cJSON_AddStringToObject(f, "sha256", hex);
		cJSON_AddItemToArray(files, f);
	}
	text = cJSON_Print(m);
	if (!text) {
		rc = -ENOMEM;
		goto out;
	}
	rc = fileio_replace(dfd, EVID_MANIFEST, text, strlen(text), 0600, 0);
	if (rc)
		util_err(err, errlen, "%s/" EVID_MANIFEST ": %s", dir, fileio_strerror(rc));
out:
	if (rc == -ENOMEM)
		util_err(err, errlen, "%s: out of memory", dir);
	free(text);
	cJSON_Delete(m);
	free_list(names, n);
	close(dfd);
	return rc;
}

static char *read_manifest(int dfd, int *rc)
{
	int fd = fileio_open(dfd, EVID_MANIFEST, O_RDONLY, 0);
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;

	if (fd < 0) {
		*rc = fd;
		return NULL;
	}
	buf = malloc(MANIFEST_MAX + 1);
	while (buf && len < MANIFEST_MAX &&
	       (n = read(fd, buf + len, MANIFEST_MAX - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (!buf) {
		*rc = -ENOMEM;
		return NULL;
	}
	buf[len] = '\0';
	*rc = 0;
	return buf;
}

int evidence_manifest_verify(const char *dir, char *err, size_t errlen)
{
	const cJSON *files, *f;
	char **names = NULL, *text = NULL, hex[65];
	size_t n = 0, listed = 0;
	cJSON *m = NULL;
	int dfd, rc;

	dfd = fileio_dir_open(dir, 0);
	if (dfd < 0) {
		util_err(err, errlen, "%s: %s", dir, fileio_strerror(dfd));
		return dfd;
	}
	text = read_manifest(dfd, &rc);
	if (!text) {
		util_err(err, errlen, "%s/" EVID_MANIFEST ": %s", dir, fileio_strerror(rc));
		goto out;
	}
	m = cJSON_Parse(text);
	files = cJSON_GetObjectItemCaseSensitive(m, "files");
	if (!cJSON_IsArray(files)) {
		rc = -EBADMSG;
		util_err(err, errlen, "%s/" EVID_MANIFEST ": not a manifest", dir);
		goto out;
	}
	cJSON_ArrayForEach(f, files) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(f, "name");
		const cJSON *size = cJSON_GetObjectItemCaseSensitive(f, "size");
		const cJSON *sha = cJSON_GetObjectItemCaseSensitive(f, "sha256");
		uint64_t got;

		if (!cJSON_IsString(name) || !cJSON_IsNumber(size) ||
		    !cJSON_IsString(sha) || strchr(name->valuestring, '/') ||
		    name->valuestring[0] == '.') {
			rc = -EBADMSG;
			util_err(err, errlen, "%s/" EVID_MANIFEST ": bad entry", dir);
			goto out;
		}
		listed++;
		rc = hash_file(dfd, name->valuestring, false, &got, hex);
		if (rc || got != (uint64_t)size->valuedouble ||
		    strcmp(hex, sha->valuestring)) {
			util_err(err, errlen, "%s/%s: %s", dir, name->valuestring,
				 rc ? fileio_strerror(rc) : got != (uint64_t)size->valuedouble ?
				 "size differs from the manifest" :
				 "SHA-256 differs from the manifest");
			rc = -EBADMSG;
			goto out;
		}
	}
	/* and nothing was added after it */
	rc = list_files(dfd, &names, &n);
	if (!rc && n != listed) {
		rc = -EBADMSG;
		util_err(err, errlen, "%s: %zu files, the manifest lists %zu", dir,
			 n, listed);
	}
out:
	free_list(names, n);
	cJSON_Delete(m);
	free(text);
	close(dfd);
	return rc;
}

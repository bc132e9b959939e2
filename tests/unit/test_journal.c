/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "journal_impl.h"
#include "tmpdir_testlib.h"

struct fx {
	char dir[64];
	char path[PATH_MAX];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || tmpdir_new(f->dir, sizeof(f->dir), "/tmp/cordon-jrnl.XXXXXX"))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/" JOURNAL_FILE, f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (tmpdir_remove(f->dir))
		return -1;
	free(f);
	return 0;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	long n;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

static void spit(const char *path, const uint8_t *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CREAT, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

static off_t fsize(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

static cJSON *params_groups(const char *g1, const char *g2)
{
	cJSON *p = cJSON_CreateObject(), *a = cJSON_AddArrayToObject(p, "groups");

	cJSON_AddItemToArray(a, cJSON_CreateString(g1));
	if (g2)
		cJSON_AddItemToArray(a, cJSON_CreateString(g2));
	return p;
}

static struct journal *jopen(struct fx *f, struct journal_state *st)
{
	struct journal *j = NULL;
	char err[ERRLEN] = "";
	int rc = journal_open(f->dir, 0, st, &j, err, sizeof(err));

	if (rc)
		fail_msg("journal_open: %d %s", rc, err);
	return j;
}

static void test_round_trip(void **state)
{
	struct fx *f = *state;
	struct journal_state st, st2;
	const struct journal_incident *inc;
	const struct journal_action *a;
	const char *finding = "{\"id\":\"abc\",\"severity\":8}";
	cJSON *p = params_groups("sg-0aaa", "sg-0bbb");
	cJSON *res = cJSON_Parse("{\"ok\":true}");
	struct journal *j = jopen(f, &st);
	char err[ERRLEN];

	assert_int_equal(st.scan.records, 0);
	assert_int_equal(journal_incident_open(j, "inc-1", "threat 203.0.113.7", finding), 0);
	assert_int_equal(journal_incident_status(j, "inc-1", "isolating"), 0);
	assert_int_equal(journal_action_intent(j, "inc-1", "ec2_modify_eni", "eni-0abc", p), 0);
	assert_int_equal(journal_action_failed(j, "inc-1", "ec2_modify_eni", "eni-0abc", "throttled", 1), 0);
	assert_int_equal(journal_action_intent(j, "inc-1", "ec2_modify_eni", "eni-0abc", p), 0);
	assert_int_equal(journal_action_done(j, "inc-1", "ec2_modify_eni", "eni-0abc", res), 0);
	/* bad input is refused before it reaches the file */
	assert_int_equal(journal_action_intent(j, "inc-1", "Bad Name", "x", NULL), -EINVAL);
	assert_int_equal(journal_action_intent(j, "", "sns_publish", "x", NULL), -EINVAL);
	assert_int_equal(journal_incident_status(j, "inc-1", "two\nlines"), -EINVAL);
	assert_int_equal(journal_incident_open(j, "inc-x", "r", "{\"id\":"), -EINVAL);
	assert_int_equal(st.scan.records, 6);
	journal_close(j);

	assert_int_equal(journal_state_load(f->dir, &st2, err, sizeof(err)), 0);
	assert_int_equal(st2.scan.records, 6);
	assert_int_equal(st2.scan.last_seq, 6);
	assert_false(st2.scan.torn);
	assert_int_equal(st2.invalid, 0);
	inc = journal_state_open_incident(&st2);
	assert_non_null(inc);
	assert_string_equal(inc->id, "inc-1");
	assert_string_equal(inc->reason, "threat 203.0.113.7");
	assert_string_equal(inc->status, "isolating");
	assert_true(inc->opened_at[0] == '2');
	assert_int_equal(cJSON_GetObjectItem(inc->finding, "severity")->valueint, 8);
	a = journal_state_action(&st2, "inc-1", "ec2_modify_eni", "eni-0abc");
	assert_non_null(a);
	assert_string_equal(a->key, "ec2_modify_eni:eni-0abc");
	assert_string_equal(a->target, "eni-0abc");
	assert_int_equal(a->state, JOURNAL_DONE);
	assert_int_equal(a->attempts, 2);
	assert_true(cJSON_Compare(a->params, p, 1));
	assert_true(cJSON_Compare(a->result, res, 1));
	assert_int_equal(a->seq, 6);
	/* the in-memory model kept by the writer equals a replay */
	assert_int_equal(st.n_inc, st2.n_inc);
	assert_int_equal(st.inc[0].n_actions, 1);
	assert_int_equal(st.inc[0].actions[0].state, JOURNAL_DONE);

	/* close, then the incident is no longer open */
	journal_state_free(&st);
	j = jopen(f, &st);
	assert_int_equal(journal_incident_close(j, "inc-1", "released by operator"), 0);
	journal_close(j);
	journal_state_free(&st2);
	assert_int_equal(journal_state_load(f->dir, &st2, err, sizeof(err)), 0);
	assert_null(journal_state_open_incident(&st2));
	assert_true(st2.inc[0].closed);
	assert_string_equal(st2.inc[0].close_reason, "released by operator");
	assert_string_equal(st2.inc[0].status, "closed");

	journal_state_free(&st);
	journal_state_free(&st2);
	journal_state_free(NULL);
	cJSON_Delete(p);
	cJSON_Delete(res);
}

/* Three records; returns the offsets where records 3 starts and ends. */
static void write_three(struct fx *f, off_t *s2, off_t *s3)
{
	struct journal *j = jopen(f, NULL);
	cJSON *p = params_groups("sg-0123456789abcdef0", "sg-0fedcba9876543210");

	assert_int_equal(journal_incident_open(j, "inc-t", "torn test", NULL), 0);
	assert_int_equal(journal_action_intent(j, "inc-t", "ec2_modify_eni", "eni-1", p), 0);
	*s2 = fsize(f->path);
	assert_int_equal(journal_action_intent(j, "inc-t", "ec2_modify_eni", "eni-2", p), 0);
	*s3 = fsize(f->path);
	journal_close(j);
	cJSON_Delete(p);
}

static void test_torn_every_offset(void **state)
{
	struct fx *f = *state;
	struct journal_state st;
	char err[ERRLEN];
	uint8_t *orig;
	size_t len;
	off_t s2, s3;

	write_three(f, &s2, &s3);
	orig = slurp(f->path, &len);
	assert_int_equal(len, (size_t)s3);
	for (off_t cut = s2; cut < s3; cut++) {
		struct journal *j;
		const struct journal_scan *sc;

		spit(f->path, orig, (size_t)cut);
		/* reading: never fatal, earlier records kept */
		assert_int_equal(journal_state_load(f->dir, &st, err, sizeof(err)), 0);
		assert_int_equal(st.scan.records, 2);
		assert_int_equal(st.scan.torn, cut > s2);
		assert_int_equal(st.scan.corrupt, 0);
		assert_int_equal(journal_pending(&st, NULL, NULL, 0), 1);
		journal_state_free(&st);
		/* opening for append cuts the tail, says so, appends cleanly */
		j = jopen(f, NULL);
		sc = journal_scan_info(j);
		assert_int_equal(sc->truncated, cut > s2);
		assert_int_equal(fsize(f->path), s2);
		assert_int_equal(journal_action_done(j, "inc-t", "ec2_modify_eni", "eni-1", NULL), 0);
		journal_close(j);
		assert_int_equal(journal_state_load(f->dir, &st, err, sizeof(err)), 0);
		assert_int_equal(st.scan.records, 3);
		assert_int_equal(st.scan.last_seq, 3);
		assert_false(st.scan.torn);
		assert_int_equal(st.scan.corrupt, 0);
		assert_int_equal(st.scan.seq_backwards, 0);
		assert_int_equal(journal_pending(&st, NULL, NULL, 0), 0);
		journal_state_free(&st);
	}
	/* the whole file torn: the first append ever was cut short */
	for (off_t cut = 1; cut < 30; cut++) {
		struct journal *j;

		spit(f->path, orig, (size_t)cut);
		assert_int_equal(journal_state_load(f->dir, &st, err, sizeof(err)), 0);
		assert_int_equal(st.scan.records, 0);
		assert_true(st.scan.torn);
		journal_state_free(&st);
		j = jopen(f, NULL);
		assert_true(journal_scan_info(j)->truncated);
		assert_int_equal(fsize(f->path), 0);
		journal_close(j);
	}
	free(orig);
}

struct seen {
	uint64_t seqs[8];
	int n;
	uint64_t bad_off;
	int corrupt, torn;
};

static int seen_cb(const struct journal_rec *r, void *arg)
{
	struct seen *s = arg;

	if (r->kind == JOURNAL_REC_OK) {
		if (s->n < 8)
			s->seqs[s->n++] = r->seq;
	} else if (r->kind == JOURNAL_REC_CORRUPT) {
		s->corrupt++;
		s->bad_off = r->off;
	} else {
		s->torn++;
	}
	return 0;
}

static void test_flipped_bit_resync(void **state)
{
	struct fx *f = *state;
	char err[ERRLEN];
	uint8_t *orig;
	size_t len;
	off_t s2, s3, s1;
	struct journal_scan sc;

	write_three(f, &s2, &s3);
	orig = slurp(f->path, &len);
	/* record 2 starts where record 1 ends */
	assert_int_equal(journal_read_mem(orig, len, NULL, NULL, &sc, err, sizeof(err)), 0);
	assert_int_equal(sc.records, 3);
	{
		struct journal_hdr h;

		assert_true(journal_hdr_decode(orig, &h));
		s1 = JOURNAL_HDR_LEN + h.len;
	}
	for (off_t bit = s1 * 8; bit < s2 * 8; bit++) {
		struct seen s = { 0 };

		orig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(journal_read_mem(orig, len, seen_cb, &s, &sc, err, sizeof(err)), 0);
		orig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(s.n, 2);
		assert_int_equal(s.seqs[0], 1);
		assert_int_equal(s.seqs[1], 3);
		assert_int_equal(s.corrupt, 1);
		assert_int_equal(s.bad_off, s1);
		assert_int_equal(s.torn, 0);
		assert_int_equal(sc.corrupt, 1);
		assert_int_equal(sc.first_corrupt_off, s1);
		assert_int_equal(sc.corrupt_bytes, s2 - s1);
		assert_false(sc.torn);
	}
	/* on disk: a writer keeps the damage (no torn tail to cut) and goes on */
	orig[s1 + 30] ^= 0x10;
	spit(f->path, orig, len);
	{
		struct journal_state st;
		struct journal *j = jopen(f, &st);

		assert_int_equal(st.scan.corrupt, 1);
		assert_false(st.scan.truncated);
		assert_int_equal(journal_action_done(j, "inc-t", "ec2_modify_eni", "eni-2", NULL), 0);
		journal_close(j);
		journal_state_free(&st);
		assert_int_equal(journal_state_load(f->dir, &st, err, sizeof(err)), 0);
		assert_int_equal(st.scan.records, 3);
		assert_int_equal(st.scan.last_seq, 4);
		assert_int_equal(st.scan.corrupt, 1);
		/* eni-1's intent was lost with the damage; eni-2 is done */
		assert_int_equal(journal_pending(&st, NULL, NULL, 0), 0);
		journal_state_free(&st);
	}
	free(orig);
}

static void test_pending_after_crash(void **state)
{
	struct fx *f = *state;
	const struct journal_action *p[8];
	struct journal_state st;
	struct journal *j;
	char err[ERRLEN];
	cJSON *orig = params_groups("sg-0orig", NULL);
	cJSON *later = params_groups("sg-0forensic", NULL);

	j = jopen(f, NULL);
	assert_int_equal(journal_incident_open(j, "inc-2", "r", NULL), 0);
	assert_int_equal(journal_action_intent(j, "inc-2", "nft_lockdown", "local", NULL), 0);
	assert_int_equal(journal_action_done(j, "inc-2", "nft_lockdown", "local", NULL), 0);
	assert_int_equal(journal_action_intent(j, "inc-2", "ec2_modify_eni", "eni-0a", orig), 0);
	assert_int_equal(journal_action_intent(j, "inc-2", "sns_publish", "topic", NULL), 0);
	assert_int_equal(journal_action_failed(j, "inc-2", "sns_publish", "topic", "HTTP 500", 4), 0);
	/* crash: no done for eni-0a, sns failed */
	journal_close(j);

	assert_int_equal(journal_state_load(f->dir, &st, err, sizeof(err)), 0);
	assert_int_equal(journal_pending(&st, NULL, p, 8), 2);
	assert_string_equal(p[0]->key, "ec2_modify_eni:eni-0a");
	assert_int_equal(p[0]->state, JOURNAL_INTENT);
	assert_string_equal(p[1]->key, "sns_publish:topic");
	assert_int_equal(p[1]->state, JOURNAL_FAILED);
	assert_int_equal(p[1]->attempts, 4);
	assert_string_equal(p[1]->error, "HTTP 500");
	assert_int_equal(journal_pending(&st, "inc-2", p, 1), 2);
	assert_int_equal(journal_pending(&st, "inc-other", p, 8), 0);
	journal_state_free(&st);

	/* restart: replay; the retry's params do not replace the original */
	j = jopen(f, &st);
	assert_int_equal(journal_pending(&st, NULL, p, 8), 2);
	assert_int_equal(journal_action_intent(j, "inc-2", "ec2_modify_eni", "eni-0a", later), 0);
	assert_int_equal(journal_action_done(j, "inc-2", "ec2_modify_eni", "eni-0a", NULL), 0);
	assert_int_equal(journal_pending(&st, NULL, p, 8), 1);
	assert_string_equal(p[0]->key, "sns_publish:topic");
	assert_true(cJSON_Compare(journal_state_action(&st, "inc-2", "ec2_modify_eni",
						       "eni-0a")->params, orig, 1));
	/* a closed incident has nothing pending */
	assert_int_equal(journal_incident_close(j, "inc-2", NULL), 0);
	assert_int_equal(journal_pending(&st, NULL, p, 8), 0);
	journal_close(j);
	journal_state_free(&st);
	cJSON_Delete(orig);
	cJSON_Delete(later);
}

static void test_lock_contention(void **state)
{
	struct fx *f = *state;
	int up[2], down[2], status;
	struct journal *j = NULL;
	char err[ERRLEN] = "", want[64], c;
	uint64_t t0;
	pid_t pid;

	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(down), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct journal *cj;

		if (journal_open(f->dir, 0, NULL, &cj, err, sizeof(err)))
			_exit(1);
		if (write(up[1], "l", 1) != 1 || read(down[0], &c, 1) != 1)
			_exit(2);
		usleep(200 * 1000);
		journal_close(cj);
		_exit(0);
	}
	assert_int_equal(read(up[0], &c, 1), 1);
	/* a second writer fails clearly, naming the holder */
	assert_int_equal(journal_open(f->dir, 0, NULL, &j, err, sizeof(err)), -EWOULDBLOCK);
	assert_null(j);
	snprintf(want, sizeof(want), "locked by pid %d", (int)pid);
	assert_non_null(strstr(err, want));
	t0 = util_now_mono_ns();
	assert_int_equal(journal_open(f->dir, 100, NULL, &j, err, sizeof(err)), -EWOULDBLOCK);
	assert_true(util_now_mono_ns() - t0 >= 100 * 1000000ull);
	/* ... or waits for it when asked to */
	assert_int_equal(write(down[1], "go", 1), 1);
	assert_int_equal(journal_open(f->dir, 10000, NULL, &j, err, sizeof(err)), 0);
	assert_int_equal(journal_incident_open(j, "inc-l", NULL, NULL), 0);
	journal_close(j);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
}

static void test_permissions(void **state)
{
	struct fx *f = *state;
	char sub[PATH_MAX], path[PATH_MAX + 16];
	struct journal *j;
	struct stat st;
	mode_t old = umask(0);

	/* a missing state directory is made 0700, the files 0600 */
	snprintf(sub, sizeof(sub), "%s/state", f->dir);
	assert_int_equal(journal_open(sub, 0, NULL, &j, NULL, 0), 0);
	journal_close(j);
	umask(old);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	snprintf(path, sizeof(path), "%s/" JOURNAL_FILE, sub);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	snprintf(path, sizeof(path), "%s/" JOURNAL_LOCK_FILE, sub);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* a journal someone loosened is tightened */
	assert_int_equal(chmod(f->path, 0644) == 0 || errno == ENOENT, 1);
	spit(f->path, (const uint8_t *)"", 0);
	assert_int_equal(chmod(f->path, 0644), 0);
	j = jopen(f, NULL);
	journal_close(j);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
}

static void test_symlink_refused(void **state)
{
	struct fx *f = *state;
	char target[PATH_MAX + 16], err[ERRLEN];
	struct journal_state st;
	struct journal *j = NULL;

	snprintf(target, sizeof(target), "%s/elsewhere", f->dir);
	spit(target, (const uint8_t *)"", 0);
	assert_int_equal(symlink(target, f->path), 0);
	assert_int_equal(journal_open(f->dir, 0, NULL, &j, err, sizeof(err)), -ELOOP);
	assert_non_null(strstr(err, "symlink"));
	assert_null(j);
	assert_int_equal(journal_state_load(f->dir, &st, err, sizeof(err)), -ELOOP);
	assert_int_equal(fsize(target), 0);
	/* nor a FIFO (which would block an open for writing) */
	assert_int_equal(unlink(f->path), 0);
	assert_int_equal(mkfifo(f->path, 0600), 0);
	assert_int_not_equal(journal_open(f->dir, 0, NULL, &j, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "regular"));
	assert_int_not_equal(journal_state_load(f->dir, &st, err, sizeof(err)), 0);
}

static void put_raw(const char *path, uint8_t version, uint64_t seq, const char *json)
{
	uint8_t hdr[JOURNAL_HDR_LEN];
	size_t n = strlen(json);
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0600);
	uint32_t crc;

	journal_hdr_encode(hdr, (uint32_t)n, seq, json);
	if (version != JOURNAL_VERSION) {
		hdr[4] = version;
		crc = journal_crc32c(0, hdr, 20);
		crc = journal_crc32c(crc, json, n);
		for (int i = 0; i < 4; i++)
			hdr[20 + i] = (uint8_t)(crc >> (8 * i));
	}
	assert_true(fd >= 0);
	assert_int_equal(write(fd, hdr, sizeof(hdr)), (ssize_t)sizeof(hdr));
	assert_int_equal(write(fd, json, n), (ssize_t)n);
	close(fd);
}

static void test_odd_records(void **state)
{
	struct fx *f = *state;
	struct journal_state st;
	struct journal *j = NULL;
	char err[ERRLEN];
	off_t before;

	/* known CRC32C check value */
	assert_int_equal(journal_crc32c(0, "123456789", 9), 0xe3069283);
	put_raw(f->path, 1, 1, "{\"type\":\"action\",\"incident\":\"inc-x\","
		"\"action\":\"sns_publish\",\"key\":\"t\",\"state\":\"intent\"}");
	put_raw(f->path, 1, 2, "not json");
	put_raw(f->path, 1, 3, "{\"type\":\"action\",\"incident\":\"inc-x\"}");
	put_raw(f->path, 1, 4, "{\"type\":\"from_the_future\",\"incident\":\"inc-x\"}");
	assert_int_equal(journal_state_load(f->dir, &st, err, sizeof(err)), 0);
	assert_int_equal(st.scan.records, 4);
	assert_int_equal(st.invalid, 2);
	assert_int_equal(st.unknown, 1);
	assert_non_null(strstr(st.first_invalid, "seq 2"));
	/* an action without its incident_open still counts (implicit) */
	assert_int_equal(st.n_inc, 1);
	assert_true(st.inc[0].implicit);
	assert_int_equal(journal_pending(&st, NULL, NULL, 0), 1);
	journal_state_free(&st);

	/* a record of a newer format stops readers and writers, cuts nothing */
	put_raw(f->path, 2, 5, "{}");
	before = fsize(f->path);
	assert_int_equal(journal_state_load(f->dir, &st, err, sizeof(err)), -EPROTONOSUPPORT);
	journal_state_free(&st);
	assert_int_equal(journal_open(f->dir, 0, NULL, &j, err, sizeof(err)), -EPROTONOSUPPORT);
	assert_non_null(strstr(err, "newer"));
	assert_int_equal(fsize(f->path), before);
}

static void test_long_garbage_tail_kept(void **state)
{
	struct fx *f = *state;
	size_t n = JOURNAL_HDR_LEN + JOURNAL_MAX_RECORD + 100;
	uint8_t *junk = calloc(1, n);
	struct journal_state st;
	struct journal *j;
	char err[ERRLEN];
	int fd;

	j = jopen(f, NULL);
	assert_int_equal(journal_incident_open(j, "inc-g", NULL, NULL), 0);
	journal_close(j);
	fd = open(f->path, O_WRONLY | O_APPEND);
	assert_int_equal(write(fd, junk, n), (ssize_t)n);
	close(fd);
	j = jopen(f, &st);
	assert_true(st.scan.torn);
	assert_true(st.scan.tail_kept);
	assert_false(st.scan.truncated);
	assert_int_equal(journal_incident_close(j, "inc-g", NULL), 0);
	journal_close(j);
	journal_state_free(&st);
	assert_int_equal(journal_state_load(f->dir, &st, err, sizeof(err)), 0);
	assert_int_equal(st.scan.records, 2);
	assert_int_equal(st.scan.corrupt, 1);
	assert_int_equal(st.scan.corrupt_bytes, n);
	assert_null(journal_state_open_incident(&st));
	journal_state_free(&st);
	free(junk);
}

/* kill -9 a writer at random moments: every survivor is a clean prefix. */
static void test_kill_writer(void **state)
{
	struct fx *f = *state;
	struct journal_state st;
	char err[ERRLEN];
	uint64_t last = 0;
	int cut = 0;

	srandom(42);
	for (int round = 0; round < 15; round++) {
		int status;
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0) {
			struct journal *j;
			char *big = malloc(300 * 1024);
			cJSON *p = cJSON_CreateObject();

			memset(big, 'x', 300 * 1024 - 1);
			big[300 * 1024 - 1] = '\0';
			cJSON_AddStringToObject(p, "pad", big);
			if (journal_open(f->dir, -1, NULL, &j, NULL, 0))
				_exit(1);
			for (unsigned i = 0;; i++) {
				char key[32];

				snprintf(key, sizeof(key), "eni-%u", i);
				if (journal_action_intent(j, "inc-k", "ec2_modify_eni",
							  key, i % 2 ? p : NULL))
					_exit(2);
			}
		}
		usleep((useconds_t)(20000 + random() % 100000));
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
		/* what a restart sees: no corruption, seqs only grow */
		{
			struct journal *j = jopen(f, &st);

			assert_int_equal(st.scan.corrupt, 0);
			assert_int_equal(st.scan.seq_backwards, 0);
			assert_int_equal(st.invalid, 0);
			assert_true(st.scan.last_seq >= last);
			assert_int_equal(st.scan.records, st.scan.last_seq);
			last = st.scan.last_seq;
			cut += journal_scan_info(j)->truncated;
			journal_close(j);
			journal_state_free(&st);
		}
	}
	assert_int_equal(journal_state_load(f->dir, &st, err, sizeof(err)), 0);
	assert_false(st.scan.torn);
	print_message("# %llu records survived 15 kill -9; %d torn tails cut\n",
		      (unsigned long long)st.scan.records, cut);
	journal_state_free(&st);
}

static void count_joined(const struct journal_state *st, const char *id, unsigned want)
{
	const struct journal_incident *inc = journal_state_incident(st, id);

	assert_non_null(inc);
	assert_int_equal(inc->findings_joined, want);
}

/*
 * The agent's writer: N records cost N writes and no reading back (the
 * file is never re-read per record, as it was when every record reopened
 * the journal), fdatasync only for intents, and what another writer adds
 * is read once, only those bytes.
 */
static void test_attach_linear(void **state)
{
	struct fx *f = *state;
	struct journal_state st, st2, ost;
	const struct journal_stats *js;
	struct journal *j = NULL, *other = NULL;
	char err[ERRLEN] = "", id[40];
	const unsigned n = 3000;
	off_t before, after;

	assert_int_equal(journal_attach(f->dir, &st, &j, err, sizeof(err)), 0);
	js = journal_stats(j);
	assert_int_equal(js->bytes_read, 0);
	assert_int_equal(journal_incident_open(j, "inc-a", "r", "{\"id\":\"f0\"}"), 0);
	for (unsigned i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "f%u", i + 1);
		assert_int_equal(journal_finding_joined(j, "inc-a", id), 0);
		if (i % 100 == 0) {
			snprintf(id, sizeof(id), "eni-%u", i);
			assert_int_equal(journal_action_intent(j, "inc-a", "ec2_isolate_eni", id,
							       NULL), 0);
			assert_false(journal_dirty(j));
		}
		/* the agent's tick: nothing new, nothing read */
		assert_int_equal(journal_refresh(j), 0);
	}
	assert_int_equal(js->appends, 1 + n + n / 100);
	assert_int_equal(js->syncs, n / 100);
	assert_int_equal(js->bytes_read, 0);
	assert_int_equal(js->replays, 0);
	assert_true(journal_dirty(j));
	assert_int_equal(journal_sync(j), 0);
	assert_false(journal_dirty(j));
	assert_int_equal(js->syncs, n / 100 + 1);
	count_joined(&st, "inc-a", n);

	/* cordon release meanwhile: only its bytes are read, once */
	before = fsize(f->path);
	assert_int_equal(journal_open(f->dir, 0, &ost, &other, err, sizeof(err)), 0);
	assert_int_equal(journal_incident_close(other, "inc-a", "released"), 0);
	/* it holds the lock: a finding waits in memory, an intent is refused */
	assert_int_equal(journal_finding_joined(j, "inc-a", "late"), 0);
	assert_int_equal(js->queued, 1);
	assert_int_equal(journal_action_intent(j, "inc-a", "ec2_tag", "i-1", NULL), -EWOULDBLOCK);
	assert_non_null(strstr(journal_error(j), "locked by pid"));
	assert_int_equal(journal_sync(j), -EWOULDBLOCK);
	journal_close(other);
	journal_state_free(&ost);
	after = fsize(f->path);
	assert_int_equal(journal_refresh(j), 1);
	assert_int_equal(js->bytes_read, (uint64_t)(after - before));
	assert_true(journal_state_incident(&st, "inc-a")->closed);
	assert_int_equal(journal_refresh(j), 0);
	assert_int_equal(js->bytes_read, (uint64_t)(after - before));
	/* the queued record goes out with the next chance, after release's */
	assert_int_equal(journal_sync(j), 0);
	assert_int_equal(js->replays, 0);
	count_joined(&st, "inc-a", n + 1);

	/* what the writer kept equals a replay of the file */
	assert_int_equal(journal_state_load(f->dir, &st2, err, sizeof(err)), 0);
	assert_int_equal(st2.invalid, 0);
	assert_int_equal(st2.scan.seq_backwards, 0);
	assert_int_equal(st2.scan.records, st.scan.records);
	count_joined(&st2, "inc-a", n + 1);
	assert_true(journal_state_incident(&st2, "inc-a")->closed);
	assert_int_equal(journal_state_incident(&st2, "inc-a")->n_actions,
			 journal_state_incident(&st, "inc-a")->n_actions);
	journal_close(j);
	journal_state_free(&st);
	journal_state_free(&st2);
}

/* A torn tail left by a writer that died: read as torn, cut under the lock. */
static void test_attach_torn(void **state)
{
	struct fx *f = *state;
	struct journal_state st, st2;
	struct journal *j = NULL;
	char err[ERRLEN] = "";
	off_t good;
	int fd;

	write_three(f, &(off_t){ 0 }, &(off_t){ 0 });
	good = fsize(f->path);
	assert_int_equal(journal_attach(f->dir, &st, &j, err, sizeof(err)), 0);
	assert_int_equal(st.scan.records, 3);
	fd = open(f->path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "\xc0\xde" "JR\x01\x00\x00\x00\x40", 9), 9);
	close(fd);
	/* unlocked it may be an append in progress: nothing applied, nothing cut */
	assert_int_equal(journal_refresh(j), 0);
	assert_int_equal(fsize(f->path), good + 9);
	assert_int_equal(journal_finding_joined(j, "inc-t", "x"), 0);
	assert_true(journal_scan_info(j)->truncated);
	journal_close(j);
	assert_int_equal(journal_state_load(f->dir, &st2, err, sizeof(err)), 0);
	assert_false(st2.scan.torn);
	assert_int_equal(st2.scan.corrupt, 0);
	assert_int_equal(st2.scan.records, 4);
	journal_state_free(&st);
	journal_state_free(&st2);
}

static void test_missing_is_empty(void **state)
{
	struct fx *f = *state;
	struct journal_state st;
	char err[ERRLEN];

	assert_int_equal(journal_state_load(f->dir, &st, err, sizeof(err)), 0);
	assert_int_equal(st.scan.records, 0);
	assert_null(journal_state_open_incident(&st));
	assert_int_equal(journal_pending(&st, NULL, NULL, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_every_offset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flipped_bit_resync, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pending_after_crash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_contention, setup, teardown),
		cmocka_unit_test_setup_teardown(test_permissions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_odd_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_garbage_tail_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_is_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_linear, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_torn, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * replay_run(): the capture read while the set is built on the other
 * thread gives what a plain read after the build gives, whatever the
 * timing: the set may come late (everything parsed ahead, damage found
 * ahead) or the first capture may not be readable at all.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "pcapfile.h"
#include "replay.h"
#include "tset_testlib.h"

#define NPKT 5000

/* The lists, after a delay: the main thread parses everything first. */
struct slow {
	struct list *l;
	unsigned delay_ms;
};

static int slow_load(void *arg, struct list ***lists, size_t *n)
{
	struct slow *s = arg;
	struct timespec ts = { 0, (long)s->delay_ms * 1000000L };

	nanosleep(&ts, NULL);
	*lists = calloc(1, sizeof(**lists));
	if (!*lists)
		return EXIT_FAIL;
	(*lists)[0] = s->l;
	*n = 1;
	return 0;
}

static void put32(FILE *f, uint32_t v)
{
	assert_int_equal(fwrite(&v, 4, 1, f), 1);
}

/*
 * A classic pcap (DLT_RAW) of npkt UDP packets, every 10th to or from a
 * listed address; cut: the last record loses its tail; pad: records of
 * uneven lengths (0-60 bytes after the datagram, as Ethernet pads).
 */
static void write_capture_pad(const char *path, unsigned npkt, bool cut, bool pad)
{
	FILE *f = fopen(path, "wb");
	uint8_t b[28 + 61];

	assert_non_null(f);
	put32(f, 0xa1b23c4d);
	put32(f, 0x00040002);
	put32(f, 0);
	put32(f, 0);
	put32(f, 65535);
	put32(f, 101); /* LINKTYPE_RAW */
	for (unsigned i = 0; i < npkt; i++) {
		uint32_t len = 28 + (pad ? i * 7 % 61 : 0);
		char dst[32];

		snprintf(dst, sizeof(dst), "%s.%u", i % 10 ? "192.0.2" : "198.51.100", i % 200 + 1);
		memset(b, 0, sizeof(b));
		b[0] = 0x45;
		b[3] = 28;
		b[8] = 64;
		b[9] = IPPROTO_UDP;
		assert_int_equal(inet_pton(AF_INET, i % 2 ? dst : "192.0.2.250", b + 12), 1);
		assert_int_equal(inet_pton(AF_INET, i % 2 ? "192.0.2.250" : dst, b + 16), 1);
		b[20] = 0x30;
		b[21] = (uint8_t)i;
		b[23] = 53;
		b[25] = 8;
		put32(f, 1767225600 + i / 1000);
		put32(f, (i % 1000) * 1000000);
		put32(f, len);
		put32(f, len);
		assert_int_equal(fwrite(b, 1, i == npkt - 1 && cut ? 5 : len, f),
				 i == npkt - 1 && cut ? 5 : len);
	}
	assert_int_equal(fclose(f), 0);
}

static void write_capture(const char *path, unsigned npkt, bool cut)
{
	write_capture_pad(path, npkt, cut, false);
}

struct run {
	int rc;
	size_t ahead;
	struct sensor_stats st;
	size_t findings;
};

static void run(char *const *paths, size_t n, unsigned delay_ms, struct run *out)
{
	struct list *l = MK(LIST_THREAT, "bad", "198.51.100.0/24");
	struct slow s = { l, delay_ms };
	struct replay_set set = { .load = slow_load, .arg = &s };
	struct sensor_opts o;
	struct sensor *sn;

	sensor_opts_default(&o);
	sn = sensor_new(&o);
	assert_non_null(sn);
	out->rc = replay_run(sn, paths, n, &set, &out->ahead);
	out->st = *sensor_get_stats(sn);
	out->findings = 0;
	for (struct finding *f = findings_first(sensor_findings(sn)); f; f = findings_next(f))
		out->findings++;
	sensor_free(sn);
	tset_free(set.tset);
	free(set.lists);
	free_list(l);
}

static char dir[] = "/tmp/cordon-test-replay.XXXXXX";

static void path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

/* The set comes last: every frame was parsed ahead, then looked up. */
static void test_late_set(void **state)
{
	char p[256], *paths[] = { p };
	struct run fast, late;

	(void)state;
	path_of(p, sizeof(p), "whole.pcap");
	write_capture(p, NPKT, false);
	run(paths, 1, 0, &fast);
	run(paths, 1, 300, &late);
	assert_int_equal(late.rc, 0);
	assert_int_equal(late.ahead, NPKT);
	assert_int_equal(late.st.packets, NPKT);
	assert_int_equal(late.st.matched, NPKT / 10);
	assert_int_equal(fast.rc, 0);
	assert_memory_equal(&fast.st, &late.st, sizeof(fast.st));
	assert_int_equal(fast.findings, late.findings);
	assert_true(late.findings > 0);
	unlink(p);
}

/* Damage found while parsing ahead is reported, and what came before counts. */
static void test_cut_found_ahead(void **state)
{
	char p[256], *paths[] = { p };
	struct run late;

	(void)state;
	path_of(p, sizeof(p), "cut.pcap");
	write_capture(p, NPKT, true);
	run(paths, 1, 300, &late);
	assert_int_equal(late.rc, EXIT_USAGE);
	assert_int_equal(late.st.packets, NPKT - 1);
	assert_int_equal(late.st.matched, NPKT / 10); /* the cut one, 4999, was not listed */
	unlink(p);
}

/*
 * Damage in the very first record, found while parsing ahead: reported
 * too (it was lost when no frame came before it: exit 0, no message).
 */
static void test_cut_first_record(void **state)
{
	char p[256], *paths[] = { p };
	struct run late;

	(void)state;
	path_of(p, sizeof(p), "cut1.pcap");
	write_capture(p, 1, true);
	run(paths, 1, 100, &late);
	assert_int_equal(late.rc, EXIT_USAGE);
	assert_int_equal(late.st.packets, 0);
	unlink(p);
}

/*
 * pcapf_release() lets go of pages of its own mapping only. Called with a
 * start of NULL (the set was there before any chunk was parsed), it used
 * to madvise(MADV_DONTNEED) from address 0: the heap zeroed, relocations
 * reset, a crash in one replay out of ten.
 */
static void test_release_bounds(void **state)
{
	char p[256], err[256];
	struct pcapf *pf;
	struct pcapf_rec r;
	size_t len = 1 << 20;
	uint8_t *heap = malloc(len);
	unsigned n = 0;

	(void)state;
	assert_non_null(heap);
	memset(heap, 0xa5, len);
	path_of(p, sizeof(p), "rel.pcap");
	write_capture(p, NPKT, false);
	assert_int_equal(pcapf_open(p, &pf, err, sizeof(err)), 0);
	assert_true(pcapf_mapped(pf));
	pcapf_release(pf, NULL, heap + len);
	pcapf_release(pf, heap, heap + len);
	for (size_t i = 0; i < len; i++)
		if (heap[i] != 0xa5)
			fail_msg("byte %zu of the heap changed", i);
	/* inside the mapping: the pages go, the records read back from the file */
	assert_int_equal(pcapf_next(pf, &r, err, sizeof(err)), 1);
	pcapf_release(pf, r.data - 40, r.data + 200000);
	do
		n++;
	while (pcapf_next(pf, &r, err, sizeof(err)) == 1);
	assert_int_equal(n, NPKT);
	pcapf_close(pf);
	free(heap);
	unlink(p);
}

/*
 * A capture others can write is read, not mapped (truncated under a
 * mapping it would kill the replay with SIGBUS), and gives what the
 * mapped one gives.
 */
static void test_shared_capture_read(void **state)
{
	char p[256], err[256], *paths[] = { p };
	struct pcapf *pf;
	struct run mapped, read;

	(void)state;
	path_of(p, sizeof(p), "shared.pcap");
	write_capture(p, NPKT, false);
	assert_int_equal(chmod(p, 0644), 0);
	run(paths, 1, 100, &mapped);
	assert_int_equal(chmod(p, 0666), 0);
	assert_int_equal(pcapf_open(p, &pf, err, sizeof(err)), 0);
	assert_false(pcapf_mapped(pf));
	pcapf_close(pf);
	run(paths, 1, 100, &read);
	assert_int_equal(read.rc, 0);
	assert_int_equal(read.st.packets, NPKT);
	assert_int_equal(read.st.matched, mapped.st.matched);
	assert_int_equal(read.findings, mapped.findings);
	unlink(p);
}

/*
 * Records of uneven lengths, many more than a chunk and than the
 * in-order reader's buffer holds (its refills end batches short): the
 * pipeline gives what the plain read gives, with the set early or late.
 */
static void test_uneven_records(void **state)
{
	enum { N = 120000 };
	char p[256], *paths[] = { p };
	struct run early, late, read;

	(void)state;
	path_of(p, sizeof(p), "uneven.pcap");
	write_capture_pad(p, N, false, true);
	assert_int_equal(chmod(p, 0644), 0);
	run(paths, 1, 0, &early);
	run(paths, 1, 200, &late);
	assert_int_equal(chmod(p, 0666), 0); /* read, not mapped: no pipeline */
	run(paths, 1, 0, &read);
	assert_int_equal(read.rc, 0);
	assert_int_equal(read.ahead, 0);
	assert_int_equal(read.st.packets, N);
	assert_int_equal(read.st.matched, N / 10);
	assert_int_equal(early.rc, 0);
	assert_int_equal(late.rc, 0);
	assert_int_equal(late.ahead, N);
	assert_memory_equal(&early.st, &read.st, sizeof(read.st));
	assert_memory_equal(&late.st, &read.st, sizeof(read.st));
	assert_int_equal(early.findings, read.findings);
	assert_int_equal(late.findings, read.findings);
	unlink(p);
}

/* A first capture that cannot be opened: the next one still sees the set. */
static void test_first_unreadable(void **state)
{
	char p[256], q[256], *paths[] = { q, p };
	struct run r;

	(void)state;
	path_of(p, sizeof(p), "whole.pcap");
	path_of(q, sizeof(q), "missing.pcap");
	write_capture(p, NPKT, false);
	run(paths, 2, 100, &r);
	assert_int_equal(r.rc, EXIT_USAGE);
	assert_int_equal(r.st.packets, NPKT);
	assert_int_equal(r.st.matched, NPKT / 10);
	unlink(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_late_set),
		cmocka_unit_test(test_cut_found_ahead),
		cmocka_unit_test(test_cut_first_record),
		cmocka_unit_test(test_first_unreadable),
		cmocka_unit_test(test_release_bounds),
		cmocka_unit_test(test_shared_capture_read),
		cmocka_unit_test(test_uneven_records),
	};
	int rc;

	if (!mkdtemp(dir))
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(dir);
	return rc;
}

/* SPDX-License-Identifier: MIT */
/*
 * applied.bin as a log (issue 13 target 4): base + appended deltas,
 * compaction, a torn tail, a commit the file missed, a planted symlink.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "applied.h"

static char dir[64], path[128];
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/cordon-applied.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/%s", dir, APPLIED_FILE);
	return 0;
}

static int teardown(void **state)
{
	char tmp[160];

	(void)state;
	unlink(path);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp);
	rmdir(dir);
	return 0;
}

/* n random IPv4 hosts into set id, normalized. */
static void fill(struct nset_all *a, enum nset_id id, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t rec[32];

		for (unsigned k = 0; k < a->s[id].w; k++)
			rec[k] = (uint8_t)rnd();
		if (nset_defs[id].interval)
			memcpy(rec + a->s[id].w / 2, rec, a->s[id].w / 2);
		assert_int_equal(nset_vec_push(&a->s[id], rec), 0);
	}
	assert_int_equal(nset_vec_normalize(&a->s[id], nset_defs[id].interval,
					    nset_klen(id)), 0);
}

static void copy_all(struct nset_all *dst, const struct nset_all *src)
{
	nset_all_init(dst);
	for (int i = 0; i < NS__COUNT; i++)
		for (size_t k = 0; k < src->s[i].n; k++)
			assert_int_equal(nset_vec_push(&dst->s[i], src->s[i].v + k * src->s[i].w), 0);
}

static void assert_same(const struct nset_all *a, const struct nset_all *b)
{
	for (int i = 0; i < NS__COUNT; i++) {
		assert_int_equal(a->s[i].n, b->s[i].n);
		if (a->s[i].n)
			assert_memory_equal(a->s[i].v, b->s[i].v, a->s[i].n * a->s[i].w);
	}
}

/* after = before - every 7th record + m new ones. */
static void mutate(const struct nset_all *before, struct nset_all *after, size_t m)
{
	nset_all_init(after);
	for (int i = 0; i < NS__COUNT; i++)
		for (size_t k = 0; k < before->s[i].n; k++)
			if ((k + rnd()) % 7)
				assert_int_equal(nset_vec_push(&after->s[i],
							       before->s[i].v + k * before->s[i].w), 0);
	fill(after, NS_THREAT4, m);
	fill(after, NS_THREAT6, m / 4 + 1);
	assert_int_equal(nset_vec_normalize(&after->s[NS_THREAT4], false, 4), 0);
}

static off_t fsize(void)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

static void test_base_and_deltas(void **state)
{
	struct nset_all cur, next, got;
	struct applied_log lg;
	uint64_t h;
	off_t base_size, size;

	(void)state;
	nset_all_init(&cur);
	fill(&cur, NS_THREAT4, 20000);
	fill(&cur, NS_THREAT6, 2000);
	fill(&cur, NS_THREAT4N, 500);
	h = applied_hash(&cur);
	assert_int_equal(applied_save(dir, &cur, h), 0);
	base_size = fsize();
	nset_all_init(&got);
	assert_int_equal(applied_load_log(dir, h, &got, &lg), 0);
	assert_same(&cur, &got);
	assert_true(lg.valid);
	assert_int_equal(lg.end, base_size);
	/* Another hash: the file is not what the kernel holds. */
	assert_int_not_equal(applied_load(dir, h ^ 1, &got), 0);
	/* Deltas are appended: the file grows by little. */
	for (int round = 0; round < 5; round++) {
		uint64_t h2;

		assert_int_equal(applied_load_log(dir, h, &got, &lg), 0);
		if (round == 0) {
			/* A one-record change: tens of bytes, not the base again. */
			copy_all(&next, &cur);
			fill(&next, NS_THREAT4, 1);
		} else {
			mutate(&cur, &next, 10);
		}
		h2 = applied_hash(&next);
		size = fsize();
		assert_int_equal(applied_append(dir, &lg, &got, &next, h2), 0);
		if (round == 0)
			assert_true(fsize() - size < 400);
		assert_int_equal(applied_load_log(dir, h2, &got, &lg), 0);
		assert_same(&next, &got);
		assert_int_not_equal(applied_load(dir, h, &got), 0);
		nset_all_free(&cur);
		cur = next;
		h = h2;
	}
	nset_all_free(&cur);
	nset_all_free(&got);
}

/* Deltas past an eighth of the base: the next commit writes a new base. */
static void test_compaction(void **state)
{
	struct nset_all cur, next, got;
	struct applied_log lg;
	uint64_t h;
	off_t base_size, peak = 0;
	int compactions = 0;

	(void)state;
	nset_all_init(&cur);
	nset_all_init(&got);
	fill(&cur, NS_THREAT4, 5000);
	h = applied_hash(&cur);
	assert_int_equal(applied_save(dir, &cur, h), 0);
	base_size = fsize();
	for (int round = 0; round < 30; round++) {
		uint64_t h2;
		off_t before;

		assert_int_equal(applied_load_log(dir, h, &got, &lg), 0);
		mutate(&cur, &next, 200);
		h2 = applied_hash(&next);
		before = fsize();
		assert_int_equal(applied_append(dir, &lg, &got, &next, h2), 0);
		compactions += fsize() < before;
		peak = fsize() > peak ? fsize() : peak;
		assert_int_equal(applied_load(dir, h2, &got), 0);
		assert_same(&next, &got);
		nset_all_free(&cur);
		cur = next;
		h = h2;
	}
	assert_true(compactions >= 2);
	assert_true(peak < base_size + base_size / 8 + 4096 + 64 * 1024);
	nset_all_free(&cur);
	nset_all_free(&got);
}

/* A crash mid-append leaves a torn record: it is cut, what came before holds. */
static void test_torn_tail_and_missed_commit(void **state)
{
	struct nset_all cur, next, got;
	struct applied_log lg;
	uint64_t h, h2;
	off_t good, torn;
	int fd;

	(void)state;
	nset_all_init(&cur);
	nset_all_init(&got);
	fill(&cur, NS_THREAT4, 3000);
	h = applied_hash(&cur);
	assert_int_equal(applied_save(dir, &cur, h), 0);
	good = fsize();
	assert_int_equal(applied_load_log(dir, h, &got, &lg), 0);
	copy_all(&next, &cur);
	fill(&next, NS_THREAT4, 3);
	h2 = applied_hash(&next);
	assert_int_equal(applied_append(dir, &lg, &got, &next, h2), 0);
	torn = fsize() - 5;
	assert_int_equal(truncate(path, torn), 0);
	/* The kernel has h2, the file's last good record says h: a dump. */
	assert_int_not_equal(applied_load(dir, h2, &got), 0);
	assert_int_equal(fsize(), good); /* the torn tail was cut */
	/* Had the kernel kept h (the append torn before the ack), it holds. */
	assert_int_equal(applied_load_log(dir, h, &got, &lg), 0);
	assert_same(&cur, &got);
	/* A flipped byte in a delta fails its check like a torn one. */
	assert_int_equal(applied_append(dir, &lg, &got, &next, h2), 0);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "\xff", 1, fsize() - 1), 1);
	close(fd);
	assert_int_not_equal(applied_load(dir, h2, &got), 0);
	/* A flipped byte in the base fails the content hash. */
	assert_int_equal(applied_save(dir, &cur, h), 0);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "\x5a", 1, 100), 1);
	close(fd);
	assert_int_not_equal(applied_load(dir, h, &got), 0);
	nset_all_free(&cur);
	nset_all_free(&next);
	nset_all_free(&got);
}

/* Bytes at file offset off: XOR with x. */
static void flip(off_t off, uint8_t x)
{
	uint8_t c;
	int fd = open(path, O_RDWR);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, off), 1);
	c ^= x;
	assert_int_equal(pwrite(fd, &c, 1, off), 1);
	close(fd);
}

/*
 * Only the shards whose hash differs from the lists' are read (base and
 * deltas merged), each checked against its hash; the table must add up
 * to the kernel's content hash.
 */
static void test_shards(void **state)
{
	struct nset_all c0, c1, next, got;
	struct applied_log *lg = calloc(1, sizeof(*lg));
	uint64_t *tab = malloc(APPLIED_TAB * sizeof(*tab)), h0, h1, h2;
	const uint8_t key[4] = { 0x42, 1, 2, 3 }; /* shard 0x42 */
	/* threat4's records in the base: after the table and their count */
	const off_t rec0 = 16 + 40 + APPLIED_TAB * 8 + 8;
	size_t lo, hi, lo0, hi0;

	(void)state;
	assert_non_null(lg);
	assert_non_null(tab);
	nset_all_init(&c0);
	nset_all_init(&got);
	fill(&c0, NS_THREAT4, 50000);
	fill(&c0, NS_THREAT6, 3000);
	h0 = applied_hash(&c0);
	assert_int_equal(applied_save(dir, &c0, h0), 0);
	/* One delta, so that shards come from the base and the log. */
	assert_int_equal(applied_load_log(dir, h0, &got, lg), 0);
	copy_all(&c1, &c0);
	fill(&c1, NS_THREAT4, 300);
	h1 = applied_hash(&c1);
	assert_int_equal(applied_append(dir, lg, &got, &c1, h1), 0);
	/* The lists: c1 and one address more. */
	copy_all(&next, &c1);
	assert_int_equal(nset_vec_push(&next.s[NS_THREAT4], key), 0);
	assert_int_equal(nset_vec_normalize(&next.s[NS_THREAT4], false, 4), 0);
	h2 = applied_hash_tab(&next, tab);
	assert_int_not_equal(h2, h1);
	assert_int_equal(applied_load_shards(dir, h1, tab, &got, lg), 0);
	assert_true(lg->valid);
	applied_shard_span(&c1.s[NS_THREAT4], NS_THREAT4, 0x42, &lo, &hi);
	assert_true(hi > lo);
	assert_int_equal(got.s[NS_THREAT4].n, hi - lo);
	assert_memory_equal(got.s[NS_THREAT4].v, c1.s[NS_THREAT4].v + lo * 4,
			    (hi - lo) * 4);
	for (int i = 0; i < NS__COUNT; i++)
		if (i != NS_THREAT4)
			assert_int_equal(got.s[i].n, 0);
	/* The same lists: nothing to read. */
	assert_int_equal(applied_hash_tab(&c1, tab), h1);
	assert_int_equal(applied_load_shards(dir, h1, tab, &got, lg), 0);
	assert_int_equal(got.s[NS_THREAT4].n, 0);
	/* Another content hash in the kernel: the file is not what it holds. */
	h2 = applied_hash_tab(&next, tab);
	assert_int_not_equal(applied_load_shards(dir, h1 ^ 1, tab, &got, lg), 0);
	/* A flipped byte in a shard that is not read changes nothing here
	 * (the full load still refuses it); in the shard read, it fails. */
	applied_shard_span(&c0.s[NS_THREAT4], NS_THREAT4, 0x10, &lo0, &hi0);
	assert_true(hi0 > lo0);
	flip(rec0 + (off_t)lo0 * 4, 0x01);
	assert_int_equal(applied_load_shards(dir, h1, tab, &got, lg), 0);
	assert_int_not_equal(applied_load(dir, h1, &got), 0);
	flip(rec0 + (off_t)lo0 * 4, 0x01);
	assert_int_equal(applied_load(dir, h1, &got), 0);
	applied_shard_span(&c0.s[NS_THREAT4], NS_THREAT4, 0x42, &lo0, &hi0);
	flip(rec0 + (off_t)lo0 * 4 + 3, 0x80);
	assert_int_not_equal(applied_load_shards(dir, h1, tab, &got, lg), 0);
	flip(rec0 + (off_t)lo0 * 4 + 3, 0x80);
	assert_int_equal(applied_load_shards(dir, h1, tab, &got, lg), 0);
	/* A flipped byte in the table: it no longer adds up to the hash. */
	flip(16 + 40 + 8 * 0x10, 0x04);
	assert_int_not_equal(applied_load_shards(dir, h1, tab, &got, lg), 0);
	nset_all_free(&c0);
	nset_all_free(&c1);
	nset_all_free(&next);
	nset_all_free(&got);
	free(lg);
	free(tab);
}

/*
 * The invariant under damage: whatever single byte of the file is
 * flipped, a load that succeeds returns what the kernel holds (the
 * content of hash h), whole or shard by shard; never anything else.
 */
static void test_random_damage(void **state)
{
	struct nset_all c0, c1, next, got, full;
	struct applied_log *lg = calloc(1, sizeof(*lg));
	uint64_t *tab = malloc(APPLIED_TAB * sizeof(*tab)), h0, h1;
	int ok_whole = 0, ok_shards = 0, bad = 0;

	(void)state;
	assert_non_null(lg);
	assert_non_null(tab);
	nset_all_init(&c0);
	nset_all_init(&got);
	nset_all_init(&full);
	fill(&c0, NS_THREAT4, 2000);
	fill(&c0, NS_THREAT6, 200);
	fill(&c0, NS_THREAT4N, 50);
	h0 = applied_hash(&c0);
	copy_all(&c1, &c0);
	fill(&c1, NS_THREAT4, 20);
	fill(&c1, NS_THREAT6, 3);
	h1 = applied_hash(&c1);
	/* The lists: c1 with ten more addresses spread over shards. */
	copy_all(&next, &c1);
	fill(&next, NS_THREAT4, 10);
	(void)applied_hash_tab(&next, tab);
	for (int round = 0; round < 150; round++) {
		off_t size, at;

		assert_int_equal(applied_save(dir, &c0, h0), 0);
		assert_int_equal(applied_load_log(dir, h0, &got, lg), 0);
		assert_int_equal(applied_append(dir, lg, &got, &c1, h1), 0);
		size = fsize();
		at = (off_t)(rnd() % (uint32_t)size);
		flip(at, (uint8_t)(1u << (rnd() % 8)));
		if (applied_load(dir, h1, &full) == 0) {
			assert_same(&c1, &full);
			ok_whole++;
		}
		if (applied_load_shards(dir, h1, tab, &got, lg) == 0) {
			/* Each shard returned is c1's, record for record. */
			for (int i = 0; i < NS__COUNT; i++) {
				size_t k = 0;

				for (unsigned sh = 0; sh < APPLIED_SHARDS; sh++) {
					size_t lo, hi, w = c1.s[i].w;

					if (tab[i * APPLIED_SHARDS + sh] == lg->tab[i * APPLIED_SHARDS + sh])
						continue;
					applied_shard_span(&c1.s[i], i, sh, &lo, &hi);
					assert_true(k + hi - lo <= got.s[i].n);
					if (hi > lo)
						assert_memory_equal(got.s[i].v + k * w,
								    c1.s[i].v + lo * w, (hi - lo) * w);
					k += hi - lo;
				}
				assert_int_equal(k, got.s[i].n);
			}
			ok_shards++;
		} else {
			bad++;
		}
	}
	/* Both outcomes happen: damage where it is read, and where it is not. */
	assert_true(ok_shards > 0 && bad > 0);
	assert_true(ok_whole < ok_shards);
	nset_all_free(&c0);
	nset_all_free(&c1);
	nset_all_free(&next);
	nset_all_free(&got);
	nset_all_free(&full);
	free(lg);
	free(tab);
}

/* A link planted in the state dir is never followed, read or write. */
static void test_symlink_refused(void **state)
{
	struct nset_all cur, got;
	char target[160];
	struct stat st;
	uint64_t h;
	int fd;

	(void)state;
	nset_all_init(&cur);
	nset_all_init(&got);
	fill(&cur, NS_THREAT4, 100);
	h = applied_hash(&cur);
	snprintf(target, sizeof(target), "%s/victim", dir);
	fd = open(target, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(symlink(target, path), 0);
	assert_int_not_equal(applied_load(dir, h, &got), 0);
	/* Saving replaces the link itself (rename), never writes through it. */
	assert_int_equal(applied_save(dir, &cur, h), 0);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(applied_load(dir, h, &got), 0);
	unlink(target);
	nset_all_free(&cur);
	nset_all_free(&got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_base_and_deltas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail_and_missed_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shards, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_damage, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

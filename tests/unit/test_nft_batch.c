/* SPDX-License-Identifier: MIT */
/*
 * Batches built in memory, never sent: chunking into <= 64 KiB messages,
 * BEGIN/END framing, sequence numbers, the delta walk, interval elements,
 * and the error lines.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <libmnl/libmnl.h>

#include "nft.h"

struct walk {
	size_t msgs, elems, ends, adds, dels;
	uint32_t first_seq, last_seq;
	bool begin, end;
	uint8_t keys[64][16];
	uint32_t kflags[64];
	size_t nkeys;
};

static void walk_elems(struct walk *w, struct nlmsghdr *nlh)
{
	struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		struct nlattr *le;

		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		/* The nest's 16-bit length must cover the whole list. */
		assert_true((const char *)a + mnl_attr_get_len(a) ==
			    (const char *)nlh + nlh->nlmsg_len);
		mnl_attr_for_each_nested(le, a) {
			struct nlattr *x;
			const struct nlattr *key = NULL;
			uint32_t flags = 0;

			mnl_attr_for_each_nested(x, le) {
				if (mnl_attr_get_type(x) == NFTA_SET_ELEM_KEY)
					key = mnl_attr_get_payload(x);
				if (mnl_attr_get_type(x) == NFTA_SET_ELEM_FLAGS)
					flags = ntohl(mnl_attr_get_u32(x));
			}
			assert_non_null(key);
			if (w->nkeys < 64) {
				memcpy(w->keys[w->nkeys], mnl_attr_get_payload(key),
				       mnl_attr_get_payload_len(key));
				w->kflags[w->nkeys++] = flags;
			}
			w->elems++;
			w->ends += !!(flags & NFT_SET_ELEM_INTERVAL_END);
		}
	}
}

static void walk(const struct nft_batch *b, struct walk *w)
{
	memset(w, 0, sizeof(*w));
	for (size_t p = 0; p < b->npages; p++) {
		int left = (int)b->pages[p].len;
		struct nlmsghdr *nlh = (void *)b->pages[p].buf;

		assert_true(b->pages[p].len <= b->page_size);
		for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
			uint16_t type = nlh->nlmsg_type;

			assert_true(nlh->nlmsg_len <= NFT_MSG_MAX);
			if (type == NFNL_MSG_BATCH_BEGIN) {
				assert_false(w->begin);
				w->begin = true;
				w->first_seq = nlh->nlmsg_seq;
				continue;
			}
			if (type == NFNL_MSG_BATCH_END) {
				w->end = true;
				continue;
			}
			assert_true(w->begin);
			assert_false(w->end);
			assert_int_equal(nlh->nlmsg_seq, w->first_seq + 1 + w->msgs);
			assert_true(nlh->nlmsg_flags & NLM_F_ACK);
			w->msgs++;
			w->last_seq = nlh->nlmsg_seq;
			if ((type & 0xff) == NFT_MSG_NEWSETELEM)
				w->adds++;
			if ((type & 0xff) == NFT_MSG_DELSETELEM)
				w->dels++;
			walk_elems(w, nlh);
		}
		assert_int_equal(left, 0);
	}
}

static uint32_t k32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return ntohl(v);
}

static void put4(struct nset_vec *v, uint32_t host)
{
	uint32_t be = htonl(host);

	assert_int_equal(nset_vec_push(v, (const uint8_t *)&be), 0);
}

static void put_range4(struct nset_vec *v, uint32_t lo, uint32_t hi)
{
	uint32_t rec[2] = { htonl(lo), htonl(hi) };

	assert_int_equal(nset_vec_push(v, (const uint8_t *)rec), 0);
}

static void test_chunking(void **state)
{
	struct nset_vec v = { .w = 4 };
	struct nft_batch b;
	struct walk w;
	size_t count = 0;
	const size_t n = 200000;

	(void)state;
	for (size_t i = 0; i < n; i++)
		put4(&v, 0x0a000000u + (uint32_t)i * 3);
	assert_int_equal(nft_batch_init(&b, 1000), 0);
	nset_load(&b, NS_THREAT4, &v, &count);
	assert_int_equal(nft_batch_finish(&b), 0);
	assert_int_equal(count, n);
	walk(&b, &w);
	assert_true(w.begin && w.end);
	assert_int_equal(w.elems, n);
	assert_int_equal(w.msgs, nft_batch_count(&b));
	/* 16 bytes per IPv4 element: about 4000 per 64 KiB message. */
	assert_true(w.msgs >= n * 16 / NFT_MSG_MAX);
	assert_true(w.msgs <= n * 16 / (NFT_MSG_MAX - 64) + 1);
	nft_batch_free(&b);

	/* Smaller messages: the same elements, more messages. */
	assert_int_equal(nft_batch_init(&b, 1), 0);
	b.msg_max = 1024;
	count = 0;
	nset_load(&b, NS_THREAT4, &v, &count);
	assert_int_equal(nft_batch_finish(&b), 0);
	walk(&b, &w);
	assert_int_equal(w.elems, n);
	assert_true(w.msgs > n * 16 / 1024);
	nft_batch_free(&b);
	free(v.v);
}

/* want against have: the difference once (nset_diff), emitted as deletions then additions. */
static void delta(struct nft_batch *b, const struct nset_vec *want,
		  const struct nset_vec *have, size_t *removed, size_t *added)
{
	struct nset_vec del = { .w = want->w }, add = { .w = want->w };

	assert_int_equal(nset_diff(want, have, &del, &add), 0);
	nset_emit(b, NS_THREAT4, &del, true, removed);
	nset_emit(b, NS_THREAT4, &add, false, added);
	free(del.v);
	free(add.v);
}

static void test_delta_hosts(void **state)
{
	struct nset_vec want = { .w = 4 }, have = { .w = 4 };
	size_t added = 0, removed = 0;
	struct nft_batch b;
	struct walk w;

	(void)state;
	put4(&want, 5); put4(&want, 1); put4(&want, 3); put4(&want, 2);
	put4(&want, 3);
	put4(&have, 4); put4(&have, 3); put4(&have, 2);
	assert_int_equal(nset_vec_normalize(&want, false, 4), 0);
	assert_int_equal(nset_vec_normalize(&have, false, 4), 0);
	assert_int_equal(want.n, 4);
	assert_int_equal(nft_batch_init(&b, 7), 0);
	delta(&b, &want, &have, &removed, &added);
	assert_int_equal(nft_batch_finish(&b), 0);
	assert_int_equal(removed, 1);
	assert_int_equal(added, 2);
	walk(&b, &w);
	assert_int_equal(w.dels, 1);
	assert_int_equal(w.adds, 1);
	assert_int_equal(w.nkeys, 3);
	assert_int_equal(k32(w.keys[0]), 4); /* deleted first */
	assert_int_equal(k32(w.keys[1]), 1);
	assert_int_equal(k32(w.keys[2]), 5);
	nft_batch_free(&b);

	/* Same content: nothing at all. */
	assert_int_equal(nft_batch_init(&b, 7), 0);
	added = removed = 0;
	delta(&b, &want, &want, &removed, &added);
	assert_int_equal(nft_batch_count(&b), 0);
	assert_int_equal(added + removed, 0);
	nft_batch_free(&b);

	/* Long equal runs skipped whole, one difference in the middle. */
	{
		struct nset_vec big = { .w = 4 }, big2 = { .w = 4 };
		struct nset_vec del = { .w = 4 }, add = { .w = 4 };

		for (uint32_t k = 0; k < 10000; k++) {
			put4(&big, 2 * k);
			if (k != 5000)
				put4(&big2, 2 * k);
		}
		put4(&big2, 10001);
		assert_int_equal(nset_vec_normalize(&big2, false, 4), 0);
		assert_int_equal(nset_diff(&big, &big2, &del, &add), 0);
		assert_int_equal(add.n, 1);
		assert_int_equal(k32(add.v), 10000);
		assert_int_equal(del.n, 1);
		assert_int_equal(k32(del.v), 10001);
		free(big.v);
		free(big2.v);
		free(del.v);
		free(add.v);
	}
	free(want.v);
	free(have.v);
}

static void test_intervals(void **state)
{
	struct nset_vec want = { .w = 8 }, back = { .w = 8 };
	struct nset_kelem ke[8];
	struct nft_batch b;
	struct walk w;
	size_t count = 0, nk = 0;

	(void)state;
	put_range4(&want, 0xc6336400u, 0xc633647fu); /* 198.51.100.0/25 */
	put_range4(&want, 0xc6336480u, 0xc63364ffu); /* adjacent: merges */
	put_range4(&want, 0xffffff00u, 0xffffffffu); /* top: no end element */
	assert_int_equal(nset_vec_normalize(&want, true, 4), 0);
	assert_int_equal(want.n, 2);
	assert_int_equal(nft_batch_init(&b, 9), 0);
	nset_load(&b, NS_THREAT4N, &want, &count);
	assert_int_equal(nft_batch_finish(&b), 0);
	walk(&b, &w);
	assert_int_equal(w.elems, 3);
	assert_int_equal(w.ends, 1);
	assert_int_equal(k32(w.keys[0]), 0xc6336400u);
	assert_int_equal(k32(w.keys[1]), 0xc6336500u);
	assert_int_equal(w.kflags[1], NFT_SET_ELEM_INTERVAL_END);
	assert_int_equal(k32(w.keys[2]), 0xffffff00u);

	/* What the kernel would dump, in any order, back into ranges. */
	for (size_t i = w.nkeys; i-- > 0;) {
		memset(&ke[nk], 0, sizeof(ke[nk]));
		memcpy(ke[nk].key, w.keys[i], 4);
		ke[nk++].end = w.kflags[i] ? 1 : 0;
	}
	assert_int_equal(nset_from_elems(&back, ke, nk, 4), 0);
	assert_int_equal(back.n, want.n);
	assert_memory_equal(back.v, want.v, want.n * want.w);
	nft_batch_free(&b);
	free(want.v);
	free(back.v);
}

static void test_drop_covered(void **state)
{
	struct nset_vec hosts = { .w = 4 }, nets = { .w = 8 };

	(void)state;
	put4(&hosts, 10); put4(&hosts, 20); put4(&hosts, 30); put4(&hosts, 40);
	put_range4(&nets, 15, 25);
	put_range4(&nets, 40, 50);
	nset_drop_covered(&hosts, &nets, 4);
	assert_int_equal(hosts.n, 2);
	assert_int_equal(k32(hosts.v), 10);
	assert_int_equal(k32(hosts.v + 4), 30);
	free(hosts.v);
	free(nets.v);
}

static void test_errors(void **state)
{
	struct nft_msginfo m = { .seq = 5, .type = NFT_MSG_NEWSETELEM,
				 .what = "threat4" };
	char err[ERRLEN];

	(void)state;
	nft_strerror(-ENFILE, &m, err, sizeof(err));
	assert_non_null(strstr(err, "threat4"));
	assert_non_null(strstr(err, "set full"));
	nft_strerror(-EPERM, NULL, err, sizeof(err));
	assert_non_null(strstr(err, "CAP_NET_ADMIN"));
	m.type = NFT_MSG_NEWCHAIN;
	m.what = "input";
	nft_strerror(-EOPNOTSUPP, &m, err, sizeof(err));
	assert_non_null(strstr(err, "nf_tables support"));
	m.type = NFT_MSG_NEWRULE;
	nft_strerror(-ENOENT, &m, err, sizeof(err));
	assert_non_null(strstr(err, "module"));
}

/* Declared host-set sizes: room for half again, 3 * 2^k, hysteresis. */
static void test_set_size(void **state)
{
	(void)state;
	assert_int_equal(nset_size_for(0, 0), NSET_SIZE_MIN);
	assert_int_equal(nset_size_for(1000, 0), 3072);
	assert_int_equal(nset_size_for(2048, 0), 3072);
	assert_int_equal(nset_size_for(2049, 0), 6144);
	assert_int_equal(nset_size_for(888622, 0), 3u << 19); /* 1.5M */
	/* Kept while the set fits and is not 16x below it. */
	assert_int_equal(nset_size_for(12288, 12288), 12288);
	assert_int_equal(nset_size_for(768, 12288), 12288);
	assert_int_equal(nset_size_for(767, 12288), 3072);
	/* Grows only past the size: then room for half again. */
	assert_int_equal(nset_size_for(12289, 12288), 24576);
	/* An unsized set gets a size; a huge one stays unsized (0). */
	assert_int_equal(nset_size_for(5000, 0), 12288);
	assert_int_equal(nset_size_for(NSET_SIZE_MAX, 0), 0);
	assert_int_equal(nset_size_for(NSET_SIZE_MAX / 3 * 2, 0), NSET_SIZE_MAX);
	/* Every size leaves room: n <= size, and the kernel's buckets
	 * (4/3 of it) are a power of two. */
	for (size_t n = 1; n < (1u << 22); n = n * 3 / 2 + 1) {
		uint32_t sz = nset_size_for(n, 0);

		assert_true(sz >= n + n / 2);
		assert_int_equal((sz / 3 * 4) & (sz / 3 * 4 - 1), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chunking),
		cmocka_unit_test(test_delta_hosts),
		cmocka_unit_test(test_intervals),
		cmocka_unit_test(test_drop_covered),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_set_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

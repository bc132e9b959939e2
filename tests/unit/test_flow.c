/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "finding.h"
#include "findings.h"
#include "flow.h"
#include "hidx.h"

static struct pkt_info tcp(const char *src, uint16_t sp, const char *dst,
			   uint16_t dp, uint8_t flags)
{
	struct pkt_info p;

	memset(&p, 0, sizeof(p));
	assert_true(addr_parse(src, &p.src));
	assert_true(addr_parse(dst, &p.dst));
	p.sport = sp;
	p.dport = dp;
	p.proto = IPPROTO_TCP;
	p.has_ports = true;
	p.tcp_flags = flags;
	p.ip_len = 60;
	return p;
}

static void test_direction_and_handshake(void **state)
{
	struct flow_table *t = flow_table_new(16);
	struct pkt_info syn = tcp("192.0.2.10", 40000, "203.0.113.7", 443, PKT_TCP_SYN);
	struct pkt_info synack = tcp("203.0.113.7", 443, "192.0.2.10", 40000,
				     PKT_TCP_SYN | PKT_TCP_ACK);
	struct pkt_info ack = tcp("192.0.2.10", 40000, "203.0.113.7", 443, PKT_TCP_ACK);
	struct flow *f, *g;
	bool created, from_init;

	(void)state;
	f = flow_track(t, &syn, 1, &created, &from_init);
	assert_non_null(f);
	assert_true(created);
	assert_true(from_init);
	g = flow_track(t, &synack, 2, &created, &from_init);
	assert_ptr_equal(f, g);
	assert_false(created);
	assert_false(from_init);
	flow_track(t, &ack, 3, &created, &from_init);
	assert_true(f->flags & FLOW_SYN);
	assert_true(f->flags & FLOW_SYNACK);
	assert_true(f->flags & FLOW_ESTAB);
	assert_true(f->flags & FLOW_REPLIED);
	assert_int_equal(f->packets, 3);
	assert_int_equal(f->bytes, 180);
	assert_int_equal(f->first_ns, 1);
	assert_int_equal(f->last_ns, 3);
	flow_table_free(t);
}

static void test_midstream(void **state)
{
	struct flow_table *t = flow_table_new(16);
	struct pkt_info data = tcp("203.0.113.7", 443, "192.0.2.10", 40000, PKT_TCP_ACK);
	struct flow *f;
	bool created, from_init;

	(void)state;
	f = flow_track(t, &data, 1, &created, &from_init);
	assert_true(f->flags & FLOW_MIDSTREAM);
	/* The first captured packet's sender is the initiator. */
	assert_true(addr_eq(&f->key.addr[0], &data.src));
	flow_table_free(t);
}

/*
 * A SYN-ACK seen before anything else of its flow (the SYN's probe or
 * flow was dropped): its sender is the responder, side 1.
 */
static void test_synack_first(void **state)
{
	struct flow_table *t = flow_table_new(16);
	struct pkt_info sa = tcp("192.0.2.10", 443, "203.0.113.7", 40000,
				 PKT_TCP_SYN | PKT_TCP_ACK);
	struct pkt_info ack = tcp("203.0.113.7", 40000, "192.0.2.10", 443, PKT_TCP_ACK);
	struct flow *f;
	bool created, from_init;

	(void)state;
	f = flow_track(t, &sa, 1, &created, &from_init);
	assert_true(created);
	assert_false(from_init);
	assert_true(addr_eq(&f->key.addr[0], &sa.dst));
	assert_int_equal(f->key.port[1], 443);
	assert_int_equal(f->flags & (FLOW_SYN | FLOW_SYNACK | FLOW_REPLIED | FLOW_ANSWER_FIRST),
			 FLOW_SYN | FLOW_SYNACK | FLOW_REPLIED | FLOW_ANSWER_FIRST);
	assert_ptr_equal(flow_track(t, &ack, 2, &created, &from_init), f);
	assert_true(from_init);
	assert_true(f->flags & FLOW_ESTAB);
	flow_table_free(t);
}

/*
 * Spoof resistance (sensor.md, "Spoofed contacts"): a responder's RST
 * answers nothing, a SYN-ACK alone completes nothing; a flow seen
 * mid-stream whose responder goes on holds a connection (established),
 * one whose responder resets does not.
 */
static void test_rst_not_answer(void **state)
{
	struct flow_table *t = flow_table_new(16);
	struct pkt_info syn = tcp("203.0.113.7", 5555, "192.0.2.10", 22, PKT_TCP_SYN);
	struct pkt_info rst = tcp("192.0.2.10", 22, "203.0.113.7", 5555,
				  PKT_TCP_RST | PKT_TCP_ACK);
	struct pkt_info syn2 = tcp("203.0.113.7", 5556, "192.0.2.10", 443, PKT_TCP_SYN);
	struct pkt_info sa = tcp("192.0.2.10", 443, "203.0.113.7", 5556,
				 PKT_TCP_SYN | PKT_TCP_ACK);
	struct pkt_info ack = tcp("203.0.113.7", 7000, "192.0.2.10", 80, PKT_TCP_ACK);
	struct pkt_info rst2 = tcp("192.0.2.10", 80, "203.0.113.7", 7000, PKT_TCP_RST);
	struct pkt_info ack2 = tcp("203.0.113.7", 7001, "192.0.2.10", 80, PKT_TCP_ACK);
	struct pkt_info back2 = tcp("192.0.2.10", 80, "203.0.113.7", 7001, PKT_TCP_ACK);
	struct flow *f;
	bool created, from_init;

	(void)state;
	f = flow_track(t, &syn, 1, &created, &from_init);
	assert_ptr_equal(flow_track(t, &rst, 2, &created, &from_init), f);
	assert_false(from_init);
	assert_int_equal(f->flags & (FLOW_REPLIED | FLOW_ESTAB), 0);
	f = flow_track(t, &syn2, 3, &created, &from_init);
	flow_track(t, &sa, 4, &created, &from_init);
	assert_true(f->flags & FLOW_SYNACK);
	assert_true(f->flags & FLOW_REPLIED);
	assert_false(f->flags & FLOW_ESTAB);
	f = flow_track(t, &ack, 5, &created, &from_init);
	flow_track(t, &rst2, 6, &created, &from_init);
	assert_int_equal(f->flags & (FLOW_MIDSTREAM | FLOW_REPLIED | FLOW_ESTAB), FLOW_MIDSTREAM);
	f = flow_track(t, &ack2, 7, &created, &from_init);
	flow_track(t, &back2, 8, &created, &from_init);
	assert_int_equal(f->flags & (FLOW_MIDSTREAM | FLOW_REPLIED | FLOW_ESTAB),
			 FLOW_MIDSTREAM | FLOW_REPLIED | FLOW_ESTAB);
	flow_table_free(t);
}

/* flow_peek() finds a flow from either side and accounts nothing. */
static void test_peek(void **state)
{
	struct flow_table *t = flow_table_new(16);
	struct pkt_info syn = tcp("203.0.113.7", 5555, "192.0.2.10", 22, PKT_TCP_SYN);
	struct pkt_info back = tcp("192.0.2.10", 22, "203.0.113.7", 5555, PKT_TCP_ACK);
	struct pkt_info other = tcp("192.0.2.10", 22, "203.0.113.7", 5556, PKT_TCP_ACK);
	struct flow *f;
	bool created, from_init;

	(void)state;
	f = flow_track(t, &syn, 1, &created, &from_init);
	assert_ptr_equal(flow_peek(t, &syn), f);
	assert_ptr_equal(flow_peek(t, &back), f);
	assert_null(flow_peek(t, &other));
	assert_int_equal(f->packets, 1);
	assert_int_equal(f->last_ns, 1);
	assert_false(f->flags & FLOW_REPLIED);
	flow_table_free(t);
}

/* An ICMP echo reply seen first is an answer too (flow.h). */
static void test_echo_reply_first(void **state)
{
	struct flow_table *t = flow_table_new(16);
	struct pkt_info rep, req;
	struct flow *f;
	bool created, from_init;

	(void)state;
	memset(&rep, 0, sizeof(rep));
	assert_true(addr_parse("192.0.2.10", &rep.src));
	assert_true(addr_parse("203.0.113.7", &rep.dst));
	rep.proto = IPPROTO_ICMP;
	rep.icmp_type = 0;
	rep.ip_len = 84;
	req = rep;
	req.src = rep.dst;
	req.dst = rep.src;
	req.icmp_type = 8;
	f = flow_track(t, &rep, 1, &created, &from_init);
	assert_true(created);
	assert_false(from_init);
	assert_true(addr_eq(&f->key.addr[0], &rep.dst));
	assert_int_equal(f->flags & (FLOW_ANSWER_FIRST | FLOW_REPLIED),
			 FLOW_ANSWER_FIRST | FLOW_REPLIED);
	assert_ptr_equal(flow_track(t, &req, 2, &created, &from_init), f);
	assert_true(from_init);
	/* A request seen first is an initiation, as before. */
	req.src = rep.src;
	req.dst = rep.dst;
	assert_true(addr_parse("203.0.113.8", &req.dst));
	f = flow_track(t, &req, 3, &created, &from_init);
	assert_true(from_init);
	assert_false(f->flags & FLOW_ANSWER_FIRST);
	flow_table_free(t);
}

static int evicted;
static void on_evict(struct flow *f, void *arg)
{
	(void)f;
	(void)arg;
	evicted++;
}

static void test_bounded(void **state)
{
	struct flow_table *t = flow_table_new(16);
	struct flow_stats st;
	bool created, from_init;

	(void)state;
	flow_table_set_evict_cb(t, on_evict, NULL);
	for (uint16_t i = 0; i < 1000; i++) {
		struct pkt_info p = tcp("192.0.2.10", (uint16_t)(1000 + i),
					"203.0.113.7", 443, PKT_TCP_SYN);

		assert_non_null(flow_track(t, &p, i, &created, &from_init));
		assert_true(created);
	}
	flow_table_stats(t, &st);
	assert_int_equal(st.active, 16);
	assert_int_equal(st.created, 1000);
	assert_int_equal(st.evicted, 1000 - 16);
	assert_int_equal(evicted, 1000 - 16);
	/* The most recent flow is still there, the oldest is gone. */
	{
		struct pkt_info last = tcp("192.0.2.10", 1999, "203.0.113.7", 443, 0);
		struct pkt_info first = tcp("192.0.2.10", 1000, "203.0.113.7", 443, 0);

		flow_track(t, &last, 2000, &created, &from_init);
		assert_false(created);
		flow_track(t, &first, 2001, &created, &from_init);
		assert_true(created);
	}
	flow_table_free(t);
}

/*
 * The compact index against a plain array: random inserts and removes
 * (backward-shift deletion keeps every entry reachable), growing as it
 * fills, colliding hashes on purpose.
 */
static void test_hidx_shadow(void **state)
{
	enum { N = 5000 };
	static uint32_t hash[N];
	static bool in[N];
	struct hidx h;
	uint32_t r = 1;

	(void)state;
	assert_int_equal(hidx_init(&h, N), 0);
	for (int i = 0; i < N; i++)
		hash[i] = (uint32_t)i * 2654435761u & 0xfff0fff; /* clustered */
	for (int step = 0; step < 200000; step++) {
		uint32_t k;

		r = r * 1103515245u + 12345u;
		k = (r >> 8) % N;
		if (in[k])
			hidx_remove(&h, hash[k], k);
		else
			assert_int_equal(hidx_insert(&h, hash[k], k), 0);
		in[k] = !in[k];
		if (step % 9973)
			continue;
		for (uint32_t j = 0; j < N; j++) {
			bool found = false;

			for (uint32_t i = hidx_home(&h, hash[j]); h.s[i].ref; i = hidx_step(&h, i))
				found |= h.s[i].ref == j + 1;
			assert_int_equal(found, in[j]);
		}
	}
	hidx_free(&h);
}

static size_t rss_kb(void)
{
	unsigned long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	assert_non_null(f);
	assert_int_equal(fscanf(f, "%lu %lu", &size, &res), 2);
	fclose(f);
	return res * (size_t)sysconf(_SC_PAGESIZE) / 1024;
}

/*
 * The tables' memory: zeroes of every size class (heap, own mapping,
 * whole 2 MiB pages), cache-line aligned, 2 MiB aligned from
 * HIDX_HUGE_MIN, writable to the last byte; a large one takes no memory
 * until written, and a slab of it hands out records in order to its bound.
 */
static void test_hidx_zalloc(void **state)
{
	const size_t sizes[] = { 1, 100, HIDX_ZMAP - 1, HIDX_ZMAP, 300000,
				 HIDX_HUGE_MIN - 1, HIDX_HUGE_MIN, (5u << 20) + 7 };
	struct hidx_slab sl;
	size_t before;
	uint32_t rec;
	char *p;

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];

		p = hidx_zalloc(n);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 64, 0);
		if (n >= HIDX_HUGE_MIN)
			assert_int_equal((uintptr_t)p % (2u << 20), 0);
		for (size_t j = 0; j < n; j += 4096)
			assert_int_equal(p[j], 0);
		assert_int_equal(p[n - 1], 0);
		p[0] = 1;
		p[n - 1] = 1;
		hidx_zfree(p, n);
	}
	hidx_zfree(NULL, 1 << 20);
	assert_null(hidx_zalloc(SIZE_MAX - 4096));

	/* 256 MiB of address space, no memory until written. */
	before = rss_kb();
	p = hidx_zalloc(256u << 20);
	assert_non_null(p);
	assert_true(rss_kb() < before + 1024);
	p[(128u << 20) + 5] = 7;
	assert_true(rss_kb() < before + 8192);
	hidx_zfree(p, 256u << 20);

	assert_int_equal(hidx_slab_init(&sl, 100, 50000), 0); /* 6.4 MB */
	assert_int_equal(sl.stride, 128);
	assert_int_equal((uintptr_t)sl.base % (2u << 20), 0);
	for (uint32_t i = 0; i < 50000; i++) {
		char *r = hidx_slab_new(&sl, &rec);

		assert_non_null(r);
		assert_int_equal(rec, i);
		assert_ptr_equal(r, hidx_slab_at(&sl, i));
		assert_int_equal(r[0] | r[99], 0);
		memset(r, 0xff, 100);
	}
	assert_null(hidx_slab_new(&sl, &rec));
	hidx_slab_free(&sl);
}

static void test_findings_key_and_json(void **state)
{
	struct findings *fs = findings_new(2);
	struct finding_key k;
	struct finding *f, *g;
	bool created;
	char *json;

	(void)state;
	memset(&k, 0, sizeof(k));
	assert_true(addr_parse("2001:db8:1::10", &k.local));
	assert_true(addr_parse("2001:db8:bad::1", &k.remote));
	k.proto = IPPROTO_ICMPV6;
	k.dir = FINDING_OUTBOUND;
	f = findings_get(fs, &k, 1767225600000000000ull, false, &created);
	assert_true(created);
	g = findings_get(fs, &k, 5, false, &created);
	assert_false(created);
	assert_ptr_equal(f, g);
	assert_int_equal(strlen(findings_id(f)), 32);
	f->count = 1;
	f->packets = 2;
	f->bytes = 208;
	json = finding_to_json(f, &(struct finding_ctx){ .instance_id = "i-0abc" });
	assert_non_null(json);
	assert_non_null(strstr(json, "\"ipAddressV6\":\"2001:db8:bad::1\""));
	assert_non_null(strstr(json, "\"protocol\":\"ICMPV6\""));
	assert_null(strstr(json, "PortDetails")); /* no ports for ICMP */
	assert_non_null(strstr(json, "\"createdAt\":\"2026-01-01T00:00:00.000Z\""));
	assert_non_null(strstr(json, "\"instanceId\":\"i-0abc\""));
	free(json);
	/* Bounded: a third key takes the least recent one's place. */
	k.service_port = 1;
	assert_non_null(findings_get(fs, &k, 5, false, &created));
	k.service_port = 2;
	assert_non_null(findings_get(fs, &k, 5, false, &created));
	assert_true(created);
	assert_int_equal(findings_count(fs), 2);
	findings_free(fs);
	findings_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_direction_and_handshake),
		cmocka_unit_test(test_midstream),
		cmocka_unit_test(test_synack_first),
		cmocka_unit_test(test_rst_not_answer),
		cmocka_unit_test(test_peek),
		cmocka_unit_test(test_echo_reply_first),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_hidx_shadow),
		cmocka_unit_test(test_hidx_zalloc),
		cmocka_unit_test(test_findings_key_and_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

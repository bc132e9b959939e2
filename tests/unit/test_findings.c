/* SPDX-License-Identifier: MIT */
/*
 * The findings table under a flood (issue 11 item 1): a scan must not
 * make the sensor blind. Table-level cases, then the whole sensor with a
 * real threat set: 70 000 UDP probes from a listed /24 to distinct ports,
 * then the host's own SYN to a listed C2.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "findings_out.h"
#include "sensor.h"
#include "tset_testlib.h"

static struct finding_key key(const char *local, const char *remote,
			      uint8_t dir, uint8_t proto, uint16_t port)
{
	struct finding_key k;

	memset(&k, 0, sizeof(k));
	assert_true(addr_parse(local, &k.local));
	assert_true(addr_parse(remote, &k.remote));
	k.dir = dir;
	k.proto = proto;
	k.service_port = port;
	return k;
}

/*
 * Full of noise: a new noise key takes the place of one not updated since
 * the CLOCK hand last passed (f[0] was: it gets a second chance).
 */
static void test_evict_noise_lru(void **state)
{
	struct findings *fs = findings_new(3);
	struct finding *f[4];
	struct findings_stats st;
	bool created;
	uint32_t gen;

	(void)state;
	for (int i = 0; i < 3; i++) {
		struct finding_key k = key("192.0.2.10", "203.0.113.1", FINDING_INBOUND,
					   IPPROTO_UDP, (uint16_t)(100 + i));

		f[i] = findings_get(fs, &k, (uint64_t)i, false, &created);
		assert_non_null(f[i]);
		assert_true(created);
	}
	findings_touch(fs, f[0], false); /* f[1] is now the least recent */
	gen = f[1]->gen;
	{
		struct finding_key k = key("192.0.2.10", "203.0.113.2", FINDING_INBOUND,
					   IPPROTO_UDP, 7);

		f[3] = findings_get(fs, &k, 9, false, &created);
	}
	assert_non_null(f[3]);
	assert_true(created);
	assert_ptr_equal(f[3], f[1]); /* the memory is reused... */
	assert_false(findings_same(f[1], gen)); /* ...and the old pointer knows it */
	assert_int_equal(findings_count(fs), 3);
	findings_get_stats(fs, &st);
	assert_int_equal(st.evicted, 1);
	assert_int_equal(st.created, 4);
	/* Creation order of what is left: f[0], f[2], then the new one. */
	assert_ptr_equal(findings_first(fs), f[0]);
	assert_ptr_equal(findings_next(f[0]), f[2]);
	assert_ptr_equal(findings_next(f[2]), f[3]);
	assert_null(findings_next(f[3]));
	findings_free(fs);
}

/* Full of kept findings: noise is refused (counted), a kept key gets in. */
static void test_kept_always_finds_room(void **state)
{
	struct findings *fs = findings_new(2);
	struct finding_key a = key("192.0.2.10", "203.0.113.1", FINDING_OUTBOUND,
				   IPPROTO_TCP, 443);
	struct finding_key b = key("192.0.2.10", "203.0.113.2", FINDING_INBOUND,
				   IPPROTO_TCP, 22);
	struct finding_key c = key("192.0.2.10", "203.0.113.3", FINDING_INBOUND,
				   IPPROTO_UDP, 53);
	struct finding_key d = key("192.0.2.10", "203.0.113.4", FINDING_OUTBOUND,
				   IPPROTO_TCP, 443);
	struct finding *fa, *fb, *fd;
	struct findings_stats st;
	bool created;

	(void)state;
	fa = findings_get(fs, &a, 1, true, &created);
	fb = findings_get(fs, &b, 2, false, &created);
	assert_non_null(fa);
	assert_non_null(fb);
	findings_touch(fs, fb, true); /* the host answered: kept from now on */
	assert_null(findings_get(fs, &c, 3, false, &created));
	findings_get_stats(fs, &st);
	assert_int_equal(st.refused, 1);
	assert_int_equal(st.evicted, 0);
	/*
	 * fb was updated since it was made (the answer), fa was not: CLOCK
	 * gives fb its second chance and takes fa's place.
	 */
	fd = findings_get(fs, &d, 4, true, &created);
	assert_non_null(fd);
	assert_true(created);
	assert_int_equal(fd->key.dir, FINDING_OUTBOUND);
	findings_get_stats(fs, &st);
	assert_int_equal(st.evicted, 1);
	assert_ptr_equal(findings_first(fs), fb);
	assert_ptr_equal(findings_next(fb), fd);
	findings_free(fs);
}

/* A key that explodes over ports folds its new ports into one finding. */
static void test_many_ports_merge(void **state)
{
	struct findings *fs = findings_new(1000);
	struct finding *many = NULL, *f;
	struct findings_stats st;
	bool created;
	char id0[33];

	(void)state;
	for (int p = 1; p <= 500; p++) {
		struct finding_key k = key("192.0.2.10", "203.0.113.9", FINDING_INBOUND,
					   IPPROTO_UDP, (uint16_t)p);

		f = findings_get(fs, &k, (uint64_t)p, false, &created);
		assert_non_null(f);
		if (p <= FINDINGS_PORTS_MAX) {
			assert_true(created);
			assert_int_equal(f->key.service_port, p);
			assert_int_equal(f->key.many, 0);
		} else if (p == FINDINGS_PORTS_MAX + 1) {
			assert_true(created);
			assert_int_equal(f->key.service_port, 0);
			assert_int_equal(f->key.many, 1);
			many = f;
		} else {
			assert_false(created);
			assert_ptr_equal(f, many);
		}
	}
	assert_int_equal(findings_count(fs), FINDINGS_PORTS_MAX + 1);
	findings_get_stats(fs, &st);
	assert_int_equal(st.merged, 500 - FINDINGS_PORTS_MAX);
	/* A known port still goes to its own finding. */
	{
		struct finding_key k = key("192.0.2.10", "203.0.113.9", FINDING_INBOUND,
					   IPPROTO_UDP, 3);

		f = findings_get(fs, &k, 999, false, &created);
		assert_false(created);
		assert_int_equal(f->key.service_port, 3);
	}
	/* The many-ports id is not the id a real port 0 finding would get. */
	memcpy(id0, findings_id(many), sizeof(id0));
	{
		struct finding_key k = key("192.0.2.10", "203.0.113.9", FINDING_INBOUND,
					   IPPROTO_UDP, 0);
		struct findings *fs2 = findings_new(4);

		f = findings_get(fs2, &k, FINDINGS_PORTS_MAX + 1, false, &created);
		assert_string_not_equal(findings_id(f), id0);
		findings_free(fs2);
	}
	/* Another direction of the same remote is its own group. */
	{
		struct finding_key k = key("192.0.2.10", "203.0.113.9", FINDING_OUTBOUND,
					   IPPROTO_UDP, 4444);

		f = findings_get(fs, &k, 1000, true, &created);
		assert_true(created);
		assert_int_equal(f->key.service_port, 4444);
	}
	findings_free(fs);
}

/*
 * Random churn through a small table (evictions, group slots moving and
 * going): every finding held is found by its key, and each group's count
 * stays exact: a remote holding 16 per-port findings folds a new port,
 * one holding fewer gives it its own finding.
 */
static void test_churn_index_and_groups(void **state)
{
	enum { REMOTES = 20 };
	struct findings *fs = findings_new(300);
	int per[REMOTES], folded = 0, own = 0;
	struct finding *f;
	uint32_t r = 99;
	bool created;
	char remote[32];

	(void)state;
	for (int i = 0; i < 30000; i++) {
		struct finding_key k;

		r = r * 1103515245u + 12345u;
		snprintf(remote, sizeof(remote), "203.0.113.%u", (r >> 8) % REMOTES);
		k = key("192.0.2.10", remote, FINDING_INBOUND, IPPROTO_UDP,
			(uint16_t)(1 + (r >> 16) % 24));
		f = findings_get(fs, &k, i, (r >> 4) % 50 == 0, &created);
		if (f)
			findings_touch(fs, f, false);
	}
	memset(per, 0, sizeof(per));
	for (f = findings_first(fs); f; f = findings_next(f)) {
		struct finding_key k = f->key;
		struct finding *g = findings_get(fs, &k, 0, false, &created);

		assert_ptr_equal(g, f);
		assert_false(created);
		if (!f->key.many)
			per[f->key.remote.u.b[3]]++;
	}
	for (int i = 0; i < REMOTES; i++) {
		struct finding_key k;
		int held = 0;

		assert_true(per[i] <= FINDINGS_PORTS_MAX);
		/* Counted again: the previous round's new finding evicted one. */
		for (f = findings_first(fs); f; f = findings_next(f))
			held += !f->key.many && f->key.remote.u.b[3] == i;
		snprintf(remote, sizeof(remote), "203.0.113.%d", i);
		k = key("192.0.2.10", remote, FINDING_INBOUND, IPPROTO_UDP,
			(uint16_t)(5000 + i));
		/* The fold is decided before room is made. */
		f = findings_get(fs, &k, 1, true, &created);
		assert_non_null(f);
		if (held == FINDINGS_PORTS_MAX) {
			assert_int_equal(f->key.many, 1);
			folded++;
		} else {
			assert_int_equal(f->key.service_port, 5000 + i);
			own++;
		}
	}
	assert_true(folded > 0 && own > 0); /* both cases were seen */
	findings_free(fs);
}

/* Raw IPv4 + UDP/TCP header, enough for pkt_parse(DLT_RAW). */
static size_t ip4(uint8_t *b, const char *src, const char *dst, uint8_t proto,
		  uint16_t sp, uint16_t dp, uint8_t tcp_flags)
{
	size_t l4 = proto == IPPROTO_TCP ? 20 : 8;
	uint16_t tot = (uint16_t)(20 + l4);

	memset(b, 0, tot);
	b[0] = 0x45;
	b[2] = (uint8_t)(tot >> 8);
	b[3] = (uint8_t)tot;
	b[8] = 64;
	b[9] = proto;
	assert_int_equal(inet_pton(AF_INET, src, b + 12), 1);
	assert_int_equal(inet_pton(AF_INET, dst, b + 16), 1);
	b[20] = (uint8_t)(sp >> 8);
	b[21] = (uint8_t)sp;
	b[22] = (uint8_t)(dp >> 8);
	b[23] = (uint8_t)dp;
	if (proto == IPPROTO_TCP) {
		b[32] = 5 << 4;
		b[33] = tcp_flags;
	} else {
		b[24] = 0;
		b[25] = 8;
	}
	return tot;
}

/*
 * The sensor-level tests' rig: a sensor matching one threat list, and
 * what it holds.
 */
struct rig {
	struct list *l;
	struct tset *t;
	struct sensor *s;
};

/* rig_up: the set of L and a sensor with options O (NULL: the defaults) matching it. */
static struct sensor *rig_up(struct rig *r, struct list *l, const struct sensor_opts *o)
{
	struct sensor_opts def;

	r->l = l;
	r->t = build(&r->l, 1);
	if (!o) {
		sensor_opts_default(&def);
		o = &def;
	}
	r->s = sensor_new(o);
	assert_non_null(r->s);
	sensor_set_tset(r->s, r->t);
	return r->s;
}

static void rig_down(struct rig *r)
{
	sensor_free(r->s);
	tset_free(r->t);
	free_list(r->l);
}

/*
 * A fragmented UDP datagram from a listed source, both fragments in one
 * batch: the later one takes the first one's ports (frag.h) inside
 * sensor_match(), after the batch hashed its keys without them; it must
 * count with the first one's probe and finding, not make a second finding
 * of the same key under the port-less key's hash. The same with the
 * frames one at a time (sensor_packet(), no batch hashes).
 */
static void test_fragments_batched(void **state)
{
	uint8_t a[64], b[64];
	size_t na, nb;

	(void)state;
	na = ip4(a, "203.0.113.66", "192.0.2.10", IPPROTO_UDP, 40000, 53, 0);
	a[3] = (uint8_t)(na + 8); /* 8 bytes of data after the UDP header */
	na += 8;
	a[4] = 0x12, a[5] = 0x34;  /* id */
	a[6] = 0x20;               /* MF, offset 0 */
	memset(a + 28, 'F', 8);
	memcpy(b, a, 20);
	b[2] = 0, b[3] = 28;       /* 20 + 8 bytes of data */
	b[6] = 0x00, b[7] = 0x02;  /* offset 16 bytes, last */
	memset(b + 20, 'G', 8);
	nb = 28;
	for (int batched = 1; batched >= 0; batched--) {
		struct sensor_frame fr[2] = { { a, na, 1000 }, { b, nb, 2000 } };
		struct rig r;
		struct sensor *s = rig_up(&r, MK(LIST_THREAT, "bad", "203.0.113.66"), NULL);
		struct finding *f;

		if (batched) {
			assert_int_equal(sensor_batch(s, DLT_RAW, fr, 2), 2);
		} else {
			assert_true(sensor_packet(s, DLT_RAW, a, na, 1000, NULL));
			assert_true(sensor_packet(s, DLT_RAW, b, nb, 2000, NULL));
		}
		assert_int_equal(sensor_get_stats(s)->reassembled, 1);
		assert_int_equal(findings_count(sensor_findings(s)), 1);
		f = findings_first(sensor_findings(s));
		assert_int_equal(f->key.service_port, 53);
		assert_int_equal(f->packets, 2);
		assert_int_equal(f->count, 1);
		rig_down(&r);
	}
}

/*
 * The reproduction: 70 000 inbound UDP probes from a listed /24
 * to distinct ports fill a 65 536-finding table, then the host's own SYN
 * to a listed C2 must still make an OUTBOUND finding.
 */
static void test_scan_then_c2(void **state)
{
	struct rig r;
	struct sensor_opts o;
	struct sensor *s;
	struct sensor_event ev;
	const struct sensor_stats *st;
	struct finding *f;
	uint8_t b[64];
	size_t n, outbound = 0, total = 0;
	char src[32];

	(void)state;
	sensor_opts_default(&o);
	s = rig_up(&r, MK(LIST_THREAT, "bad", "198.51.100.0/24", "203.0.113.66"), &o);
	for (uint32_t i = 0; i < 70000; i++) {
		snprintf(src, sizeof(src), "198.51.100.%u", i % 256);
		n = ip4(b, src, "192.0.2.10", IPPROTO_UDP, 40000,
			(uint16_t)(1 + i % 65535), 0);
		assert_true(sensor_packet(s, DLT_RAW, b, n, 1000 + i, NULL));
	}
	n = ip4(b, "192.0.2.10", "203.0.113.66", IPPROTO_TCP, 45000, 443,
		PKT_TCP_SYN);
	assert_true(sensor_packet(s, DLT_RAW, b, n, 999999, &ev));
	assert_true(ev.new_finding);
	assert_int_equal(ev.finding->key.dir, FINDING_OUTBOUND);
	for (f = findings_first(sensor_findings(s)); f; f = findings_next(f)) {
		total++;
		outbound += f->key.dir == FINDING_OUTBOUND;
	}
	assert_int_equal(outbound, 1);
	/* 256 remotes: 16 per-port findings and one many-ports finding each. */
	assert_int_equal(total, 256 * (FINDINGS_PORTS_MAX + 1) + 1);
	assert_true(total <= o.max_findings);
	st = sensor_get_stats(s);
	assert_int_equal(st->matched, 70001);
	assert_int_equal(st->lost, 0);
	rig_down(&r);
}

/*
 * A finding names its list by pointer (sensor_explain()): when the set is
 * replaced and freed with its lists, findings keep the name (the
 * sensor's copy, one per name, renewed at every replacement, so names no
 * finding holds any more go); the new set's findings name its lists.
 */
static void test_names_outlive_set(void **state)
{
	struct list *l2[2], *l3;
	struct tset *t2, *t3;
	struct finding_rec rec;
	struct sensor_event ev;
	struct finding *fa, *fb, *fc;
	struct rig r;
	struct sensor *s;
	uint8_t b[64];
	size_t n;

	(void)state;
	s = rig_up(&r, MK(LIST_THREAT, "alpha.txt", "198.51.100.7", "198.51.100.8"), NULL);
	n = ip4(b, "198.51.100.7", "192.0.2.10", IPPROTO_TCP, 40000, 22, PKT_TCP_SYN);
	assert_true(sensor_packet(s, DLT_RAW, b, n, 1000, &ev));
	fa = ev.finding;
	n = ip4(b, "198.51.100.8", "192.0.2.10", IPPROTO_TCP, 40000, 22, PKT_TCP_SYN);
	assert_true(sensor_packet(s, DLT_RAW, b, n, 1001, &ev));
	fb = ev.finding;
	assert_ptr_not_equal(fa, fb);

	/* Two lists now, the addresses on another one: the old set goes. */
	l2[0] = MK(LIST_THREAT, "beta.txt", "198.51.100.7");
	l2[1] = MK(LIST_THREAT, "gamma.txt", "203.0.113.9");
	t2 = build(l2, 2);
	sensor_set_tset(s, t2);
	tset_free(r.t);
	free_list(r.l);
	finding_rec_of(fa, &rec);
	assert_string_equal(rec.list_name, "alpha.txt");
	finding_rec_of(fb, &rec);
	assert_string_equal(rec.list_name, "alpha.txt");
	assert_ptr_equal(fa->list_name, fb->list_name); /* one copy */
	n = ip4(b, "192.0.2.10", "203.0.113.9", IPPROTO_TCP, 40001, 443, PKT_TCP_SYN);
	assert_true(sensor_packet(s, DLT_RAW, b, n, 2000, &ev));
	fc = ev.finding;
	sensor_explain(s, fc);
	finding_rec_of(fc, &rec);
	assert_string_equal(rec.list_name, "gamma.txt");

	/* Again: the copies are renewed, the second set's name copied too. */
	l3 = MK(LIST_THREAT, "delta.txt", "192.0.2.200");
	t3 = build(&l3, 1);
	sensor_set_tset(s, t3);
	tset_free(t2);
	free_list(l2[0]);
	free_list(l2[1]);
	finding_rec_of(fa, &rec);
	assert_string_equal(rec.list_name, "alpha.txt");
	finding_rec_of(fc, &rec);
	assert_string_equal(rec.list_name, "gamma.txt");
	sensor_free(s);
	tset_free(t3);
	free_list(l3);
}

/*
 * With a hold, new noise does not push out noise updated within it: it
 * is counted as held, in O(1) until the hand's candidate may go; an
 * update to a finding already there still lands; a kept key still finds
 * room; once the hold has passed, new noise evicts again.
 */
static void test_hold(void **state)
{
	const uint64_t s = 1000000000ull;
	struct findings *fs = findings_new(3);
	struct finding *f[3], *g;
	struct findings_stats st;
	bool created;

	(void)state;
	findings_set_hold(fs, 10 * s);
	for (int i = 0; i < 3; i++) {
		struct finding_key k = key("192.0.2.10", "203.0.113.1", FINDING_INBOUND,
					   IPPROTO_UDP, (uint16_t)(100 + i));

		f[i] = findings_get(fs, &k, (uint64_t)i * s, false, &created);
		assert_non_null(f[i]);
	}
	for (int i = 0; i < 1000; i++) {
		struct finding_key k = key("192.0.2.10", "203.0.113.2", FINDING_INBOUND,
					   IPPROTO_UDP, (uint16_t)(1000 + i));

		assert_null(findings_get(fs, &k, 5 * s, false, &created));
	}
	{
		struct finding_key k = key("192.0.2.10", "203.0.113.1", FINDING_INBOUND,
					   IPPROTO_UDP, 101);

		/* Already there: found, whatever the hold. */
		assert_ptr_equal(findings_get(fs, &k, 6 * s, false, &created), f[1]);
		assert_false(created);
	}
	findings_get_stats(fs, &st);
	assert_int_equal(st.held, 1000);
	assert_int_equal(st.evicted, 0);
	assert_int_equal(findings_count(fs), 3);
	{
		/* Kept: room at once, the hold notwithstanding. */
		struct finding_key k = key("192.0.2.10", "203.0.113.3", FINDING_OUTBOUND,
					   IPPROTO_TCP, 443);

		g = findings_get(fs, &k, 6 * s, true, &created);
		assert_non_null(g);
		assert_true(created);
	}
	{
		/* Two noise findings left, last updated at 1 s and 2 s (or 0 s). */
		struct finding_key k = key("192.0.2.10", "203.0.113.4", FINDING_INBOUND,
					   IPPROTO_UDP, 9);

		assert_null(findings_get(fs, &k, 11 * s - 1, false, &created));
		assert_non_null(findings_get(fs, &k, 12 * s, false, &created));
		assert_true(created);
	}
	findings_get_stats(fs, &st);
	assert_int_equal(st.held, 1001);
	assert_int_equal(st.evicted, 2);
	assert_int_equal(findings_count(fs), 3);
	findings_free(fs);
}

/*
 * A record stamped after "now": just updated (held), unless it is more
 * than a hold ahead (the clock went back, e.g. a live capture after a
 * step of the system clock): then it may go, or new noise would be held
 * out for as long as the step.
 */
static void test_hold_clock_back(void **state)
{
	const uint64_t s = 1000000000ull;
	struct findings *fs = findings_new(1);
	struct finding_key a = key("192.0.2.10", "203.0.113.1", FINDING_INBOUND,
				   IPPROTO_UDP, 1);
	struct finding_key b = key("192.0.2.10", "203.0.113.1", FINDING_INBOUND,
				   IPPROTO_UDP, 2);
	struct finding *f;
	bool created;

	(void)state;
	findings_set_hold(fs, 10 * s);
	f = findings_get(fs, &a, 5 * s, false, &created);
	assert_non_null(f);
	f->last_ns = 14 * s; /* 9 s ahead of now: held */
	assert_null(findings_get(fs, &b, 5 * s, false, &created));
	findings_set_hold(fs, 10 * s); /* forget the held-until time */
	f->last_ns = 1000 * s; /* far ahead: let go */
	findings_set_now(fs, 6 * s);
	assert_non_null(findings_get(fs, &b, 6 * s, false, &created));
	assert_true(created);
	findings_free(fs);
}

/* 100 000 distinct listed sources, one probe each, no hold: evicted and counted. */
static void test_many_sources_bounded(void **state)
{
	struct rig r;
	struct sensor_opts o;
	struct sensor *s;
	struct sensor_event ev;
	const struct sensor_stats *st;
	uint8_t b[64];
	size_t n;
	char src[32];

	(void)state;
	sensor_opts_default(&o);
	o.max_findings = 1000;
	o.max_flows = 1000;
	o.noise_hold_ns = 0;
	s = rig_up(&r, MK(LIST_THREAT, "bad", "10.0.0.0/8", "203.0.113.66"), &o);
	for (uint32_t i = 0; i < 100000; i++) {
		snprintf(src, sizeof(src), "10.%u.%u.%u", i >> 16, (i >> 8) & 255, i & 255);
		n = ip4(b, src, "192.0.2.10", IPPROTO_UDP, 40000, 53, 0);
		assert_true(sensor_packet(s, DLT_RAW, b, n, 1000 + i, NULL));
	}
	assert_int_equal(findings_count(sensor_findings(s)), 1000);
	st = sensor_get_stats(s);
	assert_int_equal(st->evicted, 100000 - 1000);
	n = ip4(b, "192.0.2.10", "203.0.113.66", IPPROTO_TCP, 45000, 443,
		PKT_TCP_SYN);
	assert_true(sensor_packet(s, DLT_RAW, b, n, 999999, &ev));
	assert_true(ev.new_finding);
	assert_int_equal(ev.finding->key.dir, FINDING_OUTBOUND);
	rig_down(&r);
}

/*
 * A probe needs no flow until the host answers: an inbound SYN from a
 * listed source, its retransmission (one flow: count 1), the host's
 * SYN-ACK (the probe becomes a flow, the prober its initiator: the
 * finding stays INBOUND and is answered), the prober's ACK (established).
 */
static void test_probe_then_answer(void **state)
{
	struct rig r;
	struct sensor *s;
	struct sensor_event ev;
	struct flow_stats fst;
	struct finding *f;
	uint8_t b[64];
	size_t n;

	(void)state;
	s = rig_up(&r, MK(LIST_THREAT, "bad", "198.51.100.0/24"), NULL);
	n = ip4(b, "198.51.100.7", "192.0.2.10", IPPROTO_TCP, 40000, 22, PKT_TCP_SYN);
	assert_true(sensor_packet(s, DLT_RAW, b, n, 1000, &ev));
	assert_null(ev.flow); /* a probe */
	assert_true(ev.new_flow);
	assert_true(ev.new_finding);
	f = ev.finding;
	assert_int_equal(f->key.dir, FINDING_INBOUND);
	assert_int_equal(f->key.service_port, 22);
	assert_true(sensor_packet(s, DLT_RAW, b, n, 2000, &ev)); /* retransmitted */
	assert_null(ev.flow);
	assert_false(ev.new_flow);
	assert_ptr_equal(ev.finding, f);
	assert_int_equal(f->count, 1);
	assert_int_equal(f->packets, 2);
	assert_false(f->answered);
	flow_table_stats(sensor_flows(s), &fst);
	assert_int_equal(fst.active, 1);
	n = ip4(b, "192.0.2.10", "198.51.100.7", IPPROTO_TCP, 22, 40000,
		PKT_TCP_SYN | PKT_TCP_ACK);
	assert_true(sensor_packet(s, DLT_RAW, b, n, 3000, &ev));
	assert_non_null(ev.flow);
	assert_true(ev.flow->flags & FLOW_PROMOTED);
	assert_true(ev.flow->flags & FLOW_SYNACK);
	assert_int_equal(ev.flow->remote_side, 0);
	assert_false(ev.new_finding);
	assert_ptr_equal(ev.finding, f); /* INBOUND, not a new OUTBOUND one */
	assert_true(f->answered);
	assert_int_equal(f->count, 1);
	n = ip4(b, "198.51.100.7", "192.0.2.10", IPPROTO_TCP, 40000, 22, PKT_TCP_ACK);
	assert_true(sensor_packet(s, DLT_RAW, b, n, 4000, &ev));
	assert_non_null(ev.flow);
	assert_false(ev.new_flow);
	assert_true(f->established);
	assert_int_equal(f->packets, 4);
	assert_int_equal(findings_count(sensor_findings(s)), 1);
	flow_table_stats(sensor_flows(s), &fst);
	assert_int_equal(fst.active, 1); /* the flow; the probe is gone */
	rig_down(&r);
}

/*
 * A SYN whose probe a flood pushed out of its line (probes are a
 * set-associative cache: four to a line) before the host's SYN-ACK: the
 * SYN-ACK still answers it. The finding is INBOUND and answered, not an
 * OUTBOUND one to the prober (which would open an incident under
 * outbound = true even with inbound_answered = false). Before, 20000
 * SYNs waiting for their answer with room for 65536 flows lost 0.8% of
 * them this way (40000: 6.5%), whatever a flow table would have held.
 */
static void test_answer_after_probe_evicted(void **state)
{
	struct rig r;
	struct sensor_opts o;
	struct sensor *s;
	struct sensor_event ev;
	uint8_t b[64];
	size_t n;
	char src[32];

	(void)state;
	sensor_opts_default(&o);
	o.max_flows = 1024; /* 256 probe lines */
	s = rig_up(&r, MK(LIST_THREAT, "bad", "10.0.0.0/8"), &o);
	n = ip4(b, "10.200.0.1", "192.0.2.10", IPPROTO_TCP, 40000, 443, PKT_TCP_SYN);
	assert_true(sensor_packet(s, DLT_RAW, b, n, 1000, &ev));
	assert_null(ev.flow); /* a probe */
	for (uint32_t i = 0; i < 20000; i++) {
		snprintf(src, sizeof(src), "10.%u.%u.%u", i >> 16, (i >> 8) & 255, i & 255);
		n = ip4(b, src, "192.0.2.10", IPPROTO_TCP, 40000, 443, PKT_TCP_SYN);
		assert_true(sensor_packet(s, DLT_RAW, b, n, 2000 + i, NULL));
	}
	n = ip4(b, "192.0.2.10", "10.200.0.1", IPPROTO_TCP, 443, 40000,
		PKT_TCP_SYN | PKT_TCP_ACK);
	assert_true(sensor_packet(s, DLT_RAW, b, n, 999999, &ev));
	assert_non_null(ev.flow);
	assert_int_equal(ev.finding->key.dir, FINDING_INBOUND);
	assert_int_equal(ev.finding->key.service_port, 443);
	assert_true(addr_eq(&ev.finding->key.remote, &ev.flow->key.addr[0]));
	assert_true(ev.finding->answered);
	assert_true(ev.flow->flags & FLOW_SYNACK);
	/* The prober's ACK completes the handshake. */
	n = ip4(b, "10.200.0.1", "192.0.2.10", IPPROTO_TCP, 40000, 443, PKT_TCP_ACK);
	assert_true(sensor_packet(s, DLT_RAW, b, n, 1000000, &ev));
	assert_true(ev.finding->established);
	rig_down(&r);
}

/*
 * The bench's shape: SYNs from 100 000 distinct listed sources to
 * random ports (every packet a new probe, and without the hold a new
 * finding), then the host's SYN to a listed address: the OUTBOUND
 * finding is made, and the tables stay within their bounds. With the
 * default hold (60 s; the scan lasts 0.1 ms of packet time) the first
 * findings stay and the rest are held out and counted; without it,
 * each new one evicts an older one.
 */
static void test_scan_100k_then_outbound(void **state)
{
	struct list *l = MK(LIST_THREAT, "bad", "10.0.0.0/8", "203.0.113.66");
	struct tset *t = build(&l, 1);
	struct sensor_opts o;
	struct sensor *s;
	struct sensor_event ev;
	struct findings_stats st;
	struct flow_stats fst;
	uint8_t b[64];
	uint32_t r = 12345;
	size_t n;
	char src[32];

	(void)state;
	for (int hold = 1; hold >= 0; hold--) {
		uint64_t lost;

		sensor_opts_default(&o);
		if (!hold)
			o.noise_hold_ns = 0;
		s = sensor_new(&o);
		assert_non_null(s);
		sensor_set_tset(s, t);
		for (uint32_t i = 0; i < 100000; i++) {
			r = r * 1103515245u + 12345u;
			snprintf(src, sizeof(src), "10.%u.%u.%u", i >> 16, (i >> 8) & 255, i & 255);
			n = ip4(b, src, "192.0.2.10", IPPROTO_TCP, 40000,
				(uint16_t)(1 + (r >> 16) % 65535), PKT_TCP_SYN);
			/* Matched, and tracked unless held out. */
			assert_int_equal(sensor_packet(s, DLT_RAW, b, n, 1000 + i, NULL),
					 !hold || i < o.max_findings);
		}
		findings_get_stats(sensor_findings(s), &st);
		assert_int_equal(st.active, o.max_findings);
		assert_int_equal(st.evicted, hold ? 0 : 100000 - o.max_findings);
		assert_int_equal(st.held, hold ? 100000 - o.max_findings : 0);
		lost = sensor_get_stats(s)->lost;
		assert_int_equal(lost, st.held);
		assert_int_equal(sensor_get_stats(s)->matched, 100000);
		flow_table_stats(sensor_flows(s), &fst);
		assert_true(fst.active <= o.max_flows); /* probes only, bounded */
		n = ip4(b, "192.0.2.10", "203.0.113.66", IPPROTO_TCP, 45000, 443, PKT_TCP_SYN);
		assert_true(sensor_packet(s, DLT_RAW, b, n, 999999, &ev));
		assert_true(ev.new_finding);
		assert_non_null(ev.flow);
		assert_int_equal(ev.finding->key.dir, FINDING_OUTBOUND);
		assert_int_equal(findings_count(sensor_findings(s)), o.max_findings);
		assert_int_equal(sensor_get_stats(s)->lost, lost);
		sensor_free(s);
	}
	tset_free(t);
	free_list(l);
}

/* Raw IPv6 + UDP. */
static size_t ip6(uint8_t *b, const char *src, const char *dst, uint16_t sp,
		  uint16_t dp)
{
	memset(b, 0, 48);
	b[0] = 0x60;
	b[5] = 8;
	b[6] = IPPROTO_UDP;
	b[7] = 64;
	assert_int_equal(inet_pton(AF_INET6, src, b + 8), 1);
	assert_int_equal(inet_pton(AF_INET6, dst, b + 24), 1);
	b[40] = (uint8_t)(sp >> 8);
	b[41] = (uint8_t)sp;
	b[42] = (uint8_t)(dp >> 8);
	b[43] = (uint8_t)dp;
	b[45] = 8;
	return 48;
}

/*
 * ICMP (v4 over IPv4, v6 over IPv6) of type/code from src to dst, then
 * qlen bytes of quote: an error's quoted packet, or an echo's data.
 */
static size_t icmp(uint8_t *b, bool v6, const char *src, const char *dst,
		   uint8_t type, uint8_t code, const uint8_t *quote, size_t qlen)
{
	size_t hl = v6 ? 40 : 20, tot = hl + 8 + qlen;

	memset(b, 0, hl + 8);
	if (v6) {
		b[0] = 0x60;
		b[4] = (uint8_t)((tot - 40) >> 8);
		b[5] = (uint8_t)(tot - 40);
		b[6] = IPPROTO_ICMPV6;
		b[7] = 64;
		assert_int_equal(inet_pton(AF_INET6, src, b + 8), 1);
		assert_int_equal(inet_pton(AF_INET6, dst, b + 24), 1);
	} else {
		b[0] = 0x45;
		b[2] = (uint8_t)(tot >> 8);
		b[3] = (uint8_t)tot;
		b[8] = 64;
		b[9] = IPPROTO_ICMP;
		assert_int_equal(inet_pton(AF_INET, src, b + 12), 1);
		assert_int_equal(inet_pton(AF_INET, dst, b + 16), 1);
	}
	b[hl] = type;
	b[hl + 1] = code;
	memcpy(b + hl + 8, quote, qlen);
	return tot;
}

static bool engaged(const struct finding *f)
{
	struct finding_rec r;

	finding_rec_of(f, &r);
	return finding_rec_engaged(&r);
}

static size_t count_dir(struct sensor *s, uint8_t dir)
{
	size_t n = 0;

	for (struct finding *f = findings_first(sensor_findings(s)); f; f = findings_next(f))
		n += f->key.dir == dir;
	return n;
}

/*
 * A blind spoofer (sensor.md, "Spoofed contacts"): what the host's kernel
 * sends back to a spoofed packet is never an initiation, and nothing a
 * spoofer can bring about makes a finding incident-worthy
 * (finding_rec_engaged()). The reviewer's reproduction first: a UDP
 * packet from a listed source to a closed port; the kernel's port
 * unreachable made an OUTBOUND ICMP finding.
 */
static void test_spoofed_udp_port_unreachable(void **state)
{
	struct rig r;
	struct sensor *s;
	struct sensor_event ev;
	struct finding *f;
	uint8_t b[256], q[64];
	size_t n, qn;

	(void)state;
	s = rig_up(&r, MK(LIST_THREAT, "bad", "198.51.100.0/24", "2001:db8:bad::/48"), NULL);
	qn = ip4(q, "198.51.100.7", "192.0.2.10", IPPROTO_UDP, 5000, 9, 0);
	assert_true(sensor_packet(s, DLT_RAW, q, qn, 1000, &ev));
	f = ev.finding;
	/* Port unreachable quoting it: counted with it, not an answer. */
	n = icmp(b, false, "192.0.2.10", "198.51.100.7", 3, 3, q, qn);
	assert_true(sensor_packet(s, DLT_RAW, b, n, 2000, &ev));
	assert_ptr_equal(ev.finding, f);
	assert_null(ev.flow);
	assert_int_equal(f->key.dir, FINDING_INBOUND);
	assert_int_equal(f->key.proto, IPPROTO_UDP);
	assert_int_equal(f->key.service_port, 9);
	assert_int_equal(f->packets, 2);
	assert_int_equal(f->bytes, qn + n);
	assert_int_equal(f->count, 1);
	assert_false(f->answered);
	assert_false(engaged(f));
	/* Without its probe (a flood pushed it out): the quote still names it. */
	qn = ip4(q, "198.51.100.8", "192.0.2.10", IPPROTO_UDP, 5001, 10, 0);
	n = icmp(b, false, "192.0.2.10", "198.51.100.8", 3, 3, q, qn);
	assert_true(sensor_packet(s, DLT_RAW, b, n, 3000, &ev));
	assert_int_equal(ev.finding->key.dir, FINDING_INBOUND);
	assert_int_equal(ev.finding->key.proto, IPPROTO_UDP);
	assert_int_equal(ev.finding->key.service_port, 10);
	assert_false(ev.finding->answered);
	/* A quote that names another remote, a cut quote, none at all: the
	 * remote's INBOUND ICMP finding, never OUTBOUND, never answered. */
	qn = ip4(q, "198.51.100.99", "192.0.2.10", IPPROTO_UDP, 5002, 11, 0);
	n = icmp(b, false, "192.0.2.10", "198.51.100.9", 3, 3, q, qn);
	assert_true(sensor_packet(s, DLT_RAW, b, n, 4000, &ev));
	assert_int_equal(ev.finding->key.dir, FINDING_INBOUND);
	assert_int_equal(ev.finding->key.proto, IPPROTO_ICMP);
	assert_false(ev.finding->answered);
	f = ev.finding;
	n = icmp(b, false, "192.0.2.10", "198.51.100.9", 11, 0, q, 12);
	assert_true(sensor_packet(s, DLT_RAW, b, n, 5000, &ev));
	assert_ptr_equal(ev.finding, f);
	n = icmp(b, false, "192.0.2.10", "198.51.100.9", 12, 0, q, 0);
	assert_true(sensor_packet(s, DLT_RAW, b, n, 6000, &ev));
	assert_ptr_equal(ev.finding, f);
	assert_int_equal(f->packets, 3);
	assert_false(f->answered);
	/* ICMPv6 destination unreachable, port (1/4), quoting UDP. */
	qn = ip6(q, "2001:db8:bad::7", "2001:db8:1::10", 5000, 9);
	assert_true(sensor_packet(s, DLT_RAW, q, qn, 7000, &ev));
	f = ev.finding;
	n = icmp(b, true, "2001:db8:1::10", "2001:db8:bad::7", 1, 4, q, qn);
	assert_true(sensor_packet(s, DLT_RAW, b, n, 8000, &ev));
	assert_ptr_equal(ev.finding, f);
	assert_false(f->answered);
	assert_int_equal(count_dir(s, FINDING_OUTBOUND), 0);
	assert_int_equal(sensor_get_stats(s)->lost, 0);
	rig_down(&r);
}

/*
 * TCP: the kernel's RST to a closed port is no answer; its SYN-ACK from
 * an open port answers but completes nothing (a blind spoofer never sees
 * our sequence number, so cannot ACK it); the remote's ACK of it does.
 * ICMP: the kernel's echo reply answers, and is never incident-worthy.
 * UDP: an answer is (it cannot be told from a spoof's; sensor.md).
 */
static void test_spoofed_tcp_icmp(void **state)
{
	struct rig r;
	struct sensor *s;
	struct sensor_event ev;
	struct finding *f;
	uint8_t b[128];
	size_t n;

	(void)state;
	s = rig_up(&r, MK(LIST_THREAT, "bad", "198.51.100.0/24"), NULL);
	n = ip4(b, "198.51.100.7", "192.0.2.10", IPPROTO_TCP, 40000, 23, PKT_TCP_SYN);
	assert_true(sensor_packet(s, DLT_RAW, b, n, 1000, &ev));
	f = ev.finding;
	n = ip4(b, "192.0.2.10", "198.51.100.7", IPPROTO_TCP, 23, 40000,
		PKT_TCP_RST | PKT_TCP_ACK);
	assert_true(sensor_packet(s, DLT_RAW, b, n, 2000, &ev));
	assert_ptr_equal(ev.finding, f);
	assert_null(ev.flow); /* still a probe */
	assert_int_equal(f->packets, 2);
	assert_false(f->answered);
	assert_false(engaged(f));
	/* A RST with no probe: the remote's INBOUND finding, not OUTBOUND. */
	n = ip4(b, "192.0.2.10", "198.51.100.8", IPPROTO_TCP, 25, 40001, PKT_TCP_RST);
	assert_true(sensor_packet(s, DLT_RAW, b, n, 2500, &ev));
	assert_int_equal(ev.finding->key.dir, FINDING_INBOUND);
	assert_int_equal(ev.finding->key.service_port, 25);
	assert_false(ev.finding->answered);
	/* SYN-ACK: answered, not established, not engaged; then the ACK. */
	n = ip4(b, "198.51.100.7", "192.0.2.10", IPPROTO_TCP, 40001, 443, PKT_TCP_SYN);
	assert_true(sensor_packet(s, DLT_RAW, b, n, 3000, &ev));
	f = ev.finding;
	n = ip4(b, "192.0.2.10", "198.51.100.7", IPPROTO_TCP, 443, 40001,
		PKT_TCP_SYN | PKT_TCP_ACK);
	assert_true(sensor_packet(s, DLT_RAW, b, n, 4000, &ev));
	assert_ptr_equal(ev.finding, f);
	assert_true(f->answered);
	assert_false(f->established);
	assert_false(engaged(f));
	/* The host resets it later: still not established. */
	n = ip4(b, "192.0.2.10", "198.51.100.7", IPPROTO_TCP, 443, 40001, PKT_TCP_RST);
	assert_true(sensor_packet(s, DLT_RAW, b, n, 4500, &ev));
	assert_ptr_equal(ev.finding, f);
	assert_false(f->established);
	n = ip4(b, "198.51.100.7", "192.0.2.10", IPPROTO_TCP, 40001, 443, PKT_TCP_ACK);
	assert_true(sensor_packet(s, DLT_RAW, b, n, 5000, &ev));
	assert_true(f->established);
	assert_true(engaged(f));
	/* Echo request, the kernel's echo reply. */
	n = icmp(b, false, "198.51.100.7", "192.0.2.10", 8, 0, (const uint8_t *)"ping", 4);
	assert_true(sensor_packet(s, DLT_RAW, b, n, 6000, &ev));
	f = ev.finding;
	n = icmp(b, false, "192.0.2.10", "198.51.100.7", 0, 0, (const uint8_t *)"ping", 4);
	assert_true(sensor_packet(s, DLT_RAW, b, n, 7000, &ev));
	assert_ptr_equal(ev.finding, f);
	assert_int_equal(f->key.dir, FINDING_INBOUND);
	assert_true(f->answered);
	assert_false(engaged(f));
	/* An echo reply whose request's probe a flood pushed out: INBOUND. */
	n = icmp(b, false, "192.0.2.10", "198.51.100.9", 0, 0, (const uint8_t *)"ping", 4);
	assert_true(sensor_packet(s, DLT_RAW, b, n, 7500, &ev));
	assert_true(ev.new_finding);
	assert_int_equal(ev.finding->key.dir, FINDING_INBOUND);
	assert_true(addr_eq(&ev.finding->key.remote, &ev.flow->key.addr[0]));
	assert_true(ev.finding->answered);
	assert_false(engaged(ev.finding));
	/* UDP answered stays incident-worthy. */
	n = ip4(b, "198.51.100.7", "192.0.2.10", IPPROTO_UDP, 5000, 53, 0);
	assert_true(sensor_packet(s, DLT_RAW, b, n, 8000, &ev));
	f = ev.finding;
	n = ip4(b, "192.0.2.10", "198.51.100.7", IPPROTO_UDP, 53, 5000, 0);
	assert_true(sensor_packet(s, DLT_RAW, b, n, 9000, &ev));
	assert_ptr_equal(ev.finding, f);
	assert_true(f->answered);
	assert_true(engaged(f));
	assert_int_equal(count_dir(s, FINDING_OUTBOUND), 0);
	rig_down(&r);
}

/* Same counters, same findings in the same order. */
static void same_findings(struct sensor *a, struct sensor *b)
{
	struct finding *fa, *fb;

	assert_memory_equal(sensor_get_stats(a), sensor_get_stats(b), sizeof(struct sensor_stats));
	for (fa = findings_first(sensor_findings(a)), fb = findings_first(sensor_findings(b));
	     fa && fb; fa = findings_next(fa), fb = findings_next(fb)) {
		assert_string_equal(findings_id(fa), findings_id(fb));
		assert_int_equal(fa->packets, fb->packets);
		assert_int_equal(fa->count, fb->count);
	}
	assert_null(fa);
	assert_null(fb);
}

/*
 * Replay parses ahead while the set builds (sensor_prescan, its counters
 * added with sensor_count_pre), then finishes the frames
 * (sensor_batch_pre): the same findings, counters and order as
 * sensor_batch() on the same frames.
 */
static void test_prescan_same_as_batch(void **state)
{
	struct list *l = MK(LIST_THREAT, "bad", "198.51.100.0/24", "2001:db8:bad::/48");
	struct tset *t = build(&l, 1);
	enum { N = 3000 };
	static uint8_t buf[N][64];
	struct sensor_frame fr[N];
	static struct sensor_pre pre[N];
	static struct sensor_pre6 pre6[N];
	size_t n6;
	static uint8_t kind[N];
	struct sensor_opts o;
	struct sensor *a, *b, *c;
	struct sensor_vcache *vc;
	struct sensor_stats st[3] = { 0 };

	(void)state;
	for (int i = 0; i < N; i++) {
		char s4[32], s6[64];
		size_t n;

		snprintf(s4, sizeof(s4), "198.51.100.%d", i % 300 < 256 ? i % 256 : 7);
		snprintf(s6, sizeof(s6), "2001:db8:%s::%x", i % 3 ? "bad" : "c1ea", i);
		switch (i % 5) {
		case 0:
			n = ip4(buf[i], s4, "192.0.2.10", IPPROTO_TCP, 1000, (uint16_t)(i % 40), PKT_TCP_SYN);
			break;
		case 1:
			n = ip4(buf[i], "192.0.2.10", "192.0.2.77", IPPROTO_UDP, 5, 6, 0);
			break;
		case 2:
			n = ip6(buf[i], s6, "2001:db8::10", 53, (uint16_t)i);
			break;
		case 3:
			n = 10; /* truncated */
			ip4(buf[i], s4, "192.0.2.10", IPPROTO_UDP, 1, 2, 0);
			break;
		default:
			n = ip4(buf[i], "192.0.2.10", s4, IPPROTO_UDP, 4000, (uint16_t)(i % 7), 0);
		}
		fr[i] = (struct sensor_frame){ buf[i], (uint32_t)n, 1000 + (uint64_t)i };
	}
	sensor_opts_default(&o);
	o.max_findings = 64; /* evictions too */
	a = sensor_new(&o);
	b = sensor_new(&o);
	sensor_set_tset(a, t);
	sensor_batch(a, DLT_RAW, fr, N);
	n6 = 0;
	sensor_prescan(&st[0], DLT_RAW, fr, N, pre, kind, pre6, &n6);
	assert_int_equal(n6, N / 5);
	sensor_count_pre(b, &st[0]);
	sensor_set_tset(b, t);
	sensor_batch_pre(b, DLT_RAW, fr, pre, pre6, kind, N);
	same_findings(a, b);
	assert_true(sensor_get_stats(a)->matched > 100);
	assert_true(sensor_get_stats(a)->truncated > 100);
	/*
	 * Replay's pipeline: lookups of uneven pieces in any order (another
	 * thread), then the frames finished in order, in other pieces.
	 */
	c = sensor_new(&o);
	n6 = 0;
	/* Parsed in two pieces (two threads), counted on the sensor's. */
	sensor_prescan(&st[1], DLT_RAW, fr, 1234, pre, kind, pre6, &n6);
	sensor_prescan(&st[2], DLT_RAW, fr + 1234, N - 1234, pre + 1234, kind + 1234, pre6, &n6);
	sensor_count_pre(c, &st[2]);
	sensor_count_pre(c, &st[1]);
	sensor_set_tset(c, t);
	vc = calloc(2, sizeof(*vc));
	assert_non_null(vc);
	for (size_t end = N; end > 0;) {
		size_t from = end > 777 ? end - 777 : 0;

		/* Two threads, two caches: alternate, as if handed out. */
		sensor_pre_lookup(t, &vc[from / 777 % 2], pre + from, pre6, kind + from, end - from);
		end = from;
	}
	for (size_t i = 0; i < N; i += 500)
		sensor_pre_finish(c, DLT_RAW, fr + i, kind + i, N - i < 500 ? N - i : 500);
	same_findings(a, c);
	free(vc);
	sensor_free(a);
	sensor_free(b);
	sensor_free(c);
	tset_free(t);
	free_list(l);
}

/* All of fd's bytes, from the start. */
static char *read_back(int fd, size_t *len)
{
	off_t end = lseek(fd, 0, SEEK_END);
	char *p = malloc((size_t)end + 1);

	assert_non_null(p);
	assert_int_equal(pread(fd, p, (size_t)end, 0), end);
	p[end] = '\0';
	*len = (size_t)end;
	return p;
}

/*
 * cordon replay's output: blocks formatted on two threads (the first
 * call: each thread makes its own findings' ids and list details) give
 * the bytes one thread gives and those of finding_to_json() per line.
 */
static void test_out_threads_same_bytes(void **state)
{
	struct list *l = MK(LIST_THREAT, "bad \"list\"", "10.0.0.0/8", "2001:db8:bad::/48");
	struct tset *t = build(&l, 1);
	struct finding_ctx ctx = { .instance_id = "i-0abc" };
	struct sensor_opts o;
	struct sensor *s;
	uint8_t b[128];
	size_t n, la, lb, lc = 0, count = 0;
	char src[64], *a, *bb, *c;
	int fa, fb;

	(void)state;
	sensor_opts_default(&o);
	s = sensor_new(&o);
	assert_non_null(s);
	sensor_set_tset(s, t);
	for (uint32_t i = 0; i < 3001; i++) {
		if (i % 3 == 2) {
			snprintf(src, sizeof(src), "2001:db8:bad::%x", i);
			n = ip6(b, src, "2001:db8::10", (uint16_t)(1024 + i), 443);
		} else {
			snprintf(src, sizeof(src), "10.0.%u.%u", i >> 8, i & 255);
			n = ip4(b, src, "192.0.2.10", IPPROTO_UDP, 40000, (uint16_t)(i % 7), 0);
		}
		assert_true(sensor_packet(s, DLT_RAW, b, n, 1000 + i, NULL));
	}
	assert_true(findings_count(sensor_findings(s)) >= FINDINGS_OUT_THREADED);
	fa = memfd_create("a", 0);
	fb = memfd_create("b", 0);
	assert_true(fa >= 0 && fb >= 0);
	assert_int_equal(findings_out_write(s, &ctx, fa), 0);
	assert_int_equal(findings_out_write1(s, &ctx, fb), 0);
	a = read_back(fa, &la);
	bb = read_back(fb, &lb);
	c = calloc(1, la + 1);
	assert_non_null(c);
	for (struct finding *f = findings_first(sensor_findings(s)); f; f = findings_next(f)) {
		char *j = finding_to_json(f, &ctx);

		assert_non_null(j);
		assert_true(lc + strlen(j) + 1 <= la);
		memcpy(c + lc, j, strlen(j));
		lc += strlen(j);
		c[lc++] = '\n';
		free(j);
		count++;
	}
	assert_int_equal(count, findings_count(sensor_findings(s)));
	assert_int_equal(la, lb);
	assert_int_equal(la, lc);
	assert_memory_equal(a, bb, la);
	assert_memory_equal(a, c, la);
	free(a);
	free(bb);
	free(c);
	close(fa);
	close(fb);
	sensor_free(s);
	tset_free(t);
	free_list(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_evict_noise_lru),
		cmocka_unit_test(test_kept_always_finds_room),
		cmocka_unit_test(test_many_ports_merge),
		cmocka_unit_test(test_churn_index_and_groups),
		cmocka_unit_test(test_scan_then_c2),
		cmocka_unit_test(test_names_outlive_set),
		cmocka_unit_test(test_fragments_batched),
		cmocka_unit_test(test_hold),
		cmocka_unit_test(test_hold_clock_back),
		cmocka_unit_test(test_many_sources_bounded),
		cmocka_unit_test(test_probe_then_answer),
		cmocka_unit_test(test_scan_100k_then_outbound),
		cmocka_unit_test(test_answer_after_probe_evicted),
		cmocka_unit_test(test_spoofed_udp_port_unreachable),
		cmocka_unit_test(test_spoofed_tcp_icmp),
		cmocka_unit_test(test_prescan_same_as_batch),
		cmocka_unit_test(test_out_threads_same_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

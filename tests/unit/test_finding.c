/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "finding.h"
#include "findings.h"
#include "gd.h"

static struct finding *one(struct findings *fs)
{
	struct finding_key k;
	struct finding *f;
	bool created;

	memset(&k, 0, sizeof(k));
	assert_true(addr_parse("192.0.2.10", &k.local));
	assert_true(addr_parse("203.0.113.66", &k.remote));
	k.proto = IPPROTO_TCP;
	k.dir = FINDING_OUTBOUND;
	k.service_port = 443;
	f = findings_get(fs, &k, 1767225600000000000ull, true, &created);
	assert_non_null(f);
	findings_id(f); /* made on first use: the sensor does this before sending */
	f->local_port = 40000;
	f->remote_port = 443;
	f->count = 1;
	f->packets = 3;
	f->bytes = 180;
	f->last_ns = f->first_ns + 1000000;
	f->answered = true;
	f->explained = true; /* as sensor_explain() leaves it */
	f->list_name = "threat.txt";
	assert_int_equal(prefix_parse("203.0.113.0/24", &f->entry, NULL), 0);
	return f;
}

/* The record the sensor sends makes the same text as the table entry. */
static void test_rec_json(void **state)
{
	struct findings *fs = findings_new(4);
	struct finding *f = one(fs);
	struct finding_ctx ctx = { .instance_id = "i-0abc", .region = "us-east-1",
				   .account_id = "123456789012" };
	struct finding_rec r;
	char err[ERRLEN];
	char *a, *b;
	cJSON *o;

	(void)state;
	finding_rec_of(f, &r);
	assert_int_equal(finding_rec_check(&r, err, sizeof(err)), 0);
	a = finding_to_json(f, &ctx);
	b = finding_json(&r, &ctx);
	assert_non_null(a);
	assert_string_equal(a, b);
	o = cJSON_Parse(b);
	assert_non_null(o);
	assert_string_equal(cJSON_GetObjectItem(o, "id")->valuestring, f->id);
	assert_string_equal(cJSON_GetObjectItem(o, "accountId")->valuestring, "123456789012");
	cJSON_Delete(o);
	assert_non_null(strstr(b, "\"threatListEntry\":\"203.0.113.0/24\""));
	assert_non_null(strstr(b, "\"remotePortDetails\":{\"port\":443}"));
	free(a);
	free(b);
	findings_free(fs);
}

/*
 * The oracle: finding_json() as it was built with cJSON before it wrote
 * its buffer directly. The two must give the same bytes for any record.
 */
static cJSON *ref_ip(const struct cd_addr *a)
{
	char buf[ADDR_STRLEN];
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, a->af == AF_INET ? "ipAddressV4" : "ipAddressV6",
				addr_ntop(a, buf, sizeof(buf)));
	return o;
}

static cJSON *ref_port(uint16_t port)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "port", port);
	return o;
}

static char *ref_json(const struct finding_rec *f, const struct finding_ctx *ctx,
		      const char *title, const char *desc, const char *first,
		      const char *last)
{
	const char *inst = ctx && ctx->instance_id ? ctx->instance_id : "unknown";
	bool ports = f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP;
	cJSON *root = cJSON_CreateObject(), *res, *idet, *svc, *info, *act, *nca;
	char entry[PREFIX_STRLEN], *out;

	cJSON_AddStringToObject(root, "schemaVersion", "2.0");
	if (ctx && ctx->account_id)
		cJSON_AddStringToObject(root, "accountId", ctx->account_id);
	if (ctx && ctx->region)
		cJSON_AddStringToObject(root, "region", ctx->region);
	cJSON_AddStringToObject(root, "id", f->id);
	cJSON_AddStringToObject(root, "type", "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom");
	cJSON_AddNumberToObject(root, "severity", 5);
	cJSON_AddStringToObject(root, "title", title);
	cJSON_AddStringToObject(root, "description", desc);
	cJSON_AddStringToObject(root, "createdAt", first);
	cJSON_AddStringToObject(root, "updatedAt", last);
	res = cJSON_AddObjectToObject(root, "resource");
	cJSON_AddStringToObject(res, "resourceType", "Instance");
	idet = cJSON_AddObjectToObject(res, "instanceDetails");
	cJSON_AddStringToObject(idet, "instanceId", inst);
	svc = cJSON_AddObjectToObject(root, "service");
	cJSON_AddStringToObject(svc, "serviceName", "cordon");
	cJSON_AddNumberToObject(svc, "count", (double)f->count);
	cJSON_AddStringToObject(svc, "eventFirstSeen", first);
	cJSON_AddStringToObject(svc, "eventLastSeen", last);
	act = cJSON_AddObjectToObject(svc, "action");
	cJSON_AddStringToObject(act, "actionType", "NETWORK_CONNECTION");
	nca = cJSON_AddObjectToObject(act, "networkConnectionAction");
	cJSON_AddStringToObject(nca, "connectionDirection",
				f->dir == FINDING_INBOUND ? "INBOUND" : "OUTBOUND");
	cJSON_AddStringToObject(nca, "protocol", finding_proto_name(f->proto));
	cJSON_AddBoolToObject(nca, "blocked", f->blocked);
	cJSON_AddItemToObject(nca, "localIpDetails", ref_ip(&f->local));
	if (ports)
		cJSON_AddItemToObject(nca, "localPortDetails", ref_port(f->local_port));
	cJSON_AddItemToObject(nca, "remoteIpDetails", ref_ip(&f->remote));
	if (ports)
		cJSON_AddItemToObject(nca, "remotePortDetails", ref_port(f->remote_port));
	info = cJSON_AddObjectToObject(svc, "additionalInfo");
	cJSON_AddStringToObject(info, "threatListName", f->list_name);
	cJSON_AddStringToObject(info, "threatListEntry",
				prefix_ntop(&f->entry, entry, sizeof(entry)));
	cJSON_AddNumberToObject(info, "packets", (double)f->packets);
	cJSON_AddNumberToObject(info, "bytes", (double)f->bytes);
	out = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return out;
}

/* A string member of a parsed finding, looked up by its path. */
static const char *member(cJSON *o, const char *a, const char *b)
{
	cJSON *x = cJSON_GetObjectItem(o, a);

	return b ? cJSON_GetObjectItem(x, b)->valuestring : x->valuestring;
}

/*
 * got parsed back, with its title, description and createdAt copied out
 * (what the text itself made); the caller frees the tree.
 */
static cJSON *texts_of(const char *got, char title[160], char desc[512],
		       char first[UTIL_TIMESTAMP_LEN])
{
	cJSON *o = cJSON_Parse(got);

	assert_non_null(o);
	util_strlcpy(title, member(o, "title", NULL), 160);
	util_strlcpy(desc, member(o, "description", NULL), 512);
	util_strlcpy(first, member(o, "createdAt", NULL), UTIL_TIMESTAMP_LEN);
	return o;
}

/* The direct writer gives cJSON's bytes: escapes, number forms, shapes. */
static void test_json_same_as_cjson(void **state)
{
	static const uint64_t nums[] = { 0, 1, 65535, 2147483646, 2147483647, 2147483648ull,
					 3000000000ull, 999999999999999ull, 1000000000000001ull,
					 9007199254740993ull, UINT64_MAX };
	static const char *const names[] = {
		"threat.txt", "", "q\"uote\\back/slash", "ctl\x01\x1f\t\n\r\b\f end",
		"utf8 \xc3\xa9\xe2\x82\xac \x7f", "a\\u0041",
	};
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP,
					  IPPROTO_ICMPV6, 47 };
	struct findings *fs = findings_new(4);
	struct finding *f = one(fs);
	struct finding_ctx ctxs[] = {
		{ .instance_id = "i-0abc", .region = "us-east-1", .account_id = "123456789012" },
		{ .instance_id = "i-\"odd\"\n", .region = "r\\1" },
		{ 0 },
	};
	struct finding_rec r;
	unsigned cases = 0;

	(void)state;
	finding_rec_of(f, &r);
	for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
		for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
			size_t c = (n + i) % 4;
			const struct finding_ctx *ctx = c == 3 ? NULL : &ctxs[c];
			const char *inst = ctx && ctx->instance_id ? ctx->instance_id : "unknown";
			char first[UTIL_TIMESTAMP_LEN], last[UTIL_TIMESTAMP_LEN];
			char title[160], desc[512];
			char *want, *got;
			cJSON *o;

			util_strlcpy(r.list_name, names[n], sizeof(r.list_name));
			r.count = nums[i];
			r.packets = nums[(i + 3) % 11];
			r.bytes = nums[(i + 7) % 11];
			r.local_port = (uint16_t)nums[i];
			r.proto = protos[(n + i) % 5];
			r.dir = i % 2 ? FINDING_INBOUND : FINDING_OUTBOUND;
			r.blocked = n % 2;
			r.many = r.proto == IPPROTO_TCP && i % 3 == 0;
			if (i % 2) {
				assert_true(addr_parse("2001:db8::1", &r.local));
				assert_true(addr_parse("2001:db8:bad::7", &r.remote));
			} else {
				assert_true(addr_parse("192.0.2.10", &r.local));
				assert_true(addr_parse("203.0.113.66", &r.remote));
			}
			got = finding_json(&r, ctx);
			assert_non_null(got);
			/* title and description come from the text; take them back. */
			o = texts_of(got, title, desc, first);
			util_strlcpy(last, member(o, "updatedAt", NULL), sizeof(last));
			assert_string_equal(member(o, "resource", "resourceType"), "Instance");
			assert_non_null(strstr(desc, inst));
			cJSON_Delete(o);
			want = ref_json(&r, ctx, title, desc, first, last);
			assert_string_equal(got, want);
			free(got);
			free(want);
			cases++;
		}
	}
	assert_int_equal(cases, 66);
	findings_free(fs);
}

/* What cJSON 1.7 printed for a number: the writer before finding_json_number(). */
static void ref_number(double d, char num[32])
{
	int i = d >= INT_MAX ? INT_MAX : d <= (double)INT_MIN ? INT_MIN : (int)d;
	double back, m;

	if (isnan(d) || isinf(d)) {
		snprintf(num, 32, "null");
	} else if (d == (double)i) {
		snprintf(num, 32, "%d", i);
	} else {
		snprintf(num, 32, "%1.15g", d);
		if (sscanf(num, "%lg", &back) != 1)
			back = NAN;
		m = fabs(back) > fabs(d) ? fabs(back) : fabs(d);
		if (!(fabs(back - d) <= m * DBL_EPSILON)) /* close_enough() */
			snprintf(num, 32, "%1.17g", d);
	}
}

static void check_number(double d)
{
	char want[32], got[32];
	size_t n;

	ref_number(d, want);
	memset(got, 'x', sizeof(got));
	n = finding_json_number(d, got);
	assert_int_equal(n, strlen(got));
	assert_string_equal(got, want);
}

/* The hand-written number forms give snprintf's bytes at every edge. */
static void test_number_same_as_printf(void **state)
{
	static const double edges[] = {
		0.0, -0.0, 1, -1, 9, 10, 99, 100, 65535, 65536, INT_MAX, INT_MIN,
		(double)INT_MAX + 1, (double)INT_MIN - 1, 4294967295.0, 4294967296.0,
		999999999999999.0, -999999999999999.0, 1e15, -1e15, 1e15 + 1, 1e15 + 2,
		9007199254740992.0, 9007199254740993.0, 18446744073709551615.0, 1e300,
		-1e300, 0.5, -0.5, 0.1, 1.0 / 3, 2.5e-300, DBL_MAX, -DBL_MAX, DBL_MIN,
		DBL_TRUE_MIN, 123456.789, 1e14 + 0.5, INFINITY, -INFINITY, NAN,
	};
	uint64_t x = 0x9e3779b97f4a7c15ull;

	(void)state;
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		check_number(edges[i]);
	for (unsigned bit = 0; bit < 64; bit++) {
		uint64_t v = 1ull << bit;

		check_number((double)v);
		check_number((double)(v - 1));
		check_number((double)(v + 1));
		check_number(-(double)v);
	}
	for (uint64_t p = 1; p <= 10000000000000000000ull; p *= 10) {
		check_number((double)p);
		check_number((double)(p - 1));
		check_number((double)(p + 1));
		if (p > UINT64_MAX / 10)
			break;
	}
	for (int i = 0; i < 200000; i++) {
		double d;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		check_number((double)(x >> (x % 64)));   /* counts of every size */
		memcpy(&d, &x, sizeof(d));                /* any bit pattern */
		check_number(d);
		check_number((double)(int64_t)x / 1000.0); /* fractions */
	}
}

/* The title and description as they were made with snprintf(): cut is the point. */
#if !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
static void ref_describe(const struct finding_rec *f, const char *inst, char *title,
			 size_t tlen, char *desc, size_t dlen)
{
	char remote[ADDR_STRLEN], portbuf[32] = "";
	const char *list = *f->list_name ? f->list_name : "a threat list";
	bool ports = f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP;

	inet_ntop(f->remote.af, f->remote.u.b, remote, sizeof(remote));
	if (ports && f->many)
		snprintf(portbuf, sizeof(portbuf), " on many %s ports",
			 finding_proto_name(f->proto));
	else if (ports)
		snprintf(portbuf, sizeof(portbuf), " on %s port %u",
			 finding_proto_name(f->proto), f->service_port);
	else
		snprintf(portbuf, sizeof(portbuf), " over %s", finding_proto_name(f->proto));
	snprintf(title, tlen, "EC2 instance %s is communicating with a disallowed IP address.",
		 inst);
	if (f->dir == FINDING_OUTBOUND)
		snprintf(desc, dlen,
			 "EC2 instance %s is communicating outbound with IP address %s%s, which is on the custom threat list %s.",
			 inst, remote, portbuf, list);
	else
		snprintf(desc, dlen,
			 "EC2 instance %s is being contacted by IP address %s%s, which is on the custom threat list %s.",
			 inst, remote, portbuf, list);
}
#if !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/*
 * Title, description and timestamps (made without printf) against the
 * snprintf/strftime forms: every length of instance id up to past the
 * description's cut, every protocol and direction, port edges.
 */
static void test_text_same_as_printf(void **state)
{
	static const uint16_t ports[] = { 0, 1, 9, 10, 99, 100, 65535 };
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP,
					  IPPROTO_ICMPV6, 47 };
	struct findings *fs = findings_new(4);
	struct finding_rec r;
	char inst[700], name[128];
	unsigned cases = 0;

	(void)state;
	finding_rec_of(one(fs), &r);
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	for (size_t il = 0; il < sizeof(inst); il += 7) {
		struct finding_ctx ctx = { .instance_id = inst };
		char title[160], desc[512], want_t[160], want_d[512];
		char first[UTIL_TIMESTAMP_LEN], want_first[64];
		time_t secs;
		struct tm tm;
		size_t n;
		char *got;
		cJSON *o;

		memset(inst, 'a' + (char)(il % 26), il);
		inst[il] = '\0';
		r.proto = protos[il % 5];
		r.dir = il % 2 ? FINDING_INBOUND : FINDING_OUTBOUND;
		r.many = il % 3 == 0;
		r.service_port = ports[il % 7];
		util_strlcpy(r.list_name, il % 4 ? name + il % 128 : "", sizeof(r.list_name));
		if (il % 2)
			assert_true(addr_parse("2001:db8:bad::7", &r.remote));
		else
			assert_true(addr_parse("203.0.113.66", &r.remote));
		r.local.af = r.remote.af;
		r.first_ns = (uint64_t)il * 86399999999937ull + il;
		got = finding_json(&r, &ctx);
		assert_non_null(got);
		o = texts_of(got, title, desc, first);
		ref_describe(&r, inst, want_t, sizeof(want_t), want_d, sizeof(want_d));
		assert_string_equal(title, want_t);
		assert_string_equal(desc, want_d);
		secs = (time_t)(r.first_ns / 1000000000ull);
		gmtime_r(&secs, &tm);
		n = strftime(want_first, sizeof(want_first), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(want_first + n, sizeof(want_first) - n, ".%03uZ",
			 (unsigned)(r.first_ns / 1000000 % 1000));
		assert_string_equal(first, want_first);
		cJSON_Delete(o);
		free(got);
		cases++;
	}
	assert_int_equal(cases, 100);
	findings_free(fs);
}

/* A reused digest context makes the one-shot digest's ids. */
static void test_id_hasher(void **state)
{
	struct findings *fs = findings_new(64);
	struct findings_hasher *h = findings_hasher_new();

	(void)state;
	assert_non_null(h);
	for (unsigned i = 0; i < 40; i++) {
		char want[33], remote[ADDR_STRLEN];
		struct finding_key k;
		struct finding *f;
		bool created;

		memset(&k, 0, sizeof(k));
		snprintf(remote, sizeof(remote), i % 2 ? "2001:db8::%x" : "203.0.113.%u", i);
		assert_true(addr_parse(i % 2 ? "2001:db8::1" : "192.0.2.10", &k.local));
		assert_true(addr_parse(remote, &k.remote));
		k.proto = IPPROTO_TCP;
		k.dir = (uint8_t)(i % 2);
		k.service_port = (uint16_t)(i * 977);
		k.many = i % 5 == 0;
		if (k.many)
			k.service_port = 0;
		f = findings_get(fs, &k, 1767225600000000000ull + i, true, &created);
		assert_non_null(f);
		assert_true(created);
		util_strlcpy(want, findings_id(f), sizeof(want));
		f->has_id = false;
		memset(f->id, 0, sizeof(f->id));
		assert_string_equal(findings_id_with(f, h), want);
		assert_int_equal(strlen(want), 32);
	}
	findings_hasher_free(h);
	findings_free(fs);
}

/* What the parent refuses from a sensor that is not itself any more. */
static void test_rec_check(void **state)
{
	struct findings *fs = findings_new(4);
	struct finding_rec good, r;
	char err[ERRLEN];

	(void)state;
	finding_rec_of(one(fs), &good);
	r = good;
	memset(r.id, 'a', sizeof(r.id)); /* not terminated */
	assert_int_equal(finding_rec_check(&r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "id"));
	r = good;
	r.id[3] = 'G';
	assert_int_equal(finding_rec_check(&r, err, sizeof(err)), -EINVAL);
	r = good;
	r.dir = 7;
	assert_int_equal(finding_rec_check(&r, err, sizeof(err)), -EINVAL);
	r = good;
	r.blocked = 2;
	assert_int_equal(finding_rec_check(&r, err, sizeof(err)), -EINVAL);
	r = good;
	r.remote.af = 99;
	assert_int_equal(finding_rec_check(&r, err, sizeof(err)), -EINVAL);
	r = good;
	memset(r.list_name, 'x', sizeof(r.list_name));
	assert_int_equal(finding_rec_check(&r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "list name"));
	r = good;
	r.entry.len = 33;
	assert_int_equal(finding_rec_check(&r, err, sizeof(err)), -EINVAL);
	r = good;
	r.id[0] = '\0'; /* findings_id() never called */
	assert_int_equal(finding_rec_check(&r, err, sizeof(err)), -EINVAL);
	r = good;
	r.many = 1; /* many ports, yet a service port */
	assert_int_equal(finding_rec_check(&r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "many ports"));
	r = good;
	r.many = 2;
	assert_int_equal(finding_rec_check(&r, err, sizeof(err)), -EINVAL);
	findings_free(fs);
}

/*
 * A key that exploded under a scan: its finding crosses as a record with
 * many set and service port 0, and the text says many ports, not port 0.
 */
static void test_rec_many_ports(void **state)
{
	struct findings *fs = findings_new(64);
	struct finding_ctx ctx = { .instance_id = "i-0abc" };
	struct finding_key k;
	struct finding *f = NULL;
	struct finding_rec r;
	char err[ERRLEN];
	bool created;
	char *a, *b;

	(void)state;
	memset(&k, 0, sizeof(k));
	assert_true(addr_parse("192.0.2.10", &k.local));
	assert_true(addr_parse("198.51.100.1", &k.remote));
	k.proto = IPPROTO_UDP;
	k.dir = FINDING_INBOUND;
	for (int p = 1; p <= FINDINGS_PORTS_MAX + 1; p++) {
		k.service_port = (uint16_t)p;
		f = findings_get(fs, &k, (uint64_t)p, false, &created);
		assert_non_null(f);
	}
	assert_true(f->key.many);
	f->local_port = FINDINGS_PORTS_MAX + 1;
	f->remote_port = 40000;
	findings_id(f);
	finding_rec_of(f, &r);
	assert_int_equal(r.many, 1);
	assert_int_equal(r.service_port, 0);
	assert_int_equal(finding_rec_check(&r, err, sizeof(err)), 0);
	a = finding_json(&r, &ctx);
	b = finding_to_json(f, &ctx);
	assert_non_null(a);
	assert_string_equal(a, b);
	assert_non_null(strstr(a, "198.51.100.1 on many UDP ports, which"));
	assert_null(strstr(a, "port 0"));
	free(a);
	free(b);
	/* One of its per-port findings still names its port. */
	k.service_port = 1;
	f = findings_get(fs, &k, 1, false, &created);
	assert_false(created);
	findings_id(f);
	finding_rec_of(f, &r);
	a = finding_json(&r, &ctx);
	assert_non_null(strstr(a, "198.51.100.1 on UDP port 1, which"));
	free(a);
	findings_free(fs);
}

/* GuardDuty's strings are outside input: escaped, never spliced into the text. */
static void test_gd_json(void **state)
{
	struct gd_finding g;
	cJSON *o, *v;
	char *s;

	(void)state;
	memset(&g, 0, sizeof(g));
	strcpy(g.id, "abc123");
	strcpy(g.type, "Trojan:EC2/\"Evil\",\"id\":\"forged");
	g.severity = 8.0;
	strcpy(g.region, "us-east-1");
	strcpy(g.account, "123456789012");
	strcpy(g.instance_id, "i-other");
	s = finding_gd_json(&g, "i-0abc");
	assert_non_null(s);
	o = cJSON_Parse(s);
	assert_non_null(o);
	assert_string_equal(cJSON_GetObjectItem(o, "id")->valuestring, "abc123");
	assert_string_equal(cJSON_GetObjectItem(o, "type")->valuestring, g.type);
	assert_int_equal(cJSON_GetObjectItem(o, "severity")->valueint, 8);
	v = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "resource"), "instanceDetails");
	assert_string_equal(cJSON_GetObjectItem(v, "instanceId")->valuestring, "i-0abc");
	v = cJSON_GetObjectItem(o, "service");
	assert_string_equal(cJSON_GetObjectItem(v, "serviceName")->valuestring, "guardduty");
	cJSON_Delete(o);
	free(s);
	s = finding_gd_json(&g, NULL);
	assert_non_null(strstr(s, "\"instanceId\":\"i-other\""));
	free(s);
}

/*
 * The inbound incident policy's one question (daemon_incident.c reads
 * it): did the host take part in a way a blind spoofer cannot bring
 * about? Every protocol against every (answered, established).
 */
static void test_rec_engaged(void **state)
{
	static const struct {
		uint8_t proto, answered, established;
		bool want;
	} cases[] = {
		{ IPPROTO_TCP, 0, 0, false },
		{ IPPROTO_TCP, 1, 0, false }, /* a SYN-ACK: anyone's SYN gets one */
		{ IPPROTO_TCP, 1, 1, true },  /* the remote ACKed our SYN-ACK */
		{ IPPROTO_TCP, 0, 1, true },
		{ IPPROTO_UDP, 0, 0, false },
		{ IPPROTO_UDP, 1, 0, true },  /* cannot be told from a spoof's */
		{ IPPROTO_ICMP, 0, 0, false },
		{ IPPROTO_ICMP, 1, 0, false }, /* the kernel's echo reply */
		{ IPPROTO_ICMPV6, 1, 0, false },
		{ 47 /* GRE */, 0, 0, false },
		{ 47, 1, 0, true },
	};
	struct finding_rec r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&r, 0, sizeof(r));
		r.dir = FINDING_INBOUND;
		r.proto = cases[i].proto;
		r.answered = cases[i].answered;
		r.established = cases[i].established;
		if (finding_rec_engaged(&r) != cases[i].want)
			fail_msg("case %zu: proto %u answered %u established %u: want %d", i,
				 r.proto, r.answered, r.established, cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rec_json),
		cmocka_unit_test(test_json_same_as_cjson),
		cmocka_unit_test(test_number_same_as_printf),
		cmocka_unit_test(test_text_same_as_printf),
		cmocka_unit_test(test_id_hasher),
		cmocka_unit_test(test_rec_check),
		cmocka_unit_test(test_rec_many_ports),
		cmocka_unit_test(test_gd_json),
		cmocka_unit_test(test_rec_engaged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

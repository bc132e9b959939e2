/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	strcpy(f->list_name, "threat.txt");
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
/*
 * The oracle: the cJSON tree finding_json() used to build (before it
 * wrote the text directly), kept here verbatim to check that the bytes
 * did not change.
 */
static bool ref_proto_has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP;
}

static cJSON *ref_ip_details(const struct cd_addr *a)
{
	char buf[ADDR_STRLEN];
	cJSON *o = cJSON_CreateObject();

	if (o)
		cJSON_AddStringToObject(o, a->af == AF_INET ? "ipAddressV4"
							    : "ipAddressV6",
					addr_ntop(a, buf, sizeof(buf)));
	return o;
}

static cJSON *ref_port_details(uint16_t port)
{
	cJSON *o = cJSON_CreateObject();

	if (o)
		cJSON_AddNumberToObject(o, "port", port);
	return o;
}

static cJSON *ref_finding_action(const struct finding_rec *f)
{
	cJSON *action = cJSON_CreateObject(), *nca;
	bool ports = ref_proto_has_ports(f->proto);

	if (!action)
		return NULL;
	cJSON_AddStringToObject(action, "actionType", "NETWORK_CONNECTION");
	nca = cJSON_AddObjectToObject(action, "networkConnectionAction");
	if (!nca)
		goto fail;
	cJSON_AddStringToObject(nca, "connectionDirection",
				f->dir == FINDING_INBOUND ? "INBOUND" : "OUTBOUND");
	cJSON_AddStringToObject(nca, "protocol", finding_proto_name(f->proto));
	cJSON_AddBoolToObject(nca, "blocked", f->blocked);
	cJSON_AddItemToObject(nca, "localIpDetails", ref_ip_details(&f->local));
	if (ports)
		cJSON_AddItemToObject(nca, "localPortDetails",
				      ref_port_details(f->local_port));
	cJSON_AddItemToObject(nca, "remoteIpDetails", ref_ip_details(&f->remote));
	if (ports)
		cJSON_AddItemToObject(nca, "remotePortDetails",
				      ref_port_details(f->remote_port));
	return action;
fail:
	cJSON_Delete(action);
	return NULL;
}

static void ref_describe(const struct finding_rec *f, const char *inst, char *title,
		     size_t tlen, char *desc, size_t dlen)
{
	char remote[ADDR_STRLEN], portbuf[32] = "";
	const char *list = *f->list_name ? f->list_name : "a threat list";

	addr_ntop(&f->remote, remote, sizeof(remote));
	if (ref_proto_has_ports(f->proto) && f->many)
		snprintf(portbuf, sizeof(portbuf), " on many %s ports",
			 finding_proto_name(f->proto));
	else if (ref_proto_has_ports(f->proto))
		snprintf(portbuf, sizeof(portbuf), " on %s port %u",
			 finding_proto_name(f->proto), f->service_port);
	else
		snprintf(portbuf, sizeof(portbuf), " over %s",
			 finding_proto_name(f->proto));
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

static char *ref_finding_json(const struct finding_rec *f, const struct finding_ctx *ctx)
{
	const char *inst = ctx && ctx->instance_id ? ctx->instance_id : "unknown";
	char first[UTIL_TIMESTAMP_LEN], last[UTIL_TIMESTAMP_LEN];
	char title[160], desc[512], entry[PREFIX_STRLEN];
	cJSON *root = cJSON_CreateObject(), *res, *idet, *svc, *info;
	char *out = NULL;

	if (!root)
		return NULL;
	util_iso8601_ms(f->first_ns, first);
	util_iso8601_ms(f->last_ns, last);
	ref_describe(f, inst, title, sizeof(title), desc, sizeof(desc));

	cJSON_AddStringToObject(root, "schemaVersion", "2.0");
	if (ctx && ctx->account_id)
		cJSON_AddStringToObject(root, "accountId", ctx->account_id);
	if (ctx && ctx->region)
		cJSON_AddStringToObject(root, "region", ctx->region);
	cJSON_AddStringToObject(root, "id", f->id);
	cJSON_AddStringToObject(root, "type",
				"UnauthorizedAccess:EC2/MaliciousIPCaller.Custom");
	cJSON_AddNumberToObject(root, "severity", 5);
	cJSON_AddStringToObject(root, "title", title);
	cJSON_AddStringToObject(root, "description", desc);
	cJSON_AddStringToObject(root, "createdAt", first);
	cJSON_AddStringToObject(root, "updatedAt", last);

	res = cJSON_AddObjectToObject(root, "resource");
	if (!res)
		goto out;
	cJSON_AddStringToObject(res, "resourceType", "Instance");
	idet = cJSON_AddObjectToObject(res, "instanceDetails");
	if (!idet)
		goto out;
	cJSON_AddStringToObject(idet, "instanceId", inst);

	svc = cJSON_AddObjectToObject(root, "service");
	if (!svc)
		goto out;
	cJSON_AddStringToObject(svc, "serviceName", "cordon");
	cJSON_AddNumberToObject(svc, "count", (double)f->count);
	cJSON_AddStringToObject(svc, "eventFirstSeen", first);
	cJSON_AddStringToObject(svc, "eventLastSeen", last);
	cJSON_AddItemToObject(svc, "action", ref_finding_action(f));
	info = cJSON_AddObjectToObject(svc, "additionalInfo");
	if (!info)
		goto out;
	cJSON_AddStringToObject(info, "threatListName", f->list_name);
	cJSON_AddStringToObject(info, "threatListEntry",
				prefix_ntop(&f->entry, entry, sizeof(entry)));
	cJSON_AddNumberToObject(info, "packets", (double)f->packets);
	cJSON_AddNumberToObject(info, "bytes", (double)f->bytes);
	out = cJSON_PrintUnformatted(root);
out:
	cJSON_Delete(root);
	return out;
}

/*
 * finding_json() writes the text directly: byte for byte what the cJSON
 * tree gave, over random records (both families, every protocol, many
 * ports, counts past 2^31, 2^53 and 1e15, names with quotes, backslashes,
 * control and high bytes, context fields present or not).
 */
static void test_json_same_as_cjson(void **state)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP,
					  IPPROTO_ICMPV6, 47 };
	static const uint64_t big[] = { 0, 1, 2147483646ull, 2147483647ull, 2147483648ull,
					4294967296ull, 999999999999999ull, 1000000000000000ull,
					9007199254740993ull, 123456789012345678ull,
					18446744073709551615ull };
	uint32_t r = 7;

	(void)state;
	for (int i = 0; i < 3000; i++) {
		struct finding_ctx ctx = { 0 };
		struct finding_rec f;
		char *a, *b;

#define RND() (r = r * 1103515245u + 12345u, r >> 8)
		memset(&f, 0, sizeof(f));
		for (int j = 0; j < 32; j++)
			f.id[j] = "0123456789abcdef"[RND() % 16];
		f.dir = RND() % 2;
		f.proto = protos[RND() % 5];
		f.blocked = RND() % 2;
		f.many = RND() % 2;
		if (RND() % 2) {
			assert_true(addr_parse("2001:db8::10", &f.local));
			assert_true(addr_parse("2001:db8:bad::1", &f.remote));
			f.remote.u.b[15] = (uint8_t)RND();
		} else {
			assert_true(addr_parse("192.0.2.10", &f.local));
			assert_true(addr_parse("203.0.113.0", &f.remote));
			f.remote.u.b[3] = (uint8_t)RND();
		}
		f.local_port = (uint16_t)RND();
		f.remote_port = (uint16_t)RND();
		f.service_port = f.many ? 0 : (uint16_t)RND();
		f.count = RND() % 3 ? RND() % 100000 : big[RND() % 11];
		f.packets = RND() % 3 ? RND() : big[RND() % 11];
		f.bytes = RND() % 3 ? (uint64_t)RND() * RND() : big[RND() % 11];
		f.first_ns = 1767225600000000000ull + (uint64_t)RND() * 1000;
		f.last_ns = f.first_ns + RND();
		for (int j = 0, n = (int)(RND() % 40); j < n; j++)
			f.list_name[j] = RND() % 4 ? (char)('a' + RND() % 26) :
						 "\"\\\b\f\n\r\t\x01\x1f\x7f\xc3\xa9/"[RND() % 14];
		if (RND() % 2)
			assert_int_equal(prefix_parse(f.local.af == AF_INET ? "203.0.113.0/24" : "2001:db8:bad::/48",
						      &f.entry, NULL), 0);
		if (RND() % 2)
			ctx.instance_id = RND() % 2 ? "i-0abc" : "i-\"odd\\\n";
		if (RND() % 2)
			ctx.account_id = "123456789012";
		if (RND() % 2)
			ctx.region = "eu-west-1";
#undef RND
		a = finding_json(&f, i % 7 ? &ctx : NULL);
		b = ref_finding_json(&f, i % 7 ? &ctx : NULL);
		assert_non_null(a);
		assert_non_null(b);
		assert_string_equal(a, b);
		free(a);
		free(b);
	}
}

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rec_json),
		cmocka_unit_test(test_rec_check),
		cmocka_unit_test(test_rec_many_ports),
		cmocka_unit_test(test_gd_json),
		cmocka_unit_test(test_json_same_as_cjson),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

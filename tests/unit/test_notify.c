/* SPDX-License-Identifier: MIT */
/*
 * enforcer/cloud/notify_text.c, notify_finding.c, notify_json.c: the incident
 * e-mail, the EventBridge entry, the ASFF finding, and the two services'
 * answers (including failures inside a 200).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "notify.h"

/* A line as sensor/finding_json.c's finding_json() writes it. */
static const char finding[] =
	"{\"schemaVersion\":\"2.0\",\"accountId\":\"123456789012\",\"region\":\"eu-west-1\","
	"\"id\":\"5d41402abc4b2a76b9719d911017c592\","
	"\"type\":\"UnauthorizedAccess:EC2/MaliciousIPCaller.Custom\",\"severity\":5,"
	"\"title\":\"EC2 instance i-0abc is communicating with a disallowed IP address.\","
	"\"description\":\"EC2 instance i-0abc is being contacted by IP address 2001:db8::7 on TCP port 22, which is on the custom threat list bad.txt.\","
	"\"createdAt\":\"2026-11-28T13:00:00.000Z\",\"updatedAt\":\"2026-11-28T13:05:00.000Z\","
	"\"resource\":{\"resourceType\":\"Instance\",\"instanceDetails\":{\"instanceId\":\"i-0abc\"}},"
	"\"service\":{\"serviceName\":\"cordon\",\"count\":1,"
	"\"eventFirstSeen\":\"2026-11-28T13:00:00.000Z\",\"eventLastSeen\":\"2026-11-28T13:05:00.000Z\","
	"\"action\":{\"actionType\":\"NETWORK_CONNECTION\",\"networkConnectionAction\":{"
	"\"connectionDirection\":\"INBOUND\",\"protocol\":\"TCP\",\"blocked\":true,"
	"\"localIpDetails\":{\"ipAddressV6\":\"2001:db8::10\"},\"localPortDetails\":{\"port\":22},"
	"\"remoteIpDetails\":{\"ipAddressV6\":\"2001:db8::7\"},\"remotePortDetails\":{\"port\":51000}}},"
	"\"additionalInfo\":{\"threatListName\":\"bad.txt\",\"threatListEntry\":\"2001:db8::/48\","
	"\"packets\":4,\"bytes\":240}}}";

static void fill_actions(struct notify_actions *a)
{
	memset(a, 0, sizeof(*a));
	strcpy(a->incident_id, "inc-7");
	strcpy(a->mode, "isolate");
	a->host_locked = true;
	a->lockdown_ms = 3;
	a->n_eni = 2;
	strcpy(a->eni[0].id, "eni-1");
	strcpy(a->eni[0].old_groups, "sg-web, sg-db");
	strcpy(a->eni[0].new_groups, "sg-forensic");
	a->eni[0].done = true;
	strcpy(a->eni[1].id, "eni-2");
	strcpy(a->eni[1].old_groups, "sg-db");
	strcpy(a->eni[1].new_groups, "sg-forensic");
	strcpy(a->eni[1].error, "EC2 ModifyNetworkInterfaceAttribute eni-2: UnauthorizedOperation");
	notify_actions_error(a, "%s", a->eni[1].error);
	strcpy(a->tags, "cordon:incident=inc-7");
	a->n_snapshots = 1;
	strcpy(a->snapshots[0], "snap-1 of vol-1");
	strcpy(a->gd_finding_id, "aab0c1d2e3f4");
}

static void test_parse(void **state)
{
	struct notify_finding f;
	char err[ERRLEN] = "";

	(void)state;
	assert_int_equal(notify_finding_parse(finding, strlen(finding), &f, err, sizeof(err)), 0);
	assert_string_equal(f.id, "5d41402abc4b2a76b9719d911017c592");
	assert_string_equal(f.instance_id, "i-0abc");
	assert_string_equal(f.direction, "INBOUND");
	assert_string_equal(f.remote_ip, "2001:db8::7");
	assert_true(f.remote_v6);
	assert_int_equal(f.local_port, 22);
	assert_int_equal(f.remote_port, 51000);
	assert_true(f.blocked);
	assert_int_equal(f.packets, 4);
	assert_string_equal(f.list_entry, "2001:db8::/48");
	/* A finding without ports (ICMP) and with little else still reads. */
	assert_int_equal(notify_finding_parse("{\"id\":\"x\"}", 10, &f, err, sizeof(err)), 0);
	assert_int_equal(f.local_port, -1);
	assert_int_equal(notify_finding_parse("{\"id\":7}", 8, &f, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "\"id\" is not a string"));
	assert_int_equal(notify_finding_parse("{}", 2, &f, err, sizeof(err)), -EINVAL);
	assert_int_equal(notify_finding_parse("[1]", 3, &f, err, sizeof(err)), -EINVAL);
	assert_int_equal(notify_finding_parse("{\"id\":\"x\",\"service\":{\"count\":-1}}", 34, &f,
					      err, sizeof(err)), -EINVAL);
}

static void test_text(void **state)
{
	static struct notify_actions a;
	char subject[NOTIFY_SUBJECT_MAX + 1], err[ERRLEN] = "";
	struct buf t;
	const char *s;

	(void)state;
	fill_actions(&a);
	buf_init(&t, NOTIFY_MESSAGE_MAX);
	assert_int_equal(notify_incident_text(finding, &a, subject, &t, err, sizeof(err)), 0);
	s = buf_str(&t);
	/* One interface failed: the subject must not claim full isolation. */
	assert_string_equal(subject, "cordon: i-0abc partly isolated - TCP from 2001:db8::7");
	assert_non_null(strstr(s, "Instance i-0abc is partly isolated. 2001:db8::7, an address on "
				  "a threat list, tried to reach it on TCP port 22; the host's "
				  "firewall blocked it.\n"));
	assert_non_null(strstr(s, "Remote address: 2001:db8::7 (threat list bad.txt, entry 2001:db8::/48)\n"));
	assert_non_null(strstr(s, "Direction:      INBOUND (the remote address contacted this instance)\n"));
	assert_non_null(strstr(s, "Protocol:       TCP, [2001:db8::7] port 51000 -> [2001:db8::10] port 22\n"));
	assert_non_null(strstr(s, "Connections:    1 flow, 4 packets, 240 bytes (all blocked on the host)\n"));
	assert_non_null(strstr(s, "First seen:     2026-11-28T13:00:00.000Z\n"));
	assert_non_null(strstr(s, "Locked the host's firewall down 3 ms after the detection"));
	assert_non_null(strstr(s, "Moved network interface eni-1 from security groups sg-web, sg-db to sg-forensic.\n"));
	assert_non_null(strstr(s, "FAILED to move network interface eni-2 (groups sg-db) to sg-forensic: "
				  "EC2 ModifyNetworkInterfaceAttribute eni-2: UnauthorizedOperation\n"));
	assert_non_null(strstr(s, "WHAT FAILED (cordon keeps retrying what it can)\n"
				  "  - EC2 ModifyNetworkInterfaceAttribute eni-2: UnauthorizedOperation\n"));
	assert_non_null(strstr(s, "Started snapshot snap-1 of vol-1.\n"));
	assert_non_null(strstr(s, "  Matching GuardDuty finding: aab0c1d2e3f4\n"
				  "  https://console.aws.amazon.com/guardduty/home?region=eu-west-1"
				  "#/findings?macros=current&fId=aab0c1d2e3f4\n"));
	assert_non_null(strstr(s, "WHERE\n  Instance:       i-0abc\n"
				  "                  https://console.aws.amazon.com/ec2/home?region=eu-west-1"
				  "#InstanceDetails:instanceId=i-0abc\n"
				  "  Account:        123456789012\n  Region:         eu-west-1\n"));
	assert_non_null(strstr(s, "    cordon release --instance-id i-0abc --region eu-west-1\n"));
	assert_non_null(strstr(s, "    cordon release --incident inc-7\n"));

	/* Everything done, no GuardDuty finding yet. */
	a.eni[1].done = true;
	a.n_errors = 0;
	a.gd_finding_id[0] = '\0';
	buf_reset(&t);
	assert_int_equal(notify_incident_text(finding, &a, subject, &t, err, sizeof(err)), 0);
	assert_string_equal(subject, "cordon: i-0abc isolated - TCP from 2001:db8::7");
	assert_non_null(strstr(buf_str(&t), "WHAT FAILED\n  Nothing.\n"));
	assert_non_null(strstr(buf_str(&t), "No GuardDuty finding matched yet"));

	/* The new order: the message goes before the interfaces move. */
	a.eni[0].done = a.eni[1].done = false;
	a.eni[0].pending = a.eni[1].pending = true;
	buf_reset(&t);
	assert_int_equal(notify_incident_text(finding, &a, subject, &t, err, sizeof(err)), 0);
	assert_string_equal(subject, "cordon: i-0abc being isolated - TCP from 2001:db8::7");
	assert_non_null(strstr(buf_str(&t), "  - Moving network interface eni-1 from security groups "
				   "sg-web, sg-db to sg-forensic right after this message (recorded "
				   "on it as cordon:original-groups).\n"));
	assert_null(strstr(buf_str(&t), "FAILED to move"));

	/* Monitor mode: nothing done, nothing to release. */
	memset(&a, 0, sizeof(a));
	strcpy(a.mode, "monitor");
	a.lockdown_ms = -1;
	buf_reset(&t);
	assert_int_equal(notify_incident_text(finding, &a, subject, &t, err, sizeof(err)), 0);
	assert_string_equal(subject, "cordon: i-0abc not isolated - TCP from 2001:db8::7");
	assert_non_null(strstr(buf_str(&t), "NOT locked down (mode monitor)"));
	assert_non_null(strstr(buf_str(&t), "Nothing to release"));

	assert_int_equal(notify_incident_text("{", &a, subject, &t, err, sizeof(err)), -EINVAL);
	buf_free(&t);
}

/* A cordon finding with these network facts (ports < 0: none, as ICMP). */
static char *finding_with(const char *region, const char *dir, const char *proto, bool v6,
			  const char *local, int lport, const char *remote, int rport, bool blocked)
{
	static char buf[4096];
	char lp[64] = "", rp[64] = "";
	const char *fam = v6 ? "ipAddressV6" : "ipAddressV4";

	if (lport >= 0)
		snprintf(lp, sizeof(lp), ",\"localPortDetails\":{\"port\":%d}", lport);
	if (rport >= 0)
		snprintf(rp, sizeof(rp), ",\"remotePortDetails\":{\"port\":%d}", rport);
	snprintf(buf, sizeof(buf),
		 "{\"accountId\":\"123456789012\",\"region\":\"%s\",\"id\":\"f1\","
		 "\"resource\":{\"instanceDetails\":{\"instanceId\":\"i-0abc\"}},"
		 "\"service\":{\"count\":2,\"action\":{\"networkConnectionAction\":{"
		 "\"connectionDirection\":\"%s\",\"protocol\":\"%s\",\"blocked\":%s,"
		 "\"localIpDetails\":{\"%s\":\"%s\"}%s,\"remoteIpDetails\":{\"%s\":\"%s\"}%s}}}}",
		 region, dir, proto, blocked ? "true" : "false", fam, local, lp, fam, remote, rp);
	return buf;
}

/* The message for finding json, isolated; checks subject and two lines. */
static void wording(const char *json, const char *subject_want, const char *first,
		    const char *proto_line)
{
	static struct notify_actions a;
	char subject[NOTIFY_SUBJECT_MAX + 1], err[ERRLEN] = "";
	struct buf t;

	fill_actions(&a);
	a.eni[1].done = true;
	a.n_errors = 0;
	buf_init(&t, NOTIFY_MESSAGE_MAX);
	assert_int_equal(notify_incident_text(json, &a, subject, &t, err, sizeof(err)), 0);
	assert_string_equal(subject, subject_want);
	if (strncmp(buf_str(&t), first, strlen(first)) || buf_str(&t)[strlen(first)] != '\n')
		fail_msg("first line:\n%.200s\nwant:\n%s", buf_str(&t), first);
	if (!strstr(buf_str(&t), proto_line))
		fail_msg("no \"%s\" in:\n%s", proto_line, buf_str(&t));
	buf_free(&t);
}

static void test_wording(void **state)
{
	(void)state;
	/* OUTBOUND: the instance reached the remote's service port. */
	wording(finding_with("us-east-1", "OUTBOUND", "TCP", false, "192.0.2.10", 40000,
			     "203.0.113.7", 443, false),
		"cordon: i-0abc isolated - TCP to 203.0.113.7",
		"Instance i-0abc is isolated. It contacted 203.0.113.7, an address on a threat "
		"list, on TCP port 443.",
		"Protocol:       TCP, 192.0.2.10 port 40000 -> 203.0.113.7 port 443\n");
	wording(finding_with("us-east-1", "OUTBOUND", "UDP", false, "192.0.2.10", 40000,
			     "203.0.113.7", 53, true),
		"cordon: i-0abc isolated - UDP to 203.0.113.7",
		"Instance i-0abc is isolated. It tried to reach 203.0.113.7, an address on a "
		"threat list, on UDP port 53; the host's firewall blocked it.",
		"Protocol:       UDP, 192.0.2.10 port 40000 -> 203.0.113.7 port 53\n");
	/* INBOUND: the remote reached the instance's port, not the other way. */
	wording(finding_with("us-east-1", "INBOUND", "TCP", false, "192.0.2.10", 22,
			     "203.0.113.7", 51000, false),
		"cordon: i-0abc isolated - TCP from 203.0.113.7",
		"Instance i-0abc is isolated. 203.0.113.7, an address on a threat list, contacted "
		"it on TCP port 22.",
		"Protocol:       TCP, 203.0.113.7 port 51000 -> 192.0.2.10 port 22\n");
	/* ICMP: no port anywhere. */
	wording(finding_with("us-east-1", "OUTBOUND", "ICMP", false, "192.0.2.10", -1,
			     "203.0.113.66", -1, true),
		"cordon: i-0abc isolated - ICMP to 203.0.113.66",
		"Instance i-0abc is isolated. It sent ICMP to 203.0.113.66, an address on a threat "
		"list; the host's firewall blocked it.",
		"Protocol:       ICMP, 192.0.2.10 -> 203.0.113.66\n");
	wording(finding_with("us-east-1", "INBOUND", "ICMP", false, "192.0.2.10", -1,
			     "203.0.113.66", -1, false),
		"cordon: i-0abc isolated - ICMP from 203.0.113.66",
		"Instance i-0abc is isolated. 203.0.113.66, an address on a threat list, sent it "
		"ICMP.",
		"Protocol:       ICMP, 203.0.113.66 -> 192.0.2.10\n");
	/* IPv6: brackets around addresses with a port, ICMPv6 spelt as people do. */
	wording(finding_with("us-east-1", "OUTBOUND", "ICMPV6", true, "2001:db8::10", -1,
			     "2001:db8::66", -1, false),
		"cordon: i-0abc isolated - ICMPv6 to 2001:db8::66",
		"Instance i-0abc is isolated. It sent ICMPv6 to 2001:db8::66, an address on a "
		"threat list.",
		"Protocol:       ICMPv6, 2001:db8::10 -> 2001:db8::66\n");
	wording(finding_with("us-east-1", "INBOUND", "TCP", true, "2001:db8::10", 443,
			     "2001:db8::66", 50000, false),
		"cordon: i-0abc isolated - TCP from 2001:db8::66",
		"Instance i-0abc is isolated. 2001:db8::66, an address on a threat list, contacted "
		"it on TCP port 443.",
		"Protocol:       TCP, [2001:db8::66] port 50000 -> [2001:db8::10] port 443\n");
	/* No direction: neither way round is claimed. */
	wording(finding_with("us-east-1", "", "TCP", false, "192.0.2.10", 1, "203.0.113.7", 2,
			     false),
		"cordon: i-0abc isolated - TCP with 203.0.113.7",
		"Instance i-0abc is isolated. It exchanged TCP with 203.0.113.7, an address on a "
		"threat list.",
		"Direction:      unknown\n");
}

static void test_links(void **state)
{
	char l[NOTIFY_LINK_LEN];
	size_t n;

	(void)state;
	n = notify_link_instance(l, sizeof(l), "eu-west-1", "i-0abc");
	assert_int_equal(n, strlen(l));
	assert_string_equal(l, "https://console.aws.amazon.com/ec2/home?region=eu-west-1"
			       "#InstanceDetails:instanceId=i-0abc");
	assert_true(notify_link_gd_finding(l, sizeof(l), "us-east-1", "5d41402abc4b2a76") > 0);
	assert_string_equal(l, "https://console.aws.amazon.com/guardduty/home?region=us-east-1"
			       "#/findings?macros=current&fId=5d41402abc4b2a76");
	/* Other partitions: their own console; the isolated ones have none. */
	assert_true(notify_link_instance(l, sizeof(l), "cn-north-1", "i-1") > 0);
	assert_string_equal(l, "https://console.amazonaws.cn/ec2/home?region=cn-north-1"
			       "#InstanceDetails:instanceId=i-1");
	assert_true(notify_link_gd_finding(l, sizeof(l), "us-gov-west-1", "ab") > 0);
	assert_string_equal(l, "https://console.amazonaws-us-gov.com/guardduty/home"
			       "?region=us-gov-west-1#/findings?macros=current&fId=ab");
	assert_int_equal(notify_link_instance(l, sizeof(l), "us-iso-east-1", "i-1"), 0);
	assert_string_equal(l, "");
	/* Nothing from outside goes into a URL unless it is a plain token. */
	assert_int_equal(notify_link_instance(l, sizeof(l), "eu-west-1", "i-1&x=<y>"), 0);
	assert_int_equal(notify_link_instance(l, sizeof(l), "", "i-1"), 0);
	assert_int_equal(notify_link_instance(l, sizeof(l), "eu-west-1", ""), 0);
	assert_int_equal(notify_link_instance(l, 20, "eu-west-1", "i-1"), 0);
	assert_string_equal(l, "");
	assert_string_equal(notify_partition("eu-west-1"), "aws");
	assert_string_equal(notify_partition("cn-northwest-1"), "aws-cn");
	assert_string_equal(notify_partition("us-gov-east-1"), "aws-us-gov");
	assert_string_equal(notify_partition("us-isob-east-1"), "aws-iso-b");
	assert_string_equal(notify_partition("us-iso-west-1"), "aws-iso");
	assert_string_equal(notify_partition(""), "aws");
	assert_string_equal(notify_partition(NULL), "aws");
}

static void test_followup(void **state)
{
	struct notify_gd_match g = {
		.id = "aab0c1d2e3f4", .type = "UnauthorizedAccess:EC2/MaliciousIPCaller",
		.severity = 8, .title = "EC2 instance i-0abc is communicating with a disallowed IP",
		.updated_at = "2026-11-28T13:12:00.000Z",
	};
	char subject[NOTIFY_SUBJECT_MAX + 1], err[ERRLEN] = "";
	struct buf t;

	(void)state;
	buf_init(&t, NOTIFY_MESSAGE_MAX);
	assert_int_equal(notify_followup_text(finding, "inc-7", &g, subject, &t, err, sizeof(err)),
			 0);
	assert_string_equal(subject, "cordon: i-0abc - GuardDuty confirms: "
				     "UnauthorizedAccess:EC2/MaliciousIPCaller");
	assert_string_equal(buf_str(&t),
		"Update on incident inc-7, instance i-0abc: GuardDuty published a finding that "
		"matches what cordon saw.\n\n"
		"GUARDDUTY\n"
		"  Type:           UnauthorizedAccess:EC2/MaliciousIPCaller\n"
		"  Severity:       8 (HIGH)\n"
		"  Title:          EC2 instance i-0abc is communicating with a disallowed IP\n"
		"  Updated:        2026-11-28T13:12:00.000Z\n"
		"  Finding:        aab0c1d2e3f4\n"
		"                  https://console.aws.amazon.com/guardduty/home?region=eu-west-1"
		"#/findings?macros=current&fId=aab0c1d2e3f4\n\n"
		"WHAT CORDON SAW\n"
		"  2001:db8::7, an address on a threat list, tried to reach it on TCP port 22; the "
		"host's firewall blocked it.\n"
		"  Finding:        5d41402abc4b2a76b9719d911017c592 (first seen "
		"2026-11-28T13:00:00.000Z)\n"
		"  Instance:       https://console.aws.amazon.com/ec2/home?region=eu-west-1"
		"#InstanceDetails:instanceId=i-0abc\n\n"
		"Nothing else changed since the first message. On the instance, `cordon journal` "
		"shows the whole incident.\n");
	/* GuardDuty's region wins for its link; no id is no message. */
	strcpy(g.region, "us-east-2");
	buf_reset(&t);
	assert_int_equal(notify_followup_text(finding, "", &g, subject, &t, err, sizeof(err)), 0);
	assert_non_null(strstr(buf_str(&t), "Update on the finding 5d41402abc4b2a76b9719d911017c592,"));
	assert_non_null(strstr(buf_str(&t), "guardduty/home?region=us-east-2#"));
	g.id[0] = '\0';
	assert_int_equal(notify_followup_text(finding, "inc-7", &g, subject, &t, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(notify_followup_text("{", "inc-7", &g, subject, &t, err, sizeof(err)),
			 -EINVAL);
	buf_free(&t);
}

static void test_release_text(void **state)
{
	static struct notify_release r;
	char subject[NOTIFY_SUBJECT_MAX + 1], err[ERRLEN] = "";
	struct buf t;

	(void)state;
	memset(&r, 0, sizeof(r));
	strcpy(r.instance_id, "i-0abc");
	strcpy(r.region, "eu-west-1");
	strcpy(r.incident_id, "inc-7");
	strcpy(r.ran_on, "laptop");
	r.n_eni = 2;
	strcpy(r.eni[0].id, "eni-1");
	strcpy(r.eni[0].old_groups, "sg-forensic");
	strcpy(r.eni[0].new_groups, "sg-web, sg-db");
	r.eni[0].done = true;
	strcpy(r.eni[1].id, "eni-2");
	strcpy(r.eni[1].new_groups, "sg-db");
	strcpy(r.eni[1].error, "EC2 ModifyNetworkInterfaceAttribute eni-2: UnauthorizedOperation");
	r.n_left = 1;
	strcpy(r.left[0], "eni-3 (sg-forensic)");
	r.tags_done = true;
	buf_init(&t, NOTIFY_MESSAGE_MAX);
	assert_int_equal(notify_release_text(&r, subject, &t, err, sizeof(err)), 0);
	assert_string_equal(subject, "cordon: incident inc-7 released");
	assert_string_equal(buf_str(&t),
		"cordon released incident inc-7 on instance i-0abc.\n"
		"Region: eu-west-1\n"
		"        https://console.aws.amazon.com/ec2/home?region=eu-west-1"
		"#InstanceDetails:instanceId=i-0abc\n"
		"Run on: laptop\n\n"
		"WHAT WAS UNDONE\n"
		"  - Network interface eni-1 back in security groups sg-web, sg-db (was in "
		"sg-forensic).\n"
		"  - FAILED to put network interface eni-2 back in sg-db: "
		"EC2 ModifyNetworkInterfaceAttribute eni-2: UnauthorizedOperation\n"
		"  - Network interface eni-3 (sg-forensic): no original groups recorded (no "
		"cordon:original-groups tag), left as it is.\n"
		"  - Instance tags: cordon:status=released and cordon:released set, cordon:incident "
		"removed.\n"
		"  - The host's own lockdown: cordon's agent on the instance lifts it when it reads "
		"cordon:status=released (if the agent is stopped, run `cordon release` on the "
		"instance).\n\n"
		"The evidence stays on the instance, in the state directory under evidence/inc-7/.\n");
	/* On the host, from the journal: opened, reason, the lockdown itself. */
	r.on_host = true;
	r.lockdown_lifted = true;
	strcpy(r.opened_at, "2026-11-28T13:00:00.000Z");
	strcpy(r.reason, "finding f1");
	r.n_eni = r.n_left = 0;
	r.incident_id[0] = '\0';
	buf_reset(&t);
	assert_int_equal(notify_release_text(&r, subject, &t, err, sizeof(err)), 0);
	assert_string_equal(subject, "cordon: i-0abc released");
	assert_non_null(strstr(buf_str(&t), "cordon released instance i-0abc.\n"));
	assert_non_null(strstr(buf_str(&t), "Run on: laptop (the instance itself)\n"
				   "Opened: 2026-11-28T13:00:00.000Z\nReason: finding f1\n"));
	assert_non_null(strstr(buf_str(&t), "  - No network interface had to be moved.\n"));
	assert_non_null(strstr(buf_str(&t), "  - The host's own lockdown: lifted.\n"));
	assert_null(strstr(buf_str(&t), "evidence/"));
	buf_free(&t);
}

static void test_subject(void **state)
{
	char s[400];

	(void)state;
	strcpy(s, "  caf\xc3\xa9\tnew\nline  ");
	notify_subject_clean(s);
	assert_string_equal(s, "caf?? new line");
	memset(s, 'a', 300);
	s[300] = '\0';
	notify_subject_clean(s);
	assert_int_equal(strlen(s), NOTIFY_SUBJECT_MAX);
	assert_string_equal(s + 97, "...");
	strcpy(s, " \t ");
	notify_subject_clean(s);
	assert_string_equal(s, "cordon notification");
}

static void test_errors_cap(void **state)
{
	static struct notify_actions a;

	(void)state;
	memset(&a, 0, sizeof(a));
	for (int i = 0; i < 20; i++)
		notify_actions_error(&a, "error %d", i);
	assert_int_equal(a.n_errors, NOTIFY_MAX_ERRORS);
	assert_string_equal(a.errors[0], "error 0");
	assert_non_null(strstr(a.errors[NOTIFY_MAX_ERRORS - 1], "more errors"));
}

static void test_events_body(void **state)
{
	char err[ERRLEN] = "";
	char *b = notify_events_body("cordon-bus", finding, err, sizeof(err));
	cJSON *root, *e;

	(void)state;
	assert_non_null(b);
	root = cJSON_Parse(b);
	e = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "Entries"), 0);
	assert_string_equal(cJSON_GetObjectItem(e, "Source")->valuestring, "cordon");
	assert_string_equal(cJSON_GetObjectItem(e, "DetailType")->valuestring, "Cordon Finding");
	assert_string_equal(cJSON_GetObjectItem(e, "EventBusName")->valuestring, "cordon-bus");
	assert_string_equal(cJSON_GetObjectItem(e, "Detail")->valuestring, finding);
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(e, "Resources"), 0)->valuestring,
			    "arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc");
	cJSON_Delete(root);
	free(b);
	b = notify_events_body(NULL, finding, err, sizeof(err));
	assert_null(strstr(b, "EventBusName"));
	free(b);
	assert_null(notify_events_body("b", "not json", err, sizeof(err)));
}

static void test_asff(void **state)
{
	char err[ERRLEN] = "";
	char *a = notify_asff_build(NULL, NULL, finding, err, sizeof(err));

	(void)state;
	assert_non_null(a);
	assert_string_equal(a,
		"{\"SchemaVersion\":\"2018-10-08\","
		"\"Id\":\"cordon/eu-west-1/123456789012/5d41402abc4b2a76b9719d911017c592\","
		"\"ProductArn\":\"arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default\","
		"\"GeneratorId\":\"cordon\",\"AwsAccountId\":\"123456789012\","
		"\"Types\":[\"TTPs/Command and Control/UnauthorizedAccess:EC2-MaliciousIPCaller.Custom\"],"
		"\"CreatedAt\":\"2026-11-28T13:00:00.000Z\",\"UpdatedAt\":\"2026-11-28T13:05:00.000Z\","
		"\"FirstObservedAt\":\"2026-11-28T13:00:00.000Z\",\"LastObservedAt\":\"2026-11-28T13:05:00.000Z\","
		"\"Severity\":{\"Label\":\"MEDIUM\",\"Original\":\"5\"},"
		"\"Title\":\"EC2 instance i-0abc is communicating with a disallowed IP address.\","
		"\"Description\":\"EC2 instance i-0abc is being contacted by IP address 2001:db8::7 on TCP port 22, which is on the custom threat list bad.txt.\","
		"\"Resources\":[{\"Type\":\"AwsEc2Instance\",\"Id\":\"arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc\","
		"\"Partition\":\"aws\",\"Region\":\"eu-west-1\"}],"
		"\"Network\":{\"Direction\":\"IN\",\"Protocol\":\"TCP\",\"SourceIpV6\":\"2001:db8::7\","
		"\"SourcePort\":51000,\"DestinationIpV6\":\"2001:db8::10\",\"DestinationPort\":22},"
		"\"ProductFields\":{\"cordon/threatListName\":\"bad.txt\",\"cordon/threatListEntry\":\"2001:db8::/48\","
		"\"cordon/count\":\"1\",\"cordon/packets\":\"4\",\"cordon/bytes\":\"240\","
		"\"cordon/findingId\":\"5d41402abc4b2a76b9719d911017c592\"}}");
	free(a);
	/* Account and region given override the finding's. */
	a = notify_asff_build("210987654321", "us-east-2", finding, err, sizeof(err));
	assert_non_null(strstr(a, "\"ProductArn\":\"arn:aws:securityhub:us-east-2:210987654321:product/210987654321/default\""));
	free(a);
	/* Another partition: its ARNs and name. */
	a = notify_asff_build("210987654321", "cn-north-1", finding, err, sizeof(err));
	assert_non_null(strstr(a, "\"ProductArn\":\"arn:aws-cn:securityhub:cn-north-1:210987654321:product/210987654321/default\""));
	assert_non_null(strstr(a, "\"Id\":\"arn:aws-cn:ec2:cn-north-1:210987654321:instance/i-0abc\","
			       "\"Partition\":\"aws-cn\""));
	free(a);
	assert_null(notify_asff_build("12345", "us-east-1", finding, err, sizeof(err)));
	assert_non_null(strstr(err, "12 digits"));
	assert_null(notify_asff_build(NULL, NULL, "{\"id\":\"x\"}", err, sizeof(err)));
}

static void test_answers(void **state)
{
	char id[NOTIFY_MSG_ID_LEN], err[ERRLEN] = "";
	const char *ok = "{\"FailedEntryCount\":0,\"Entries\":[{\"EventId\":\"11710aed-b79e-4468-a20b-bb3c0c3b4860\"}]}";
	const char *bad = "{\"FailedEntryCount\":1,\"Entries\":[{\"ErrorCode\":\"InternalFailure\","
			  "\"ErrorMessage\":\"try again\"}]}";

	(void)state;
	assert_int_equal(notify_events_answer(ok, strlen(ok), id, err, sizeof(err)), 0);
	assert_string_equal(id, "11710aed-b79e-4468-a20b-bb3c0c3b4860");
	assert_int_equal(notify_events_answer(bad, strlen(bad), id, err, sizeof(err)), -EIO);
	assert_string_equal(err, "EventBridge PutEvents: entry refused: InternalFailure: try again");
	assert_int_equal(notify_events_answer("{}", 2, id, err, sizeof(err)), -EBADMSG);
	assert_int_equal(notify_events_answer("<html>", 6, id, err, sizeof(err)), -EBADMSG);

	ok = "{\"FailedCount\":0,\"SuccessCount\":1,\"FailedFindings\":[]}";
	bad = "{\"FailedCount\":1,\"SuccessCount\":0,\"FailedFindings\":[{\"Id\":\"x\","
	      "\"ErrorCode\":\"InvalidInput\",\"ErrorMessage\":\"Finding must contain at least one resource\"}]}";
	assert_int_equal(notify_securityhub_answer(ok, strlen(ok), err, sizeof(err)), 0);
	assert_int_equal(notify_securityhub_answer(bad, strlen(bad), err, sizeof(err)), -EIO);
	assert_string_equal(err, "Security Hub BatchImportFindings: finding refused: InvalidInput: "
				 "Finding must contain at least one resource");
	assert_int_equal(notify_securityhub_answer("{\"FailedCount\":0}", 17, err, sizeof(err)), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_wording),
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_followup),
		cmocka_unit_test(test_release_text),
		cmocka_unit_test(test_subject),
		cmocka_unit_test(test_errors_cap),
		cmocka_unit_test(test_events_body),
		cmocka_unit_test(test_asff),
		cmocka_unit_test(test_answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

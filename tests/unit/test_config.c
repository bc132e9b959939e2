/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_impl.h"

static char err[ERRLEN];

/* Load text as "cordon.conf"; the config is kept for the caller. */
static int load(struct cordon_config *c, const char *text)
{
	err[0] = '\0';
	return config_load_mem(c, "cordon.conf", text, strlen(text), err,
			       sizeof(err));
}

/* Loading text fails with exactly this message. */
static void load_fails(const char *text, const char *want)
{
	struct cordon_config c;

	assert_int_not_equal(load(&c, text), 0);
	assert_string_equal(err, want);
	config_free(&c);
}

static char *print_config(const struct cordon_config *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	config_print(c, f);
	fclose(f);
	return buf;
}

static void test_defaults(void **state)
{
	struct cordon_config c;
	char buf[256];

	(void)state;
	assert_int_equal(config_defaults(&c), 0);
	assert_int_equal(c.agent.mode, CONFIG_MODE_ISOLATE);
	assert_int_equal(c.agent.interface.n, 0);
	assert_string_equal(c.agent.state_dir, "/var/lib/cordon");
	assert_null(c.agent.instance_id);
	assert_string_equal(c.agent.user, "cordon");
	assert_null(c.agent.findings_file);
	assert_null(c.agent.metrics_file);
	assert_int_equal(c.agent.capture_buffer, 32 << 20);
	assert_int_equal(c.agent.snaplen, 256);
	assert_int_equal(c.agent.nflog_group, 7767);
	assert_int_equal(c.agent.max_flows, 65536);
	assert_int_equal(c.agent.evidence_window_ms, 30000);
	assert_int_equal(c.lists.sync_interval_ms, 60000);
	assert_int_equal(c.lists.floor_v4, 8);
	assert_int_equal(c.lists.floor_v6, 32);
	assert_int_equal(c.lists.max_bytes, 256u << 20);
	assert_int_equal(c.lists.max_entries, 16u << 20);
	assert_null(c.cloud.forensic_security_group);
	assert_true(c.cloud.tag_instance);
	assert_false(c.cloud.termination_protection);
	assert_false(c.cloud.snapshot_volumes);
	assert_true(c.guardduty.enabled);
	assert_int_equal(c.guardduty.poll_interval_ms, 60000);
	assert_true(c.guardduty.min_severity == 7.0);
	assert_true(c.incident.outbound);
	assert_true(c.incident.inbound_answered);
	assert_int_equal(c.incident.guardduty_types.n, 1);
	assert_string_equal(c.incident.guardduty_types.v[0], "*.Custom");
	assert_false(c.events.eventbridge);
	assert_string_equal(c.events.eventbridge_bus, "default");
	assert_int_equal(c.aws.max_attempts, 3);
	assert_int_equal(c.aws.connect_timeout_ms, 3000);
	assert_int_equal(c.aws.total_timeout_ms, 30000);
	assert_string_equal(config_findings_file(&c, buf, sizeof(buf)),
			    "/var/lib/cordon/findings.json");
	config_free(&c);
	config_free(&c); /* freed and zeroed: safe again */
	config_free(NULL);
}

static void test_missing_file(void **state)
{
	struct cordon_config c;

	(void)state;
	/* The default file may be absent; an explicit -c file may not. */
	assert_int_equal(config_load(&c, "/nonexistent/cordon.conf", false, err,
				     sizeof(err)), 0);
	assert_int_equal(c.agent.mode, CONFIG_MODE_ISOLATE);
	config_free(&c);
	assert_int_equal(config_load(&c, "/nonexistent/cordon.conf", true, err,
				     sizeof(err)), -ENOENT);
	assert_string_equal(err, "/nonexistent/cordon.conf: No such file or directory");
	config_free(&c);
	assert_int_not_equal(config_load(&c, "/", false, err, sizeof(err)), 0);
	assert_string_equal(err, "/: Is a directory");
}

static void test_types(void **state)
{
	struct cordon_config c;

	(void)state;
	assert_int_equal(load(&c,
		"[agent]\n"
		"mode = Monitor\n"
		"capture_buffer = 64MiB\n"
		"snaplen = 96\n"
		"evidence_window = 1500ms\n"
		"evidence_buffer = 2048K\n"
		"metrics_file = /run/cordon.prom\n"
		"[lists]\n"
		"sync_interval = 5m\n"
		"max_bytes = 1G\n"
		"[cloud]\n"
		"tag_instance = no\n"
		"termination_protection = YES\n"
		"snapshot_volumes = on\n"
		"[guardduty]\n"
		"enabled = 0\n"
		"poll_interval = 1h\n"
		"min_severity = 5.5\n"
		"[aws]\n"
		"connect_timeout = 250ms\n"
		"total_timeout = 2m\n"), 0);
	assert_int_equal(c.agent.mode, CONFIG_MODE_MONITOR);
	assert_int_equal(c.agent.capture_buffer, 64 << 20);
	assert_int_equal(c.agent.snaplen, 96);
	assert_int_equal(c.agent.evidence_window_ms, 1500);
	assert_int_equal(c.agent.evidence_buffer, 2 << 20);
	assert_string_equal(c.agent.metrics_file, "/run/cordon.prom");
	assert_int_equal(c.lists.sync_interval_ms, 300000);
	assert_int_equal(c.lists.max_bytes, 1 << 30);
	assert_false(c.cloud.tag_instance);
	assert_true(c.cloud.termination_protection);
	assert_true(c.cloud.snapshot_volumes);
	assert_false(c.guardduty.enabled);
	assert_int_equal(c.guardduty.poll_interval_ms, 3600000);
	assert_true(c.guardduty.min_severity == 5.5);
	assert_int_equal(c.aws.connect_timeout_ms, 250);
	assert_int_equal(c.aws.total_timeout_ms, 120000);
	config_free(&c);
}

static void test_bad_values(void **state)
{
	(void)state;
	/* The message DESIGN.md's contract asks for, word for word. */
	load_fails("[agent]\n\n\n\n\n\n\n\n\n\n\nmode = isolte\n",
		   "cordon.conf:12: [agent] mode: 'isolte' is not one of monitor, block, isolate");
	load_fails("[agent]\nsnaplen = 95\n",
		   "cordon.conf:2: [agent] snaplen: 95 is out of range (96 to 65535)");
	load_fails("[agent]\nsnaplen = 65536\n",
		   "cordon.conf:2: [agent] snaplen: 65536 is out of range (96 to 65535)");
	load_fails("[agent]\nsnaplen = -1\n",
		   "cordon.conf:2: [agent] snaplen: '-1' is not a whole number");
	load_fails("[agent]\nsnaplen = 99999999999999999999999\n",
		   "cordon.conf:2: [agent] snaplen: '99999999999999999999999' is not a whole number");
	load_fails("[agent]\nsnaplen = 128K\n",
		   "cordon.conf:2: [agent] snaplen: '128K' is not a whole number");
	load_fails("[agent]\ncapture_buffer = 512K\n",
		   "cordon.conf:2: [agent] capture_buffer: 512K is out of range (1M to 1G)");
	load_fails("[agent]\ncapture_buffer = 32X\n",
		   "cordon.conf:2: [agent] capture_buffer: '32X' is not a size (a number, K, M or G)");
	load_fails("[agent]\ncapture_buffer = 99999999999T\n",
		   "cordon.conf:2: [agent] capture_buffer: '99999999999T' is not a size (a number, K, M or G)");
	load_fails("[lists]\nsync_interval = 5\n",
		   "cordon.conf:2: [lists] sync_interval: 5 is out of range (10s to 1d)");
	load_fails("[lists]\nsync_interval = 5 minutes\n",
		   "cordon.conf:2: [lists] sync_interval: '5 minutes' is not a duration (seconds, or a number and ms, s, m, h or d)");
	load_fails("[guardduty]\nmin_severity = 9\n",
		   "cordon.conf:2: [guardduty] min_severity: 9 is out of range (1.0 to 8.9)");
	load_fails("[guardduty]\nmin_severity = 0.5\n",
		   "cordon.conf:2: [guardduty] min_severity: 0.5 is out of range (1.0 to 8.9)");
	load_fails("[guardduty]\nmin_severity = nan\n",
		   "cordon.conf:2: [guardduty] min_severity: 'nan' is not a number");
	load_fails("[guardduty]\nmin_severity = 1e0\n",
		   "cordon.conf:2: [guardduty] min_severity: '1e0' is not a number");
	load_fails("[guardduty]\nenabled = maybe\n",
		   "cordon.conf:2: [guardduty] enabled: 'maybe' is not a boolean (true or false)");
	load_fails("[agent]\nstate_dir = var/lib/cordon\n",
		   "cordon.conf:2: [agent] state_dir: 'var/lib/cordon' is not an absolute path");
	load_fails("[agent]\nuser = ro ot\n",
		   "cordon.conf:2: [agent] user: 'ro ot' is not a user name or uid");
	load_fails("[agent]\ninterface = eth0/1\n",
		   "cordon.conf:2: [agent] interface: 'eth0/1' is not an interface name (1 to 15 bytes, no '/', ':' or space)");
}

static void test_empty_values(void **state)
{
	struct cordon_config c;

	(void)state;
	/* Empty means unset where the help says so... */
	assert_int_equal(load(&c, "[agent]\ninstance_id =\nmetrics_file=\n"
				  "[cloud]\nforensic_security_group =   \n"), 0);
	assert_null(c.agent.instance_id);
	assert_null(c.cloud.forensic_security_group);
	config_free(&c);
	/* ...and is an error elsewhere. */
	load_fails("[agent]\nstate_dir =\n",
		   "cordon.conf:2: [agent] state_dir: must not be empty");
	load_fails("[agent]\nsnaplen =\n",
		   "cordon.conf:2: [agent] snaplen: empty value");
	load_fails("[cloud]\ntag_instance = ; off\n",
		   "cordon.conf:2: [cloud] tag_instance: empty value");
}

static void test_grammars(void **state)
{
	struct cordon_config c;

	(void)state;
	assert_int_equal(load(&c,
		"[agent]\ninstance_id = i-0123456789abcdef0\nuser = 998\n"
		"[lists]\n"
		"threat = txt:s3://my-bucket/MyThreatIntelSet\n"
		"threat = STIX:/etc/cordon/feed.xml\n"
		"threat = /etc/cordon/plain.txt\n"
		"trusted = txt:/etc/cordon/trusted.txt\n"
		"[lockdown]\n"
		"allow = 198.51.100.0/24:22\n"
		"allow = [2001:db8::5]:22\n"
		"allow = 2001:db8::/32\n"
		"allow = 192.0.2.7\n"
		"allow_unit = amazon-ssm-agent.service\n"
		"allow_unit = getty@tty1.service\n"
		"[cloud]\n"
		"forensic_security_group = sg-0123456789abcdef0\n"
		"conversion_security_group = sg-01234567\n"
		"sns_topic_arn = arn:aws:sns:us-east-1:123456789012:GuardDuty-Example\n"
		"[guardduty]\ndetector_id = 12abc34d567e8fa901bc2d34e56789f0\n"
		"[incident]\nguardduty_types = UnauthorizedAccess:EC2/*\n"
		"[events]\neventbridge_bus = arn:aws:events:us-east-1:123456789012:event-bus/sec\n"),
		0);
	assert_int_equal(c.lists.threat.n, 3);
	assert_string_equal(c.lists.threat.v[1], "STIX:/etc/cordon/feed.xml");
	assert_int_equal(c.lockdown.allow.n, 4);
	assert_string_equal(c.lockdown.allow.v[1], "[2001:db8::5]:22");
	assert_int_equal(c.lockdown.allow_unit.n, 2);
	assert_string_equal(c.cloud.sns_topic_arn,
			    "arn:aws:sns:us-east-1:123456789012:GuardDuty-Example");
	assert_string_equal(c.incident.guardduty_types.v[0], "UnauthorizedAccess:EC2/*");
	config_free(&c);

	load_fails("[lists]\nthreat = csv:/x\n",
		   "cordon.conf:2: [lists] threat: unknown list format 'csv' in 'csv:/x' "
		   "(valid: txt, stix, otx_csv, alien_vault, proof_point, fire_eye)");
	load_fails("[lockdown]\nallow = 198.51.100.0/24:0\n",
		   "cordon.conf:2: [lockdown] allow: allow entry '198.51.100.0/24:0': bad port '0' (1-65535)");
	load_fails("[lockdown]\nallow = [192.0.2.1]:22\n",
		   "cordon.conf:2: [lockdown] allow: allow entry '[192.0.2.1]:22': brackets are for IPv6 only");
	load_fails("[lockdown]\nallow_unit = sshd\n",
		   "cordon.conf:2: [lockdown] allow_unit: 'sshd' is not a unit name (NAME.service, NAME.scope or NAME.slice)");
	load_fails("[cloud]\nforensic_security_group = sg-123\n",
		   "cordon.conf:2: [cloud] forensic_security_group: 'sg-123' is not a security group id (sg- and 8 to 17 lowercase hex digits)");
	load_fails("[cloud]\nforensic_security_group = sg-0123456789ABCDEF0\n",
		   "cordon.conf:2: [cloud] forensic_security_group: 'sg-0123456789ABCDEF0' is not a security group id (sg- and 8 to 17 lowercase hex digits)");
	load_fails("[cloud]\nsns_topic_arn = arn:aws:sqs:us-east-1:123456789012:q\n",
		   "cordon.conf:2: [cloud] sns_topic_arn: 'arn:aws:sqs:us-east-1:123456789012:q' is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)");
	load_fails("[cloud]\nsns_topic_arn = arn:aws:sns:us-east-1:1234:t\n",
		   "cordon.conf:2: [cloud] sns_topic_arn: 'arn:aws:sns:us-east-1:1234:t' is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)");
	load_fails("[agent]\ninstance_id = i-12345\n",
		   "cordon.conf:2: [agent] instance_id: 'i-12345' is not an instance id (i- and 8 or 17 hex digits)");
}

static void test_lists(void **state)
{
	struct cordon_config c;
	char text[2048];
	size_t n = 0;

	(void)state;
	/* Values accumulate; the first one drops the default. */
	assert_int_equal(load(&c, "[agent]\ninterface = ens5\ninterface = ens6\n"
				  "[incident]\nguardduty_types = Backdoor:EC2/*\n"
				  "guardduty_types = *.Custom\n"), 0);
	assert_int_equal(c.agent.interface.n, 2);
	assert_string_equal(c.agent.interface.v[0], "ens5");
	assert_string_equal(c.agent.interface.v[1], "ens6");
	assert_int_equal(c.incident.guardduty_types.n, 2);
	assert_string_equal(c.incident.guardduty_types.v[0], "Backdoor:EC2/*");
	config_free(&c);
	/* An empty value clears, defaults included. */
	assert_int_equal(load(&c, "[incident]\nguardduty_types =\n"), 0);
	assert_int_equal(c.incident.guardduty_types.n, 0);
	config_free(&c);
	assert_int_equal(load(&c, "[agent]\ninterface = a\ninterface =\ninterface = b\n"), 0);
	assert_int_equal(c.agent.interface.n, 1);
	assert_string_equal(c.agent.interface.v[0], "b");
	config_free(&c);
	/* A section may come back; the key still accumulates. */
	assert_int_equal(load(&c, "[agent]\ninterface = a\n[lists]\n[agent]\ninterface = b\n"), 0);
	assert_int_equal(c.agent.interface.n, 2);
	config_free(&c);
	load_fails("[agent]\ninterface = ens5\ninterface = ens5\n",
		   "cordon.conf:3: [agent] interface: 'ens5' is listed twice");
	/* Cap on values per key. */
	n += (size_t)snprintf(text, sizeof(text), "[agent]\n");
	for (int i = 0; i <= CONFIG_MAX_INTERFACES; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "interface = eth%d\n", i);
	load_fails(text, "cordon.conf:10: [agent] interface: more than 8 values");
}

static void test_value_cap(void **state)
{
	size_t size = 64 * 1024, n = 0;
	char *text = malloc(size);

	(void)state;
	/* The largest list: 256 responders' entries. */
	n += (size_t)snprintf(text, size, "[lockdown]\n");
	for (int i = 0; i <= 256; i++)
		n += (size_t)snprintf(text + n, size - n, "allow = 192.0.2.%d:%d\n",
				      i % 256, 1 + i / 256);
	load_fails(text, "cordon.conf:258: [lockdown] allow: more than 256 values");
	free(text);
}

static void test_syntax(void **state)
{
	struct cordon_config c;

	(void)state;
	load_fails("[agent]\nmode = block\nthis is not ini\n",
		   "cordon.conf:3: expected '[section]' or 'key = value'");
	load_fails("mode = block\n", "cordon.conf:1: 'mode' is outside any section");
	load_fails("[agent\nmode = block\n", "cordon.conf:1: '[' without a closing ']'");
	load_fails("[agent] mode = block\n", "cordon.conf:1: text after the section's ']'");
	load_fails("[agent]\n= block\n", "cordon.conf:2: [agent] no key before '='");
	/* The first error wins, whichever part of the parser saw it. */
	load_fails("[agent]\nnonsense\nmode = bad\n",
		   "cordon.conf:2: expected '[section]' or 'key = value'");
	load_fails("[agent]\nmode = bad\nnonsense\n",
		   "cordon.conf:2: [agent] mode: 'bad' is not one of monitor, block, isolate");
	/* Control characters and NUL bytes. */
	load_fails("[agent]\nmode = bl\x01ock\n", "cordon.conf:2: control character 0x01");
	{
		static const char nul[] = "[agent]\nmode = block\n\0\n";

		assert_int_not_equal(config_load_mem(&c, "cordon.conf", nul,
						     sizeof(nul) - 1, err,
						     sizeof(err)), 0);
		assert_string_equal(err, "cordon.conf:3: control character 0x00");
		config_free(&c);
	}
	/* An empty file and a file of comments are the defaults. */
	assert_int_equal(load(&c, ""), 0);
	config_free(&c);
	assert_int_equal(load(&c, "; nothing\n# here\n\n"), 0);
	config_free(&c);
}

static void test_unknown(void **state)
{
	(void)state;
	load_fails("[agent]\nmdoe = block\n",
		   "cordon.conf:2: [agent] mdoe: unknown key (did you mean 'mode'?)");
	load_fails("[agent]\nMode = block\n",
		   "cordon.conf:2: [agent] Mode: unknown key (did you mean 'mode'?)");
	load_fails("[agent]\nmax flows = 10\n",
		   "cordon.conf:2: [agent] max flows: unknown key (did you mean 'max_flows'?)");
	load_fails("[agent]\nallow = 192.0.2.1\n",
		   "cordon.conf:2: [agent] allow: unknown key (did you mean [lockdown] allow?)");
	load_fails("[agent]\nfrobnicate = 1\n",
		   "cordon.conf:2: [agent] frobnicate: unknown key");
	load_fails("[agnet]\nmode = block\n",
		   "cordon.conf:1: unknown section [agnet] (did you mean [agent]?)");
	/* Caught even when no key follows. */
	load_fails("[agent]\n[frobnicate]\n", "cordon.conf:2: unknown section [frobnicate]");
	assert_int_equal(config_distance("mode", "mode"), 0);
	assert_int_equal(config_distance("mdoe", "mode"), 1);
	assert_int_equal(config_distance("isolte", "isolate"), 1);
	assert_int_equal(config_distance("", "abc"), 3);
	assert_int_equal(config_distance("MODE", "mode"), 0);
}

static void test_duplicate(void **state)
{
	(void)state;
	load_fails("[agent]\nmode = block\n\nmode = monitor\n",
		   "cordon.conf:4: [agent] mode: set again (first set on line 2)");
	load_fails("[agent]\nmode = block\n[lists]\n[agent]\nmode = block\n",
		   "cordon.conf:5: [agent] mode: set again (first set on line 2)");
}

static void test_comments(void **state)
{
	struct cordon_config c;

	(void)state;
	assert_int_equal(load(&c,
		"# full line\n"
		"; full line\n"
		"  # indented comment\n"
		"[agent]   ; section comment\n"
		"mode = block ; inline\n"
		"  snaplen = 512 # indented key, hash comment\n"
		"\tuser = nobody\t; tabs\n"
		"[lists]\n"
		"threat = https://example.com/list.txt#frag\n"), 0);
	assert_int_equal(c.agent.mode, CONFIG_MODE_BLOCK);
	assert_int_equal(c.agent.snaplen, 512);
	assert_string_equal(c.agent.user, "nobody");
	/* '#' not after a blank is part of the value. */
	assert_string_equal(c.lists.threat.v[0], "https://example.com/list.txt#frag");
	config_free(&c);
	/* Printed back as "key = #x" it would be a comment: refused. */
	load_fails("[lists]\nthreat =#x\n",
		   "cordon.conf:2: [lists] threat: '#' at the start of a value reads as a comment");
	/* ';' not after a blank is part of the value too (and wrong here). */
	load_fails("[agent]\nmode = block;x\n",
		   "cordon.conf:2: [agent] mode: 'block;x' is not one of monitor, block, isolate");
}

static void test_crlf_bom(void **state)
{
	struct cordon_config c;

	(void)state;
	assert_int_equal(load(&c, "\xef\xbb\xbf[agent]\r\nmode = monitor\r\n"
				  "interface = ens5\r\n[aws]\r\nmax_attempts = 5"), 0);
	assert_int_equal(c.agent.mode, CONFIG_MODE_MONITOR);
	assert_string_equal(c.agent.interface.v[0], "ens5");
	assert_int_equal(c.aws.max_attempts, 5);
	config_free(&c);
	load_fails("[agent]\r\nmode = nope\r\n",
		   "cordon.conf:2: [agent] mode: 'nope' is not one of monitor, block, isolate");
}

static void test_caps(void **state)
{
	struct cordon_config c;
	size_t big = CONFIG_MAX_FILE + 1;
	char *text = malloc(big + 1);
	char line[CONFIG_MAX_LINE + 64];

	(void)state;
	/* A line just at the cap is fine; one byte more is not. */
	snprintf(line, sizeof(line), "[agent]\nstate_dir = /%0*d\n",
		 CONFIG_MAX_LINE - 13, 0);
	/* The state_dir cap is 255 bytes: over it, but the line itself is in. */
	load_fails(line, "cordon.conf:2: [agent] state_dir: path is longer than 255 bytes");
	snprintf(line, sizeof(line), "[agent]\nstate_dir = /%0*d\n",
		 CONFIG_MAX_LINE - 12, 0);
	load_fails(line, "cordon.conf:2: line is longer than 2048 bytes");
	snprintf(line, sizeof(line), "[lists]\nthreat = s3://bucket/%0*d\n", 1000, 0);
	assert_int_equal(load(&c, line), 0);
	config_free(&c);

	memset(text, '\n', big);
	text[big] = '\0';
	assert_int_equal(config_load_mem(&c, "cordon.conf", text, big, err,
					 sizeof(err)), -EFBIG);
	assert_string_equal(err, "cordon.conf: larger than 1048576 bytes");
	free(text);
}

/* "[SECTION]\nKEY = " and a value of n bytes made of c after prefix. */
static const char *kv(char *buf, size_t len, const char *head, const char *prefix,
		      size_t n, char c)
{
	size_t h = (size_t)snprintf(buf, len, "%s%s", head, prefix);

	assert_true(h + n + 2 < len);
	memset(buf + h, c, n - strlen(prefix));
	buf[h + n - strlen(prefix)] = '\n';
	buf[h + n - strlen(prefix) + 1] = '\0';
	return buf;
}

/*
 * The agent's caps (config.h): the config takes exactly what struct
 * run_opts holds, so nothing is cut short on the way to the daemon.
 */
static void test_agent_caps(void **state)
{
	static const struct {
		const char *head, *prefix;
		size_t len; /* with the NUL */
		char fill;
		const char *fails;
	} caps[] = {
		{ "[agent]\nstate_dir = ", "/", CONFIG_DIR_LEN, 'd',
		  "cordon.conf:2: [agent] state_dir: path is longer than 255 bytes" },
		{ "[agent]\nfindings_file = ", "/", CONFIG_PATH_LEN, 'f',
		  "cordon.conf:2: [agent] findings_file: path is longer than 511 bytes" },
		{ "[agent]\nmetrics_file = ", "/", CONFIG_PATH_LEN, 'm',
		  "cordon.conf:2: [agent] metrics_file: path is longer than 511 bytes" },
		{ "[lists]\nthreat = ", "/", CONFIG_PATH_LEN, 't',
		  "cordon.conf:2: [lists] threat: list file name longer than 511 bytes" },
		{ "[guardduty]\ndetector_id = ", "", CONFIG_DETECTOR_LEN, 'a', NULL },
		{ "[incident]\nguardduty_types = ", "Recon:EC2/", CONFIG_PATTERN_LEN, 'x', NULL },
		{ "[cloud]\nsns_topic_arn = ", "arn:aws:sns:us-east-1:123456789012:",
		  CONFIG_ARN_LEN, 'n', NULL },
		{ "[events]\neventbridge_bus = ", "", CONFIG_ARN_LEN, 'b', NULL },
	};
	struct cordon_config c;
	char text[4096];
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(caps); i++) {
		kv(text, sizeof(text), caps[i].head, caps[i].prefix, caps[i].len - 1,
		   caps[i].fill);
		if (load(&c, text))
			fail_msg("%s at the cap: %s", caps[i].head, err);
		config_free(&c);
		kv(text, sizeof(text), caps[i].head, caps[i].prefix, caps[i].len,
		   caps[i].fill);
		assert_int_equal(load(&c, text), -EINVAL);
		if (caps[i].fails)
			assert_string_equal(err, caps[i].fails);
		else
			if (!strstr(err, "at most") && !strstr(err, "longer than"))
				fail_msg("%s over the cap: %s", caps[i].head, err);
		config_free(&c);
	}
	/* 32 lists in all, threat and trusted together. */
	n += (size_t)snprintf(text, sizeof(text), "[lists]\n");
	for (int i = 0; i < CONFIG_MAX_LISTS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s = /l/%d\n",
				      i % 2 ? "threat" : "trusted", i);
	assert_int_equal(load(&c, text), 0);
	config_free(&c);
	snprintf(text + n, sizeof(text) - n, "threat = /l/x\n");
	load_fails(text, "cordon.conf:34: [lists] threat: more than 32 threat and trusted lists together");
	/* 64 finding-type patterns. */
	n = (size_t)snprintf(text, sizeof(text), "[incident]\n");
	for (int i = 0; i < CONFIG_MAX_GD_TYPES; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "guardduty_types = T%d\n", i);
	assert_int_equal(load(&c, text), 0);
	assert_int_equal(c.incident.guardduty_types.n, CONFIG_MAX_GD_TYPES);
	config_free(&c);
	snprintf(text + n, sizeof(text) - n, "guardduty_types = T\n");
	load_fails(text, "cordon.conf:66: [incident] guardduty_types: more than 64 values");
}

static void test_cross(void **state)
{
	(void)state;
	load_fails("[aws]\nconnect_timeout = 40\ntotal_timeout = 30\n",
		   "cordon.conf:3: [aws] connect_timeout: is longer than [aws] total_timeout");
	load_fails("[aws]\ntotal_timeout = 2\n",
		   "cordon.conf:2: [aws] connect_timeout: is longer than [aws] total_timeout");
	load_fails("[cloud]\nconversion_security_group = sg-01234567\n",
		   "cordon.conf:2: [cloud] conversion_security_group: needs [cloud] forensic_security_group");
	load_fails("[guardduty]\nmin_severity = 8\n",
		   "cordon.conf:2: [incident] guardduty_min_severity: is below [guardduty] min_severity, so it would never apply");
	load_fails("[cloud]\nconversion_security_group = sg-01234567\n"
		   "forensic_security_group = sg-01234567\n",
		   "cordon.conf:3: [cloud] conversion_security_group: is the same group as forensic_security_group");
}

static void test_round_trip(void **state)
{
	static const char *const texts[] = {
		"",
		"[agent]\nmode = block\ninterface = ens5\ninterface = ens6\n"
		"instance_id = i-0123456789abcdef0\nuser = 998\n"
		"findings_file = /var/log/cordon/findings.json\n"
		"metrics_file = /var/lib/node_exporter/textfile_collector/cordon.prom\n"
		"capture_buffer = 1536K\nsnaplen = 65535\nnflog_group = 0\n"
		"max_flows = 1024\nmax_findings = 16\nevidence_window = 0\n"
		"evidence_buffer = 1G\n"
		"[lists]\nthreat = txt:s3://b/k\nthreat = stix:/x.xml\n"
		"trusted = /t.txt\nsync_interval = 90500ms\nfloor_v4 = 1\n"
		"floor_v6 = 128\nmax_bytes = 4G\nmax_entries = 1\n"
		"[lockdown]\nallow = [2001:db8::5]:22\nallow_unit = ssh.service\n"
		"[cloud]\nforensic_security_group = sg-0123456789abcdef0\n"
		"conversion_security_group = sg-01234567\n"
		"sns_topic_arn = arn:aws-cn:sns:cn-north-1:123456789012:t.fifo\n"
		"tag_instance = false\ntermination_protection = true\n"
		"snapshot_volumes = true\n"
		"[guardduty]\nenabled = false\ndetector_id = abc\n"
		"poll_interval = 1d\nmin_severity = 1.1\n"
		"[incident]\noutbound = false\ninbound_answered = false\n"
		"guardduty_types =\nguardduty_min_severity = 8.9\n"
		"[events]\neventbridge = true\neventbridge_bus = sec\nsecurityhub = true\n"
		"[aws]\nmax_attempts = 10\nconnect_timeout = 100ms\ntotal_timeout = 600\n",
	};

	(void)state;
	for (size_t t = 0; t < ARRAY_SIZE(texts); t++) {
		struct cordon_config a, b;
		char *pa, *pb;

		if (load(&a, texts[t]))
			fail_msg("%s", err);
		pa = print_config(&a);
		assert_int_equal(load(&b, pa), 0);
		pb = print_config(&b);
		assert_string_equal(pa, pb);
		/* Same values, not only the same text. */
		assert_int_equal(a.agent.capture_buffer, b.agent.capture_buffer);
		assert_int_equal(a.lists.sync_interval_ms, b.lists.sync_interval_ms);
		assert_true(a.incident.guardduty_min_severity ==
			    b.incident.guardduty_min_severity);
		assert_int_equal(a.lists.threat.n, b.lists.threat.n);
		assert_int_equal(a.incident.guardduty_types.n,
				 b.incident.guardduty_types.n);
		if (t == 1) {
			assert_non_null(strstr(pa, "capture_buffer = 1536K\n"));
			assert_non_null(strstr(pa, "sync_interval = 90500ms\n"));
			assert_non_null(strstr(pa, "guardduty_types =\n"));
			assert_non_null(strstr(pa, "min_severity = 8.9\n"));
			assert_non_null(strstr(pa, "max_bytes = 4G\n"));
			assert_int_equal(b.incident.guardduty_types.n, 0);
		}
		free(pa);
		free(pb);
		config_free(&a);
		config_free(&b);
	}
}

static void test_set(void **state)
{
	struct cordon_config c;

	(void)state;
	assert_int_equal(config_defaults(&c), 0);
	assert_int_equal(config_set(&c, "agent", "state_dir", "/tmp/x", err,
				    sizeof(err)), 0);
	assert_string_equal(c.agent.state_dir, "/tmp/x");
	assert_int_equal(config_set(&c, "agent", "interface", "eth0", err,
				    sizeof(err)), 0);
	assert_int_equal(config_set(&c, "agent", "interface", "eth1", err,
				    sizeof(err)), 0);
	assert_int_equal(c.agent.interface.n, 2);
	assert_int_equal(config_set(&c, "agent", "interface", "", err,
				    sizeof(err)), 0);
	assert_int_equal(c.agent.interface.n, 0);
	assert_int_equal(config_set(&c, "agent", "mode", "loud", err,
				    sizeof(err)), -EINVAL);
	assert_string_equal(err, "[agent] mode: 'loud' is not one of monitor, block, isolate");
	assert_int_equal(config_set(&c, "agent", "nope", "1", err,
				    sizeof(err)), -EINVAL);
	assert_string_equal(err, "[agent] nope: unknown option");
	/* What a file could not say is refused, so config_print stays true. */
	assert_int_equal(config_set(&c, "agent", "user", " root", err,
				    sizeof(err)), -EINVAL);
	assert_int_equal(config_set(&c, "agent", "state_dir", "/a ;b", err,
				    sizeof(err)), -EINVAL);
	assert_string_equal(err, "[agent] state_dir: ';' after a blank starts a comment");
	config_free(&c);
}

static void test_file(void **state)
{
	struct cordon_config c;
	char path[] = "/tmp/cordon-test-config.XXXXXX";
	int fd = mkstemp(path);
	static const char text[] = "[agent]\nmode = monitor\n";

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), sizeof(text) - 1);
	close(fd);
	assert_int_equal(config_load(&c, path, true, err, sizeof(err)), 0);
	assert_int_equal(c.agent.mode, CONFIG_MODE_MONITOR);
	config_free(&c);
	assert_int_equal(chmod(path, 0666), 0);
	assert_int_equal(config_load(&c, path, true, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "writable by everyone"));
	unlink(path);
}

static void test_help_info(void **state)
{
	struct config_opt_info info;
	char *buf = NULL;
	size_t len = 0, n = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	config_help(f);
	fclose(f);
	while (config_opt_info(n, &info)) {
		char want[80];

		snprintf(want, sizeof(want), "\n  %s = ", info.key);
		assert_non_null(strstr(buf, want));
		assert_true(strlen(info.help) > 10);
		n++;
	}
	assert_int_equal(n, config_nopts);
	assert_non_null(strstr(buf, "  snaplen = N (96 to 65535)\n      default: 256\n"));
	assert_non_null(strstr(buf, "  threat = [FORMAT:]LOCATION (repeatable, up to 32)\n"));
	free(buf);
}

/* Read a whole file of the source tree (tests run from the top). */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The part of text from the line that starts with head to the next line
 * that starts with next (or the end). */
static const char *find_part(const char *text, const char *head, const char *next,
			     size_t *len)
{
	const char *p = text, *end;

	while (p && strncmp(p, head, strlen(head))) {
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	if (!p)
		return NULL;
	end = strchr(p, '\n');
	while (end && strncmp(end + 1, next, strlen(next)))
		end = strchr(end + 1, '\n');
	*len = end ? (size_t)(end - p) : strlen(p);
	return p;
}

static bool part_has(const char *p, size_t len, const char *s)
{
	return memmem(p, len, s, strlen(s)) != NULL;
}

static void test_docs(void **state)
{
	struct cordon_config c, d;
	struct config_opt_info info;
	char *conf = slurp("firmware/cordon.conf");
	char *man = slurp("firmware/man/cordon.conf.5");
	char *pc, *pd;

	(void)state;
	/* The shipped file loads, and changes nothing: it documents defaults. */
	assert_int_equal(config_load(&c, "firmware/cordon.conf", true, err,
				     sizeof(err)), 0);
	assert_int_equal(config_defaults(&d), 0);
	pc = print_config(&c);
	pd = print_config(&d);
	assert_string_equal(pc, pd);
	free(pc);
	free(pd);
	config_free(&c);
	config_free(&d);

	for (size_t i = 0; config_opt_info(i, &info); i++) {
		char head[40], want[120];
		const char *p;
		size_t len;

		/* cordon.conf: "#key = DEFAULT" inside its section. */
		snprintf(head, sizeof(head), "[%s]", info.section);
		p = find_part(conf, head, "[", &len);
		assert_non_null(p);
		snprintf(want, sizeof(want), "\n#%s = %s\n", info.key, info.def);
		if (!*info.def)
			snprintf(want, sizeof(want), "\n#%s =\n", info.key);
		if (!part_has(p, len, want))
			fail_msg("firmware/cordon.conf: [%s] lacks '%.*s'",
				 info.section, (int)strlen(want) - 2, want + 1);
		/* cordon.conf.5: ".TP" then "\fBkey\fR" under .SS [section]. */
		snprintf(head, sizeof(head), ".SS [%s]", info.section);
		p = find_part(man, head, ".S", &len);
		if (!p)
			fail_msg("cordon.conf.5: no '%s'", head);
		snprintf(want, sizeof(want), ".TP\n\\fB%s\\fR", info.key);
		if (!part_has(p, len, want))
			fail_msg("cordon.conf.5: [%s] lacks '%s'", info.section, want);
	}
	free(conf);
	free(man);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_empty_values),
		cmocka_unit_test(test_grammars),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_value_cap),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_duplicate),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_crlf_bom),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_agent_caps),
		cmocka_unit_test(test_cross),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_help_info),
		cmocka_unit_test(test_docs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

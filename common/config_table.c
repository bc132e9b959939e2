/* SPDX-License-Identifier: MIT */
/*
 * Every option of cordon.conf, once. The parser, config_print(),
 * config_help(), firmware/cordon.conf and cordon.conf(5) follow this
 * table; tests/unit/test_config.c checks that the last two name every
 * option in it.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "allow.h"
#include "cli.h"
#include "config_impl.h"
#include "listspec.h"

#define OFF(f) offsetof(struct cordon_config, f)
#define KIB 1024ull
#define MIB (1024ull * KIB)
#define GIB (1024ull * MIB)
#define SEC 1000ull
#define DAY (86400ull * SEC)

static bool all_of(const char *s, size_t n, const char *set)
{
	return strspn(s, set) == n;
}

#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGIT "0123456789"
#define HEX DIGIT "abcdef"

static bool check_path_len(const char *v, size_t len, char *why, size_t whylen)
{
	if (v[0] != '/')
		return !util_err(why, whylen, "'%s' is not an absolute path", v);
	if (strlen(v) >= len)
		return !util_err(why, whylen, "path is longer than %zu bytes", len - 1);
	return true;
}

static bool check_path(const char *v, char *why, size_t whylen)
{
	return check_path_len(v, CONFIG_PATH_LEN, why, whylen);
}

static bool check_dir(const char *v, char *why, size_t whylen)
{
	return check_path_len(v, CONFIG_DIR_LEN, why, whylen);
}

static bool check_ifname(const char *v, char *why, size_t whylen)
{
	size_t n = strlen(v);

	/* The kernel's dev_valid_name(): < IFNAMSIZ, no '/', ':' or space. */
	if (n > 15 || !strcmp(v, ".") || !strcmp(v, "..") ||
	    strpbrk(v, "/: \t"))
		return !util_err(why, whylen,
				 "'%s' is not an interface name (1 to 15 bytes, no '/', ':' or space)",
				 v);
	return true;
}

static bool check_user(const char *v, char *why, size_t whylen)
{
	size_t n = strlen(v);

	if (n <= 10 && all_of(v, n, DIGIT))
		return true;
	/* useradd's default NAME_REGEX, plus upper case. */
	if (n <= 32 && strchr(LOWER UPPER "_", v[0]) &&
	    all_of(v, n, LOWER UPPER DIGIT "_-"))
		return true;
	return !util_err(why, whylen, "'%s' is not a user name or uid", v);
}

static bool check_instance_id(const char *v, char *why, size_t whylen)
{
	size_t n = strlen(v);

	if (!strncmp(v, "i-", 2) && (n == 10 || n == 19) &&
	    all_of(v + 2, n - 2, HEX))
		return true;
	return !util_err(why, whylen,
			 "'%s' is not an instance id (i- and 8 or 17 hex digits)",
			 v);
}

static bool check_sg(const char *v, char *why, size_t whylen)
{
	size_t n = strlen(v);

	if (!strncmp(v, "sg-", 3) && n >= 11 && n <= 20 &&
	    all_of(v + 3, n - 3, HEX))
		return true;
	return !util_err(why, whylen,
			 "'%s' is not a security group id (sg- and 8 to 17 lowercase hex digits)",
			 v);
}

/* arn:PARTITION:sns:REGION:ACCOUNT:NAME */
static bool check_sns_arn(const char *v, char *why, size_t whylen)
{
	static const char *const parts[] = { "arn:aws:sns:", "arn:aws-cn:sns:",
					     "arn:aws-us-gov:sns:" };
	const char *p = NULL, *acct, *name;
	size_t n;

	if (strlen(v) >= CONFIG_ARN_LEN)
		return !util_err(why, whylen, "'%.40s...' is longer than %d bytes",
				 v, CONFIG_ARN_LEN - 1);
	for (size_t i = 0; i < ARRAY_SIZE(parts) && !p; i++)
		if (!strncmp(v, parts[i], strlen(parts[i])))
			p = v + strlen(parts[i]);
	if (!p)
		goto bad;
	/* REGION: us-east-1, ap-southeast-2, us-gov-west-1 */
	n = strspn(p, LOWER DIGIT "-");
	if (n < 4 || p[n] != ':' || !isdigit((unsigned char)p[n - 1]) ||
	    !strchr(p, '-') || p[0] == '-')
		goto bad;
	acct = p + n + 1;
	if (strspn(acct, DIGIT) != 12 || acct[12] != ':')
		goto bad;
	name = acct + 13;
	n = strlen(name);
	if (n > 5 && !strcmp(name + n - 5, ".fifo"))
		n -= 5;
	if (n < 1 || n > 256 || !all_of(name, n, LOWER UPPER DIGIT "_-"))
		goto bad;
	return true;
bad:
	return !util_err(why, whylen,
			 "'%s' is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)",
			 v);
}

static bool check_detector_id(const char *v, char *why, size_t whylen)
{
	size_t n = strlen(v);

	if (n >= 1 && n < CONFIG_DETECTOR_LEN && all_of(v, n, LOWER DIGIT))
		return true;
	return !util_err(why, whylen,
			 "'%s' is not a detector id (lowercase letters and digits, %d at most)",
			 v, CONFIG_DETECTOR_LEN - 1);
}

static bool check_list(const char *v, enum list_kind kind, char *why,
		       size_t whylen)
{
	struct list_spec spec;

	if (list_spec_parse(v, kind, &spec, why, whylen))
		return false;
	/* The agent hands a local file to the sensor by name. */
	if (!list_location_is_remote(spec.location) &&
	    strlen(spec.location) >= CONFIG_PATH_LEN)
		return !util_err(why, whylen, "list file name longer than %d bytes",
				 CONFIG_PATH_LEN - 1);
	return true;
}

static bool check_threat(const char *v, char *why, size_t whylen)
{
	return check_list(v, LIST_THREAT, why, whylen);
}

static bool check_trusted(const char *v, char *why, size_t whylen)
{
	return check_list(v, LIST_TRUSTED, why, whylen);
}

static bool check_allow(const char *v, char *why, size_t whylen)
{
	struct allow_entry a;

	return !allow_parse(v, &a, why, whylen);
}

/* systemd unit names (systemd.unit(5)) of units that own processes. */
static bool check_unit(const char *v, char *why, size_t whylen)
{
	static const char *const types[] = { ".service", ".scope", ".slice" };
	const char *dot = strrchr(v, '.');
	size_t n = strlen(v);
	bool typed = false;

	for (size_t i = 0; dot && i < ARRAY_SIZE(types); i++)
		typed |= !strcmp(dot, types[i]);
	if (n < ALLOW_UNIT_LEN && typed && dot > v &&
	    all_of(v, n, LOWER UPPER DIGIT ":-_.\\@"))
		return true;
	return !util_err(why, whylen,
			 "'%s' is not a unit name (NAME.service, NAME.scope or NAME.slice)",
			 v);
}

static bool check_glob(const char *v, char *why, size_t whylen)
{
	size_t n = strlen(v);

	for (size_t i = 0; i < n; i++)
		if (v[i] <= ' ' || v[i] >= 0x7f)
			goto bad;
	if (n < CONFIG_PATTERN_LEN)
		return true;
bad:
	return !util_err(why, whylen,
			 "'%s' is not a finding type pattern (printable ASCII, no spaces, %d bytes at most)",
			 v, CONFIG_PATTERN_LEN - 1);
}

static bool check_bus(const char *v, char *why, size_t whylen)
{
	size_t n = strlen(v);

	if (n < CONFIG_ARN_LEN && all_of(v, n, LOWER UPPER DIGIT "._/:-"))
		return true;
	return !util_err(why, whylen,
			 "'%s' is not an event bus name or ARN (%d bytes at most)", v,
			 CONFIG_ARN_LEN - 1);
}

static const char *const mode_names[] = { "monitor", "block", "isolate", NULL };
static const char *const dead_names[] = { "notify", "isolate", NULL };

const char *const config_sections[] = {
	"agent", "lists", "lockdown", "cloud", "guardduty", "incident",
	"events", "respond", "aws", NULL,
};

#define STR(s, k, f, d, fl, chk, a, h)                                         \
	{ .section = s, .key = k, .type = CT_STR, .flags = fl, .off = OFF(f),  \
	  .def = d, .check = chk, .arg = a, .help = h }
#define LIST(s, k, f, d, n, chk, a, h)                                         \
	{ .section = s, .key = k, .type = CT_LIST, .flags = CF_REPEAT,          \
	  .off = OFF(f), .def = d, .max = n, .check = chk, .arg = a, .help = h }
#define BOOL(s, k, f, d, h)                                                    \
	{ .section = s, .key = k, .type = CT_BOOL, .off = OFF(f), .def = d,    \
	  .help = h }
#define NUM(t, s, k, f, d, lo, hi, h)                                          \
	{ .section = s, .key = k, .type = t, .off = OFF(f), .def = d,          \
	  .min = lo, .max = hi, .help = h }
#define DBL(s, k, f, d, lo, hi, h)                                             \
	{ .section = s, .key = k, .type = CT_DOUBLE, .off = OFF(f), .def = d,  \
	  .dmin = lo, .dmax = hi, .help = h }

const struct config_opt config_opts[] = {
	{ .section = "agent", .key = "mode", .type = CT_ENUM,
	  .off = OFF(agent.mode), .def = "isolate", .names = mode_names,
	  .help = "What cordon does about traffic to or from a listed address. "
		  "monitor: write findings only. block: also drop that traffic "
		  "with nftables. isolate: also cordon the host off when an "
		  "incident is declared (forensic lockdown on the host, forensic "
		  "security group in the cloud)." },
	BOOL("agent", "kernel_trip", agent.kernel_trip, "true",
	     "In isolate mode, let the kernel lock the host down by itself on "
	     "the first outbound packet to a listed address, in that packet's "
	     "own path, before the agent has seen it (the agent records it "
	     "within milliseconds). false: only the agent locks down."),
	LIST("agent", "interface", agent.interface, "", CONFIG_MAX_INTERFACES,
	     check_ifname, "NAME",
	     "Network interface to capture on; repeat for several. Empty: "
	     "the interface of the default route."),
	STR("agent", "state_dir", agent.state_dir, CLI_DEFAULT_STATE_DIR, 0,
	    check_dir, "DIR",
	    "Directory for the lockdown state, the incident journal and "
	    "findings, for every cordon command; --state-dir overrides it."),
	STR("agent", "instance_id", agent.instance_id, "", CF_EMPTY_OK,
	    check_instance_id, "i-ID",
	    "This instance's id (i-...). Empty: ask the instance metadata "
	    "service (IMDSv2)."),
	STR("agent", "user", agent.user, CONFIG_DEFAULT_AGENT_USER, 0,
	    check_user, "USER",
	    "Unprivileged user (name or uid) the agent runs as after capture "
	    "handles are open; it owns state_dir."),
	STR("agent", "sensor_user", agent.sensor_user, CONFIG_DEFAULT_SENSOR_USER, 0,
	    check_user, "USER",
	    "User (name or uid) of the packet-parsing process; its own, so "
	    "that a sensor taken over reaches no other process."),
	STR("agent", "aws_user", agent.aws_user, CONFIG_DEFAULT_AWS_USER, 0,
	    check_user, "USER",
	    "User (name or uid) of the process that holds the AWS credentials, "
	    "in user's group; its sockets are the ones that pass in lockdown."),
	STR("agent", "findings_file", agent.findings_file, "", CF_EMPTY_OK,
	    check_path, "FILE",
	    "Where findings are appended, one JSON object per line. Empty: "
	    "findings.json in state_dir. At most 256 KiB/s are written "
	    "(records over that are counted, not written; new and outbound "
	    "findings go first), and the file is rotated to FILE.1 before it "
	    "passes 64 MiB."),
	STR("agent", "metrics_file", agent.metrics_file, "", CF_EMPTY_OK,
	    check_path, "FILE",
	    "Prometheus text file rewritten with counters, for node_exporter's "
	    "textfile collector (for example "
	    "/var/lib/node_exporter/textfile_collector/cordon.prom). Empty: "
	    "none."),
	NUM(CT_SIZE, "agent", "capture_buffer", agent.capture_buffer, "32M",
	    1 * MIB, 1 * GIB,
	    "Kernel capture ring (TPACKET_V3) per interface, in bytes. A "
	    "larger ring rides out longer bursts without drops."),
	NUM(CT_UINT, "agent", "snaplen", agent.snaplen, "256", 96, 65535,
	    "Bytes kept of each packet; headers are all cordon reads."),
	NUM(CT_UINT, "agent", "nflog_group", agent.nflog_group, "7767", 0,
	    65535,
	    "NFLOG group that cordon's nftables rules log dropped packets to, "
	    "and that cordon captures from."),
	NUM(CT_UINT, "agent", "max_flows", agent.max_flows, "65536", 1024,
	    16u << 20,
	    "Flows tracked at once; the least recently seen is forgotten "
	    "when full."),
	NUM(CT_UINT, "agent", "max_findings", agent.max_findings, "65536", 16,
	    16u << 20,
	    "Findings held at once. When full, a new one takes the place of "
	    "the least recently updated unanswered inbound one (an outbound "
	    "or answered one always finds room), counted as evicted; past "
	    "16 ports of one remote, its further ports share one finding."),
	NUM(CT_DURATION, "agent", "noise_hold", agent.noise_hold_ms, "60", 0,
	    3600 * SEC,
	    "When the findings table is full, a new unanswered inbound contact "
	    "does not take the place of one updated within this: it is "
	    "counted as held out instead, so a flood of listed sources "
	    "neither flushes what the table holds nor churns it (outbound and "
	    "answered contacts always find room). 0: the least recently "
	    "updated one goes at once."),
	NUM(CT_DURATION, "agent", "evidence_window", agent.evidence_window_ms,
	    "30", 0, 300 * SEC,
	    "Traffic kept from before an incident, written to the evidence "
	    "capture when one is declared. 0: no evidence."),
	NUM(CT_SIZE, "agent", "evidence_buffer", agent.evidence_buffer, "16M",
	    1 * MIB, 1 * GIB,
	    "Memory cap on the evidence ring; the oldest packets go first."),
	NUM(CT_DURATION, "agent", "heartbeat_interval", agent.heartbeat_interval_ms,
	    "60", 0, 3600 * SEC,
	    "How often the agent publishes its heartbeat (CloudWatch metric "
	    "cordon/AgentHeartbeat, dimension InstanceId), so that the "
	    "off-host responder can tell a dead agent. 0: none."),

	LIST("lists", "threat", lists.threat, "", CONFIG_MAX_LISTS, check_threat,
	     "[FORMAT:]LOCATION",
	     "Threat list, [FORMAT:]LOCATION; repeat for several (32 threat "
	     "and trusted lists in all). FORMAT is txt (default), stix, "
	     "otx_csv, alien_vault, proof_point or fire_eye; LOCATION is a "
	     "file, s3://BUCKET/KEY or an https:// URL."),
	LIST("lists", "trusted", lists.trusted, "", CONFIG_MAX_LISTS, check_trusted,
	     "[FORMAT:]LOCATION",
	     "Trusted list, [FORMAT:]LOCATION; repeat for several. Its "
	     "addresses never produce a finding and are never blocked."),
	NUM(CT_DURATION, "lists", "sync_interval", lists.sync_interval_ms, "60",
	    10 * SEC, DAY,
	    "How often remote lists are fetched again (with jitter); an "
	    "unchanged object is not downloaded again."),
	NUM(CT_UINT, "lists", "floor_v4", lists.floor_v4, "8", 1, 32,
	    "Refuse IPv4 list entries broader than this prefix length."),
	NUM(CT_UINT, "lists", "floor_v6", lists.floor_v6, "32", 1, 128,
	    "Refuse IPv6 list entries broader than this prefix length."),
	NUM(CT_SIZE, "lists", "max_bytes", lists.max_bytes, "256M", 1 * MIB,
	    4 * GIB, "Largest list file accepted."),
	NUM(CT_UINT, "lists", "max_entries", lists.max_entries, "16777216", 1,
	    64u << 20, "Most entries accepted from one list."),

	LIST("lockdown", "allow", lockdown.allow, "", ALLOW_MAX,
	     check_allow, "ADDRESS[/LEN][:[PROTO/]PORT]",
	     "Responders' access during a lockdown, ADDRESS[/LEN][:[PROTO/]PORT]: "
	     "without a port every protocol and port; with one, only that port "
	     "on this host, over PROTO tcp or udp (tcp when left out), for "
	     "example 198.51.100.0/24:tcp/22. An IPv6 address with a port goes "
	     "in brackets: [2001:db8::5]:udp/53. Repeat for several. Never "
	     "blocked by the threat lists."),
	LIST("lockdown", "allow_unit", lockdown.allow_unit, "",
	     ALLOW_MAX_UNITS, check_unit, "UNIT",
	     "systemd unit whose processes keep their network during a "
	     "lockdown, for example amazon-ssm-agent.service; repeat for "
	     "several."),

	STR("cloud", "forensic_security_group", cloud.forensic_security_group,
	    "", CF_EMPTY_OK, check_sg, "sg-ID",
	    "Security group that every network interface of the instance is "
	    "moved into on an incident. Empty: no cloud isolation."),
	STR("cloud", "conversion_security_group",
	    cloud.conversion_security_group, "", CF_EMPTY_OK, check_sg, "sg-ID",
	    "Optional first hop: a group that allows all traffic, applied "
	    "before the forensic group so that established flows become "
	    "untracked and are cut. Needs forensic_security_group."),
	STR("cloud", "sns_topic_arn", cloud.sns_topic_arn, "", CF_EMPTY_OK,
	    check_sns_arn, "ARN",
	    "SNS topic told about incidents in words a person can read. "
	    "Empty: no notification."),
	BOOL("cloud", "tag_instance", cloud.tag_instance, "true",
	     "Tag an isolated instance with the incident, so that people and "
	     "automation see at once why it is cut off."),
	BOOL("cloud", "termination_protection", cloud.termination_protection,
	     "false", "Turn on termination protection of an isolated instance."),
	BOOL("cloud", "snapshot_volumes", cloud.snapshot_volumes, "false",
	     "Snapshot every EBS volume of an isolated instance."),
	NUM(CT_DURATION, "cloud", "tag_poll_interval", cloud.tag_poll_interval_ms, "5", 0,
	    3600 * SEC,
	    "How often the agent reads its instance's tags through the instance "
	    "metadata service (instance metadata tags must be enabled): "
	    "cordon:status=released for its incident lifts the host lockdown, "
	    "cordon:status=isolated set from outside locks the host down. 0: "
	    "never."),

	BOOL("guardduty", "enabled", guardduty.enabled, "true",
	     "Poll GuardDuty for findings about this instance."),
	STR("guardduty", "detector_id", guardduty.detector_id, "", CF_EMPTY_OK,
	    check_detector_id, "ID",
	    "GuardDuty detector to read. Empty: the region's detector, from "
	    "ListDetectors."),
	NUM(CT_DURATION, "guardduty", "poll_interval",
	    guardduty.poll_interval_ms, "60", 10 * SEC, DAY,
	    "How often GuardDuty is asked for new findings."),
	DBL("guardduty", "min_severity", guardduty.min_severity, "7", 1.0, 8.9,
	    "Ignore GuardDuty findings below this severity (1.0 to 8.9; "
	    "GuardDuty calls 7.0 and up High)."),

	BOOL("incident", "outbound", incident.outbound, "true",
	     "A connection from this host to a threat address declares an "
	     "incident."),
	BOOL("incident", "inbound_answered", incident.inbound_answered, "true",
	     "A connection from a threat address that this host took part "
	     "in declares an incident: TCP once the handshake completed (a "
	     "SYN-ACK or a RST alone does not: a spoofed SYN gets one), UDP "
	     "and other protocols once this host answered, ICMP never (the "
	     "kernel answers pings itself); unanswered probes and the host's "
	     "ICMP errors are findings only. A UDP answer cannot be told "
	     "from an answer to a spoofed packet: on a host that serves UDP "
	     "to the Internet (DNS, NTP, QUIC, a VPN), set this false."),
	LIST("incident", "guardduty_types", incident.guardduty_types, "*.Custom",
	     CONFIG_MAX_GD_TYPES, check_glob, "PATTERN",
	     "GuardDuty finding types (fnmatch patterns) that declare an "
	     "incident; repeat for several. Empty: none."),
	DBL("incident", "guardduty_min_severity",
	    incident.guardduty_min_severity, "7", 1.0, 8.9,
	    "A GuardDuty finding of a matching type declares an incident from "
	    "this severity up. Not below [guardduty] min_severity."),

	BOOL("events", "eventbridge", events.eventbridge, "false",
	     "Put each finding and incident on EventBridge."),
	STR("events", "eventbridge_bus", events.eventbridge_bus, "default", 0,
	    check_bus, "NAME|ARN", "Event bus name or ARN."),
	BOOL("events", "securityhub", events.securityhub, "false",
	     "Import findings into Security Hub (ASFF)."),

	NUM(CT_DURATION, "respond", "dead_agent_after", respond.dead_agent_after_ms,
	    "0", 0, 7 * DAY,
	    "The off-host responder (cordon respond) calls an agent dead when "
	    "its instance runs, is tagged cordon:status=installed and has "
	    "published no heartbeat for this long. 0: three times [agent] "
	    "heartbeat_interval."),
	{ .section = "respond", .key = "dead_agent_action", .type = CT_ENUM,
	  .off = OFF(respond.dead_agent_action), .def = "notify",
	  .names = dead_names,
	  .help = "What the responder does about dead agents. notify: one "
		  "message naming them. isolate: also isolate each instance "
		  "(needs [cloud] forensic_security_group)." },
	NUM(CT_DURATION, "respond", "incident_grace", respond.incident_grace_ms,
	    "20", 0, 300 * SEC,
	    "On the agent's own incident event, how long the responder lets "
	    "the agent finish its plan before it does what is left."),

	NUM(CT_UINT, "aws", "max_attempts", aws.max_attempts, "3", 1, 10,
	    "Attempts per AWS call, the first included (standard retry mode)."),
	NUM(CT_DURATION, "aws", "connect_timeout", aws.connect_timeout_ms, "3",
	    100, 60 * SEC, "Time allowed to connect to an AWS endpoint."),
	NUM(CT_DURATION, "aws", "total_timeout", aws.total_timeout_ms, "30",
	    1 * SEC, 600 * SEC,
	    "Time allowed for one attempt of an AWS call, connection "
	    "included. Not shorter than connect_timeout."),
};

const size_t config_nopts = ARRAY_SIZE(config_opts);

int config_find(const char *section, const char *key)
{
	for (size_t i = 0; i < config_nopts; i++)
		if (!strcmp(config_opts[i].section, section) &&
		    !strcmp(config_opts[i].key, key))
			return (int)i;
	return -1;
}

int config_cross_check(const struct cordon_config *c, int *other, char *why,
		       size_t whylen)
{
	const char *conv = c->cloud.conversion_security_group;
	const char *fsg = c->cloud.forensic_security_group;

	if (c->lists.threat.n + c->lists.trusted.n > CONFIG_MAX_LISTS) {
		util_err(why, whylen, "more than %d threat and trusted lists together",
			 CONFIG_MAX_LISTS);
		*other = config_find("lists", "trusted");
		return config_find("lists", "threat");
	}
	if (c->aws.connect_timeout_ms > c->aws.total_timeout_ms) {
		util_err(why, whylen, "is longer than [aws] total_timeout");
		*other = config_find("aws", "total_timeout");
		return config_find("aws", "connect_timeout");
	}
	if (c->incident.guardduty_min_severity < c->guardduty.min_severity) {
		/* Findings below the poll's floor are never read at all. */
		util_err(why, whylen, "is below [guardduty] min_severity, so it would never apply");
		*other = config_find("guardduty", "min_severity");
		return config_find("incident", "guardduty_min_severity");
	}
	if (c->respond.dead_agent_after_ms &&
	    c->respond.dead_agent_after_ms < 2 * c->agent.heartbeat_interval_ms) {
		/* A live agent would look dead between two heartbeats. */
		util_err(why, whylen, "is shorter than twice [agent] heartbeat_interval");
		*other = config_find("agent", "heartbeat_interval");
		return config_find("respond", "dead_agent_after");
	}
	if (c->respond.dead_agent_action == CONFIG_DEAD_ISOLATE && !fsg) {
		util_err(why, whylen, "isolate needs [cloud] forensic_security_group");
		*other = config_find("cloud", "forensic_security_group");
		return config_find("respond", "dead_agent_action");
	}
	if (conv && (!fsg || !strcmp(conv, fsg))) {
		util_err(why, whylen, !fsg ?
			 "needs [cloud] forensic_security_group" :
			 "is the same group as forensic_security_group");
		*other = config_find("cloud", "forensic_security_group");
		return config_find("cloud", "conversion_security_group");
	}
	return -1;
}

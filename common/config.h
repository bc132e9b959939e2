/* SPDX-License-Identifier: MIT */
#ifndef CORDON_CONFIG_H
#define CORDON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util.h"

/*
 * The daemon's INI file (DESIGN.md "Configuration file"). One table in
 * config_table.c says every option's section, key, type, default, bounds
 * and help; parsing, printing, help and the man page all follow it. See
 * docs/internals/config.md.
 *
 * Field names are the keys; durations are held in milliseconds and their
 * fields end in _ms. A char * that may be unset is NULL when it is.
 */

/* The agent's (parent process's) user. */
#define CONFIG_DEFAULT_AGENT_USER "cordon"
/* The sensor process's own user. */
#define CONFIG_DEFAULT_SENSOR_USER "cordon-sensor"
/*
 * The AWS process's own user: the one whose sockets pass in lockdown
 * (--agent-user when neither the config nor the flag names one).
 */
#define CONFIG_DEFAULT_AWS_USER "cordon-aws"

/* [respond] dead_agent_action: what the responder does about a silent agent. */
enum config_dead_action {
	CONFIG_DEAD_NOTIFY,  /* one message naming the silent instances */
	CONFIG_DEAD_ISOLATE, /* the message, and each one isolated */
};

enum config_mode {
	CONFIG_MODE_MONITOR, /* findings only */
	CONFIG_MODE_BLOCK,   /* findings, and drop traffic to/from listed addresses */
	CONFIG_MODE_ISOLATE, /* block, and cordon the host off on an incident */
};

/* A repeatable key's values, in file order. Owned by the config. */
struct config_strv {
	char **v;
	size_t n;
};

struct cordon_config {
	struct {
		enum config_mode mode;
		bool kernel_trip;             /* isolate: the kernel trips the lockdown */
		struct config_strv interface; /* empty: the default route's */
		char *state_dir;
		char *instance_id;            /* NULL: from IMDS */
		char *user;                   /* NAME or UID to drop to */
		char *sensor_user;            /* the sensor process's */
		char *aws_user;               /* the AWS process's */
		char *findings_file;          /* NULL: STATE_DIR/findings.json */
		char *metrics_file;           /* NULL: none */
		uint64_t capture_buffer;      /* bytes, TPACKET_V3 ring */
		unsigned snaplen;
		unsigned nflog_group;
		unsigned max_flows;
		unsigned max_findings;
		uint64_t noise_hold_ms;       /* findings.h: the hold; 0: none */
		uint64_t evidence_window_ms;  /* 0: keep no evidence */
		uint64_t evidence_buffer;     /* bytes */
		uint64_t heartbeat_interval_ms; /* CloudWatch AgentHeartbeat; 0: none */
	} agent;
	struct {
		struct config_strv threat;    /* "[FORMAT:]LOCATION" */
		struct config_strv trusted;
		uint64_t sync_interval_ms;
		unsigned floor_v4, floor_v6;
		uint64_t max_bytes;
		unsigned max_entries;
	} lists;
	struct {
		struct config_strv allow;     /* "ADDRESS[/LEN][:[PROTO/]PORT]" (allow.h) */
		struct config_strv allow_unit;
	} lockdown;
	struct {
		char *forensic_security_group;   /* NULL: no cloud isolation */
		char *conversion_security_group; /* NULL: none */
		char *sns_topic_arn;             /* NULL: no notification */
		bool tag_instance;
		bool termination_protection;
		bool snapshot_volumes;
		uint64_t tag_poll_interval_ms;   /* IMDS instance tags; 0: not read */
	} cloud;
	struct {
		bool enabled;
		char *detector_id;               /* NULL: ListDetectors */
		uint64_t poll_interval_ms;
		double min_severity;
	} guardduty;
	struct {
		bool outbound;
		bool inbound_answered;
		struct config_strv guardduty_types; /* fnmatch(3) patterns */
		double guardduty_min_severity;
	} incident;
	struct {
		bool eventbridge;
		char *eventbridge_bus;
		bool securityhub;
	} events;
	struct {
		uint64_t dead_agent_after_ms; /* 0: 3 x [agent] heartbeat_interval */
		enum config_dead_action dead_agent_action;
		uint64_t incident_grace_ms;   /* the agent's time to finish its plan */
	} respond;
	struct {
		unsigned max_attempts;
		uint64_t connect_timeout_ms;
		uint64_t total_timeout_ms;
	} aws;
};

/* Caps on outside input; each repeatable key has its own cap too. */
#define CONFIG_MAX_FILE (1u << 20)   /* bytes in the whole file */
#define CONFIG_MAX_LINE 2048         /* bytes in one line */

/*
 * What the agent holds (struct run_opts is sized by these, and cmd_run.c
 * checks it at compile time): a value the config accepts is never cut
 * short on its way to the daemon. Lengths count the terminating NUL.
 */
#define CONFIG_MAX_INTERFACES 8      /* [agent] interface */
#define CONFIG_MAX_LISTS 32          /* [lists] threat and trusted together */
#define CONFIG_MAX_GD_TYPES 64       /* [incident] guardduty_types */
#define CONFIG_PATTERN_LEN 128       /* one guardduty_types pattern */
#define CONFIG_DIR_LEN 256           /* state_dir: files are made below it */
#define CONFIG_PATH_LEN 512          /* findings_file, metrics_file, a list file */
#define CONFIG_DETECTOR_LEN 64       /* [guardduty] detector_id */
#define CONFIG_ARN_LEN 96            /* sns_topic_arn, eventbridge_bus: a cloud plan target */

/*
 * Fill c with the defaults, then read path over them. A missing file is
 * an error only when must_exist (an explicit -c); otherwise the defaults
 * stand. On failure c is left empty (config_free() is still safe) and err
 * holds one line naming the file, line, section and key:
 *   cordon.conf:12: [agent] mode: 'isolte' is not one of monitor, block, isolate
 * Returns 0, -EINVAL (bad content), -ENOENT (missing and must_exist),
 * -EFBIG (over a cap), -EPERM (writable by others), -ENOMEM or -errno.
 * The caller frees c with config_free().
 */
__must_check int config_load(struct cordon_config *c, const char *path,
			     bool must_exist, char *err, size_t errlen);
/* The same over a buffer; name stands for the file in messages. */
__must_check int config_load_mem(struct cordon_config *c, const char *name,
				 const char *buf, size_t len, char *err,
				 size_t errlen);
/*
 * Overlay the environment on c (loaded first: defaults, then any file):
 * every option as CORDON_<SECTION>_<KEY> in upper case, e.g.
 * CORDON_CLOUD_FORENSIC_SECURITY_GROUP; a list takes comma-separated
 * values (empty: none). An unknown key under a known section is an
 * error, as in a file; other variables are not looked at. env is an
 * environ-style array (NULL: the process's environ). Errors are the
 * file's, named after the variable:
 *   CORDON_AGENT_MODE: [agent] mode: 'isolte' is not one of monitor, block, isolate
 * 0, -EINVAL or -ENOMEM; after a failure c is only fit for config_free().
 */
__must_check int config_apply_env(struct cordon_config *c, char *const *env, char *err,
				  size_t errlen);

/* Only the defaults. Returns 0 or -ENOMEM. */
__must_check int config_defaults(struct cordon_config *c);
/*
 * Set one option as if "key = value" had been read (a command-line
 * override): validated the same way; a repeatable key appends, and an
 * empty value clears it. c must have been loaded. Returns 0 or -EINVAL /
 * -ENOMEM with err filled ("[agent] mode: ..."); after a failure c may
 * hold the rejected value and is only fit for config_free().
 */
__must_check int config_set(struct cordon_config *c, const char *section,
			    const char *key, const char *value, char *err,
			    size_t errlen);
/* Release what c owns and zero it; safe on a zeroed or freed config. */
void config_free(struct cordon_config *c);

/*
 * Every option in table order with its effective value, as an INI file
 * that config_load() reads back to the same values.
 */
void config_print(const struct cordon_config *c, FILE *f);
/* Every option with its type, default, bounds and help. */
void config_help(FILE *f);

/* One option, read-only, for documentation and tests. */
struct config_opt_info {
	const char *section, *key;
	const char *type;  /* "bool", "enum", "uint", "size", ... */
	const char *def;   /* as written in the file; "" is unset or empty */
	const char *help;
	bool repeatable;
};
/* false when i is past the last option. */
bool config_opt_info(size_t i, struct config_opt_info *out);

/* STATE_DIR/findings.json unless findings_file is set. */
const char *config_findings_file(const struct cordon_config *c, char *buf,
				 size_t len);

#endif

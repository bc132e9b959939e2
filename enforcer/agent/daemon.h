/* SPDX-License-Identifier: MIT */
#ifndef CORDON_DAEMON_H
#define CORDON_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "enforce.h"
#include "list.h"

/*
 * `cordon run`: the agent. Three processes (docs/internals/daemon.md):
 * this one keeps CAP_NET_ADMIN, owns nftables, the journal and the
 * incident policy, and never parses packets; the sensor parses packets
 * with no privilege at all; the AWS process holds credentials and no
 * capabilities.
 */
enum run_mode { RUN_MONITOR, RUN_BLOCK, RUN_ISOLATE };

/* The config's caps (config.h): cmd_run.c fills this from the config. */
#define RUN_MAX_IFACES CONFIG_MAX_INTERFACES
#define RUN_MAX_LISTS CONFIG_MAX_LISTS

struct run_opts {
	enum run_mode mode;
	char ifaces[RUN_MAX_IFACES][32];
	size_t n_ifaces;          /* 0: the default route's interface */
	const char *state_dir;
	const char *user;         /* the parent runs as this (and its group) */
	const char *sensor_user;  /* the sensor process, its own uid */
	const char *aws_user;     /* the AWS process, its own uid, user's group */
	char instance_id[32];     /* "": from IMDS */
	struct list_spec lists[RUN_MAX_LISTS];
	size_t n_lists;
	struct list_limits lim;
	unsigned sync_interval;   /* seconds, jittered */
	struct enforce_opts enf;
	int snaplen, capture_buffer, max_flows, max_findings;
	uint64_t noise_hold_ms;
	uint32_t evidence_seconds; /* pre-trigger ring (0: none) */
	size_t evidence_bytes;
	char findings_file[CONFIG_PATH_LEN]; /* "": STATE_DIR/findings.json */
	char metrics_file[CONFIG_PATH_LEN];  /* "": none */
	/* incident policy */
	bool outbound, inbound_answered;
	/* cloud */
	char forensic_sg[32], conversion_sg[32], sns_topic[CONFIG_ARN_LEN];
	bool tag_instance, termination_protection, snapshot_volumes;
	bool events_bus_on, securityhub;
	char events_bus[CONFIG_ARN_LEN];
	uint32_t tag_poll_ms;     /* IMDS instance tags (0: not read) */
	uint32_t heartbeat_ms;    /* CloudWatch AgentHeartbeat (0: none) */
	/* [aws]: attempts per call (0: AWS_MAX_ATTEMPTS or 3), per-attempt timeouts */
	unsigned aws_max_attempts;
	uint32_t aws_connect_ms, aws_total_ms;
	/* GuardDuty */
	bool gd_enabled;
	char gd_detector[CONFIG_DETECTOR_LEN];
	unsigned gd_poll_interval;
	double gd_min_severity;
	char gd_types[CONFIG_MAX_GD_TYPES][CONFIG_PATTERN_LEN]; /* fnmatch patterns that open an incident */
	size_t n_gd_types;
	double gd_incident_severity;
	bool no_seccomp;          /* for sanitizer builds in tests */
	bool once_lockdown_exit;  /* tests: exit after the first lockdown */
};

/*
 * The journaled error of a cloud step left for the off-host responder:
 * once the primary interface has moved the host has no API
 * (docs/internals/daemon.md). `cordon status` shows such a step as
 * "handed over".
 */
#define DAEMON_HANDOVER_ERROR "handed over to the off-host responder (the host has no API " \
			      "once its primary interface moved)"

/* Runs until SIGTERM/SIGINT; returns the exit status. */
int daemon_run(const struct run_opts *o);

#endif

/* SPDX-License-Identifier: MIT */
#ifndef CORDON_DAEMON_IMPL_H
#define CORDON_DAEMON_IMPL_H

/*
 * Private to the parent process's files (enforcer/agent/daemon*.c): its
 * state, and what each file offers the others. Calls go one way only
 * (docs/internals/daemon.md): daemon.c (loop) -> daemon_child.c
 * (children, dispatch) -> gd -> incident -> evidence, cloud -> findings,
 * journal, state. The children are reached by ipc_send() on their
 * channels, never through daemon.c or daemon_child.c.
 */
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "capture.h"
#include "cloud.h"
#include "daemon.h"
#include "daemon_ipc.h"
#include "fout.h"
#include "ipc.h"
#include "journal.h"
#include "plan.h"
#include "procsd.h"
#include "sensord.h"
#include "spawnd.h"

struct list_state {
	struct list *l;        /* parsed copy in force (for nftables), or NULL */
	char path[512];        /* local file the sensor reads */
	char etag[256];
	char result[ERRLEN];   /* "updated", "unchanged", "loaded", "failed: ..." */
	uint64_t last_sync_real_ns;
	size_t entries;
	struct timespec mtime; /* of the file loaded */
	off_t size;
};

/* A child process and its channel; the parent (daemon.c) owns both. */
struct child {
	pid_t pid;             /* 0: not running */
	int fd;                /* -1: no channel */
	bool ready;            /* said hello */
	unsigned restarts;
	unsigned quick_deaths; /* in a row, each soon after its start: backoff */
	uint64_t started_ns, respawn_ns;
	/*
	 * Its own user (daemon_child_users): what it becomes, what the
	 * spawner's seccomp filter lets it become, and as whom a signal is
	 * sent to it (privsep_kill, in the spawner).
	 */
	uid_t uid;
	gid_t gid;
};

/* The latest report of a finding: the record and its one JSON text. */
struct recent_finding {
	struct finding_rec f;
	char *json;
};

#define DAEMON_RECENT 64

/*
 * The incident this agent handles. What happened to it (actions, joined
 * findings, a GuardDuty correlation, its close) is in the journal; this
 * holds what the journal does not: timings and the finding's text.
 */
struct incident {
	bool active;
	bool journaled;            /* its incident_open record is written */
	char id[40];
	char reason[256];
	char finding_id[80];       /* local (32 hex) or GuardDuty id */
	char gd_finding_id[80];    /* GuardDuty finding that opened it, if so */
	char *finding_json;        /* the finding that opened it (finding_json()) */
	bool lockdown_done;
	bool lockdown_lifted;      /* lifted by someone else: the next contact locks again */
	uint64_t next_lockdown_ns; /* a failed or unrecorded lockdown is tried again then */
	bool lift_seen;            /* the record gone at the last check: lifted if it stays so */
	uint64_t next_lift_check_ns;
	bool outside;              /* isolated from outside (its tags): no cloud plan of ours */
	char cloud_incident[64];   /* the id the instance's tags give it, when not ours */
	uint64_t opened_real_ns;
	uint64_t trigger_ns;       /* capture timestamp of the first packet */
	uint64_t decided_real_ns;  /* wall clock when the policy decided */
	uint64_t lockdown_ack_ns;  /* wall clock when the kernel acked */
	char last_error[ERRLEN];
	/* evidence */
	char evid_dir[600];
	unsigned evid_pending;     /* ring dumps the sensor still owes */
	bool evid_started, evid_done;
};

/* When a cloud step may be tried again: not truth (that is the journal). */
struct cloud_wait {
	char key[PLAN_ACTION_LEN + PLAN_TARGET_LEN];
	uint64_t next_ns;          /* not before (backoff) */
	bool skipped;              /* its request could not be made: counts as tried */
};

/* Scheduling of the cloud steps. */
struct cloud_run {
	bool inflight;             /* one step at a time in the AWS process */
	uint32_t seq, inflight_seq;
	char inflight_action[PLAN_ACTION_LEN], inflight_target[PLAN_TARGET_LEN];
	char inflight_group[CLOUD_ID_LEN];
	bool inflight_incomplete;  /* the SNS message in flight tells of failures */
	char inflight_gd[80];      /* ... and names this GuardDuty finding */
	struct cloud_wait wait[PLAN_MAX + 3]; /* the plan's steps and two follow-ups */
	size_t n_wait;
	struct cloud_instance inst; /* the journaled description, parsed */
	uint64_t inst_seq;          /* of the journal record it came from */
	bool have_inst;
	bool plan_warned;           /* the plan could not be built: said once */
};

/* What the agent learns from IMDS (daemon_imds.c). */
struct imds_state {
	/* identity, asked again with backoff until known */
	bool id_inflight;
	unsigned id_attempts;
	uint64_t id_next_ns;
	char id_error[256];
	/* the instance's tags as the AWS process last reported them */
	bool known;                /* a report came */
	int rc;                    /* 0, -ENOENT: metadata tags disabled, -errno */
	char status[16];           /* "none", "installed", "isolated", "released", ... */
	char incident[CLOUD_ID_LEN], finding[CLOUD_ID_LEN];
	char released_at[40], released_incident[CLOUD_ID_LEN];
	char error[256];
	char isolated_during[64];  /* the incident open when the tags last said isolated */
	bool acted_isolated;       /* an outside isolation was acted on (until the status changes) */
};

#define GD_SEEN_MAX 256

struct daemon {
	const struct run_opts *o;
	bool running;
	bool ready;                /* started: READY=1 told systemd */
	const char *parent_user;
	char ifaces[RUN_MAX_IFACES][32];
	size_t n_ifaces;
	char nflog_dev[32];
	int dlt[SENSORD_MAX_CAPS]; /* the link type of each of the sensor's handles */
	size_t ndlt;
	struct spawnd spawner;     /* starts and signals the children (spawnd.h) */
	struct spawnd_cfg spawn_cfg;
	int sigfd;
	struct child sensor, aws;
	struct procsd procs;       /* the procs helper (isolate mode), procsd.h */
	struct list_state lists[RUN_MAX_LISTS];
	uint64_t next_sync_ns, next_status_ns, last_status_ns, next_watchdog_ns, next_journal_ns;
	uint64_t next_table_ns;    /* daemon_table_tick() */
	bool table_applied;        /* enforce_lists() succeeded once */
	bool table_check_failed;   /* the last look could not read nftables (logged once) */
	uint64_t tables_restored;  /* table inet cordon put back after someone removed it */
	bool lists_synced;         /* the first S3 sync was scheduled */
	bool sync_now;             /* SIGHUP: sync at once */
	bool status_dirty;         /* daemon.json is behind: write it now */
	uint64_t watchdog_usec;
	uint64_t started_real_ns;
	struct ipc_s_stats stats;
	/* findings */
	FILE *findings;
	char findings_path[600];
	uint64_t findings_written;
	struct fout fout;          /* what the findings file may take (fout.h) */
	struct recent_finding recent[DAEMON_RECENT];
	size_t n_recent;
	/* the journal, open for the agent's life; jst is always current */
	struct journal *j;
	struct journal_state jst;
	uint64_t next_attach_ns;
	bool resumed;              /* the journal's open incident was looked for */
	struct incident inc;
	char last_error[ERRLEN];
	char instance_id[64], region[32], account[16];
	struct imds_state imds;
	struct {                   /* the heartbeat (daemon_heartbeat.c) */
		bool inflight, paused;
		uint64_t next_ns, last_real_ns, sent;
		char error[256];
	} hb;
	struct cloud_run cloud;
	/* GuardDuty */
	char gd_detector[64];
	uint64_t next_gd_ns, gd_since_ms, gd_poll_started_ms;
	bool gd_inflight;
	char gd_seen[GD_SEEN_MAX][80];
	size_t n_gd_seen;
	union {
		struct ipc_hdr h;
		char raw[IPC_MAX];
	} in;
};

/* daemon_child.c: the children, and every message they send */
/* Each child its own uid: look its user up, check that we can become it. */
__must_check int daemon_child_users(struct daemon *d, char *err, size_t errlen);
__must_check int daemon_child_start(struct daemon *d, char *err, size_t errlen);
void daemon_child_respawn(struct daemon *d, uint64_t now);
void daemon_child_reap(struct daemon *d);
void daemon_child_dispatch_sensor(struct daemon *d);
void daemon_child_dispatch_aws(struct daemon *d);
void daemon_child_stop(struct daemon *d);

/* daemon_state.c: the state directory, daemon.json, metrics */
const char *daemon_mode_name(enum run_mode m);
__must_check int daemon_prepare_state(struct daemon *d, char *err, size_t errlen);
void daemon_chown_state(struct daemon *d);
void daemon_write_status(struct daemon *d);

/* daemon_findings.c: the findings file and the recent findings */
__must_check int daemon_findings_open(struct daemon *d, char *err, size_t errlen);
void daemon_findings_reopen(struct daemon *d);
void daemon_findings_close(struct daemon *d);
/* Record one report (JSON made here, once); its entry, valid until the next. */
const struct recent_finding *daemon_findings_add(struct daemon *d,
						 const struct ipc_s_finding *m);
/* The recent finding with this remote address, or NULL. */
const struct recent_finding *daemon_findings_by_remote(const struct daemon *d,
						       const struct cd_addr *a);
/* Every recent finding, one JSON line each (caller frees). */
char *daemon_findings_lines(const struct daemon *d);

/* daemon_lists.c */
__must_check int daemon_load_lists(struct daemon *d, char *err, size_t errlen);
void daemon_send_lists(struct daemon *d);
void daemon_sync_lists(struct daemon *d, uint64_t now);
/* How often the agent looks for its nftables table (daemon_table_tick()). */
#define DAEMON_TABLE_CHECK_NS (5ull * 1000000000ull)
void daemon_table_tick(struct daemon *d, uint64_t now);
void daemon_list_synced(struct daemon *d, const struct ipc_a_sync_done *m);

/* daemon_journal.c: the journal open for the agent's life */
void daemon_journal_attach(struct daemon *d);
void daemon_journal_tick(struct daemon *d, uint64_t now);
void daemon_journal_close(struct daemon *d);
/* The open incident as the journal has it (NULL: none, or not journaled). */
const struct journal_incident *daemon_journal_incident(const struct daemon *d);
const struct journal_action *daemon_journal_action(const struct daemon *d, const char *action,
						   const char *target);
/* 0 when the intent is durable: only then may the action be tried. */
__must_check int daemon_journal_intent(struct daemon *d, const char *action,
				       const char *target, const struct cJSON *params);
void daemon_journal_done(struct daemon *d, const char *action, const char *target,
			 const struct cJSON *result);
void daemon_journal_failed(struct daemon *d, const char *action, const char *target,
			   const char *error, unsigned attempt);
void daemon_journal_open_incident(struct daemon *d);
void daemon_journal_finding(struct daemon *d, const char *finding_id);
/* From the journal: the GuardDuty finding that confirmed or opened the incident, or "". */
const char *daemon_journal_gd_finding(const struct daemon *d);
/* Findings of the incident: the one that opened it and those that joined. */
unsigned daemon_journal_findings(const struct daemon *d);

/* daemon_evidence.c: step 2 */
void daemon_evidence_start(struct daemon *d);
void daemon_evidence_dumped(struct daemon *d, const struct ipc_s_dump_done *m);

/*
 * daemon_cloud.c: steps 3 to 5. Once the primary interface has moved (or
 * its move failed HANDOVER_TRIES times) the host is expected to have no
 * API: what is left is handed over to the off-host responder.
 */
#define DAEMON_HANDOVER_TRIES 3
void daemon_cloud_reset(struct daemon *d);
/* The plan is past its primary interface's move: nothing more is tried. */
bool daemon_cloud_handed_over(struct daemon *d);
void daemon_cloud_tick(struct daemon *d, uint64_t now);
void daemon_cloud_done(struct daemon *d, const struct ipc_a_action_done *m);
/* The AWS process died: a step in flight is retried (the journal has its intent). */
void daemon_cloud_lost(struct daemon *d);
/*
 * daemon_cloud_msg.c: a step's request and the intent's params; for the
 * SNS message, whether it tells of failures. false: not possible yet.
 */
__must_check bool daemon_cloud_request(struct daemon *d, struct plan *p,
				       const struct plan_step *s, struct ipc_a_action *m,
				       struct cJSON **params, bool *incomplete);
/* The GuardDuty finding the incident message names ("" : none). */
const char *daemon_cloud_msg_gd(const struct daemon *d);

/* daemon_incident.c: the policy and the one way an incident opens */
struct incident_trigger {
	const char *reason;
	const char *finding_id;
	const char *gd_finding_id;     /* GuardDuty-only incident, else NULL */
	const char *finding_json;      /* the opening finding's one text */
	uint64_t trigger_ns;           /* capture time, 0: unknown */
	const char *id;                /* the incident's id (the tags'), NULL: a new one */
	bool outside;                  /* isolated from outside: the cloud side is not ours */
};
void daemon_incident_open(struct daemon *d, const struct incident_trigger *t);
void daemon_incident_finding(struct daemon *d, const struct ipc_s_finding *m);
void daemon_incident_tick(struct daemon *d, uint64_t now);
void daemon_incident_resume(struct daemon *d);
/* At start: a trip the kernel holds and no state file records. */
void daemon_incident_trip_check(struct daemon *d);
/* Released from outside (the instance's tags): lift, close, re-arm. */
void daemon_incident_released(struct daemon *d, const char *why);
/* The reason of an incident opened from outside (cordon:status=isolated). */
#define DAEMON_OUTSIDE_REASON "isolated from outside"
/* A finding for an incident no packet opened (caller frees; NULL on ENOMEM). */
char *daemon_incident_finding_json(const struct daemon *d, const char *title, const char *desc);

/* daemon_imds.c: the identity (retried until known) and the instance's tags */
void daemon_imds_tick(struct daemon *d, uint64_t now);
void daemon_imds_lost(struct daemon *d);
void daemon_imds_identity(struct daemon *d, const struct ipc_a_identity_done *m);
void daemon_imds_tags(struct daemon *d, const struct ipc_a_inst_tags *m);
/* {"identity": {...}, "instanceTags": {...}} for daemon.json */
struct cJSON *daemon_imds_status(const struct daemon *d);

/* daemon_heartbeat.c: CloudWatch AgentHeartbeat while the host has its API */
void daemon_heartbeat_tick(struct daemon *d, uint64_t now);
void daemon_heartbeat_done(struct daemon *d, const struct ipc_a_heartbeat_done *m);
struct cJSON *daemon_heartbeat_status(const struct daemon *d);

/* daemon_gd.c: GuardDuty correlation */
void daemon_gd_tick(struct daemon *d, uint64_t now);
void daemon_gd_finding(struct daemon *d, const struct ipc_a_gd_finding *m);
void daemon_gd_done(struct daemon *d, const struct ipc_a_gd_done *m);

#endif

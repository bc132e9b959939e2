/* SPDX-License-Identifier: MIT */
#ifndef CORDON_DAEMON_IMPL_H
#define CORDON_DAEMON_IMPL_H

/* Private to enforcer/daemon*.c: the parent process's state. */

#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "fout.h"
#include "capture.h"
#include "cloud.h"
#include "daemon.h"
#include "ipc.h"
#include "sensord.h"

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

struct incident {
	bool open;
	char finding_json[8192];   /* the finding that opened it */
	char gd_finding_id[80];    /* a correlated GuardDuty finding */
	char id[40];
	uint64_t opened_real_ns;
	uint64_t trigger_ns;       /* capture timestamp of the first packet */
	uint64_t decided_real_ns;  /* wall clock when the policy decided */
	uint64_t lockdown_ack_ns;  /* wall clock when the kernel acked */
	bool lockdown_done;
	char reason[256];
	char finding_id[33];
	unsigned findings;         /* findings that joined */
	char last_error[ERRLEN];
};

#define DAEMON_RECENT 64
#define CLOUD_PLAN_MAX 64

struct cloud_step {
	uint8_t act;               /* enum cloud_act (daemon_ipc.h) */
	bool convert;              /* ACT_SET_GROUPS to the conversion group */
	bool done;
	unsigned attempts;
	uint64_t next_ns;          /* not before (backoff) */
	char action[48];           /* journal action name */
	char target[96];
	char groups[CLOUD_MAX_GROUPS][CLOUD_ID_LEN];
	size_t n_groups;
	char orig[CLOUD_MAX_GROUPS][CLOUD_ID_LEN]; /* groups before cordon */
	size_t n_orig;
	char out_id[96];
	char err[256];
	bool incomplete;           /* ACT_SNS: the message told of failures */
	bool update;               /* ACT_SNS: the follow-up ("sns_update") */
};

struct cloud_plan {
	bool active, planned, have_inst, inflight;
	bool update_owed;          /* a message told of failures since fixed */
	struct cloud_step s[CLOUD_PLAN_MAX];
	size_t n, inflight_idx;
	uint32_t seq, inflight_seq;
	struct cloud_instance inst;
};

#define GD_SEEN_MAX 256

struct daemon {
	const struct run_opts *o;
	bool running;
	const char *parent_user;
	char ifaces[RUN_MAX_IFACES][32];
	size_t n_ifaces;
	char nflog_dev[32];
	struct cap *caps[RUN_MAX_IFACES + 1];
	size_t ncaps;
	int sigfd;
	pid_t sensor_pid;
	int sensor_fd;
	bool sensor_ready;
	unsigned sensor_deaths;
	uint64_t last_sensor_death_ns;
	pid_t aws_pid;
	int aws_fd;
	struct list_state lists[RUN_MAX_LISTS];
	uint64_t next_sync_ns, next_status_ns, next_watchdog_ns, next_release_check_ns;
	uint64_t watchdog_usec;
	uint64_t started_real_ns;
	struct ipc_s_stats stats;
	FILE *findings;
	char findings_path[600];
	uint64_t findings_written;
	struct fout fout;          /* what the findings file may take (fout.h) */
	struct ipc_s_finding recent[DAEMON_RECENT];
	size_t n_recent;
	struct incident inc;
	char last_error[ERRLEN];
	/* evidence */
	char evid_dir[600];
	/* cloud */
	bool aws_ready;
	char instance_id[64], region[32], account[16];
	struct cloud_plan plan;
	/* GuardDuty */
	char gd_detector[64];
	uint64_t next_gd_ns, gd_since_ms, gd_poll_started_ms;
	bool gd_inflight;
	char gd_seen[GD_SEEN_MAX][80];
	size_t n_gd_seen;
	unsigned evid_pending;     /* ring dumps the sensor still owes */
	bool evid_done;
	union {
		struct ipc_hdr h;
		char raw[IPC_MAX];
	} in;
};

const char *daemon_mode_name(enum run_mode m);
int daemon_prepare_state(struct daemon *d, char *err, size_t errlen);
void daemon_close_for_child(struct daemon *d);
/* socketpair + fork: 0 in the child (*fd its end), the pid in the parent, -1. */
pid_t daemon_fork(struct daemon *d, int *fd, char *err, size_t errlen);
void daemon_chown_state(struct daemon *d);
void daemon_cleanup(struct daemon *d);
void daemon_write_status(struct daemon *d);
void daemon_write_metrics(struct daemon *d);
void daemon_reopen_findings(struct daemon *d);

/* daemon_lists.c */
struct ipc_a_sync_done;
int daemon_load_lists(struct daemon *d, char *err, size_t errlen);
void daemon_send_lists(struct daemon *d);
void daemon_sync_lists(struct daemon *d, uint64_t now);
void daemon_lists_changed(struct daemon *d);
void daemon_list_synced(struct daemon *d, size_t i, const struct ipc_a_sync_done *m);

/* daemon_incident.c */
struct finding;
void daemon_finding_from_ipc(const struct ipc_s_finding *m, struct finding *f);
void daemon_on_finding(struct daemon *d, const struct ipc_s_finding *m);
void daemon_incident_tick(struct daemon *d, uint64_t now);
void daemon_incident_new_id(struct daemon *d);
void daemon_incident_steps(struct daemon *d, const char *finding_json);

/* daemon_journal.c */
#include "journal.h"
void daemon_journal_open_incident(struct daemon *d, const char *finding_json);
void daemon_journal_action(struct daemon *d, const char *action, const char *target,
			   enum journal_astate state, const struct cJSON *data,
			   const char *error, unsigned attempt);
void daemon_journal_finding(struct daemon *d, const char *finding_id);

/* daemon_evidence.c */
void daemon_evidence_start(struct daemon *d);
void daemon_evidence_dumped(struct daemon *d, const struct ipc_s_dump_done *m);

/* daemon_aws.c */
int daemon_spawn_aws(struct daemon *d, char *err, size_t errlen);
void daemon_handle_aws(struct daemon *d);
void daemon_stop_aws(struct daemon *d);
void daemon_child_exited(struct daemon *d, pid_t pid, const char *why);
void daemon_aws_sync(struct daemon *d, size_t list_index);
void daemon_aws_ready(struct daemon *d);
/* awsd.c: the AWS process (after fork; never returns). */
__attribute__((noreturn)) void awsd_main(int sock, const struct run_opts *o);

/* daemon_gd.c */
struct gd_finding;
void daemon_gd_tick(struct daemon *d, uint64_t now);
void daemon_incident_resume(struct daemon *d);
void daemon_incident_open_gd(struct daemon *d, const struct gd_finding *f);

/* daemon_cloud.c */
struct ipc_a_identity_done;
struct ipc_a_action_done;
struct ipc_a_gd_finding;
struct ipc_a_gd_done;
struct gd_finding;
void daemon_identity(struct daemon *d, const struct ipc_a_identity_done *m);
void daemon_cloud_start(struct daemon *d);
void daemon_cloud_done(struct daemon *d, const struct ipc_a_action_done *m);
void daemon_cloud_tick(struct daemon *d, uint64_t now);
void daemon_gd_finding(struct daemon *d, const struct ipc_a_gd_finding *m);
void daemon_gd_done(struct daemon *d, const struct ipc_a_gd_done *m);

#endif

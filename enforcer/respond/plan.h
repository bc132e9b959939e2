/* SPDX-License-Identifier: MIT */
#ifndef CORDON_PLAN_H
#define CORDON_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws_client.h"
#include "buf.h"
#include "cloud.h"
#include "cloud_tags.h"
#include "notify.h"
#include "util.h"

/*
 * The cloud half of an isolation (DESIGN.md, "Cloud isolation contract"):
 * one plan, one builder, one executor, for every runner.
 *
 *   plan_build()      pure: the ordered steps left, from the configuration,
 *                     what DescribeInstances says and (where read) what the
 *                     cordon: tags say; built again at any point of an
 *                     isolation, it holds exactly what is left
 *   plan_call_of()    a step as its one call (target, groups, tags, ...)
 *   plan_call_run()   the call, through enforcer/cloud
 *   plan_message()    the incident message from the steps' states
 *
 * The runners differ only where their jobs do: the agent
 * (enforcer/agent/daemon_cloud.c) journals each step's intent before its
 * call, runs one step a tick through its AWS process (which calls
 * plan_call_run) and hands over what is left once the primary interface
 * moved; the off-host responder (respond_iso.c) runs them all at once
 * within its deadline. Each step is one idempotent call with a journal
 * key, action:target. docs/internals/respond.md.
 */
enum plan_act {
	PLAN_DESCRIBE = 1, /* target: instance */
	PLAN_SET_GROUPS,   /* target: eni; group */
	PLAN_TAGS,         /* target: instance: cordon:incident, status=isolated, finding */
	PLAN_PROTECT,      /* target: instance: termination protection, shutdown stops */
	PLAN_SNAPSHOT,     /* target: volume */
	PLAN_SNS,          /* target: topic */
	PLAN_EVENTS,       /* target: bus */
	PLAN_SECHUB,       /* target: finding id */
	PLAN_TAG_ENI,      /* target: eni; its groups as cordon:original-groups */
};
#define PLAN_ACT_LAST PLAN_TAG_ENI

enum plan_state {
	PLAN_TODO,
	PLAN_DONE,
	PLAN_FAILED,
	PLAN_NOT_TRIED,    /* the runner stopped before it (deadline) */
};

/* Sized for the caps: tag and two moves per interface, every volume, the rest. */
#define PLAN_MAX (3 * CLOUD_MAX_ENIS + CLOUD_MAX_VOLUMES + 8)
#define PLAN_ACTION_LEN 48
#define PLAN_TARGET_LEN 256
#define PLAN_MAX_NOTES 8

struct plan_step {
	uint8_t act;                   /* enum plan_act */
	bool convert;                  /* PLAN_SET_GROUPS to the conversion group */
	bool primary;                  /* PLAN_SET_GROUPS of device index 0: the host's API goes */
	bool cordons;                  /* PLAN_SET_GROUPS: its groups were cordon's already */
	bool clear;                    /* PLAN_TAG_ENI: delete the spill keys it does not write */
	int eni;                       /* SET_GROUPS, TAG_ENI: index in the description; -1 */
	char action[PLAN_ACTION_LEN];  /* the journal's action name */
	char target[PLAN_TARGET_LEN];
	char group[CLOUD_ID_LEN];      /* PLAN_SET_GROUPS: the one group set */
	/* The runner's: how it went. */
	uint8_t state;                 /* enum plan_state */
	char out_id[NOTIFY_MSG_ID_LEN]; /* snapshot id, message id, event id */
	char error[ERRLEN];
};

struct plan {
	struct plan_step s[PLAN_MAX];
	size_t n;
	bool complete;                 /* every step is known (described, or no EC2 step) */
	const struct cloud_instance *inst; /* the description, borrowed; NULL: none yet */
	char forensic[CLOUD_ID_LEN];   /* the forensic group, "" for no EC2 isolation */
	char incident[CLOUD_ID_LEN];   /* the tags' when isolated already, else the caller's */
	char finding[CLOUD_ID_LEN];
	struct cloud_isolation before; /* the instance's state from its tags (none: not read) */
	/* Each interface's groups from before cordon ("sg-1, sg-2"), "" if not known. */
	char orig[CLOUD_MAX_ENIS][200];
	char notes[PLAN_MAX_NOTES][ERRLEN]; /* what cannot be done or known, and why */
	size_t n_notes;
};

struct plan_cfg {
	const char *instance_id;       /* "": not known yet (the describe waits) */
	const char *incident;          /* the runner's; an isolated instance keeps its own */
	const char *finding_id;        /* cordon:finding, Security Hub's key; may be "" */
	const char *forensic_sg;       /* NULL or "": no EC2 isolation */
	const char *conversion_sg;     /* NULL or "": straight to the forensic group */
	const char *sns_topic;         /* NULL or "": no message */
	const char *events_bus;        /* NULL: no EventBridge event */
	bool securityhub;
	bool tag_instance, termination_protection, snapshot_volumes;
	/*
	 * Finish an isolation someone else started: only what the resources
	 * show undone (tags, protection, moves); no messages, no snapshots,
	 * which leave no mark on the instance to tell whether they were made.
	 */
	bool finish;
};

/*
 * The steps, in the order that survives the host's own cut (DESIGN.md):
 * with EC2 isolation and no description yet (inst NULL) only the
 * describe, everything else acts on what it finds. Then each interface's
 * groups recorded on it (cordon:original-groups), the instance's tags,
 * SNS, EventBridge, Security Hub (the administrators learn before the
 * host goes dark), termination protection, snapshots, the secondary
 * interfaces (the conversion group if any, then the forensic group), and
 * the primary interface (device index 0) last: once it moves, the host
 * has no API.
 *
 * What the resources show done is left out: an interface only in the
 * forensic group is neither tagged nor moved; one only in the conversion
 * group is not tagged and only gets its forensic move. tags (NULL: not
 * read; else tags[0] the instance's, tags[1 + i] interface i's, as
 * cloud_describe_tags gives them): an interface that carries
 * cordon:original-groups is not tagged again when it is in cordon's
 * groups or the tag names its groups now; any other tag on it (forged
 * by whoever may tag it, or stale) is not believed: a note, and it is
 * tagged again with its spill keys cleared; one in cordon's groups
 * without them has lost its groups from before (a note); an instance
 * tagged cordon:status=isolated keeps its incident and is not tagged
 * again; tags a stranger broke become notes and never stop the moves.
 * -EINVAL on a bad instance id, incident or finding id, or a description
 * over the caps (p then holds no step).
 */
__must_check int plan_build(const struct plan_cfg *c, const struct cloud_instance *inst,
			    const struct cloud_tagset *tags, struct plan *p, char *err,
			    size_t errlen);
/* SNS, EventBridge, Security Hub: they tell; the other steps isolate. */
bool plan_act_tells(uint8_t act);
/* The index of the primary interface's last move, or -1 (none in the plan). */
int plan_last_primary(const struct plan *p);
/* The journal's action name of a step kind. */
const char *plan_act_name(uint8_t act, bool convert);
const char *plan_state_name(uint8_t state);

#define PLAN_MAX_TAGS 3

/*
 * One step as its call, resolved: what the agent sends its AWS process
 * (daemon_ipc.h copies it) and the responder runs at once. Strings point
 * into the plan, its description or desc; the messages' texts (SNS
 * subject and text, the EventBridge detail, the Security Hub finding)
 * are the runner's to set.
 */
struct plan_call {
	uint8_t act;
	const char *target;
	const char *groups[CLOUD_MAX_GROUPS]; /* SET_GROUPS: the group; TAG_ENI: the originals */
	size_t n_groups;
	struct cloud_tag tags[PLAN_MAX_TAGS]; /* TAGS: the instance's; SNAPSHOT: the snapshot's */
	size_t n_tags;
	bool protect, stop_on_shutdown;       /* PROTECT */
	bool clear;                           /* TAG_ENI: then delete the spill keys not written */
	const char *subject;                  /* SNS */
	const char *text;                     /* SNS: the message; EVENTS: the detail;
					       * SECHUB: the finding; SNAPSHOT: its description */
	const char *detail_type;              /* EVENTS: "cordon Incident"; NULL: "Cordon Finding" */
	const char *resource;                 /* EVENTS: an ARN, or NULL */
	const char *account, *region;         /* SECHUB; NULL: the finding's */
	char desc[200];                       /* storage for a snapshot's description */
};

/* Fill x for step s of p (false: the step cannot be made: a TAG_ENI without groups). */
__must_check bool plan_call_of(const struct plan *p, const struct plan_step *s,
			       struct plan_call *x);
/*
 * Make the call: 0, or -errno with err filled. inst receives a
 * PLAN_DESCRIBE's answer, out_id a snapshot's, message's or event's id.
 * Every call is safe to repeat.
 */
__must_check int plan_call_run(struct aws_client *c, const struct plan_call *x,
			       struct cloud_instance *inst, char out_id[NOTIFY_MSG_ID_LEN],
			       char *err, size_t errlen);

/* How the message describes who acted. */
struct plan_msg {
	const char *mode;             /* the agent's mode; NULL: "isolate" */
	bool host_locked;
	long lockdown_ms;             /* -1: unknown */
	const char *lockdown_error;   /* the agent's: why the host is not locked, or NULL */
	bool off_host;                /* cordon respond: the host's firewall untouched */
	const char *gd_finding_id;    /* a GuardDuty finding that matches, or NULL */
	const char *gd_region;
};

/*
 * The notify_actions the incident message is made of, from p's states:
 * an interface not moved yet (PLAN_TODO) is "moving right after this
 * message", a failed step is listed with why.
 */
void plan_actions(const struct plan *p, const struct plan_msg *m, struct notify_actions *a);
/* Subject and text of the incident message (notify_incident_text). */
__must_check int plan_message(const struct plan *p, const char *finding_json,
			      const struct plan_msg *m, char subject[NOTIFY_SUBJECT_MAX + 1],
			      struct buf *text, char *err, size_t errlen);

struct cJSON;
/*
 * The params its intent records: for PLAN_SET_GROUPS the group set and,
 * moving into the forensic group, the interface's groups as described
 * before cordon touched it ("original_groups": what release restores;
 * left out when they were cordon's own groups already); for PLAN_TAG_ENI
 * the groups it records on the interface ("original_groups"). An empty
 * object for the other steps; NULL on ENOMEM.
 */
struct cJSON *plan_step_params(const struct plan *p, const struct plan_step *s);
/* The description as the journal keeps it (a describe's result), and back. */
struct cJSON *plan_instance_json(const struct cloud_instance *in);
__must_check bool plan_instance_from_json(const struct cJSON *o, struct cloud_instance *in);

#endif

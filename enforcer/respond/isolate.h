/* SPDX-License-Identifier: MIT */
#ifndef CORDON_ISOLATE_H
#define CORDON_ISOLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "aws_client.h"
#include "buf.h"
#include "cloud.h"
#include "cloud_tags.h"
#include "notify.h"
#include "util.h"

/*
 * Cloud isolation of one instance (DESIGN.md, "Cloud isolation
 * contract"), in two parts every user shares: the agent (one step at a
 * time, journaled, in its AWS process), the off-host responder (all
 * steps at once) and the tests.
 *
 *   isolate_plan_build()  pure: the ordered steps from what DescribeInstances
 *                         and DescribeTags say and the configuration;
 *                         whatever the resources show done is left out,
 *                         so a plan built again after a cut finishes it
 *   isolate_step_run()    one step, one call (or two) through enforcer/cloud
 *   isolate_message()     the incident message from the plan's states
 *
 * Order: each interface's groups recorded on it (cordon:original-groups)
 * -> the instance's tags -> SNS / EventBridge / Security Hub -> termination
 * protection, snapshots -> per interface the conversion group then the
 * forensic group, secondary interfaces first, the primary last: on the
 * host, the API goes when the primary moves. See docs/internals/respond.md.
 */

enum isolate_act {
	ISO_TAG_ENI,       /* interface: its groups now as cordon:original-groups */
	ISO_TAG_INSTANCE,  /* instance: cordon:incident, cordon:status=isolated, cordon:finding */
	ISO_SNS,           /* the incident message (text from isolate_message) */
	ISO_EVENTS,        /* the finding on EventBridge */
	ISO_SECHUB,        /* the finding to Security Hub */
	ISO_PROTECT,       /* instance: termination protection on, shutdown stops */
	ISO_SNAPSHOT,      /* volume */
	ISO_CONVERT,       /* interface into the conversion group */
	ISO_FORENSIC,      /* interface into the forensic group */
};

enum isolate_state {
	ISO_TODO,
	ISO_DONE,
	ISO_FAILED,
	ISO_NOT_TRIED,     /* the runner stopped before it (deadline) */
};

struct isolate_step {
	enum isolate_act act;
	char target[CLOUD_ID_LEN];  /* instance, interface or volume; "" for messages */
	/* ISO_TAG_ENI: the interface's groups; CONVERT/FORENSIC: [0] the group */
	char groups[CLOUD_MAX_GROUPS][CLOUD_ID_LEN];
	size_t n_groups;
	bool primary;               /* CONVERT/FORENSIC of device index 0 */
	enum isolate_state state;
	char out_id[NOTIFY_MSG_ID_LEN]; /* snapshot id, message id, event id */
	char error[ERRLEN];
};

/* What the plan knows of each interface, for the message. */
struct isolate_eni {
	char id[CLOUD_ID_LEN];
	int device_index;
	char orig[200];             /* "sg-1, sg-2": before cordon, or "" if unknown */
	char now[200];              /* its groups when described */
	bool in_forensic;           /* there already */
};

#define ISOLATE_MAX_STEPS (3 * CLOUD_MAX_ENIS + CLOUD_MAX_VOLUMES + 8)
#define ISOLATE_MAX_NOTES 8

struct isolate_plan {
	char instance[CLOUD_ID_LEN];
	char incident[CLOUD_ID_LEN];   /* the tags' when isolated already, else the caller's */
	char finding[CLOUD_ID_LEN];
	struct cloud_isolation before; /* the instance's state from its tags */
	bool tags_unreadable;          /* cordon:status could not be read (a note says why) */
	struct isolate_eni eni[CLOUD_MAX_ENIS];
	size_t n_eni;
	struct isolate_step s[ISOLATE_MAX_STEPS];
	size_t n;
	char notes[ISOLATE_MAX_NOTES][ERRLEN]; /* what cannot be done or known, and why */
	size_t n_notes;
};

struct isolate_cfg {
	const char *forensic_sg;     /* NULL or "": no interface is moved */
	const char *conversion_sg;   /* NULL or "": no first hop */
	bool tag_instance;
	bool termination_protection;
	bool snapshot_volumes;
	bool sns, events, securityhub; /* which messages (targets: struct isolate_ctx) */
	/*
	 * Finish an isolation someone else started: only what the resources
	 * show undone (tags, protection, moves); no messages, no snapshots,
	 * which leave no mark on the instance to tell whether they were made.
	 */
	bool finish;
};

/*
 * The plan for instance in (interfaces in device-index order, as
 * cloud_describe_instance gives them) and its cordon: tags (tags[0] the
 * instance's, tags[1 + i] interface i's). An interface that carries
 * cordon:original-groups is not tagged again (those are the groups from
 * before the first isolation); one that is in the forensic or
 * conversion group without them has lost its original groups (a note
 * says so) and is moved all the same. An instance already marked
 * cordon:status=isolated keeps its incident. Tags that cannot be read
 * never stop an isolation: they become notes. -EINVAL on bad arguments.
 */
__must_check int isolate_plan_build(const struct cloud_instance *in,
				    const struct cloud_tagset tags[], const struct isolate_cfg *cfg,
				    const char *incident, const char *finding_id,
				    struct isolate_plan *p, char *err, size_t errlen);

/* Where messages go, and their text; borrowed for the call. */
struct isolate_ctx {
	struct aws_client *c;
	const char *sns_topic;
	const char *events_bus;       /* NULL or "": the default bus */
	const char *finding_json;     /* EVENTS, SECHUB */
	const char *account, *region; /* SECHUB; NULL: the finding's */
	const char *subject, *text;   /* SNS: isolate_message()'s, made just before */
};

/*
 * Perform step s of p: its state becomes ISO_DONE (out_id filled where
 * the call returns one) or ISO_FAILED (error filled, also in err).
 * Every step is safe to repeat.
 */
__must_check int isolate_step_run(const struct isolate_ctx *x, const struct isolate_plan *p,
				  struct isolate_step *s, char *err, size_t errlen);

/* How the message describes who acted. */
struct isolate_msg {
	const char *mode;             /* the agent's: "isolate"; NULL off the host */
	bool host_locked;
	long lockdown_ms;             /* -1: unknown */
	bool off_host;                /* cordon respond: the host's firewall untouched */
	const char *gd_finding_id;    /* a GuardDuty finding that matches, or NULL */
	const char *gd_region;
};

/* The notify_actions the incident message is made of, from p's states. */
void isolate_actions(const struct isolate_plan *p, const struct isolate_msg *m,
		     struct notify_actions *a);
/* Subject and text of the incident message (notify_incident_text). */
__must_check int isolate_message(const struct isolate_plan *p, const char *finding_json,
				 const struct isolate_msg *m, char subject[NOTIFY_SUBJECT_MAX + 1],
				 struct buf *text, char *err, size_t errlen);

/* The journal's name of a step: "ec2_tag_eni", "ec2_isolate_eni", ... */
const char *isolate_act_name(enum isolate_act act);
const char *isolate_state_name(enum isolate_state st);

#endif

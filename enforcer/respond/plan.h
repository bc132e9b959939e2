/* SPDX-License-Identifier: MIT */
#ifndef CORDON_PLAN_H
#define CORDON_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cloud.h"

/*
 * The cloud half of an isolation as an ordered list of steps, built by a
 * pure function from the configuration and the instance's description:
 * the agent runs it one step at a time through its AWS process with the
 * journal (enforcer/agent/daemon_cloud.c); an off-host responder can run
 * the same steps in order. Each step is one idempotent call and has a
 * journal key, action:target. docs/internals/daemon.md.
 */
enum plan_act {
	PLAN_DESCRIBE = 1, /* target: instance */
	PLAN_SET_GROUPS,   /* target: eni; group */
	PLAN_TAGS,         /* target: instance */
	PLAN_UNTAG,        /* target: instance (release) */
	PLAN_PROTECT,      /* target: instance */
	PLAN_SNAPSHOT,     /* target: volume */
	PLAN_SNS,          /* target: topic */
	PLAN_EVENTS,       /* target: bus */
	PLAN_SECHUB,       /* target: finding id */
};

#define PLAN_MAX 64
#define PLAN_ACTION_LEN 48
#define PLAN_TARGET_LEN 256

struct plan_step {
	uint8_t act;                   /* enum plan_act */
	bool convert;                  /* PLAN_SET_GROUPS to the conversion group */
	char action[PLAN_ACTION_LEN];  /* the journal's action name */
	char target[PLAN_TARGET_LEN];
	char group[CLOUD_ID_LEN];      /* PLAN_SET_GROUPS: the one group set */
	int eni;                       /* PLAN_SET_GROUPS: index in the description */
};

struct plan {
	struct plan_step s[PLAN_MAX];
	size_t n;
	bool complete;                 /* every step is known (described, or no EC2 step) */
};

struct plan_cfg {
	const char *instance_id;       /* "": not known yet */
	const char *forensic_sg;       /* "": no EC2 isolation */
	const char *conversion_sg;     /* "": straight to the forensic group */
	const char *sns_topic;         /* "": no message */
	const char *events_bus;        /* NULL: no EventBridge event */
	const char *finding_id;        /* Security Hub's key */
	bool tag_instance, termination_protection, snapshot_volumes, securityhub;
};

/*
 * The steps, in order. With EC2 isolation and no description yet (inst
 * NULL) only the describe: everything else acts on what it finds, and
 * the message waits for it. Then per interface (primary first) the
 * conversion group if any and the forensic group, the instance's tags,
 * termination protection, snapshots, SNS, EventBridge, Security Hub.
 */
void plan_build(const struct plan_cfg *c, const struct cloud_instance *inst,
		struct plan *out);
/* SNS, EventBridge, Security Hub: they tell; the other steps isolate. */
bool plan_act_tells(uint8_t act);
/* The journal's action name of a step kind. */
const char *plan_act_name(uint8_t act, bool convert);

#define PLAN_MAX_TAGS 3

/*
 * What a step puts beyond its target, the same wherever it runs: the tags
 * of PLAN_TAGS (on the instance) and PLAN_SNAPSHOT (on the snapshot), and
 * a snapshot's description. Strings point into the arguments.
 */
size_t plan_tags(const struct plan_step *s, const char *incident_id, const char *finding_id,
		 struct cloud_tag out[PLAN_MAX_TAGS]);
void plan_snapshot_description(const char *incident_id, char *buf, size_t len);

struct cJSON;
/*
 * The params its intent records: for PLAN_SET_GROUPS the group set and,
 * moving into the forensic group, the interface's groups as described
 * before cordon touched it ("original_groups": what release restores).
 * An empty object for the other steps; NULL on ENOMEM.
 */
struct cJSON *plan_step_params(const struct plan_step *s, const struct cloud_instance *inst);
/* The description as the journal keeps it (a describe's result), and back. */
struct cJSON *plan_instance_json(const struct cloud_instance *in);
__must_check bool plan_instance_from_json(const struct cJSON *o, struct cloud_instance *in);

#endif

/* SPDX-License-Identifier: MIT */
#ifndef CORDON_RESPOND_IMPL_H
#define CORDON_RESPOND_IMPL_H

/* Private to enforcer/respond/respond*.c: one event being handled. */

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "aws_client.h"
#include "plan.h"
#include "respond.h"
#include "respond_event.h"

struct respond {
	const struct cordon_config *cfg;
	uint64_t deadline_ms;         /* the client's: the caller's less the margin; 0 none */
	struct aws_client *c;
	cJSON *rep;                   /* the report */
	const struct respond_event *ev;
};

/* Milliseconds before the deadline (INT64_MAX-ish when none). */
long respond_time_left(const struct respond *r);
/* Add a string member to o (ignored on allocation failure: the report is best effort). */
void respond_rep_str(cJSON *o, const char *k, const char *v);
/* The report's "result" and "reason". */
void respond_result(struct respond *r, const char *result, const char *reason_fmt, ...)
	__printf(3, 4);
/* A new incident id, as the agent writes them: inc-20260101T000000Z-1a2b3c. */
void respond_incident_id(char out[CLOUD_ID_LEN]);
/* Publish to the configured topic; false (and a note in the report) when it fails. */
bool respond_publish(struct respond *r, const char *subject, const char *text,
		     cJSON *where);

/* What the isolation of one instance came to. */
struct respond_iso {
	struct plan plan;
	size_t done, failed, not_tried;
};

/*
 * Describe the instance and read its tags (cloud_describe_instance,
 * cloud_describe_tags). -ENOENT when EC2 knows no such instance.
 */
int respond_read(struct respond *r, const char *instance_id, struct cloud_instance *in,
		 struct cloud_tagset tags[CLOUD_TAGS_MAX_RESOURCES], char *err, size_t errlen);
/*
 * Build the plan (plan_build, with the tags) and run every step in order
 * through plan_call_run (the message, when the plan has one, made just
 * before it from the steps' states so far). Each step lands in the
 * report's "steps". 0 when every step is done.
 */
int respond_isolate(struct respond *r, const struct cloud_instance *in,
		    const struct cloud_tagset tags[], const struct plan_cfg *pcfg,
		    const char *finding_json, const struct plan_msg *msg,
		    struct respond_iso *out, char *err, size_t errlen);
/*
 * The plan_cfg of the configuration for instance in, incident and
 * finding (strings borrowed); no messages: the caller adds them.
 */
void respond_plan_cfg(const struct respond *r, const struct cloud_instance *in,
		      const char *incident, const char *finding_id, struct plan_cfg *pcfg);

/* The handlers, one per kind of event. */
enum respond_rc respond_gd_finding(struct respond *r, char *err, size_t errlen);
enum respond_rc respond_agent_incident(struct respond *r, char *err, size_t errlen);
enum respond_rc respond_dead_agents(struct respond *r, char *err, size_t errlen);
enum respond_rc respond_list_changed(struct respond *r, char *err, size_t errlen);
enum respond_rc respond_release(struct respond *r, char *err, size_t errlen);

#endif

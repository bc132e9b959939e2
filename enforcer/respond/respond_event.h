/* SPDX-License-Identifier: MIT */
#ifndef CORDON_RESPOND_EVENT_H
#define CORDON_RESPOND_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cloud.h"
#include "util.h"

/*
 * The events `cordon respond` handles, as EventBridge delivers them (an
 * envelope: version, id, detail-type, source, account, time, region,
 * resources, detail). Pure: the event is hostile input like a packet,
 * read whole and judged before anything is done, every field checked
 * and capped; an error names the field. See docs/internals/respond.md.
 */

#define RESPOND_EVENT_MAX (256 * 1024)  /* EventBridge's largest event */

enum respond_kind {
	RESPOND_GD_FINDING,  /* aws.guardduty, "GuardDuty Finding" */
	RESPOND_INCIDENT,    /* cordon, "cordon Incident": the agent's, before it isolates */
	RESPOND_RELEASE,     /* cordon, "cordon Release" */
	RESPOND_SCHEDULE,    /* aws.events, "Scheduled Event": the dead-agent check */
	RESPOND_OBJECT,      /* aws.s3, "Object Created": a list changed */
};

enum respond_resource {
	RESPOND_RES_INSTANCE,    /* resourceType Instance, with its id */
	RESPOND_RES_ACCESS_KEY,  /* AccessKey: IAM credentials used */
	RESPOND_RES_S3,          /* S3Bucket */
	RESPOND_RES_OTHER,
};

struct respond_event {
	enum respond_kind kind;
	char id[80];                 /* the envelope's id */
	char account[16], region[32];
	/* RESPOND_GD_FINDING, RESPOND_INCIDENT: the finding (GuardDuty's shape) */
	char *finding_json;          /* unformatted JSON, owned */
	char finding_id[80];
	char type[128];
	double severity;
	bool archived;
	enum respond_resource resource;
	char resource_type[32];
	char instance[CLOUD_ID_LEN]; /* also RESPOND_RELEASE */
	uint64_t last_seen_ms;       /* service.eventLastSeen, else updatedAt; 0: unknown */
	/* RESPOND_INCIDENT */
	char incident[CLOUD_ID_LEN];
	uint64_t opened_ms;          /* 0: unknown */
	/* RESPOND_OBJECT */
	char bucket[64];
	char key[1025];
};

/*
 * Read one event. 0, or -EINVAL with one line naming the field
 * ("event: detail.resource.instanceDetails.instanceId: ..."), -EFBIG over
 * RESPOND_EVENT_MAX, -ENOENT for an event of no kind above ("event:
 * unknown event: source '...', detail-type '...'"). Free with
 * respond_event_free() whatever it returned.
 */
__must_check int respond_event_parse(const char *json, size_t len, struct respond_event *ev,
				     char *err, size_t errlen);
void respond_event_free(struct respond_event *ev);

/*
 * The detail of a "cordon Incident" event, as the agent puts it on
 * EventBridge and this parser reads it back (caller frees):
 *   {"incident": ID, "instanceId": "i-...", "openedAt": TIME, "finding": {...}}
 * NULL with err filled when an argument would not parse back.
 */
char *respond_incident_detail(const char *incident, const char *instance_id,
			      uint64_t opened_ms, const char *finding_json,
			      char *err, size_t errlen);

const char *respond_kind_name(enum respond_kind k);

#endif

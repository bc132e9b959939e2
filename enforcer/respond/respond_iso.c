/* SPDX-License-Identifier: MIT */
/*
 * Isolation from outside the instance: the shared plan (isolate_plan.c)
 * run step by step, for GuardDuty's findings and for the agent's own
 * incidents (what it could not finish before its primary interface moved).
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "respond_impl.h"

/*
 * The tutorial's rules, always: the EC2 finding of the customer's own
 * threat list (isolate), and its IAM and S3 findings (a message).
 */
static const char *const tutorial_types[] = {
	"UnauthorizedAccess:EC2/MaliciousIPCaller.Custom",
	"UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom",
	"Discovery:S3/MaliciousIPCaller.Custom",
};

int respond_read(struct respond *r, const char *instance_id, struct cloud_instance *in,
		 struct cloud_tagset tags[CLOUD_TAGS_MAX_RESOURCES], char *err, size_t errlen)
{
	const char *ids[CLOUD_TAGS_MAX_RESOURCES];
	int ret = cloud_describe_instance(r->c, instance_id, in, err, errlen);

	if (ret)
		return ret;
	ids[0] = in->id;
	for (size_t i = 0; i < in->n_eni; i++)
		ids[i + 1] = in->eni[i].id;
	return cloud_describe_tags(r->c, ids, in->n_eni + 1, tags, err, errlen);
}

void respond_isolate_cfg(const struct respond *r, struct isolate_cfg *icfg)
{
	const struct cordon_config *c = r->cfg;

	memset(icfg, 0, sizeof(*icfg));
	icfg->forensic_sg = c->cloud.forensic_security_group;
	icfg->conversion_sg = c->cloud.conversion_security_group;
	icfg->tag_instance = c->cloud.tag_instance;
	icfg->termination_protection = c->cloud.termination_protection;
	icfg->snapshot_volumes = c->cloud.snapshot_volumes;
}

static void report_step(cJSON *steps, const struct isolate_step *s)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !cJSON_AddItemToArray(steps, o)) {
		cJSON_Delete(o);
		return;
	}
	respond_rep_str(o, "action", isolate_act_name(s->act));
	if (*s->target)
		respond_rep_str(o, "target", s->target);
	if (s->act == ISO_CONVERT || s->act == ISO_FORENSIC)
		respond_rep_str(o, "group", s->groups[0]);
	respond_rep_str(o, "state", isolate_state_name(s->state));
	if (*s->out_id)
		respond_rep_str(o, "id", s->out_id);
	if (*s->error)
		respond_rep_str(o, "error", s->error);
}

/* The message step: its text from the plan as it stands now. */
static int message_step(struct respond_iso *out, struct isolate_step *s, struct isolate_ctx *x,
			const char *finding_json, const struct isolate_msg *msg, char *err,
			size_t errlen)
{
	char subject[NOTIFY_SUBJECT_MAX + 1];
	struct buf text;
	int ret;

	buf_init(&text, NOTIFY_MESSAGE_MAX);
	ret = isolate_message(&out->plan, finding_json, msg, subject, &text, err, errlen);
	if (!ret) {
		x->subject = subject;
		x->text = buf_str(&text);
		ret = isolate_step_run(x, &out->plan, s, err, errlen);
	} else {
		s->state = ISO_FAILED;
		util_strlcpy(s->error, err, sizeof(s->error));
	}
	x->subject = x->text = NULL;
	buf_free(&text);
	return ret;
}

int respond_isolate(struct respond *r, const struct cloud_instance *in,
		    const struct cloud_tagset tags[], const struct isolate_cfg *icfg,
		    const char *incident, const char *finding_id, const char *finding_json,
		    const struct isolate_msg *msg, struct respond_iso *out, char *err, size_t errlen)
{
	struct isolate_plan *p = &out->plan;
	struct isolate_ctx x = {
		.c = r->c,
		.sns_topic = r->cfg->cloud.sns_topic_arn,
		.events_bus = r->cfg->events.eventbridge_bus,
		.finding_json = finding_json,
	};
	cJSON *steps, *notes;
	int ret;

	ret = isolate_plan_build(in, tags, icfg, incident, finding_id, p, err, errlen);
	if (ret)
		return ret;
	respond_rep_str(r->rep, "incident", p->incident);
	steps = cJSON_AddArrayToObject(r->rep, "steps");
	for (size_t i = 0; i < p->n; i++) {
		struct isolate_step *s = &p->s[i];
		char why[ERRLEN];

		/* A step that cannot end before the deadline is not begun. */
		if (respond_time_left(r) < 1000) {
			s->state = ISO_NOT_TRIED;
			util_strlcpy(s->error, "no time left before the deadline", sizeof(s->error));
		} else if (s->act == ISO_SNS) {
			if (message_step(out, s, &x, finding_json, msg, why, sizeof(why)))
				s->state = ISO_FAILED;
		} else {
			/* Its state says how it went; the next step goes on regardless. */
			if (isolate_step_run(&x, p, s, why, sizeof(why)))
				s->state = ISO_FAILED;
		}
		if (s->state == ISO_DONE) {
			out->done++;
			log_info("respond: %s: %s %s%s%s done", p->instance, isolate_act_name(s->act),
				 s->target, *s->out_id ? " " : "", s->out_id);
		} else {
			s->state == ISO_NOT_TRIED ? out->not_tried++ : out->failed++;
			log_warnx("respond: %s: %s %s %s: %s", p->instance, isolate_act_name(s->act),
				  s->target, isolate_state_name(s->state), s->error);
		}
		report_step(steps, s);
	}
	notes = p->n_notes ? cJSON_AddArrayToObject(r->rep, "notes") : NULL;
	for (size_t i = 0; notes && i < p->n_notes; i++) {
		cJSON_AddItemToArray(notes, cJSON_CreateString(p->notes[i]));
		log_warnx("respond: %s", p->notes[i]);
	}
	if (out->failed || out->not_tried)
		return util_errc(-EIO, err, errlen, "%s: %zu step(s) failed, %zu not tried; the next event "
				"(or a retry) finishes them", p->instance, out->failed,
				out->not_tried);
	return 0;
}

/* Does the finding's type match the configured patterns (or the tutorial's)? */
static bool type_matches(const struct respond *r, const char *type)
{
	const struct config_strv *t = &r->cfg->incident.guardduty_types;

	for (size_t i = 0; i < ARRAY_SIZE(tutorial_types); i++)
		if (!strcmp(type, tutorial_types[i]))
			return true;
	for (size_t i = 0; i < t->n; i++)
		if (!fnmatch(t->v[i], type, 0))
			return true;
	return false;
}

/* The readable message alone (the tutorial's second rule). */
static enum respond_rc message_only(struct respond *r, const char *why, char *err,
				    size_t errlen)
{
	char subject[NOTIFY_SUBJECT_MAX + 1];
	struct buf text;
	enum respond_rc rc = RESPOND_OK;

	if (!r->cfg->cloud.sns_topic_arn) {
		respond_result(r, "ignored", "%s; and no SNS topic is configured "
			       "(CORDON_CLOUD_SNS_TOPIC_ARN)", why);
		return RESPOND_OK;
	}
	buf_init(&text, NOTIFY_MESSAGE_MAX);
	if (notify_gd_text(r->ev->finding_json, why, subject, &text, err, errlen) ||
	    !respond_publish(r, subject, buf_str(&text), r->rep)) {
		if (!*err)
			util_err(err, errlen, "the message could not be sent");
		respond_result(r, "failed", "%s", err);
		rc = RESPOND_FAILED;
	} else {
		respond_result(r, "notified", "%s", why);
	}
	buf_free(&text);
	return rc;
}

/* Is id in the comma-separated list? */
static bool listed_in(const char *list, const char *id)
{
	size_t n = strlen(id);

	for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, id, n) && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

/*
 * One follow-up per finding: GuardDuty publishes a finding again as its
 * count grows (every 6 hours by default), and each would be a message.
 * The ids told of are kept on the instance, newest first, within a tag.
 */
static void followup(struct respond *r, const struct cloud_tagset *itags,
		     const struct cloud_isolation *before, size_t finished)
{
	const struct respond_event *ev = r->ev;
	const char *told = cloud_tags_get(itags, CLOUD_TAG_FOLLOWED);
	char subject[NOTIFY_SUBJECT_MAX + 1], e2[ERRLEN], list[CLOUD_TAG_VALUE_MAX + 1];
	struct buf text;

	if (!strcmp(before->finding, ev->finding_id) || listed_in(told, ev->finding_id) ||
	    !r->cfg->cloud.sns_topic_arn)
		return;
	buf_init(&text, NOTIFY_MESSAGE_MAX);
	if (!notify_isolated_followup_text(ev->finding_json, before->incident, finished, subject,
					   &text, e2, sizeof(e2)) &&
	    respond_publish(r, subject, buf_str(&text), r->rep)) {
		struct cloud_tag t = { CLOUD_TAG_FOLLOWED, list };

		snprintf(list, sizeof(list), "%s%s%s", ev->finding_id, told ? "," : "",
			 told ? told : "");
		/* Near 256 characters (or cut at it) the oldest ids go, whole. */
		while (strlen(list) > CLOUD_TAG_VALUE_MAX - 16 && strrchr(list, ','))
			*strrchr(list, ',') = '\0';
		if (cloud_create_tags(r->c, ev->instance, &t, 1, e2, sizeof(e2)))
			log_warnx("respond: %s", e2);
	}
	buf_free(&text);
}

/* The finding is older than the last release of the instance. */
static bool released_after(const struct cloud_isolation *iso, uint64_t when_ms)
{
	uint64_t rel;

	return iso->status == CLOUD_STATUS_RELEASED &&
	       !cloud_time_parse(iso->released_at, &rel) && (!when_ms || rel >= when_ms);
}

/* An instance finding at or above the minimum: isolate, or join the incident. */
static enum respond_rc isolate_finding(struct respond *r, char *err, size_t errlen)
{
	const struct respond_event *ev = r->ev;
	struct cloud_tagset *tags = calloc(CLOUD_TAGS_MAX_RESOURCES, sizeof(*tags));
	struct respond_iso *iso = calloc(1, sizeof(*iso));
	struct cloud_instance *in = calloc(1, sizeof(*in));
	struct isolate_msg msg = {
		.off_host = true, .lockdown_ms = -1,
		.gd_finding_id = ev->finding_id, .gd_region = ev->region,
	};
	struct cloud_isolation before;
	struct isolate_cfg icfg;
	char incident[CLOUD_ID_LEN], why[ERRLEN];
	enum respond_rc rc = RESPOND_OK;
	int ret;

	if (!tags || !iso || !in) {
		util_err(err, errlen, "out of memory");
		rc = RESPOND_FAILED;
		goto out;
	}
	ret = respond_read(r, ev->instance, in, tags, err, errlen);
	if (ret == -ENOENT) {
		rc = message_only(r, "The instance no longer exists: there is nothing to isolate.",
				  err, errlen);
		goto out;
	}
	if (ret) {
		respond_result(r, "failed", "%s", err);
		rc = RESPOND_FAILED;
		goto out;
	}
	if (cloud_tags_isolation(&tags[0], &before, why, sizeof(why)))
		memset(&before, 0, sizeof(before));
	if (released_after(&before, ev->last_seen_ms)) {
		respond_result(r, "nothing", "%s was released %s, after this finding's last "
			       "activity: not isolated again", ev->instance, before.released_at);
		goto out;
	}
	respond_isolate_cfg(r, &icfg);
	if (before.status == CLOUD_STATUS_ISOLATED && *before.incident) {
		/* One instance, one incident: finish what is left, tell once. */
		icfg.finish = true;
		ret = respond_isolate(r, in, tags, &icfg, before.incident, ev->finding_id,
				      ev->finding_json, &msg, iso, err, errlen);
		followup(r, &tags[0], &before, iso->done);
		respond_result(r, ret ? "failed" : "already-isolated", "%s is isolated already "
			       "(incident %s); %zu step(s) left undone were done now",
			       ev->instance, before.incident, iso->done);
		rc = ret ? RESPOND_FAILED : RESPOND_OK;
		goto out;
	}
	respond_incident_id(incident);
	icfg.sns = r->cfg->cloud.sns_topic_arn != NULL;
	icfg.events = r->cfg->events.eventbridge;
	icfg.securityhub = r->cfg->events.securityhub;
	ret = respond_isolate(r, in, tags, &icfg, incident, ev->finding_id, ev->finding_json,
			      &msg, iso, err, errlen);
	respond_result(r, ret ? "failed" : "isolated", "%s: %zu step(s) done, %zu failed, %zu not "
		       "tried", ev->instance, iso->done, iso->failed, iso->not_tried);
	rc = ret ? RESPOND_FAILED : RESPOND_OK;
out:
	free(tags);
	free(iso);
	free(in);
	return rc;
}

enum respond_rc respond_gd_finding(struct respond *r, char *err, size_t errlen)
{
	const struct respond_event *ev = r->ev;
	const struct cordon_config *c = r->cfg;
	cJSON *f = cJSON_AddObjectToObject(r->rep, "finding");
	char why[300];

	respond_rep_str(f, "id", ev->finding_id);
	respond_rep_str(f, "type", ev->type);
	cJSON_AddNumberToObject(f, "severity", ev->severity);
	respond_rep_str(f, "resource", ev->resource_type);
	if (*ev->instance)
		respond_rep_str(r->rep, "instance", ev->instance);
	if (ev->archived) {
		respond_result(r, "ignored", "the finding is archived");
		return RESPOND_OK;
	}
	if (!type_matches(r, ev->type)) {
		respond_result(r, "ignored", "type %s matches none of [incident] guardduty_types",
			       ev->type);
		return RESPOND_OK;
	}
	if (ev->resource != RESPOND_RES_INSTANCE)
		return message_only(r, "cordon changed nothing: this finding is not about an EC2 "
				    "instance, and cordon isolates instances.", err, errlen);
	if (ev->severity < c->incident.guardduty_min_severity) {
		snprintf(why, sizeof(why), "cordon did not isolate the instance: severity %g is "
			 "below [incident] guardduty_min_severity (%g).", ev->severity,
			 c->incident.guardduty_min_severity);
		return message_only(r, why, err, errlen);
	}
	if (!c->cloud.forensic_security_group)
		return message_only(r, "cordon did not isolate the instance: no forensic security "
				    "group is configured (CORDON_CLOUD_FORENSIC_SECURITY_GROUP).",
				    err, errlen);
	return isolate_finding(r, err, errlen);
}

/*
 * The agent's own incident: it sent this before it began to isolate,
 * and loses the API when its primary interface moves. Give it the grace
 * to finish, then do what the resources show undone.
 */
enum respond_rc respond_agent_incident(struct respond *r, char *err, size_t errlen)
{
	const struct respond_event *ev = r->ev;
	struct cloud_tagset *tags = calloc(CLOUD_TAGS_MAX_RESOURCES, sizeof(*tags));
	struct respond_iso *iso = calloc(1, sizeof(*iso));
	struct cloud_instance *in = calloc(1, sizeof(*in));
	static const struct isolate_msg msg = { .off_host = true, .lockdown_ms = -1 };
	uint64_t grace = r->cfg->respond.incident_grace_ms;
	struct cloud_isolation before;
	struct isolate_cfg icfg;
	enum respond_rc rc = RESPOND_OK;
	char why[ERRLEN];
	int ret;

	respond_rep_str(r->rep, "instance", ev->instance);
	respond_rep_str(r->rep, "incident", ev->incident);
	if (!tags || !iso || !in) {
		util_err(err, errlen, "out of memory");
		rc = RESPOND_FAILED;
		goto out;
	}
	if (!r->cfg->cloud.forensic_security_group) {
		respond_result(r, "ignored", "no forensic security group is configured "
			       "(CORDON_CLOUD_FORENSIC_SECURITY_GROUP): nothing to finish");
		goto out;
	}
	/* Not past the deadline: what is left matters more than the wait. */
	if (grace && (long)grace + 5000 > respond_time_left(r))
		grace = respond_time_left(r) > 5000 ? (uint64_t)respond_time_left(r) - 5000 : 0;
	if (grace) {
		struct timespec ts = { (time_t)(grace / 1000), (long)(grace % 1000) * 1000000L };

		log_info("respond: incident %s on %s: %llu ms for the agent to finish first",
			 ev->incident, ev->instance, (unsigned long long)grace);
		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
	}
	ret = respond_read(r, ev->instance, in, tags, err, errlen);
	if (ret == -ENOENT) {
		respond_result(r, "nothing", "%s no longer exists", ev->instance);
		goto out;
	}
	if (ret) {
		respond_result(r, "failed", "%s", err);
		rc = RESPOND_FAILED;
		goto out;
	}
	if (cloud_tags_isolation(&tags[0], &before, why, sizeof(why)))
		memset(&before, 0, sizeof(before));
	if (before.status == CLOUD_STATUS_RELEASED &&
	    (!strcmp(before.released_incident, ev->incident) ||
	     released_after(&before, ev->opened_ms))) {
		respond_result(r, "nothing", "%s was released %s: the incident is over",
			       ev->instance, before.released_at);
		goto out;
	}
	respond_isolate_cfg(r, &icfg);
	icfg.finish = true;
	ret = respond_isolate(r, in, tags, &icfg, ev->incident, ev->finding_id, ev->finding_json,
			      &msg, iso, err, errlen);
	if (ret)
		rc = RESPOND_FAILED;
	if (!iso->plan.n)
		respond_result(r, "nothing", "the agent finished its isolation of %s itself",
			       ev->instance);
	else
		respond_result(r, ret ? "failed" : "finished", "%zu step(s) the agent left undone "
			       "done now, %zu failed, %zu not tried", iso->done, iso->failed,
			       iso->not_tried);
out:
	free(tags);
	free(iso);
	free(in);
	return rc;
}

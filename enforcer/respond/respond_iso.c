/* SPDX-License-Identifier: MIT */
/*
 * Isolation from outside the instance: the one plan (plan.h), run
 * all at once, for GuardDuty's findings and for the agent's own
 * incidents (what it could not finish before its primary interface moved).
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gd.h"
#include "log.h"
#include "respond_impl.h"

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

void respond_plan_cfg(const struct respond *r, const struct cloud_instance *in,
		      const char *incident, const char *finding_id, struct plan_cfg *pcfg)
{
	const struct cordon_config *c = r->cfg;

	memset(pcfg, 0, sizeof(*pcfg));
	pcfg->instance_id = in->id;
	pcfg->incident = incident;
	pcfg->finding_id = finding_id;
	pcfg->forensic_sg = c->cloud.forensic_security_group;
	pcfg->conversion_sg = c->cloud.conversion_security_group;
	pcfg->tag_instance = c->cloud.tag_instance;
	pcfg->termination_protection = c->cloud.termination_protection;
	pcfg->snapshot_volumes = c->cloud.snapshot_volumes;
}

static void report_step(cJSON *steps, const struct plan_step *s)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !cJSON_AddItemToArray(steps, o)) {
		cJSON_Delete(o);
		return;
	}
	respond_rep_str(o, "action", s->action);
	/* A message's target is the configuration's, not the instance's. */
	if (*s->target && !plan_act_tells(s->act))
		respond_rep_str(o, "target", s->target);
	if (s->act == PLAN_SET_GROUPS)
		respond_rep_str(o, "group", s->group);
	respond_rep_str(o, "state", plan_state_name(s->state));
	if (*s->out_id)
		respond_rep_str(o, "id", s->out_id);
	if (*s->error)
		respond_rep_str(o, "error", s->error);
}

/* One step: its call made, its texts where it is a message. */
static int run_step(struct respond *r, struct plan *p, struct plan_step *s,
		    const char *finding_json, const struct plan_msg *msg, char *err, size_t errlen)
{
	char subject[NOTIFY_SUBJECT_MAX + 1];
	struct plan_call x;
	struct buf text;
	int ret;

	buf_init(&text, NOTIFY_MESSAGE_MAX);
	if (!plan_call_of(p, s, &x)) {
		ret = util_err(err, errlen, "%s %s: nothing to record", s->action, s->target);
		goto out;
	}
	if (s->act == PLAN_SNS) {
		/* Its text from the plan as it stands now. */
		ret = plan_message(p, finding_json, msg, subject, &text, err, errlen);
		if (ret)
			goto out;
		x.subject = subject;
		x.text = buf_str(&text);
	} else if (s->act == PLAN_EVENTS || s->act == PLAN_SECHUB) {
		/* GuardDuty's finding as it came (the finding event; Security Hub's). */
		x.text = finding_json;
	}
	ret = plan_call_run(r->c, &x, NULL, s->out_id, err, errlen);
out:
	buf_free(&text);
	return ret;
}

int respond_isolate(struct respond *r, const struct cloud_instance *in,
		    const struct cloud_tagset tags[], const struct plan_cfg *pcfg,
		    const char *finding_json, const struct plan_msg *msg,
		    struct respond_iso *out, char *err, size_t errlen)
{
	struct plan *p = &out->plan;
	cJSON *steps, *notes;
	int ret;

	ret = plan_build(pcfg, in, tags, p, err, errlen);
	if (ret)
		return ret;
	respond_rep_str(r->rep, "incident", p->incident);
	steps = cJSON_AddArrayToObject(r->rep, "steps");
	for (size_t i = 0; i < p->n; i++) {
		struct plan_step *s = &p->s[i];

		/* A step that cannot end before the deadline is not begun. */
		if (respond_time_left(r) < 1000) {
			s->state = PLAN_NOT_TRIED;
			util_strlcpy(s->error, "no time left before the deadline", sizeof(s->error));
		} else if (run_step(r, p, s, finding_json, msg, s->error, sizeof(s->error))) {
			/* Its state says how it went; the next step goes on regardless. */
			s->state = PLAN_FAILED;
		} else {
			s->state = PLAN_DONE;
		}
		if (s->state == PLAN_DONE) {
			out->done++;
			log_info("respond: %s: %s %s%s%s done", in->id, s->action, s->target,
				 *s->out_id ? " " : "", s->out_id);
		} else {
			s->state == PLAN_NOT_TRIED ? out->not_tried++ : out->failed++;
			log_warnx("respond: %s: %s %s %s: %s", in->id, s->action, s->target,
				  plan_state_name(s->state), s->error);
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
				"(or a retry) finishes them", in->id, out->failed,
				out->not_tried);
	return 0;
}

/* The configured patterns ([incident] guardduty_types), as gd_policy_match takes them. */
static size_t type_globs(const struct respond *r, const char *globs[CONFIG_MAX_GD_TYPES])
{
	const struct config_strv *t = &r->cfg->incident.guardduty_types;
	size_t n = 0;

	for (size_t i = 0; i < t->n && n < CONFIG_MAX_GD_TYPES; i++)
		globs[n++] = t->v[i];
	return n;
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

/*
 * The event's instance, its tags, and the isolation they record (zeroed
 * when they record none): 0, -ENOENT when the instance is gone, or
 * another -errno after the result "failed".
 */
static int read_before(struct respond *r, struct cloud_instance *in,
		       struct cloud_tagset tags[CLOUD_TAGS_MAX_RESOURCES],
		       struct cloud_isolation *before, char *err, size_t errlen)
{
	char why[ERRLEN];
	int ret = respond_read(r, r->ev->instance, in, tags, err, errlen);

	if (ret == -ENOENT)
		return ret;
	if (ret) {
		respond_result(r, "failed", "%s", err);
		return ret;
	}
	if (cloud_tags_isolation(&tags[0], before, why, sizeof(why)))
		memset(before, 0, sizeof(*before));
	return 0;
}

/* An instance finding at or above the minimum: isolate, or join the incident. */
static enum respond_rc isolate_finding(struct respond *r, char *err, size_t errlen)
{
	const struct respond_event *ev = r->ev;
	struct cloud_tagset *tags = calloc(CLOUD_TAGS_MAX_RESOURCES, sizeof(*tags));
	struct respond_iso *iso = calloc(1, sizeof(*iso));
	struct cloud_instance *in = calloc(1, sizeof(*in));
	struct plan_msg msg = {
		.off_host = true, .lockdown_ms = -1,
		.gd_finding_id = ev->finding_id, .gd_region = ev->region,
	};
	struct cloud_isolation before;
	struct plan_cfg pcfg;
	char incident[CLOUD_ID_LEN];
	enum respond_rc rc = RESPOND_OK;
	int ret;

	if (!tags || !iso || !in) {
		util_err(err, errlen, "out of memory");
		rc = RESPOND_FAILED;
		goto out;
	}
	ret = read_before(r, in, tags, &before, err, errlen);
	if (ret == -ENOENT) {
		rc = message_only(r, "The instance no longer exists: there is nothing to isolate.",
				  err, errlen);
		goto out;
	}
	if (ret) {
		rc = RESPOND_FAILED;
		goto out;
	}
	if (released_after(&before, ev->last_seen_ms)) {
		respond_result(r, "nothing", "%s was released %s, after this finding's last "
			       "activity: not isolated again", ev->instance, before.released_at);
		goto out;
	}
	if (before.status == CLOUD_STATUS_ISOLATED && *before.incident) {
		/* One instance, one incident: finish what is left, tell once. */
		respond_plan_cfg(r, in, before.incident, ev->finding_id, &pcfg);
		pcfg.finish = true;
		ret = respond_isolate(r, in, tags, &pcfg, ev->finding_json, &msg, iso, err, errlen);
		followup(r, &tags[0], &before, iso->done);
		respond_result(r, ret ? "failed" : "already-isolated", "%s is isolated already "
			       "(incident %s); %zu step(s) left undone were done now",
			       ev->instance, before.incident, iso->done);
		rc = ret ? RESPOND_FAILED : RESPOND_OK;
		goto out;
	}
	respond_incident_id(incident);
	respond_plan_cfg(r, in, incident, ev->finding_id, &pcfg);
	pcfg.sns_topic = r->cfg->cloud.sns_topic_arn;
	if (r->cfg->events.eventbridge)
		pcfg.events_bus = r->cfg->events.eventbridge_bus ? r->cfg->events.eventbridge_bus :
				  "default";
	pcfg.securityhub = r->cfg->events.securityhub;
	ret = respond_isolate(r, in, tags, &pcfg, ev->finding_json, &msg, iso, err, errlen);
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
	const char *globs[CONFIG_MAX_GD_TYPES];
	size_t n_globs = type_globs(r, globs);
	struct gd_finding *g;
	char why[300];
	bool incident;

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
	if (!gd_type_match(ev->type, globs, n_globs)) {
		respond_result(r, "ignored", "type %s matches none of [incident] guardduty_types",
			       ev->type);
		return RESPOND_OK;
	}
	if (ev->resource != RESPOND_RES_INSTANCE)
		return message_only(r, "cordon changed nothing: this finding is not about an EC2 "
				    "instance, and cordon isolates instances.", err, errlen);
	/* The agent's rule, the same function: a matching type AND the severity. */
	g = calloc(1, sizeof(*g));
	if (!g) {
		util_err(err, errlen, "out of memory");
		respond_result(r, "failed", "%s", err);
		return RESPOND_FAILED;
	}
	util_strlcpy(g->type, ev->type, sizeof(g->type));
	g->severity = ev->severity;
	g->archived = ev->archived;
	incident = gd_policy_match(g, globs, n_globs, c->incident.guardduty_min_severity);
	free(g);
	if (!incident) {
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
	static const struct plan_msg msg = { .off_host = true, .lockdown_ms = -1 };
	uint64_t grace = r->cfg->respond.incident_grace_ms;
	struct cloud_isolation before;
	struct plan_cfg pcfg;
	enum respond_rc rc = RESPOND_OK;
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
	ret = read_before(r, in, tags, &before, err, errlen);
	if (ret == -ENOENT) {
		respond_result(r, "nothing", "%s no longer exists", ev->instance);
		goto out;
	}
	if (ret) {
		rc = RESPOND_FAILED;
		goto out;
	}
	if (before.status == CLOUD_STATUS_RELEASED &&
	    (!strcmp(before.released_incident, ev->incident) ||
	     released_after(&before, ev->opened_ms))) {
		respond_result(r, "nothing", "%s was released %s: the incident is over",
			       ev->instance, before.released_at);
		goto out;
	}
	respond_plan_cfg(r, in, ev->incident, ev->finding_id, &pcfg);
	pcfg.finish = true;
	ret = respond_isolate(r, in, tags, &pcfg, ev->finding_json, &msg, iso, err, errlen);
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

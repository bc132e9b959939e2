/* SPDX-License-Identifier: MIT */
/*
 * `cordon respond`: one event, judged whole first (respond_event.c);
 * then the handler of its kind, and a report of what was done.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "log.h"
#include "release.h"
#include "respond_impl.h"

long respond_time_left(const struct respond *r)
{
	uint64_t now = util_now_real_ns() / 1000000ull;

	if (!r->deadline_ms)
		return LONG_MAX;
	return r->deadline_ms > now ? (long)(r->deadline_ms - now) : 0;
}

void respond_rep_str(cJSON *o, const char *k, const char *v)
{
	if (o && v)
		cJSON_AddStringToObject(o, k, v);
}

void respond_result(struct respond *r, const char *result, const char *reason_fmt, ...)
{
	char why[512];
	va_list ap;

	cJSON_DeleteItemFromObject(r->rep, "result");
	cJSON_DeleteItemFromObject(r->rep, "reason");
	respond_rep_str(r->rep, "result", result);
	if (!reason_fmt)
		return;
	va_start(ap, reason_fmt);
	vsnprintf(why, sizeof(why), reason_fmt, ap);
	va_end(ap);
	respond_rep_str(r->rep, "reason", why);
	log_info("respond: %s: %s", result, why);
}

void respond_incident_id(char out[CLOUD_ID_LEN])
{
	char ts[UTIL_TIMESTAMP_LEN];
	uint64_t now = util_now_real_ns();
	uint32_t rnd = 0;

	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
		rnd = (uint32_t)now;
	util_iso8601_ms(now, ts);
	snprintf(out, CLOUD_ID_LEN, "inc-%.4s%.2s%.2sT%.2s%.2s%.2sZ-%06x", ts, ts + 5, ts + 8,
		 ts + 11, ts + 14, ts + 17, rnd & 0xffffff);
}

bool respond_publish(struct respond *r, const char *subject, const char *text, cJSON *where)
{
	const char *topic = r->cfg->cloud.sns_topic_arn;
	char id[NOTIFY_MSG_ID_LEN], err[ERRLEN];
	cJSON *m;

	if (!topic)
		return false;
	m = cJSON_AddObjectToObject(where, "message");
	respond_rep_str(m, "subject", subject);
	if (notify_sns_publish(r->c, topic, subject, text, id, err, sizeof(err))) {
		log_warnx("respond: the message was NOT sent: %s", err);
		respond_rep_str(m, "error", err);
		return false;
	}
	log_info("respond: message %s sent to %s: %s", id, topic, subject);
	respond_rep_str(m, "id", id);
	return true;
}

/* `cordon release --instance-id`'s own code, from the tags alone. */
enum respond_rc respond_release(struct respond *r, char *err, size_t errlen)
{
	struct release_report rep;
	int ret;

	memset(&rep, 0, sizeof(rep));
	respond_rep_str(r->rep, "instance", r->ev->instance);
	ret = release_cloud_run(&(struct release_cloud){
					.c = r->c,
					.instance_id = r->ev->instance,
					.sns_topic = r->cfg->cloud.sns_topic_arn,
				}, &rep, err, errlen);
	respond_rep_str(r->rep, "incident", rep.incident);
	cJSON_AddNumberToObject(r->rep, "interfaces_restored", (double)rep.enis_restored);
	cJSON_AddNumberToObject(r->rep, "interfaces_failed", (double)rep.enis_failed);
	cJSON_AddNumberToObject(r->rep, "interfaces_left", (double)rep.enis_left);
	cJSON_AddBoolToObject(r->rep, "tags_done", rep.tags_done);
	cJSON_AddBoolToObject(r->rep, "notified", rep.notified);
	if (ret) {
		respond_result(r, "failed", "%s", err);
		return RESPOND_FAILED;
	}
	if (rep.nothing)
		respond_result(r, "nothing", "%s is not isolated by cordon (or released already)",
			       r->ev->instance);
	else
		respond_result(r, "released", "%s: %zu interface(s) back in their groups",
			       r->ev->instance, rep.enis_restored);
	return RESPOND_OK;
}

static enum respond_rc dispatch(struct respond *r, char *err, size_t errlen)
{
	switch (r->ev->kind) {
	case RESPOND_GD_FINDING:
		return respond_gd_finding(r, err, errlen);
	case RESPOND_INCIDENT:
		return respond_agent_incident(r, err, errlen);
	case RESPOND_RELEASE:
		return respond_release(r, err, errlen);
	case RESPOND_SCHEDULE:
		return respond_dead_agents(r, err, errlen);
	case RESPOND_OBJECT:
		return respond_list_changed(r, err, errlen);
	}
	util_err(err, errlen, "unknown event kind");
	return RESPOND_BAD_EVENT;
}

static struct aws_client *client(const struct cordon_config *cfg, const char *region)
{
	struct aws_client_opts co = {
		.region = region && *region ? region : NULL,
		.max_attempts = cfg->aws.max_attempts,
		.connect_timeout_ms = (long)cfg->aws.connect_timeout_ms,
		.timeout_ms = (long)cfg->aws.total_timeout_ms,
	};
	struct aws_client *c = NULL;

	return aws_client_new(&co, &c) ? NULL : c;
}

enum respond_rc respond_handle(const struct respond_opts *o, const char *event, size_t len,
			       char **report, char *err, size_t errlen)
{
	struct respond_event ev;
	struct respond r = {
		.cfg = o->cfg,
		.deadline_ms = o->deadline_ms > RESPOND_DEADLINE_MARGIN_MS ?
			       o->deadline_ms - RESPOND_DEADLINE_MARGIN_MS : o->deadline_ms,
		.ev = &ev,
	};
	enum respond_rc rc;

	*report = NULL;
	err[0] = '\0';
	r.rep = cJSON_CreateObject();
	if (!r.rep) {
		util_err(err, errlen, "out of memory");
		return RESPOND_FAILED;
	}
	if (respond_event_parse(event, len, &ev, err, errlen)) {
		/* Judged before anything is done: nothing was changed. */
		respond_rep_str(r.rep, "event", "invalid");
		respond_rep_str(r.rep, "result", "refused");
		respond_rep_str(r.rep, "error", err);
		rc = RESPOND_BAD_EVENT;
		goto out;
	}
	respond_rep_str(r.rep, "event", respond_kind_name(ev.kind));
	if (*ev.id)
		respond_rep_str(r.rep, "id", ev.id);
	/* EventBridge rules are regional: act in the event's region. */
	r.c = client(o->cfg, *ev.region ? ev.region : NULL);
	if (!r.c) {
		util_err(err, errlen, "out of memory");
		rc = RESPOND_FAILED;
		goto out;
	}
	aws_client_set_deadline(r.c, r.deadline_ms);
	rc = dispatch(&r, err, errlen);
	if (rc != RESPOND_OK)
		respond_rep_str(r.rep, "error", err);
out:
	*report = cJSON_PrintUnformatted(r.rep);
	cJSON_Delete(r.rep);
	aws_client_free(r.c);
	respond_event_free(&ev);
	return rc;
}

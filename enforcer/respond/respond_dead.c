/* SPDX-License-Identifier: MIT */
/*
 * Dead agents, on a schedule: running instances tagged
 * cordon:status=installed against their heartbeats (GetMetricData, 500
 * instances a call). An agent silent for [respond] dead_agent_after is
 * told of once (the instance gets cordon:silent=TIME, which also keeps
 * the next run from telling again) and, with dead_agent_action =
 * isolate, isolated through the same plan as any other isolation. A
 * silent agent heard again loses cordon:silent and is named once.
 *
 * An agent never heard in the day before the window is told of apart and
 * never isolated: it may publish no heartbeat at all (an older agent,
 * [agent] heartbeat_interval = 0), and a whole fleet must not be cut
 * off for lack of a metric.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud_heartbeat.h"
#include "log.h"
#include "respond_impl.h"

#define DEAD_MAX_INSTANCES 100000
#define DEAD_MAX_TOLD 200           /* silent agents handled in one run */
#define DEAD_LOOKBACK_MS (24ull * 3600 * 1000) /* before the window: ever heard? */

static bool listed(const struct cloud_brief *l, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(l[i].id, id))
			return true;
	return false;
}

/* Isolate one silent agent's instance; fills s. */
static void isolate_one(struct respond *r, struct notify_silent *s, cJSON *steps_to)
{
	struct cloud_tagset *tags = calloc(CLOUD_TAGS_MAX_RESOURCES, sizeof(*tags));
	struct respond_iso *iso = calloc(1, sizeof(*iso));
	struct cloud_instance *in = calloc(1, sizeof(*in));
	static const struct plan_msg msg = { .off_host = true, .lockdown_ms = -1 };
	struct plan_cfg pcfg;
	char incident[CLOUD_ID_LEN], err[ERRLEN];
	cJSON *saved = r->rep;

	if (!tags || !iso || !in) {
		util_strlcpy(s->error, "out of memory", sizeof(s->error));
		goto out;
	}
	/* The steps go into this instance's entry of the report. */
	r->rep = steps_to;
	respond_incident_id(incident);
	if (respond_read(r, s->instance_id, in, tags, err, sizeof(err))) {
		util_strlcpy(s->error, err, sizeof(s->error));
		goto out;
	}
	respond_plan_cfg(r, in, incident, NULL, &pcfg);
	if (respond_isolate(r, in, tags, &pcfg, NULL, &msg, iso, err, sizeof(err))) {
		util_strlcpy(s->error, err, sizeof(s->error));
		goto out;
	}
	s->isolated = true;
	util_strlcpy(s->incident_id, iso->plan.incident, sizeof(s->incident_id));
out:
	r->rep = saved;
	free(tags);
	free(iso);
	free(in);
}

/* Period: whole minutes, at most ~10 of them in the window (few datapoints). */
static unsigned period_for(uint64_t window_ms)
{
	uint64_t p = (window_ms / 10 + 59999) / 60000 * 60;

	return p < 60 ? 60 : p > 86400 ? 86400 : (unsigned)p;
}

struct census {
	struct cloud_brief *all, *marked;   /* installed; carrying cordon:silent */
	size_t n_all, n_marked;
	const char **ids;
	uint64_t *last;
	size_t n_ids;                       /* old enough to have a heartbeat */
	const char **quiet;                 /* silent, not told yet */
	uint64_t *before;                   /* their last heartbeat before the window */
	size_t n_quiet;
};

static int census(struct respond *r, uint64_t now, uint64_t after, struct census *k, char *err,
		  size_t errlen)
{
	static const struct cloud_filter installed[] = {
		{ "instance-state-name", "running" },
		{ "tag:" CLOUD_TAG_STATUS, "installed" },
	};
	static const struct cloud_filter marked[] = {
		{ "instance-state-name", "running" },
		{ "tag-key", CLOUD_TAG_SILENT },
	};
	int ret;

	ret = cloud_list_instances(r->c, installed, 2, DEAD_MAX_INSTANCES, &k->all, &k->n_all, err,
				   errlen);
	if (!ret)
		ret = cloud_list_instances(r->c, marked, 2, DEAD_MAX_INSTANCES, &k->marked,
					   &k->n_marked, err, errlen);
	if (ret)
		return ret;
	k->ids = calloc(k->n_all + 1, sizeof(*k->ids));
	k->last = calloc(k->n_all + 1, sizeof(*k->last));
	if (!k->ids || !k->last)
		return -ENOMEM;
	/* An instance younger than the window has not had the time to be heard. */
	for (size_t i = 0; i < k->n_all; i++)
		if (k->all[i].launch_ms + after <= now)
			k->ids[k->n_ids++] = k->all[i].id;
	if (!k->n_ids)
		return 0;
	/*
	 * EndTime is exclusive (and servers cut it to the second or minute):
	 * a minute ahead, so the heartbeat of this very second counts.
	 */
	ret = cloud_get_heartbeats(r->c, k->ids, k->n_ids, now - after, now + 60000,
				   period_for(after), k->last, err, errlen);
	if (ret)
		return ret;
	/* The silent ones not told of yet: were they ever heard? Hourly is enough. */
	k->quiet = calloc(k->n_ids, sizeof(*k->quiet));
	k->before = calloc(k->n_ids, sizeof(*k->before));
	if (!k->quiet || !k->before)
		return -ENOMEM;
	for (size_t i = 0; i < k->n_ids; i++)
		if (!k->last[i] && !listed(k->marked, k->n_marked, k->ids[i]))
			k->quiet[k->n_quiet++] = k->ids[i];
	if (!k->n_quiet)
		return 0;
	return cloud_get_heartbeats(r->c, k->quiet, k->n_quiet, now - after - DEAD_LOOKBACK_MS,
				    now - after, 3600, k->before, err, errlen);
}

/* The last heartbeat before the window of a silent instance (0: never). */
static uint64_t heard_before(const struct census *k, const char *id)
{
	for (size_t i = 0; i < k->n_quiet; i++)
		if (!strcmp(k->quiet[i], id))
			return k->before[i];
	return 0;
}

static void census_free(struct census *k)
{
	free(k->all);
	free(k->marked);
	free(k->ids);
	free(k->last);
	free(k->quiet);
	free(k->before);
}

enum respond_rc respond_dead_agents(struct respond *r, char *err, size_t errlen)
{
	const struct cordon_config *c = r->cfg;
	uint64_t hb = c->agent.heartbeat_interval_ms, now = util_now_real_ns() / 1000000ull;
	uint64_t after = c->respond.dead_agent_after_ms ? c->respond.dead_agent_after_ms : 3 * hb;
	bool isolate = c->respond.dead_agent_action == CONFIG_DEAD_ISOLATE;
	struct notify_silent *told = NULL;
	const char **back = NULL;
	size_t n_told = 0, n_back = 0;
	cJSON *silent, *heard;
	struct census k = { 0 };
	enum respond_rc rc = RESPOND_OK;
	int ret;

	if (!hb) {
		respond_result(r, "ignored", "[agent] heartbeat_interval is 0: agents publish no "
			       "heartbeat to judge them by");
		return RESPOND_OK;
	}
	cJSON_AddNumberToObject(r->rep, "silent_after_s", (double)(after / 1000));
	respond_rep_str(r->rep, "action", isolate ? "isolate" : "notify");
	ret = census(r, now, after, &k, err, errlen);
	if (ret) {
		respond_result(r, "failed", "%s", err);
		rc = RESPOND_FAILED;
		goto out;
	}
	cJSON_AddNumberToObject(r->rep, "installed", (double)k.n_all);
	cJSON_AddNumberToObject(r->rep, "checked", (double)k.n_ids);
	told = calloc(DEAD_MAX_TOLD, sizeof(*told));
	back = calloc(k.n_marked + 1, sizeof(*back));
	silent = cJSON_AddArrayToObject(r->rep, "silent");
	heard = cJSON_AddArrayToObject(r->rep, "heard_again");
	if (!told || !back) {
		util_err(err, errlen, "out of memory");
		respond_result(r, "failed", "out of memory");
		rc = RESPOND_FAILED;
		goto out;
	}
	for (size_t i = 0; i < k.n_ids; i++) {
		bool was_told = listed(k.marked, k.n_marked, k.ids[i]);
		cJSON *o;

		if (k.last[i] && was_told)
			back[n_back++] = k.ids[i];
		if (k.last[i] || was_told || n_told == DEAD_MAX_TOLD)
			continue;
		util_strlcpy(told[n_told].instance_id, k.ids[i], sizeof(told[0].instance_id));
		o = cJSON_CreateObject();
		respond_rep_str(o, "instance", k.ids[i]);
		cJSON_AddItemToArray(silent, o);
		if (heard_before(&k, k.ids[i])) {
			cloud_time_format(heard_before(&k, k.ids[i]), told[n_told].last_seen);
			respond_rep_str(o, "last_heartbeat", told[n_told].last_seen);
		} else {
			told[n_told].never_heard = true;
			cJSON_AddBoolToObject(o, "never_heard", true);
		}
		log_warnx("respond: the agent on %s is silent (no heartbeat for %llu s%s)",
			  k.ids[i], (unsigned long long)(after / 1000),
			  told[n_told].never_heard ? ", none in the day before either" : "");
		if (isolate && !told[n_told].never_heard)
			isolate_one(r, &told[n_told], o);
		if (told[n_told].isolated)
			respond_rep_str(o, "incident", told[n_told].incident_id);
		else if (*told[n_told].error)
			respond_rep_str(o, "error", told[n_told].error);
		n_told++;
	}
	for (size_t i = 0; i < n_back; i++) {
		static const char *const key[] = { CLOUD_TAG_SILENT };

		cJSON_AddItemToArray(heard, cJSON_CreateString(back[i]));
		if (cloud_delete_tags(r->c, back[i], key, 1, err, errlen))
			log_warnx("respond: %s", err);
	}
	if (n_told || n_back) {
		char subject[NOTIFY_SUBJECT_MAX + 1], e2[ERRLEN];
		const char *region = aws_client_region(r->c, e2, sizeof(e2));
		struct buf text;

		buf_init(&text, NOTIFY_MESSAGE_MAX);
		if (!notify_silent_text(told, n_told, back, n_back, region ? region : "",
					(long)(after / 1000), isolate, subject, &text, e2,
					sizeof(e2)))
			respond_publish(r, subject, buf_str(&text), r->rep);
		buf_free(&text);
	}
	/* Told once: the mark keeps the next runs quiet about it. */
	for (size_t i = 0; i < n_told; i++) {
		char ts[UTIL_TIMESTAMP_LEN];
		struct cloud_tag t = { CLOUD_TAG_SILENT, ts };

		cloud_time_format(now, ts);
		if (cloud_create_tags(r->c, told[i].instance_id, &t, 1, err, errlen)) {
			log_warnx("respond: %s", err);
			rc = RESPOND_FAILED;
		}
		if (isolate && !told[i].isolated && !told[i].never_heard)
			rc = RESPOND_FAILED;
	}
	if (rc != RESPOND_OK && !*err)
		util_err(err, errlen, "%zu silent agent(s): not everything could be done", n_told);
	respond_result(r, rc != RESPOND_OK ? "failed" : n_told ? (isolate ? "isolated" :
		       "notified") : "nothing", "%zu of %zu agent(s) newly silent, %zu heard again",
		       n_told, k.n_ids, n_back);
out:
	census_free(&k);
	free(told);
	free(back);
	return rc;
}

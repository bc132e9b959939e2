/* SPDX-License-Identifier: MIT */
/*
 * Release an instance from what its resources say (DESIGN.md, "Cloud
 * isolation contract"): each interface's cordon:original-groups, the
 * instance's cordon:status. Runs anywhere with AWS credentials; the host
 * adds what its journal knows. Everything is read and judged before the
 * first change, so tags that cannot be trusted stop the release whole
 * instead of restoring half an instance.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cloud_tags.h"
#include "journal.h"
#include "log.h"
#include "notify.h"
#include "release.h"

/* What the release does to one interface (the isolation plan is plan.h). */
struct restore_eni {
	const struct cloud_eni *eni;
	char groups[CLOUD_MAX_GROUPS][CLOUD_ID_LEN];
	size_t n;               /* 0: nothing known, left as it is */
	bool tagged;            /* the groups came from its tags */
};

struct restore {
	struct cloud_instance inst;
	struct cloud_tagset tags[CLOUD_TAGS_MAX_RESOURCES]; /* [0] the instance */
	struct cloud_isolation iso;
	struct restore_eni eni[CLOUD_MAX_ENIS];
	size_t n_tagged;
	char incident[CLOUD_ID_LEN];
	struct notify_release msg;
};

static void journal_note(const struct release_cloud *rc, int state, const char *action,
			 const char *target, const cJSON *params, const char *why)
{
	int ret = 0;

	if (!rc->j || !rc->incident)
		return;
	if (state == JOURNAL_INTENT)
		ret = journal_action_intent(rc->j, rc->incident, action, target, params);
	else if (state == JOURNAL_DONE)
		ret = journal_action_done(rc->j, rc->incident, action, target, NULL);
	else
		ret = journal_action_failed(rc->j, rc->incident, action, target, why, 1);
	if (ret)
		log_warnx("journal: %s", journal_error(rc->j));
}

static const struct release_known *known_of(const struct release_cloud *rc, const char *eni)
{
	for (size_t i = 0; i < rc->n_known; i++)
		if (!strcmp(rc->known[i].eni, eni))
			return &rc->known[i];
	return NULL;
}

/* "sg-1, sg-2" from n ids of CLOUD_ID_LEN bytes each, from first on. */
static void join(const char *first, size_t n, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
					first + i * CLOUD_ID_LEN);
}

/* Describe, read the tags, judge them; no change yet. */
static int read_plan(const struct release_cloud *rc, struct restore *p, char *err, size_t errlen)
{
	const char *ids[CLOUD_TAGS_MAX_RESOURCES];
	char why[ERRLEN];
	int ret;

	ret = cloud_describe_instance(rc->c, rc->instance_id, &p->inst, err, errlen);
	if (ret)
		return ret;
	ids[0] = p->inst.id;
	for (size_t i = 0; i < p->inst.n_eni; i++)
		ids[i + 1] = p->inst.eni[i].id;
	ret = cloud_describe_tags(rc->c, ids, p->inst.n_eni + 1, p->tags, err, errlen);
	if (ret)
		return ret;
	ret = cloud_tags_isolation(&p->tags[0], &p->iso, why, sizeof(why));
	if (ret)
		return util_err(err, errlen, "%s: %s; fix or delete the tag, then run release "
				"again", p->inst.id, why);
	for (size_t i = 0; i < p->inst.n_eni; i++) {
		struct restore_eni *e = &p->eni[i];

		e->eni = &p->inst.eni[i];
		ret = cloud_tags_join_groups(&p->tags[i + 1], e->groups, &e->n, why, sizeof(why));
		if (ret == -ENOENT)
			continue;
		if (ret)
			return util_err(err, errlen, "%s: %s; nothing was changed: restore this "
					"interface by hand or fix its tags, then run release again",
					e->eni->id, why);
		e->tagged = true;
		p->n_tagged++;
	}
	return 0;
}

/* Interfaces without tags take the journal's groups, while not released. */
static size_t use_known(const struct release_cloud *rc, struct restore *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->inst.n_eni; i++) {
		struct restore_eni *e = &p->eni[i];
		const struct release_known *k = known_of(rc, e->eni->id);

		if (e->tagged || !k || !k->n)
			continue;
		memcpy(e->groups, k->groups, sizeof(e->groups));
		e->n = k->n;
		n++;
	}
	return n;
}

static int restore(const struct release_cloud *rc, struct restore *p, struct release_report *rep)
{
	int rc_ret = 0;

	for (size_t i = 0; i < p->inst.n_eni; i++) {
		struct restore_eni *e = &p->eni[i];
		const char *groups[CLOUD_MAX_GROUPS];
		struct notify_eni *m;
		char err[ERRLEN], now[200];
		cJSON *params;

		join(e->groups[0], e->n, now, sizeof(now));
		if (!e->n) {
			char cur[200];

			join(e->eni->groups[0], e->eni->n_groups, cur, sizeof(cur));
			snprintf(p->msg.left[p->msg.n_left++], sizeof(p->msg.left[0]), "%s (%.170s)",
				 e->eni->id, cur);
			printf("release: interface %s carries no cordon:original-groups: left in %s\n",
			       e->eni->id, cur);
			rep->enis_left++;
			continue;
		}
		m = &p->msg.eni[p->msg.n_eni++];
		util_strlcpy(m->id, e->eni->id, sizeof(m->id));
		util_strlcpy(m->new_groups, now, sizeof(m->new_groups));
		join(e->eni->groups[0], e->eni->n_groups, m->old_groups, sizeof(m->old_groups));
		for (size_t k = 0; k < e->n; k++)
			groups[k] = e->groups[k];
		params = cJSON_CreateObject();
		if (params) {
			cJSON *g = cJSON_AddArrayToObject(params, "groups");

			for (size_t k = 0; g && k < e->n; k++)
				cJSON_AddItemToArray(g, cJSON_CreateString(e->groups[k]));
			cJSON_AddBoolToObject(params, "from_tags", e->tagged);
		}
		journal_note(rc, JOURNAL_INTENT, "ec2_restore_eni", e->eni->id, params, NULL);
		cJSON_Delete(params);
		if (cloud_set_eni_groups(rc->c, e->eni->id, groups, e->n, err, sizeof(err)) ||
		    (e->tagged && cloud_untag_original_groups(rc->c, e->eni->id, err, sizeof(err)))) {
			log_warnx("release: interface %s: %s", e->eni->id, err);
			journal_note(rc, JOURNAL_FAILED, "ec2_restore_eni", e->eni->id, NULL, err);
			util_strlcpy(m->error, err, sizeof(m->error));
			rep->enis_failed++;
			rc_ret = -EIO;
			continue;
		}
		journal_note(rc, JOURNAL_DONE, "ec2_restore_eni", e->eni->id, NULL, NULL);
		m->done = true;
		printf("release: interface %s back in %s%s\n", e->eni->id, now,
		       e->tagged ? " (from its tags)" : " (from the journal)");
		rep->enis_restored++;
	}
	return rc_ret;
}

/* The commit mark: cordon:status=released first, then the isolation tags go. */
static int retag(const struct release_cloud *rc, struct restore *p, struct release_report *rep,
		 char *err, size_t errlen)
{
	static const char *const gone[] = { CLOUD_TAG_INCIDENT, CLOUD_TAG_FINDING };
	char ts[UTIL_TIMESTAMP_LEN], val[CLOUD_ID_LEN + UTIL_TIMESTAMP_LEN + 2];
	struct cloud_tag tags[2] = {
		{ CLOUD_TAG_STATUS, "released" },
		{ CLOUD_TAG_RELEASED, val },
	};
	int ret;

	util_iso8601_ms(util_now_real_ns(), ts);
	if (*p->incident)
		snprintf(val, sizeof(val), "%s %s", p->incident, ts);
	else
		util_strlcpy(val, ts, sizeof(val));
	journal_note(rc, JOURNAL_INTENT, "ec2_untag", p->inst.id, NULL, NULL);
	ret = cloud_create_tags(rc->c, p->inst.id, tags, ARRAY_SIZE(tags), err, errlen);
	if (!ret)
		ret = cloud_delete_tags(rc->c, p->inst.id, gone, ARRAY_SIZE(gone), err, errlen);
	if (ret) {
		journal_note(rc, JOURNAL_FAILED, "ec2_untag", p->inst.id, NULL, err);
		return ret;
	}
	journal_note(rc, JOURNAL_DONE, "ec2_untag", p->inst.id, NULL, NULL);
	printf("release: %s tagged cordon:status=released, cordon:released=%s\n", p->inst.id,
	       val);
	rep->tags_done = p->msg.tags_done = true;
	return 0;
}

void release_notify(struct aws_client *c, const char *sns_topic, struct notify_release *m,
		    struct release_report *rep)
{
	char subject[NOTIFY_SUBJECT_MAX + 1], id[NOTIFY_MSG_ID_LEN], err[ERRLEN];
	struct buf text;

	if (gethostname(m->ran_on, sizeof(m->ran_on) - 1))
		m->ran_on[0] = '\0';
	buf_init(&text, NOTIFY_MESSAGE_MAX);
	if (notify_release_text(m, subject, &text, err, sizeof(err)) ||
	    notify_sns_publish(c, sns_topic, subject, buf_str(&text), id, err, sizeof(err))) {
		log_warnx("release: the message was NOT sent: %s", err);
	} else {
		rep->notified = true;
		printf("release: administrators told (SNS message %s)\n", id);
	}
	buf_free(&text);
}

static void notify(const struct release_cloud *rc, struct restore *p, struct release_report *rep)
{
	struct notify_release *m = &p->msg;
	char err[ERRLEN];
	const char *region = aws_client_region(rc->c, err, sizeof(err));

	util_strlcpy(m->instance_id, p->inst.id, sizeof(m->instance_id));
	util_strlcpy(m->region, region ? region : "", sizeof(m->region));
	util_strlcpy(m->incident_id, p->incident, sizeof(m->incident_id));
	util_strlcpy(m->opened_at, rc->opened_at ? rc->opened_at : "", sizeof(m->opened_at));
	util_strlcpy(m->reason, rc->reason ? rc->reason : "", sizeof(m->reason));
	m->on_host = rc->on_host;
	m->lockdown_lifted = rc->lockdown_lifted;
	release_notify(rc->c, rc->sns_topic, m, rep);
}

/* A release cut short after its status tag may have left these. */
static void tidy(const struct release_cloud *rc, const struct restore *p)
{
	static const char *const gone[] = { CLOUD_TAG_INCIDENT, CLOUD_TAG_FINDING };
	char err[ERRLEN];

	if (!*p->iso.incident && !*p->iso.finding)
		return;
	if (cloud_delete_tags(rc->c, p->inst.id, gone, ARRAY_SIZE(gone), err, sizeof(err)))
		log_warnx("release: %s: %s", p->inst.id, err);
	else
		printf("release: %s: leftover cordon:incident/cordon:finding removed\n", p->inst.id);
}

int release_cloud_run(const struct release_cloud *rc, struct release_report *rep, char *err,
		      size_t errlen)
{
	struct restore *p = calloc(1, sizeof(*p));
	size_t n_known = 0;
	int ret;

	if (!p)
		return util_errc(-ENOMEM, err, errlen, "out of memory");
	ret = read_plan(rc, p, err, errlen);
	if (ret)
		goto out;
	util_strlcpy(rep->instance, p->inst.id, sizeof(rep->instance));
	util_strlcpy(p->incident, *p->iso.incident ? p->iso.incident :
		     rc->incident ? rc->incident : "", sizeof(p->incident));
	util_strlcpy(rep->incident, p->incident, sizeof(rep->incident));
	if (p->iso.status != CLOUD_STATUS_RELEASED)
		n_known = use_known(rc, p);
	if (p->iso.status == CLOUD_STATUS_RELEASED && !p->n_tagged) {
		tidy(rc, p);
		printf("release: %s was released %s%s%s: nothing to restore\n", p->inst.id,
		       *p->iso.released_at ? p->iso.released_at : "before",
		       *p->iso.released_incident ? ", incident " : "", p->iso.released_incident);
		rep->nothing = true;
		goto out;
	}
	if (p->iso.status != CLOUD_STATUS_ISOLATED && !p->n_tagged && !n_known) {
		printf("release: %s is not isolated by cordon (cordon:status %s, no interface "
		       "carries cordon:original-groups): nothing to release\n", p->inst.id,
		       cloud_tags_status_name(p->iso.status));
		rep->nothing = true;
		goto out;
	}
	ret = restore(rc, p, rep);
	if (ret) {
		ret = util_err(err, errlen, "%s: %zu interface(s) could not be restored; the "
			       "instance stays marked isolated, run release again", p->inst.id,
			       rep->enis_failed);
		goto out;
	}
	ret = retag(rc, p, rep, err, errlen);
	if (ret)
		goto out;
	/* One message, once everything is undone. */
	if (rc->sns_topic && *rc->sns_topic)
		notify(rc, p, rep);
out:
	free(p);
	return ret;
}

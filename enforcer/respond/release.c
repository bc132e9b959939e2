/* SPDX-License-Identifier: MIT */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_client.h"
#include "cloud.h"
#include "journal.h"
#include "log.h"
#include "notify.h"
#include "release.h"

static int restore_enis(struct aws_client *c, struct journal *j,
			const struct journal_incident *inc, struct release_report *rep)
{
	int rc = 0;

	for (size_t i = 0; i < inc->n_actions; i++) {
		const struct journal_action *a = &inc->actions[i];
		const char *groups[CLOUD_MAX_GROUPS];
		char err[ERRLEN], list[400] = "";
		size_t n = 0, off = 0;
		const cJSON *g;

		if (strcmp(a->action, "ec2_isolate_eni") || !a->params)
			continue;
		cJSON_ArrayForEach(g, cJSON_GetObjectItem(a->params, "original_groups"))
			if (cJSON_IsString(g) && n < CLOUD_MAX_GROUPS) {
				groups[n++] = g->valuestring;
				off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
							n > 1 ? "," : "", g->valuestring);
			}
		if (n == 0)
			continue;
		if (journal_action_intent(j, inc->id, "ec2_restore_eni", a->target, a->params))
			log_warnx("journal: %s", journal_error(j));
		if (cloud_set_eni_groups(c, a->target, groups, n, err, sizeof(err))) {
			log_warnx("release: interface %s: %s", a->target, err);
			if (journal_action_failed(j, inc->id, "ec2_restore_eni", a->target, err, 1))
				log_warnx("journal: %s", journal_error(j));
			rep->enis_failed++;
			rc = -EIO;
			continue;
		}
		if (journal_action_done(j, inc->id, "ec2_restore_eni", a->target, NULL))
			log_warnx("journal: %s", journal_error(j));
		printf("release: interface %s back in %s\n", a->target, list);
		rep->enis_restored++;
	}
	return rc;
}

static const char *instance_of(const struct journal_incident *inc)
{
	for (size_t i = 0; i < inc->n_actions; i++)
		if (!strcmp(inc->actions[i].action, "ec2_describe"))
			return inc->actions[i].target;
	return NULL;
}

static int retag(struct aws_client *c, struct journal *j,
		 const struct journal_incident *inc, struct release_report *rep)
{
	static const char *const gone[] = { "cordon:incident", "cordon:status", "cordon:finding" };
	const char *inst = instance_of(inc);
	char err[ERRLEN], ts[UTIL_TIMESTAMP_LEN], val[160];
	struct cloud_tag tag = { "cordon:released", val };

	if (!inst || !*inst)
		return 0;
	util_iso8601_ms(util_now_real_ns(), ts);
	snprintf(val, sizeof(val), "%s %s", inc->id, ts);
	if (journal_action_intent(j, inc->id, "ec2_untag", inst, NULL))
		log_warnx("journal: %s", journal_error(j));
	if (cloud_delete_tags(c, inst, gone, ARRAY_SIZE(gone), err, sizeof(err)) ||
	    cloud_create_tags(c, inst, &tag, 1, err, sizeof(err))) {
		log_warnx("release: tags of %s: %s", inst, err);
		if (journal_action_failed(j, inc->id, "ec2_untag", inst, err, 1))
			log_warnx("journal: %s", journal_error(j));
		return -EIO;
	}
	if (journal_action_done(j, inc->id, "ec2_untag", inst, NULL))
		log_warnx("journal: %s", journal_error(j));
	printf("release: %s tagged cordon:released\n", inst);
	rep->tags_done = true;
	return 0;
}

static void notify(struct aws_client *c, const struct release_opts *ro,
		   const struct journal_incident *inc, struct release_report *rep)
{
	char subject[NOTIFY_SUBJECT_MAX + 1], text[2048], id[NOTIFY_MSG_ID_LEN], err[ERRLEN];
	const char *inst = instance_of(inc);

	snprintf(subject, sizeof(subject), "cordon: incident %s released", inc->id);
	notify_subject_clean(subject);
	snprintf(text, sizeof(text),
		 "cordon released incident %s%s%s.\n\n"
		 "Opened: %s\nReason: %s\n\n"
		 "What was undone:\n"
		 "- network interfaces back in their original security groups: %zu "
		 "(%zu failed)\n"
		 "- isolation tags removed, cordon:released added: %s\n"
		 "- local lockdown lifted: %s\n\n"
		 "The evidence stays in the state directory under evidence/%s/.\n",
		 inc->id, inst ? " on instance " : "", inst ? inst : "", inc->opened_at,
		 inc->reason, rep->enis_restored, rep->enis_failed,
		 rep->tags_done ? "yes" : "no", rep->lockdown_lifted ? "yes" : "no", inc->id);
	if (notify_sns_publish(c, ro->sns_topic, subject, text, id, err, sizeof(err))) {
		log_warnx("release: SNS: %s", err);
		return;
	}
	rep->notified = true;
	printf("release: administrators told (SNS message %s)\n", id);
}

int release_run(const struct release_opts *ro, const struct enforce_opts *eo,
		struct release_report *rep, char *err, size_t errlen)
{
	struct journal_state st;
	const struct journal_incident *inc;
	struct aws_client *c = NULL;
	struct journal *j = NULL;
	int rc = 0, crc = 0;

	memset(rep, 0, sizeof(*rep));
	memset(&st, 0, sizeof(st));
	if (ro->local_only) {
		rc = enforce_release(eo, err, errlen);
		rep->lockdown_lifted = rc == 0;
		return rc;
	}
	/*
	 * Take the writer lock, then read a snapshot: our own appends must
	 * not move what the snapshot's pointers point at.
	 */
	rc = journal_open(ro->state_dir, 10000, NULL, &j, err, errlen);
	if (rc)
		return rc;
	rc = journal_state_load(ro->state_dir, &st, err, errlen);
	if (rc)
		goto out;
	inc = ro->incident ? journal_state_incident(&st, ro->incident) :
			     journal_state_open_incident(&st);
	if (ro->incident && !inc) {
		rc = util_err(err, errlen, "no incident %s in the journal", ro->incident);
		goto out;
	}
	if (inc && inc->closed) {
		printf("release: incident %s is already closed (%s)\n", inc->id, inc->closed_at);
		inc = NULL;
	}
	/*
	 * The host first: in lockdown only the agent's own flows pass, so
	 * this process (root, not the agent) could not reach AWS. The
	 * forensic group still isolates the instance meanwhile.
	 */
	rc = enforce_release(eo, err, errlen);
	if (rc)
		goto out;
	rep->lockdown_lifted = true;
	printf("release: local lockdown lifted\n");
	if (!inc)
		goto out;
	util_strlcpy(rep->incident, inc->id, sizeof(rep->incident));
	if (journal_incident_status(j, inc->id, "releasing"))
		log_warnx("journal: %s", journal_error(j));
	if (aws_client_new(&(struct aws_client_opts){ 0 }, &c)) {
		rc = util_err(err, errlen, "out of memory");
		goto out;
	}
	crc = restore_enis(c, j, inc, rep);
	if (retag(c, j, inc, rep))
		crc = -EIO;
	if (crc) {
		rc = util_err(err, errlen,
			      "incident %s: %zu interface(s) or its tags could not be "
			      "restored; it stays open, run release again",
			      inc->id, rep->enis_failed);
		goto out;
	}
	/* One message, when everything is undone. */
	if (ro->sns_topic && *ro->sns_topic)
		notify(c, ro, inc, rep);
	if (journal_incident_close(j, inc->id, "released by an operator"))
		log_warnx("journal: %s", journal_error(j));
	rep->closed = true;
	printf("release: incident %s closed\n", inc->id);
out:
	aws_client_free(c);
	journal_close(j);
	journal_state_free(&st);
	return rc;
}

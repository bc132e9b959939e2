/* SPDX-License-Identifier: MIT */
/*
 * `cordon release`, both ways: off the host for one instance id (the tags
 * say everything), and on the host for the journal's incident (the local
 * lockdown first, then the cloud from the tags, the journal standing in
 * where the interfaces carry none).
 */
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

static int new_client(const struct release_opts *ro, struct aws_client **c, char *err,
		      size_t errlen)
{
	int rc = aws_client_new(&(struct aws_client_opts){ .region = ro->region }, c);

	if (rc)
		return util_errc(rc, err, errlen, "%s", strerror(-rc));
	return 0;
}

/* From anywhere: the instance's tags alone; no state directory, no firewall. */
static int release_remote(const struct release_opts *ro, struct release_report *rep,
			  char *err, size_t errlen)
{
	struct aws_client *c = NULL;
	char why[ERRLEN];
	int ret = new_client(ro, &c, err, errlen);

	if (ret)
		return ret;
	if (!aws_client_region(c, why, sizeof(why))) {
		ret = util_err(err, errlen, "%s: %s (or give --region)", ro->instance_id, why);
		goto out;
	}
	ret = release_cloud_run(&(struct release_cloud){
					.c = c,
					.instance_id = ro->instance_id,
					.sns_topic = ro->sns_topic,
				}, rep, err, errlen);
out:
	aws_client_free(c);
	return ret;
}

/* The instance the incident is about: its describe step, else its finding. */
static const char *instance_of(const struct journal_incident *inc)
{
	const cJSON *id;

	for (size_t i = 0; i < inc->n_actions; i++)
		if (!strcmp(inc->actions[i].action, "ec2_describe") && *inc->actions[i].target)
			return inc->actions[i].target;
	id = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(inc->finding, "resource"),
						     "instanceDetails"), "instanceId");
	return cJSON_IsString(id) && !strncmp(id->valuestring, "i-", 2) ? id->valuestring : NULL;
}

/* Each interface's groups as the journal recorded them before the first move. */
static size_t journal_known(const struct journal_incident *inc, struct release_known *k,
			    size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < inc->n_actions && n < max; i++) {
		const struct journal_action *a = &inc->actions[i];
		const cJSON *g;

		if (strcmp(a->action, "ec2_isolate_eni") || !a->params ||
		    strlen(a->target) >= sizeof(k->eni))
			continue;
		memset(&k[n], 0, sizeof(k[n]));
		util_strlcpy(k[n].eni, a->target, sizeof(k[n].eni));
		cJSON_ArrayForEach(g, cJSON_GetObjectItem(a->params, "original_groups"))
			if (cJSON_IsString(g) && k[n].n < CLOUD_MAX_GROUPS)
				util_strlcpy(k[n].groups[k[n].n++], g->valuestring, CLOUD_ID_LEN);
		if (k[n].n)
			n++;
	}
	return n;
}

/* A lockdown-only incident: no instance to release, the message still goes. */
static void notify_local(struct aws_client *c, const struct release_opts *ro,
			 const struct journal_incident *inc, struct release_report *rep)
{
	struct notify_release *m = calloc(1, sizeof(*m));

	if (!m)
		return;
	util_strlcpy(m->incident_id, inc->id, sizeof(m->incident_id));
	util_strlcpy(m->opened_at, inc->opened_at, sizeof(m->opened_at));
	util_strlcpy(m->reason, inc->reason, sizeof(m->reason));
	m->on_host = true;
	m->lockdown_lifted = rep->lockdown_lifted;
	release_notify(c, ro->sns_topic, m, rep);
	free(m);
}

static int release_incident(const struct release_opts *ro, struct journal *j,
			    const struct journal_incident *inc, struct release_report *rep,
			    char *err, size_t errlen)
{
	struct release_known *known = calloc(CLOUD_MAX_ENIS, sizeof(*known));
	const char *inst = instance_of(inc);
	struct aws_client *c = NULL;
	int ret;

	if (!known)
		return util_errc(-ENOMEM, err, errlen, "out of memory");
	util_strlcpy(rep->incident, inc->id, sizeof(rep->incident));
	if (journal_incident_status(j, inc->id, "releasing"))
		log_warnx("journal: %s", journal_error(j));
	ret = new_client(ro, &c, err, errlen);
	if (ret)
		goto out;
	if (inst) {
		ret = release_cloud_run(&(struct release_cloud){
			.c = c,
			.instance_id = inst,
			.sns_topic = ro->sns_topic,
			.known = known,
			.n_known = journal_known(inc, known, CLOUD_MAX_ENIS),
			.incident = inc->id,
			.opened_at = inc->opened_at,
			.reason = inc->reason,
			.on_host = true,
			.lockdown_lifted = rep->lockdown_lifted,
			.j = j,
		}, rep, err, errlen);
		if (ret)
			goto out;
	} else if (ro->sns_topic && *ro->sns_topic) {
		notify_local(c, ro, inc, rep);
	}
	if (journal_incident_close(j, inc->id, rep->nothing ?
				   "released (the instance was released already)" :
				   "released by an operator"))
		log_warnx("journal: %s", journal_error(j));
	rep->closed = true;
	printf("release: incident %s closed\n", inc->id);
out:
	aws_client_free(c);
	free(known);
	return ret;
}

int release_run(const struct release_opts *ro, const struct enforce_opts *eo,
		struct release_report *rep, char *err, size_t errlen)
{
	struct journal_state st;
	const struct journal_incident *inc;
	struct journal *j = NULL;
	int rc;

	memset(rep, 0, sizeof(*rep));
	if (ro->instance_id)
		return release_remote(ro, rep, err, errlen);
	if (ro->local_only) {
		rc = enforce_release(eo, err, errlen);
		rep->lockdown_lifted = rc == 0;
		return rc;
	}
	memset(&st, 0, sizeof(st));
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
	if (inc)
		rc = release_incident(ro, j, inc, rep, err, errlen);
out:
	journal_close(j);
	journal_state_free(&st);
	return rc;
}

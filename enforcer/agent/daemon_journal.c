/* SPDX-License-Identifier: MIT */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_impl.h"
#include "log.h"

/*
 * The agent's journal: opened once (journal_attach) and kept. d->jst is
 * the journal's whole content, current after each of our appends and
 * after each tick (what `cordon release` appended), so the incident and
 * its plan are read from it, never kept beside it. The writer lock is
 * taken per write, never waited for: release gets in at any time.
 * Intents are durable before they return; the rest is synced within a
 * second (or with the next intent).
 */

#define SEC NSEC_PER_SEC

static void jfail(struct daemon *d, const char *what)
{
	const char *e = d->j ? journal_error(d->j) : "not open";

	log_warnx("journal: %s: %s", what, e);
	util_strlcpy(d->last_error, e, sizeof(d->last_error));
	d->status_dirty = true;
}

void daemon_journal_attach(struct daemon *d)
{
	char err[ERRLEN];

	if (d->j)
		return;
	if (journal_attach(d->o->state_dir, &d->jst, &d->j, err, sizeof(err))) {
		log_warnx("journal: %s (trying again in 5 s)", err);
		util_strlcpy(d->last_error, err, sizeof(d->last_error));
		d->next_attach_ns = util_now_mono_ns() + 5 * SEC;
		return;
	}
	if (d->jst.scan.corrupt)
		log_warnx("journal: %llu damaged region(s) skipped (cordon journal shows them)",
			  (unsigned long long)d->jst.scan.corrupt);
	if (d->jst.invalid)
		log_warnx("journal: %llu unusable record(s), the first: %s",
			  (unsigned long long)d->jst.invalid, d->jst.first_invalid);
}

void daemon_journal_close(struct daemon *d)
{
	journal_close(d->j);
	d->j = NULL;
	journal_state_free(&d->jst);
}

void daemon_journal_tick(struct daemon *d, uint64_t now)
{
	int rc;

	if (!d->j) {
		if (now >= d->next_attach_ns)
			daemon_journal_attach(d);
		return;
	}
	if (journal_refresh(d->j) < 0)
		jfail(d, "reading what others appended");
	if (!journal_dirty(d->j) || now < d->next_journal_ns)
		return;
	d->next_journal_ns = now + SEC;
	rc = journal_sync(d->j);
	if (rc == -EIO) {
		/* The page cache proves nothing now: reopen, replay, go on. */
		jfail(d, "sync");
		daemon_journal_close(d);
		daemon_journal_attach(d);
	} else if (rc && rc != -EWOULDBLOCK) {
		jfail(d, "sync");
	}
}

const struct journal_incident *daemon_journal_incident(const struct daemon *d)
{
	if (!d->inc.active || !d->inc.journaled)
		return NULL;
	return journal_state_incident(&d->jst, d->inc.id);
}

const struct journal_action *daemon_journal_action(const struct daemon *d, const char *action,
						   const char *target)
{
	if (!d->inc.active || !d->inc.journaled)
		return NULL;
	return journal_state_action(&d->jst, d->inc.id, action, target);
}

int daemon_journal_intent(struct daemon *d, const char *action, const char *target,
			  const cJSON *params)
{
	int rc;

	if (!d->j || !d->inc.journaled)
		return -EAGAIN; /* the incident's own record comes first */
	rc = journal_action_intent(d->j, d->inc.id, action, target, params);
	if (rc && rc != -EWOULDBLOCK)
		jfail(d, action);
	return rc;
}

void daemon_journal_done(struct daemon *d, const char *action, const char *target,
			 const cJSON *result)
{
	if (!d->j || !d->inc.journaled ||
	    journal_action_done(d->j, d->inc.id, action, target, result))
		jfail(d, action);
	d->status_dirty = true;
}

void daemon_journal_failed(struct daemon *d, const char *action, const char *target,
			   const char *error, unsigned attempt)
{
	if (!d->j || !d->inc.journaled ||
	    journal_action_failed(d->j, d->inc.id, action, target, error, attempt))
		jfail(d, action);
	d->status_dirty = true;
}

/*
 * The incident's first records: its open (with the finding's one text)
 * and step 1, the lockdown, whose intent was the lockdown state file.
 * Tried again from the incident tick until it is written.
 */
void daemon_journal_open_incident(struct daemon *d)
{
	struct incident *inc = &d->inc;
	cJSON *res = NULL;
	int rc;

	if (!d->j || inc->journaled)
		return;
	rc = journal_incident_open(d->j, inc->id, inc->reason, inc->finding_json);
	if (!rc)
		rc = journal_action_intent(d->j, inc->id, "lockdown", "host", NULL);
	if (rc) {
		if (rc != -EWOULDBLOCK)
			jfail(d, "incident_open");
		return;
	}
	inc->journaled = true;
	if (inc->lockdown_done) {
		res = cJSON_CreateObject();
		if (res && inc->trigger_ns && inc->lockdown_ack_ns > inc->trigger_ns)
			cJSON_AddNumberToObject(res, "latency_ms",
						(double)(inc->lockdown_ack_ns - inc->trigger_ns) / 1e6);
		daemon_journal_done(d, "lockdown", "host", res);
	} else {
		daemon_journal_failed(d, "lockdown", "host", inc->last_error, 1);
	}
	cJSON_Delete(res);
}

void daemon_journal_finding(struct daemon *d, const char *finding_id)
{
	if (!d->j || !d->inc.journaled ||
	    journal_finding_joined(d->j, d->inc.id, finding_id))
		jfail(d, "finding_joined");
}

const char *daemon_journal_gd_finding(const struct daemon *d)
{
	const struct journal_incident *inc = daemon_journal_incident(d);
	const char *id = d->inc.gd_finding_id;

	for (size_t i = 0; inc && i < inc->n_actions; i++)
		if (!strcmp(inc->actions[i].action, "guardduty_correlate") &&
		    inc->actions[i].state == JOURNAL_DONE)
			id = inc->actions[i].target;
	return id;
}

unsigned daemon_journal_findings(const struct daemon *d)
{
	const struct journal_incident *inc = daemon_journal_incident(d);

	return d->inc.active ? 1 + (inc ? inc->findings_joined : 0) : 0;
}

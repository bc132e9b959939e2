/* SPDX-License-Identifier: MIT */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_impl.h"
#include "journal.h"
#include "log.h"

/*
 * The journal is opened for each group of records and closed at once:
 * `cordon release` takes the same lock and must never wait long for us.
 */
static struct journal *jopen(struct daemon *d)
{
	struct journal *j = NULL;
	char err[ERRLEN];

	if (journal_open(d->o->state_dir, 2000, NULL, &j, err, sizeof(err))) {
		log_warnx("journal: %s", err);
		util_strlcpy(d->last_error, err, sizeof(d->last_error));
		return NULL;
	}
	return j;
}

static void jcheck(struct daemon *d, struct journal *j, int rc, const char *what)
{
	if (rc) {
		log_warnx("journal: %s: %s", what, journal_error(j));
		util_strlcpy(d->last_error, journal_error(j), sizeof(d->last_error));
	}
}

void daemon_journal_open_incident(struct daemon *d, const char *finding_json)
{
	struct journal *j = jopen(d);
	cJSON *f = finding_json ? cJSON_Parse(finding_json) : NULL;
	cJSON *res = cJSON_CreateObject();

	if (!j)
		goto out;
	jcheck(d, j, journal_incident_open(j, d->inc.id, d->inc.reason, f),
	       "incident_open");
	/* Step 1 already happened: its intent was the lockdown state file. */
	jcheck(d, j, journal_action_intent(j, d->inc.id, "lockdown", "host", NULL),
	       "lockdown intent");
	if (d->inc.lockdown_done) {
		if (res && d->inc.trigger_ns && d->inc.lockdown_ack_ns > d->inc.trigger_ns)
			cJSON_AddNumberToObject(res, "latency_ms",
						(double)(d->inc.lockdown_ack_ns -
							 d->inc.trigger_ns) / 1e6);
		jcheck(d, j, journal_action_done(j, d->inc.id, "lockdown", "host", res),
		       "lockdown done");
	} else {
		jcheck(d, j, journal_action_failed(j, d->inc.id, "lockdown", "host",
						   d->inc.last_error, 1),
		       "lockdown failed");
	}
	journal_close(j);
out:
	cJSON_Delete(f);
	cJSON_Delete(res);
}

void daemon_journal_action(struct daemon *d, const char *action, const char *target,
			   enum journal_astate state, const cJSON *data,
			   const char *error, unsigned attempt)
{
	struct journal *j = jopen(d);
	int rc;

	if (!j)
		return;
	switch (state) {
	case JOURNAL_INTENT:
		rc = journal_action_intent(j, d->inc.id, action, target, data);
		break;
	case JOURNAL_DONE:
		rc = journal_action_done(j, d->inc.id, action, target, data);
		break;
	default:
		rc = journal_action_failed(j, d->inc.id, action, target,
					   error ? error : "", attempt);
		break;
	}
	jcheck(d, j, rc, action);
	journal_close(j);
}

void daemon_journal_finding(struct daemon *d, const char *finding_id)
{
	struct journal *j = jopen(d);
	cJSON *rec = cJSON_CreateObject();

	if (j && rec) {
		cJSON_AddStringToObject(rec, "type", "finding_joined");
		cJSON_AddStringToObject(rec, "incident", d->inc.id);
		cJSON_AddStringToObject(rec, "finding", finding_id);
		jcheck(d, j, journal_append(j, rec), "finding_joined");
	}
	cJSON_Delete(rec);
	journal_close(j);
}

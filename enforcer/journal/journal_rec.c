/* SPDX-License-Identifier: MIT */
/*
 * The records the agent and `cordon release` write, built as JSON and
 * handed to the writer (journal.c) as text.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "journal_impl.h"

static cJSON *rec_new(const char *type, const char *incident)
{
	cJSON *o = cJSON_CreateObject();
	char at[UTIL_TIMESTAMP_LEN];

	util_iso8601_ms(util_now_real_ns(), at);
	if (!o || !cJSON_AddStringToObject(o, "type", type) ||
	    !cJSON_AddStringToObject(o, "incident", incident ? incident : "") ||
	    !cJSON_AddStringToObject(o, "at", at)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static bool add_str(cJSON *o, const char *name, const char *v)
{
	return !v || cJSON_AddStringToObject(o, name, v);
}

static bool add_json(cJSON *o, const char *name, const cJSON *v)
{
	return !v || cJSON_AddItemToObject(o, name, cJSON_Duplicate(v, 1));
}

/* Append o (consumed); ok false means it could not be built. */
static int append_owned(struct journal *j, cJSON *o, bool ok)
{
	char *text = o && ok ? cJSON_PrintUnformatted(o) : NULL;
	int rc = journal_append_text(j, text, false);

	free(text);
	cJSON_Delete(o);
	return rc;
}

int journal_incident_open(struct journal *j, const char *incident,
			  const char *reason, const char *finding)
{
	cJSON *o = rec_new("incident_open", incident);

	/* The finding's text goes in as it is: it was made once, elsewhere. */
	return append_owned(j, o, o && add_str(o, "reason", reason) &&
				  (!finding ||
				   cJSON_AddItemToObject(o, "finding", cJSON_CreateRaw(finding))));
}

int journal_finding_joined(struct journal *j, const char *incident, const char *finding_id)
{
	cJSON *o = rec_new("finding_joined", incident);

	return append_owned(j, o, o && add_str(o, "finding", finding_id ? finding_id : ""));
}

int journal_incident_status(struct journal *j, const char *incident,
			    const char *status)
{
	cJSON *o = rec_new("incident_status", incident);

	return append_owned(j, o, o && add_str(o, "status", status));
}

int journal_incident_close(struct journal *j, const char *incident,
			   const char *reason)
{
	cJSON *o = rec_new("incident_close", incident);

	return append_owned(j, o, o && add_str(o, "reason", reason));
}

static cJSON *action_new(const char *incident, const char *action,
			 const char *target, const char *state)
{
	cJSON *o = rec_new("action", incident);

	if (o && add_str(o, "action", action ? action : "") &&
	    add_str(o, "key", target ? target : "") &&
	    add_str(o, "state", state))
		return o;
	cJSON_Delete(o);
	return NULL;
}

int journal_action_intent(struct journal *j, const char *incident,
			  const char *action, const char *target,
			  const cJSON *params)
{
	cJSON *o = action_new(incident, action, target, "intent");

	return append_owned(j, o, o && add_json(o, "params", params));
}

int journal_action_done(struct journal *j, const char *incident,
			const char *action, const char *target,
			const cJSON *result)
{
	cJSON *o = action_new(incident, action, target, "done");

	return append_owned(j, o, o && add_json(o, "result", result));
}

int journal_action_failed(struct journal *j, const char *incident,
			  const char *action, const char *target,
			  const char *error, unsigned attempt)
{
	cJSON *o = action_new(incident, action, target, "failed");

	return append_owned(j, o, o && add_str(o, "error", error ? error : "") &&
				  cJSON_AddNumberToObject(o, "attempt", attempt));
}

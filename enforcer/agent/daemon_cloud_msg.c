/* SPDX-License-Identifier: MIT */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "daemon_impl.h"
#include "log.h"
#include "notify.h"
#include "respond_event.h"

/*
 * A cloud step as the AWS process's request (and the params its intent
 * records), and the administrators' message: what the plan did so far,
 * read from the journal, around the incident's finding text.
 */

static const struct journal_action *jact(const struct daemon *d, const struct plan_step *s)
{
	return daemon_journal_action(d, s->action, s->target);
}

static bool done(const struct daemon *d, const struct plan_step *s)
{
	const struct journal_action *a = jact(d, s);

	return a && a->state == JOURNAL_DONE;
}

/* The steps' states as the journal holds them, for the message. */
static void states_of(const struct daemon *d, struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct plan_step *s = &p->s[i];
		const struct journal_action *ja = jact(d, s);
		const char *id;

		s->state = PLAN_TODO;
		s->out_id[0] = s->error[0] = '\0';
		if (done(d, s)) {
			s->state = PLAN_DONE;
			id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ja->result, "id"));
			util_strlcpy(s->out_id, id ? id : "", sizeof(s->out_id));
		} else if (ja && (ja->attempts > 0 || *ja->error)) {
			/* Tried and failed; not tried yet: the interfaces move after the message. */
			s->state = PLAN_FAILED;
			util_strlcpy(s->error, ja->error, sizeof(s->error));
		}
	}
}

const char *daemon_cloud_msg_gd(const struct daemon *d)
{
	return daemon_journal_gd_finding(d);
}

/* The message: the finding's text and what was done, as of now. */
static bool sns_request(struct daemon *d, struct plan *p, const struct plan_step *s,
			struct ipc_a_action *m, bool *incomplete)
{
	const struct incident *inc = &d->inc;
	bool update = !strcmp(s->action, "sns_update");
	char subject[NOTIFY_SUBJECT_MAX + 1], err[ERRLEN];
	struct plan_msg msg = {
		.mode = daemon_mode_name(d->o->mode),
		.host_locked = inc->lockdown_done,
		.lockdown_ms = inc->lockdown_done && inc->trigger_ns &&
					inc->lockdown_ack_ns > inc->trigger_ns ?
				(long)((inc->lockdown_ack_ns - inc->trigger_ns) / 1000000) : -1,
		.lockdown_error = inc->last_error,
		.gd_finding_id = daemon_journal_gd_finding(d),
		.gd_region = d->region,
	};
	struct buf text;
	int rc;

	states_of(d, p);
	/* What was tried and failed, not what comes after the message. */
	*incomplete = false;
	for (size_t i = 0; i < p->n; i++) {
		const struct journal_action *ja = jact(d, &p->s[i]);

		*incomplete |= !plan_act_tells(p->s[i].act) && !done(d, &p->s[i]) && ja &&
			       ja->attempts > 0;
	}
	buf_init(&text, NOTIFY_MESSAGE_MAX);
	rc = update ? buf_adds(&text, "UPDATE: every action that had failed when the "
				      "first message went out is now done.\n\n") : 0;
	if (!rc)
		rc = plan_message(p, d->inc.finding_json, &msg, subject, &text, err, sizeof(err));
	if (!rc) {
		if (update)
			snprintf(m->subject, sizeof(m->subject), "%s (update: all done)", subject);
		else
			util_strlcpy(m->subject, subject, sizeof(m->subject));
		util_strlcpy(m->text, buf_str(&text), sizeof(m->text));
	} else {
		log_warnx("incident %s: the message: %s", d->inc.id, err);
	}
	buf_free(&text);
	return rc == 0;
}

/* The follow-up: the GuardDuty finding that confirmed the incident (journaled). */
static bool followup_request(struct daemon *d, struct ipc_a_action *m)
{
	const char *gd = daemon_journal_gd_finding(d);
	const struct journal_action *c = daemon_journal_action(d, "guardduty_correlate", gd);
	char subject[NOTIFY_SUBJECT_MAX + 1], err[ERRLEN];
	struct notify_gd_match g;
	const cJSON *r = c ? c->result : NULL, *sev;
	struct buf text;
	int rc;

	memset(&g, 0, sizeof(g));
	util_strlcpy(g.id, gd, sizeof(g.id));
#define RSTR(k, f)                                                                   \
	util_strlcpy(f, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, k)) ?: "", \
		     sizeof(f))
	RSTR("type", g.type);
	RSTR("title", g.title);
	RSTR("updated_at", g.updated_at);
	RSTR("region", g.region);
#undef RSTR
	sev = cJSON_GetObjectItemCaseSensitive(r, "severity");
	g.severity = cJSON_IsNumber(sev) ? sev->valuedouble : 0;
	buf_init(&text, NOTIFY_MESSAGE_MAX);
	rc = notify_followup_text(d->inc.finding_json, d->inc.id, &g, subject, &text, err,
				  sizeof(err));
	if (!rc) {
		util_strlcpy(m->subject, subject, sizeof(m->subject));
		util_strlcpy(m->text, buf_str(&text), sizeof(m->text));
	} else {
		log_warnx("incident %s: the follow-up message: %s", d->inc.id, err);
	}
	buf_free(&text);
	return rc == 0;
}

/*
 * The "cordon Incident" event's detail (DESIGN.md): the incident with its
 * finding in GuardDuty's shape, what the off-host responder finishes
 * from; made and read back by the responder's own code (respond_event.h).
 */
static bool incident_detail(struct daemon *d, struct ipc_a_action *m)
{
	const struct journal_incident *ji = daemon_journal_incident(d);
	uint64_t opened_ms = d->inc.opened_real_ns / 1000000;
	char err[ERRLEN];
	char *txt;
	bool ok;

	/* Opened before a restart: the journal knows when. */
	if (!opened_ms && ji && cloud_time_parse(ji->opened_at, &opened_ms))
		opened_ms = 0;
	txt = respond_incident_detail(d->inc.id, d->instance_id, opened_ms, d->inc.finding_json,
				      err, sizeof(err));
	ok = txt && strlen(txt) < sizeof(m->text);
	if (ok)
		util_strlcpy(m->text, txt, sizeof(m->text));
	else
		log_warnx("incident %s: the cordon Incident event cannot be made: %s", d->inc.id,
			  txt ? "over the message's size" : err);
	free(txt);
	return ok;
}

bool daemon_cloud_request(struct daemon *d, struct plan *p, const struct plan_step *s,
			  struct ipc_a_action *m, cJSON **params, bool *incomplete)
{
	struct plan_call x;

	memset(m, 0, sizeof(*m));
	*incomplete = false;
	m->act = s->act;
	util_strlcpy(m->target, s->target, sizeof(m->target));
	/* The world before cordon, for release: from the first description. */
	*params = plan_step_params(p, s);
	if (!*params || !plan_call_of(p, s, &x))
		return false;
	for (size_t i = 0; i < x.n_groups && i < ARRAY_SIZE(m->groups); i++)
		util_strlcpy(m->groups[m->n_groups++], x.groups[i], sizeof(m->groups[0]));
	for (size_t i = 0; i < x.n_tags && i < ARRAY_SIZE(m->tag_key); i++) {
		util_strlcpy(m->tag_key[i], x.tags[i].key, sizeof(m->tag_key[0]));
		util_strlcpy(m->tag_val[i], x.tags[i].value, sizeof(m->tag_val[0]));
		m->n_tags++;
	}
	m->flag_a = x.protect;
	m->flag_b = x.stop_on_shutdown;
	if (x.text)
		util_strlcpy(m->text, x.text, sizeof(m->text));
	switch (s->act) {
	case PLAN_DESCRIBE:
		if (!*s->target) {
			log_warnx("incident %s: cloud isolation waits for the instance id (IMDS)",
				  d->inc.id);
			return false;
		}
		break;
	case PLAN_SNS:
		if (!strcmp(s->action, "sns_followup"))
			return followup_request(d, m);
		return sns_request(d, p, s, m, incomplete);
	case PLAN_EVENTS:
		util_strlcpy(m->region, d->region, sizeof(m->region));
		util_strlcpy(m->account, d->account, sizeof(m->account));
		return incident_detail(d, m);
	case PLAN_SECHUB:
		/* The finding's one text, as it is. */
		util_strlcpy(m->text, d->inc.finding_json, sizeof(m->text));
		util_strlcpy(m->region, d->region, sizeof(m->region));
		util_strlcpy(m->account, d->account, sizeof(m->account));
		break;
	}
	return true;
}

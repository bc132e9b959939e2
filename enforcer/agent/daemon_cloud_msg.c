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

static const char *error_of(const struct daemon *d, const struct plan_step *s)
{
	const struct journal_action *a = jact(d, s);

	return a && a->state != JOURNAL_DONE ? a->error : "";
}

static const struct cloud_instance *inst(const struct daemon *d)
{
	return d->cloud.have_inst ? &d->cloud.inst : NULL;
}

static void join_groups(const struct cloud_eni *e, char *out, size_t len)
{
	size_t off = 0;

	out[0] = '\0';
	for (size_t k = 0; e && k < e->n_groups && off + 2 < len; k++)
		off += (size_t)snprintf(out + off, len - off, "%s%s", k ? ", " : "", e->groups[k]);
}

static void fill_step(const struct daemon *d, const struct plan_step *s, struct notify_actions *a)
{
	const struct cloud_instance *in = inst(d);
	const struct journal_action *ja = jact(d, s);
	bool ok = done(d, s);
	const char *err = error_of(d, s);

	if (s->act == PLAN_SET_GROUPS && !s->convert && a->n_eni < NOTIFY_MAX_ENIS) {
		struct notify_eni *e = &a->eni[a->n_eni++];

		util_strlcpy(e->id, s->target, sizeof(e->id));
		join_groups(in && s->eni >= 0 ? &in->eni[s->eni] : NULL, e->old_groups,
			    sizeof(e->old_groups));
		util_strlcpy(e->new_groups, s->group, sizeof(e->new_groups));
		e->done = ok;
		/* Not tried yet: the interfaces move after the message. */
		e->pending = !ok && (!ja || ja->attempts == 0) && !*err;
		util_strlcpy(e->error, ok || e->pending ? "" : (*err ? err : "not done"),
			     sizeof(e->error));
	} else if (s->act == PLAN_TAGS && ok) {
		snprintf(a->tags, sizeof(a->tags), "cordon:incident=%s, cordon:status=isolated",
			 d->inc.id);
	} else if (s->act == PLAN_PROTECT) {
		a->termination_protection = ok;
	} else if (s->act == PLAN_SNAPSHOT && ok && a->n_snapshots < NOTIFY_MAX_SNAPS) {
		const char *id = cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(ja->result, "id"));

		snprintf(a->snapshots[a->n_snapshots++], sizeof(a->snapshots[0]), "%s of %s",
			 id ? id : "?", s->target);
	}
	/* An interface is listed with its error, and here too. */
	if (!ok && *err && !plan_act_tells(s->act))
		notify_actions_error(a, "%s %s: %s", s->action, s->target, err);
}

static void notify_fill(const struct daemon *d, const struct plan *p, struct notify_actions *a)
{
	const struct incident *inc = &d->inc;

	memset(a, 0, sizeof(*a));
	util_strlcpy(a->incident_id, inc->id, sizeof(a->incident_id));
	util_strlcpy(a->mode, daemon_mode_name(d->o->mode), sizeof(a->mode));
	a->host_locked = inc->lockdown_done;
	a->lockdown_ms = inc->lockdown_done && inc->trigger_ns &&
				 inc->lockdown_ack_ns > inc->trigger_ns ?
			 (long)((inc->lockdown_ack_ns - inc->trigger_ns) / 1000000) : -1;
	if (!inc->lockdown_done)
		notify_actions_error(a, "local lockdown failed: %s", inc->last_error);
	util_strlcpy(a->gd_finding_id, daemon_journal_gd_finding(d), sizeof(a->gd_finding_id));
	util_strlcpy(a->gd_region, d->region, sizeof(a->gd_region));
	for (size_t i = 0; i < p->n; i++)
		fill_step(d, &p->s[i], a);
	if (*d->o->forensic_sg && !inst(d))
		notify_actions_error(a, "cloud isolation: the instance could not be described");
}

const char *daemon_cloud_msg_gd(const struct daemon *d)
{
	return daemon_journal_gd_finding(d);
}

/* The message: the finding's text and what was done, as of now. */
static bool sns_request(struct daemon *d, const struct plan *p, const struct plan_step *s,
			struct ipc_a_action *m, bool *incomplete)
{
	bool update = !strcmp(s->action, "sns_update");
	char subject[NOTIFY_SUBJECT_MAX + 1], err[ERRLEN];
	struct notify_actions *a = calloc(1, sizeof(*a));
	struct buf text;
	int rc;

	if (!a)
		return false;
	notify_fill(d, p, a);
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
		rc = notify_incident_text(d->inc.finding_json, a, subject, &text, err, sizeof(err));
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
	free(a);
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

/* The step's tags into the request's fixed fields. */
static void put_tags(struct daemon *d, const struct plan_step *s, struct ipc_a_action *m)
{
	struct cloud_tag t[PLAN_MAX_TAGS];
	size_t n = plan_tags(s, d->inc.id, d->inc.finding_id, t);

	for (size_t i = 0; i < n && i < ARRAY_SIZE(m->tag_key); i++) {
		util_strlcpy(m->tag_key[i], t[i].key, sizeof(m->tag_key[0]));
		util_strlcpy(m->tag_val[i], t[i].value, sizeof(m->tag_val[0]));
		m->n_tags++;
	}
}

bool daemon_cloud_request(struct daemon *d, const struct plan *p, const struct plan_step *s,
			  struct ipc_a_action *m, cJSON **params, bool *incomplete)
{
	memset(m, 0, sizeof(*m));
	*incomplete = false;
	m->act = s->act;
	util_strlcpy(m->target, s->target, sizeof(m->target));
	/* The world before cordon, for release: from the first description. */
	*params = plan_step_params(s, inst(d));
	if (!*params)
		return false;
	put_tags(d, s, m);
	switch (s->act) {
	case PLAN_DESCRIBE:
		if (!*s->target) {
			log_warnx("incident %s: cloud isolation waits for the instance id (IMDS)",
				  d->inc.id);
			return false;
		}
		break;
	case PLAN_SET_GROUPS:
		util_strlcpy(m->groups[0], s->group, sizeof(m->groups[0]));
		m->n_groups = 1;
		break;
	case PLAN_TAG_ENI: {
		const struct cloud_instance *in = inst(d);

		/* Its groups before cordon, on the interface itself. */
		if (!in || s->eni < 0 || (size_t)s->eni >= in->n_eni || !in->eni[s->eni].n_groups)
			return false;
		for (size_t k = 0; k < in->eni[s->eni].n_groups && k < CLOUD_MAX_GROUPS; k++)
			util_strlcpy(m->groups[k], in->eni[s->eni].groups[k], sizeof(m->groups[0]));
		m->n_groups = (uint32_t)in->eni[s->eni].n_groups;
		break;
	}
	case PLAN_PROTECT:
		m->flag_a = 1;
		m->flag_b = 1;
		break;
	case PLAN_SNAPSHOT:
		plan_snapshot_description(d->inc.id, m->text, sizeof(m->text));
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

/* SPDX-License-Identifier: MIT */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "daemon_impl.h"
#include "log.h"
#include "notify.h"

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
		util_strlcpy(e->error, ok ? "" : (*err ? err : "not tried yet"), sizeof(e->error));
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
	*incomplete = false;
	for (size_t i = 0; i < p->n; i++)
		*incomplete |= !plan_act_tells(p->s[i].act) && !done(d, &p->s[i]);
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
	case PLAN_PROTECT:
		m->flag_a = 1;
		m->flag_b = 1;
		break;
	case PLAN_SNAPSHOT:
		plan_snapshot_description(d->inc.id, m->text, sizeof(m->text));
		break;
	case PLAN_SNS:
		return sns_request(d, p, s, m, incomplete);
	case PLAN_EVENTS:
	case PLAN_SECHUB:
		/* The finding's one text, as it is. */
		util_strlcpy(m->text, d->inc.finding_json, sizeof(m->text));
		util_strlcpy(m->region, d->region, sizeof(m->region));
		util_strlcpy(m->account, d->account, sizeof(m->account));
		break;
	}
	return true;
}

/* SPDX-License-Identifier: MIT */
/*
 * The incident message of an isolation, from the plan's states: an
 * interface not moved yet is "moving right after this message" (the
 * message goes before the moves, so that the administrators hear of it
 * while the host can still talk), a failed step is listed with why.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

static const struct plan_step *step_of(const struct plan *p, uint8_t act, bool convert,
				       const char *target)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->s[i].act == act && p->s[i].convert == convert &&
		    (!target || !strcmp(p->s[i].target, target)))
			return &p->s[i];
	return NULL;
}

static bool in_forensic(const struct plan *p, size_t i)
{
	const struct cloud_eni *e = &p->inst->eni[i];

	return *p->forensic && e->n_groups == 1 && !strcmp(e->groups[0], p->forensic);
}

static void one_eni(const struct plan *p, size_t i, struct notify_actions *a)
{
	const struct cloud_eni *ce = &p->inst->eni[i];
	const struct plan_step *f = step_of(p, PLAN_SET_GROUPS, false, ce->id);
	struct notify_eni *e;

	if (!f && !in_forensic(p, i))
		return;   /* not moved (no forensic group): nothing to say of it */
	e = &a->eni[a->n_eni++];
	util_strlcpy(e->id, ce->id, sizeof(e->id));
	util_strlcpy(e->old_groups, *p->orig[i] ? p->orig[i] : "unknown", sizeof(e->old_groups));
	if (!f) {
		/* In the forensic group already: the name says which. */
		util_strlcpy(e->new_groups, ce->groups[0], sizeof(e->new_groups));
		e->done = true;
		return;
	}
	util_strlcpy(e->new_groups, f->group, sizeof(e->new_groups));
	e->done = f->state == PLAN_DONE;
	e->pending = f->state == PLAN_TODO;
	if (f->state == PLAN_FAILED)
		util_strlcpy(e->error, *f->error ? f->error : "not done", sizeof(e->error));
	else if (f->state == PLAN_NOT_TRIED)
		util_strlcpy(e->error, "not tried: no time was left", sizeof(e->error));
}

void plan_actions(const struct plan *p, const struct plan_msg *m, struct notify_actions *a)
{
	const struct plan_step *t = step_of(p, PLAN_TAGS, false, NULL);

	memset(a, 0, sizeof(*a));
	util_strlcpy(a->incident_id, p->incident, sizeof(a->incident_id));
	util_strlcpy(a->mode, m->mode ? m->mode : "isolate", sizeof(a->mode));
	a->host_locked = m->host_locked;
	a->lockdown_ms = m->lockdown_ms;
	a->off_host = m->off_host;
	if (!m->host_locked && m->lockdown_error)
		notify_actions_error(a, "local lockdown failed: %s", m->lockdown_error);
	util_strlcpy(a->gd_finding_id, m->gd_finding_id ? m->gd_finding_id : "",
		     sizeof(a->gd_finding_id));
	util_strlcpy(a->gd_region, m->gd_region ? m->gd_region : "", sizeof(a->gd_region));
	for (size_t i = 0; p->inst && i < p->inst->n_eni && a->n_eni < NOTIFY_MAX_ENIS; i++)
		one_eni(p, i, a);
	if ((t && t->state == PLAN_DONE) ||
	    (!t && p->before.status == CLOUD_STATUS_ISOLATED && *p->before.incident))
		snprintf(a->tags, sizeof(a->tags), "cordon:incident=%s, cordon:status=isolated",
			 p->incident);
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_step *s = &p->s[i];

		if (s->act == PLAN_PROTECT && s->state == PLAN_DONE)
			a->termination_protection = true;
		if (s->act == PLAN_SNAPSHOT && s->state == PLAN_DONE &&
		    a->n_snapshots < NOTIFY_MAX_SNAPS)
			snprintf(a->snapshots[a->n_snapshots++], sizeof(a->snapshots[0]), "%s of %s",
				 *s->out_id ? s->out_id : "?", s->target);
		/* Moves say their error on their own line; messages are not actions. */
		if (s->state == PLAN_FAILED && !(s->act == PLAN_SET_GROUPS && !s->convert) &&
		    !plan_act_tells(s->act))
			notify_actions_error(a, "%s %s: %s", s->action, s->target,
					     *s->error ? s->error : "not done");
	}
	if (*p->forensic && !p->inst)
		notify_actions_error(a, "cloud isolation: the instance could not be described");
	for (size_t i = 0; i < p->n_notes; i++)
		notify_actions_error(a, "%s", p->notes[i]);
}

int plan_message(const struct plan *p, const char *finding_json, const struct plan_msg *m,
		 char subject[NOTIFY_SUBJECT_MAX + 1], struct buf *text, char *err, size_t errlen)
{
	struct notify_actions *a = calloc(1, sizeof(*a));
	int ret;

	if (!a)
		return util_errc(-ENOMEM, err, errlen, "out of memory");
	plan_actions(p, m, a);
	ret = notify_incident_text(finding_json, a, subject, text, err, errlen);
	free(a);
	return ret;
}

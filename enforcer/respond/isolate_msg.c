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

#include "isolate.h"

static const struct isolate_step *step_of(const struct isolate_plan *p, enum isolate_act act,
					  const char *target)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->s[i].act == act && (!target || !strcmp(p->s[i].target, target)))
			return &p->s[i];
	return NULL;
}

static void one_eni(const struct isolate_plan *p, const struct isolate_eni *pe,
		    struct notify_actions *a)
{
	const struct isolate_step *f = step_of(p, ISO_FORENSIC, pe->id);
	struct notify_eni *e;

	if (!f && !pe->in_forensic)
		return;   /* not moved (no forensic group): nothing to say of it */
	e = &a->eni[a->n_eni++];
	util_strlcpy(e->id, pe->id, sizeof(e->id));
	util_strlcpy(e->old_groups, *pe->orig ? pe->orig : "unknown", sizeof(e->old_groups));
	if (!f) {
		/* In the forensic group already: the name says which. */
		util_strlcpy(e->new_groups, pe->now, sizeof(e->new_groups));
		e->done = true;
		return;
	}
	util_strlcpy(e->new_groups, f->groups[0], sizeof(e->new_groups));
	e->done = f->state == ISO_DONE;
	e->pending = f->state == ISO_TODO;
	if (f->state == ISO_FAILED)
		util_strlcpy(e->error, f->error, sizeof(e->error));
	else if (f->state == ISO_NOT_TRIED)
		util_strlcpy(e->error, "not tried: no time was left", sizeof(e->error));
}

void isolate_actions(const struct isolate_plan *p, const struct isolate_msg *m,
		     struct notify_actions *a)
{
	const struct isolate_step *t = step_of(p, ISO_TAG_INSTANCE, NULL);

	memset(a, 0, sizeof(*a));
	util_strlcpy(a->incident_id, p->incident, sizeof(a->incident_id));
	util_strlcpy(a->mode, m->mode ? m->mode : "isolate", sizeof(a->mode));
	a->host_locked = m->host_locked;
	a->lockdown_ms = m->lockdown_ms;
	a->off_host = m->off_host;
	util_strlcpy(a->gd_finding_id, m->gd_finding_id ? m->gd_finding_id : "",
		     sizeof(a->gd_finding_id));
	util_strlcpy(a->gd_region, m->gd_region ? m->gd_region : "", sizeof(a->gd_region));
	for (size_t i = 0; i < p->n_eni && a->n_eni < NOTIFY_MAX_ENIS; i++)
		one_eni(p, &p->eni[i], a);
	if ((t && t->state == ISO_DONE) ||
	    (!t && p->before.status == CLOUD_STATUS_ISOLATED && *p->before.incident))
		snprintf(a->tags, sizeof(a->tags), "cordon:incident=%s, cordon:status=isolated",
			 p->incident);
	for (size_t i = 0; i < p->n; i++) {
		const struct isolate_step *s = &p->s[i];

		if (s->act == ISO_PROTECT && s->state == ISO_DONE)
			a->termination_protection = true;
		if (s->act == ISO_SNAPSHOT && s->state == ISO_DONE && a->n_snapshots < NOTIFY_MAX_SNAPS)
			snprintf(a->snapshots[a->n_snapshots++], sizeof(a->snapshots[0]), "%s of %s",
				 s->out_id, s->target);
		/* Moves say their error on their own line; messages are not actions. */
		if (s->state == ISO_FAILED && s->act != ISO_FORENSIC && s->act != ISO_SNS &&
		    s->act != ISO_EVENTS && s->act != ISO_SECHUB)
			notify_actions_error(a, "%s %s: %s", isolate_act_name(s->act), s->target,
					     s->error);
	}
	for (size_t i = 0; i < p->n_notes; i++)
		notify_actions_error(a, "%s", p->notes[i]);
}

int isolate_message(const struct isolate_plan *p, const char *finding_json,
		    const struct isolate_msg *m, char subject[NOTIFY_SUBJECT_MAX + 1],
		    struct buf *text, char *err, size_t errlen)
{
	struct notify_actions *a = calloc(1, sizeof(*a));
	int ret;

	if (!a)
		return util_errc(-ENOMEM, err, errlen, "out of memory");
	isolate_actions(p, m, a);
	ret = notify_incident_text(finding_json, a, subject, text, err, errlen);
	free(a);
	return ret;
}

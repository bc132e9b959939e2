/* SPDX-License-Identifier: MIT */
/*
 * The isolation plan: pure, from what EC2 says of the instance (groups)
 * and what its tags say cordon did already. Built again at any point
 * of an isolation, it holds exactly what is left, in the same order.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "isolate.h"

static void __printf(2, 3) note(struct isolate_plan *p, const char *fmt, ...)
{
	va_list ap;

	if (p->n_notes == ISOLATE_MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(p->notes[p->n_notes++], sizeof(p->notes[0]), fmt, ap);
	va_end(ap);
}

static struct isolate_step *add(struct isolate_plan *p, enum isolate_act act, const char *target)
{
	struct isolate_step *s;

	/* Sized for the caps on interfaces and volumes: never full. */
	if (p->n == ISOLATE_MAX_STEPS)
		return NULL;
	s = &p->s[p->n++];
	memset(s, 0, sizeof(*s));
	s->act = act;
	util_strlcpy(s->target, target ? target : "", sizeof(s->target));
	return s;
}

/* "sg-1, sg-2" */
static void join(const char (*g)[CLOUD_ID_LEN], size_t n, char *out, size_t len)
{
	size_t off = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(out + off, len - off, "%s%s", i ? ", " : "", g[i]);
}

static bool only_in(const struct cloud_eni *e, const char *sg)
{
	return sg && *sg && e->n_groups == 1 && !strcmp(e->groups[0], sg);
}

static bool token_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n > 0 && n < CLOUD_ID_LEN && !strpbrk(s, " \t\r\n,=&");
}

/* The interfaces: what is known of each, and the tag steps. */
static void plan_enis(const struct cloud_instance *in, const struct cloud_tagset tags[],
		      const struct isolate_cfg *cfg, struct isolate_plan *p)
{
	bool moving = cfg->forensic_sg && *cfg->forensic_sg;

	for (size_t i = 0; i < in->n_eni; i++) {
		const struct cloud_eni *e = &in->eni[i];
		struct isolate_eni *pe = &p->eni[p->n_eni++];
		char orig[CLOUD_MAX_GROUPS][CLOUD_ID_LEN], why[ERRLEN];
		bool cordons = only_in(e, cfg->forensic_sg) || only_in(e, cfg->conversion_sg);
		size_t n = 0;
		int rc;

		util_strlcpy(pe->id, e->id, sizeof(pe->id));
		pe->device_index = e->device_index;
		join((const char (*)[CLOUD_ID_LEN])e->groups, e->n_groups, pe->now, sizeof(pe->now));
		pe->in_forensic = only_in(e, cfg->forensic_sg);
		rc = cloud_tags_join_groups(&tags[i + 1], orig, &n, why, sizeof(why));
		if (!rc) {
			join((const char (*)[CLOUD_ID_LEN])orig, n, pe->orig, sizeof(pe->orig));
			continue;
		}
		if (rc != -ENOENT) {
			/* Someone broke them: leave them for a person, move all the same. */
			note(p, "%s: %s; its tags are left as they are", e->id, why);
			continue;
		}
		if (cordons) {
			note(p, "%s is in %s without cordon:original-groups: its groups from before "
			     "are not known", e->id, pe->now);
			continue;
		}
		util_strlcpy(pe->orig, pe->now, sizeof(pe->orig));
		if (moving) {
			struct isolate_step *s = add(p, ISO_TAG_ENI, e->id);

			if (!s)
				continue;
			memcpy(s->groups, e->groups, sizeof(s->groups));
			s->n_groups = e->n_groups;
		}
	}
}

/* Conversion then forensic, for the interfaces with (primary) or without device 0. */
static void plan_moves(const struct cloud_instance *in, const struct isolate_cfg *cfg,
		       struct isolate_plan *p, bool primary)
{
	for (size_t i = 0; i < in->n_eni; i++) {
		const struct cloud_eni *e = &in->eni[i];
		struct isolate_step *s;

		if ((e->device_index == 0) != primary || only_in(e, cfg->forensic_sg))
			continue;
		if (cfg->conversion_sg && *cfg->conversion_sg && !only_in(e, cfg->conversion_sg) &&
		    (s = add(p, ISO_CONVERT, e->id))) {
			util_strlcpy(s->groups[0], cfg->conversion_sg, CLOUD_ID_LEN);
			s->n_groups = 1;
			s->primary = primary;
		}
		if ((s = add(p, ISO_FORENSIC, e->id))) {
			util_strlcpy(s->groups[0], cfg->forensic_sg, CLOUD_ID_LEN);
			s->n_groups = 1;
			s->primary = primary;
		}
	}
}

int isolate_plan_build(const struct cloud_instance *in, const struct cloud_tagset tags[],
		       const struct isolate_cfg *cfg, const char *incident, const char *finding_id,
		       struct isolate_plan *p, char *err, size_t errlen)
{
	bool moving = cfg->forensic_sg && *cfg->forensic_sg, isolated;
	char why[ERRLEN];

	memset(p, 0, sizeof(*p));
	if (!token_ok(in->id) || in->n_eni > CLOUD_MAX_ENIS || in->n_volumes > CLOUD_MAX_VOLUMES)
		return util_err(err, errlen, "isolation plan: no instance id, or over a cap");
	util_strlcpy(p->instance, in->id, sizeof(p->instance));
	if (cloud_tags_isolation(&tags[0], &p->before, why, sizeof(why))) {
		note(p, "%s: %s; cordon's instance tags are written again", in->id, why);
		memset(&p->before, 0, sizeof(p->before));
		p->tags_unreadable = true;
	}
	isolated = p->before.status == CLOUD_STATUS_ISOLATED && *p->before.incident;
	/* One instance, one incident: a later event joins the one in its tags. */
	util_strlcpy(p->incident, isolated ? p->before.incident : incident ? incident : "",
		     sizeof(p->incident));
	util_strlcpy(p->finding, isolated && *p->before.finding ? p->before.finding :
		     finding_id ? finding_id : "", sizeof(p->finding));
	if (!token_ok(p->incident))
		return util_err(err, errlen, "isolation plan %s: no incident id", in->id);
	if (*p->finding && !token_ok(p->finding))
		return util_err(err, errlen, "isolation plan %s: bad finding id", in->id);

	plan_enis(in, tags, cfg, p);
	if (moving && cfg->tag_instance && !isolated)
		add(p, ISO_TAG_INSTANCE, in->id);
	if (!cfg->finish) {
		if (cfg->sns)
			add(p, ISO_SNS, NULL);
		if (cfg->events)
			add(p, ISO_EVENTS, NULL);
		if (cfg->securityhub)
			add(p, ISO_SECHUB, NULL);
	}
	if (moving && cfg->termination_protection)
		add(p, ISO_PROTECT, in->id);
	for (size_t i = 0; moving && cfg->snapshot_volumes && !cfg->finish && i < in->n_volumes; i++)
		add(p, ISO_SNAPSHOT, in->volumes[i]);
	if (moving) {
		plan_moves(in, cfg, p, false);
		plan_moves(in, cfg, p, true);
	}
	return 0;
}

const char *isolate_act_name(enum isolate_act act)
{
	switch (act) {
	case ISO_TAG_ENI: return "ec2_tag_eni";
	case ISO_TAG_INSTANCE: return "ec2_tag";
	case ISO_SNS: return "sns_publish";
	case ISO_EVENTS: return "events_put";
	case ISO_SECHUB: return "securityhub_import";
	case ISO_PROTECT: return "ec2_protect";
	case ISO_SNAPSHOT: return "ec2_snapshot";
	case ISO_CONVERT: return "ec2_convert_eni";
	case ISO_FORENSIC: return "ec2_isolate_eni";
	}
	return "unknown";
}

const char *isolate_state_name(enum isolate_state st)
{
	switch (st) {
	case ISO_TODO: return "todo";
	case ISO_DONE: return "done";
	case ISO_FAILED: return "failed";
	case ISO_NOT_TRIED: return "not tried";
	}
	return "unknown";
}

/* SPDX-License-Identifier: MIT */
/*
 * The isolation plan (plan.h): pure, from the configuration, what EC2
 * says of the instance (groups) and what its tags say cordon did
 * already. Built again at any point of an isolation, it holds exactly
 * what is left, in the same order.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "plan.h"

const char *plan_act_name(uint8_t act, bool convert)
{
	switch (act) {
	case PLAN_DESCRIBE: return "ec2_describe";
	case PLAN_SET_GROUPS: return convert ? "ec2_convert_eni" : "ec2_isolate_eni";
	case PLAN_TAGS: return "ec2_tag";
	case PLAN_PROTECT: return "ec2_protect";
	case PLAN_SNAPSHOT: return "ec2_snapshot";
	case PLAN_SNS: return "sns_publish";
	case PLAN_EVENTS: return "events_put";
	case PLAN_SECHUB: return "securityhub_import";
	case PLAN_TAG_ENI: return "ec2_tag_eni";
	}
	return "unknown";
}

const char *plan_state_name(uint8_t state)
{
	switch (state) {
	case PLAN_TODO: return "todo";
	case PLAN_DONE: return "done";
	case PLAN_FAILED: return "failed";
	case PLAN_NOT_TRIED: return "not tried";
	}
	return "unknown";
}

bool plan_act_tells(uint8_t act)
{
	return act == PLAN_SNS || act == PLAN_EVENTS || act == PLAN_SECHUB;
}

int plan_last_primary(const struct plan *p)
{
	for (size_t i = p->n; i-- > 0;)
		if (p->s[i].primary)
			return (int)i;
	return -1;
}

static void __printf(2, 3) note(struct plan *p, const char *fmt, ...)
{
	va_list ap;

	if (p->n_notes == PLAN_MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(p->notes[p->n_notes++], sizeof(p->notes[0]), fmt, ap);
	va_end(ap);
}

static struct plan_step *add(struct plan *p, uint8_t act, const char *target, bool convert)
{
	struct plan_step *s;

	/* Sized for the caps on interfaces and volumes: never full. */
	if (p->n == PLAN_MAX)
		return NULL;
	s = &p->s[p->n++];
	memset(s, 0, sizeof(*s));
	s->act = act;
	s->convert = convert;
	s->eni = -1;
	util_strlcpy(s->action, plan_act_name(act, convert), sizeof(s->action));
	util_strlcpy(s->target, target ? target : "", sizeof(s->target));
	return s;
}

static bool set(const char *s)
{
	return s && *s;
}

static bool only_in(const struct cloud_eni *e, const char *sg)
{
	return set(sg) && e->n_groups == 1 && !strcmp(e->groups[0], sg);
}

/* Its groups now are cordon's: it was isolated before this plan. */
static bool cordons(const struct plan_cfg *c, const struct cloud_eni *e)
{
	return only_in(e, c->forensic_sg) || only_in(e, c->conversion_sg);
}

static bool token_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n > 0 && n < CLOUD_ID_LEN && !strpbrk(s, " \t\r\n,=&");
}

/* "sg-1, sg-2" */
static void join(const char (*g)[CLOUD_ID_LEN], size_t n, char *out, size_t len)
{
	size_t off = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(out + off, len - off, "%s%s", i ? ", " : "", g[i]);
}

/* The same ids, in any order: EC2 need not list them as they were tagged. */
static bool same_groups(const char (*a)[CLOUD_ID_LEN], size_t na, const struct cloud_eni *e)
{
	if (na != e->n_groups)
		return false;
	for (size_t i = 0; i < na; i++) {
		size_t j = 0;

		while (j < e->n_groups && strcmp(a[i], e->groups[j]))
			j++;
		if (j == e->n_groups)
			return false;
	}
	return true;
}

/* Whether an interface carries any key of cordon:original-groups. */
static bool has_orig_keys(const struct cloud_tagset *ts)
{
	for (size_t i = 0; i < ts->n; i++)
		if (!strncmp(ts->t[i].key, CLOUD_TAG_ORIG, sizeof(CLOUD_TAG_ORIG) - 1))
			return true;
	return false;
}

/*
 * Interface i's groups from before cordon, and whether it still needs
 * them recorded on it. The tags are believed only where cordon's move
 * shows they were needed (the interface is in cordon's groups) or where
 * they say what its groups are now: whoever may tag the interface (the
 * host itself, before isolation) could otherwise name the groups a
 * release puts it in. Not believed, they are written again, and any
 * spill key left of them is deleted (s->clear).
 */
static bool needs_tag(const struct plan_cfg *c, const struct cloud_instance *in,
		      const struct cloud_tagset *tags, size_t i, struct plan *p, bool *clear)
{
	const struct cloud_eni *e = &in->eni[i];
	char orig[CLOUD_MAX_GROUPS][CLOUD_ID_LEN], why[ERRLEN], now[200];
	size_t n = 0;
	int rc = -ENOENT;

	*clear = false;
	join((const char (*)[CLOUD_ID_LEN])e->groups, e->n_groups, now, sizeof(now));
	if (tags)
		rc = cloud_tags_join_groups(&tags[i + 1], orig, &n, why, sizeof(why));
	if (!rc && (cordons(c, e) || same_groups((const char (*)[CLOUD_ID_LEN])orig, n, e))) {
		join((const char (*)[CLOUD_ID_LEN])orig, n, p->orig[i], sizeof(p->orig[i]));
		return false;
	}
	if (cordons(c, e)) {
		if (rc != -ENOENT)
			/* Someone broke them: leave them for a person, move all the same. */
			note(p, "%s: %s; its tags are left as they are", e->id, why);
		else if (tags)
			note(p, "%s is in %s without cordon:original-groups: its groups from "
			     "before are not known", e->id, now);
		return false;
	}
	if (!rc) {
		char was[200];

		join((const char (*)[CLOUD_ID_LEN])orig, n, was, sizeof(was));
		note(p, "%s: cordon:original-groups says %s while it is in %s: not believed, "
		     "written again", e->id, was, now);
	} else if (rc != -ENOENT) {
		note(p, "%s: %s; written again from its groups %s", e->id, why, now);
	}
	*clear = tags && has_orig_keys(&tags[i + 1]);
	util_strlcpy(p->orig[i], now, sizeof(p->orig[i]));
	return e->n_groups > 0;
}

static void add_move(struct plan *p, const struct plan_cfg *c, const struct cloud_instance *in,
		     size_t i, const char *group, bool convert)
{
	struct plan_step *s = add(p, PLAN_SET_GROUPS, in->eni[i].id, convert);

	if (s) {
		util_strlcpy(s->group, group, sizeof(s->group));
		s->eni = (int)i;
		s->primary = in->eni[i].device_index == 0;
		s->cordons = cordons(c, &in->eni[i]);
	}
}

/* Conversion then forensic, for the secondary interfaces or the primary. */
static void add_moves(struct plan *p, const struct plan_cfg *c, const struct cloud_instance *in,
		      bool primary)
{
	for (size_t i = 0; i < in->n_eni; i++) {
		const struct cloud_eni *e = &in->eni[i];

		if ((e->device_index == 0) != primary || only_in(e, c->forensic_sg))
			continue;
		if (set(c->conversion_sg) && !only_in(e, c->conversion_sg))
			add_move(p, c, in, i, c->conversion_sg, true);
		add_move(p, c, in, i, c->forensic_sg, false);
	}
}

/* Who the plan is for: one instance, one incident (the tags' when isolated). */
static int identify(const struct plan_cfg *c, const struct cloud_instance *in,
		    const struct cloud_tagset *tags, struct plan *p, char *err, size_t errlen)
{
	char why[ERRLEN];
	bool isolated;

	if (in && (!token_ok(in->id) || in->n_eni > CLOUD_MAX_ENIS ||
		   in->n_volumes > CLOUD_MAX_VOLUMES))
		return util_err(err, errlen, "isolation plan: no instance id, or over a cap");
	if (tags && cloud_tags_isolation(&tags[0], &p->before, why, sizeof(why))) {
		note(p, "%s: %s; cordon's instance tags are written again", in ? in->id : "", why);
		memset(&p->before, 0, sizeof(p->before));
	}
	isolated = p->before.status == CLOUD_STATUS_ISOLATED && *p->before.incident;
	util_strlcpy(p->incident, isolated ? p->before.incident : c->incident ? c->incident : "",
		     sizeof(p->incident));
	util_strlcpy(p->finding, isolated && *p->before.finding ? p->before.finding :
		     c->finding_id ? c->finding_id : "", sizeof(p->finding));
	if (!token_ok(p->incident))
		return util_err(err, errlen, "isolation plan %s: no incident id",
				in ? in->id : c->instance_id ? c->instance_id : "");
	if (*p->finding && !token_ok(p->finding))
		return util_err(err, errlen, "isolation plan %s: bad finding id",
				in ? in->id : c->instance_id ? c->instance_id : "");
	return 0;
}

int plan_build(const struct plan_cfg *c, const struct cloud_instance *in,
	       const struct cloud_tagset *tags, struct plan *p, char *err, size_t errlen)
{
	bool ec2 = set(c->forensic_sg), isolated;
	const char *iid;
	int ret;

	memset(p, 0, sizeof(*p));
	if (!in)
		tags = NULL;
	ret = identify(c, in, tags, p, err, errlen);
	if (ret) {
		memset(p, 0, sizeof(*p));
		return ret;
	}
	util_strlcpy(p->forensic, ec2 ? c->forensic_sg : "", sizeof(p->forensic));
	if (ec2 && !in) {
		add(p, PLAN_DESCRIBE, c->instance_id, false);
		return 0;
	}
	p->inst = in;
	iid = in ? in->id : c->instance_id;
	isolated = p->before.status == CLOUD_STATUS_ISOLATED && *p->before.incident;
	for (size_t i = 0; ec2 && i < in->n_eni; i++) {
		bool clear;

		if (needs_tag(c, in, tags, i, p, &clear)) {
			struct plan_step *s = add(p, PLAN_TAG_ENI, in->eni[i].id, false);

			if (s) {
				s->eni = (int)i;
				s->clear = clear;
			}
		}
	}
	if (ec2 && c->tag_instance && !isolated)
		add(p, PLAN_TAGS, iid, false);
	if (!c->finish) {
		if (set(c->sns_topic))
			add(p, PLAN_SNS, c->sns_topic, false);
		if (c->events_bus)
			add(p, PLAN_EVENTS, c->events_bus, false);
		if (c->securityhub)
			add(p, PLAN_SECHUB, p->finding, false);
	}
	if (ec2) {
		if (c->termination_protection)
			add(p, PLAN_PROTECT, iid, false);
		for (size_t i = 0; c->snapshot_volumes && !c->finish && i < in->n_volumes; i++)
			add(p, PLAN_SNAPSHOT, in->volumes[i], false);
		add_moves(p, c, in, false);
		add_moves(p, c, in, true);
	}
	p->complete = true;
	return 0;
}

/* SPDX-License-Identifier: MIT */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_impl.h"
#include "log.h"

/*
 * Steps 3 to 5 of an incident: the plan (respond/plan.h, the one the
 * off-host responder runs too, built from the configuration and the
 * journaled description of the instance), run one step at a time in the
 * AWS process (plan_call_run). What is done, how often it was
 * tried and what failed are read from the journal each time, never kept
 * beside it: a restart, a dead AWS process or a replay all resume the
 * same way. A step's intent is durable before its request is sent.
 *
 * The plan ends with the primary interface's move, after which the host
 * has no API (its own security groups cut it off): the SNS message waits
 * until every step before it was tried once, the primary's move until
 * every step before it is done or was tried DAEMON_HANDOVER_TRIES times.
 * A step that fails meanwhile is tried again with backoff; once the
 * primary has moved, whatever is not done is handed over to the off-host
 * responder (journaled as such), not retried for ever. Two follow-ups
 * are owed outside the plan, each tried a few times at most: the
 * "sns_update", just before the primary moves, when the first message
 * told of failures and every step before the cut is done now; and the
 * "sns_followup" when a GuardDuty finding confirmed the incident after
 * the first message (tried even after the cut: GuardDuty's answer proves
 * the API is there after all).
 */

#define SEC NSEC_PER_SEC

static bool cloud_wanted(const struct daemon *d)
{
	return *d->o->forensic_sg || *d->o->sns_topic || d->o->events_bus_on ||
	       d->o->securityhub;
}

void daemon_cloud_reset(struct daemon *d)
{
	uint32_t seq = d->cloud.seq;

	/* The sequence goes on: a late answer for the last incident's step must not
	 * pass for one of the next. */
	memset(&d->cloud, 0, sizeof(d->cloud));
	d->cloud.seq = seq;
}

void daemon_cloud_lost(struct daemon *d)
{
	if (d->cloud.inflight)
		log_warnx("incident %s: %s %s lost with the AWS process; it is tried again",
			  d->inc.id, d->cloud.inflight_action, d->cloud.inflight_target);
	d->cloud.inflight = false;
}

/* The description the journal holds (parsed again only when it changes). */
static const struct cloud_instance *described(struct daemon *d)
{
	const struct journal_action *a =
		daemon_journal_action(d, "ec2_describe", d->instance_id);
	struct cloud_run *c = &d->cloud;

	if (!a || a->state != JOURNAL_DONE || !a->result)
		return NULL;
	if (c->inst_seq != a->seq) {
		c->inst_seq = a->seq;
		c->have_inst = plan_instance_from_json(a->result, &c->inst);
		if (!c->have_inst)
			log_warnx("incident %s: the journaled description of %s is unusable",
				  d->inc.id, d->instance_id);
	}
	return c->have_inst ? &c->inst : NULL;
}

/* The plan as of now: a pure function of the configuration and the journal. */
static void plan_now(struct daemon *d, struct plan *p)
{
	const struct run_opts *o = d->o;
	struct plan_cfg c = {
		.instance_id = d->instance_id,
		.incident = d->inc.id,
		.finding_id = d->inc.finding_id,
		.forensic_sg = o->forensic_sg,
		.conversion_sg = o->conversion_sg,
		.sns_topic = o->sns_topic,
		.events_bus = o->events_bus_on ? o->events_bus : NULL,
		.securityhub = o->securityhub,
		.tag_instance = o->tag_instance,
		.termination_protection = o->termination_protection,
		.snapshot_volumes = o->snapshot_volumes,
	};
	char err[ERRLEN];

	/* Its own tags are not read here: IMDS tells the agent of an outside isolation. */
	if (plan_build(&c, described(d), NULL, p, err, sizeof(err)) && !d->cloud.plan_warned) {
		log_warnx("incident %s: no cloud plan: %s", d->inc.id, err);
		d->cloud.plan_warned = true;
	}
}

static const struct journal_action *jstep(const struct daemon *d, const struct plan_step *s)
{
	return daemon_journal_action(d, s->action, s->target);
}

static bool step_done(const struct daemon *d, const struct plan_step *s)
{
	const struct journal_action *a = jstep(d, s);

	return a && a->state == JOURNAL_DONE;
}

static unsigned step_attempts(const struct daemon *d, const struct plan_step *s)
{
	const struct journal_action *a = jstep(d, s);

	return a ? a->attempts : 0;
}

static struct cloud_wait *wait_slot(struct daemon *d, const struct plan_step *s)
{
	struct cloud_run *c = &d->cloud;
	char key[sizeof(c->wait[0].key)];

	snprintf(key, sizeof(key), "%s:%s", s->action, s->target);
	for (size_t i = 0; i < c->n_wait; i++)
		if (!strcmp(c->wait[i].key, key))
			return &c->wait[i];
	if (c->n_wait == ARRAY_SIZE(c->wait))
		return NULL;
	memset(&c->wait[c->n_wait], 0, sizeof(c->wait[0]));
	util_strlcpy(c->wait[c->n_wait].key, key, sizeof(c->wait[0].key));
	return &c->wait[c->n_wait++];
}

static void wait_until(struct daemon *d, const struct plan_step *s, uint64_t when)
{
	struct cloud_wait *w = wait_slot(d, s);

	if (w)
		w->next_ns = when;
}

/* Tried once (or its request could not be made): the message may go. */
static bool tried(struct daemon *d, const struct plan_step *s)
{
	struct cloud_wait *w = wait_slot(d, s);

	return step_done(d, s) || step_attempts(d, s) > 0 || (w && w->skipped);
}

/* Done, or tried as often as it will be before the cut. */
static bool settled(struct daemon *d, const struct plan_step *s)
{
	struct cloud_wait *w = wait_slot(d, s);

	return step_done(d, s) || step_attempts(d, s) >= DAEMON_HANDOVER_TRIES ||
	       (w && w->skipped);
}

/* The primary interface moved, or its move will not be tried again. */
static bool past_primary(const struct daemon *d, const struct plan *p)
{
	int last = plan_last_primary(p);

	return last >= 0 && (step_done(d, &p->s[last]) ||
			     step_attempts(d, &p->s[last]) >= DAEMON_HANDOVER_TRIES);
}

/*
 * What is not done when the host lost its API is the responder's now:
 * journaled once (a failure record naming the hand-over for each step,
 * the incident's status, and "hand_over" done as the mark), so that
 * `cordon status` and a restart see it.
 */
static void hand_over(struct daemon *d, const struct plan *p)
{
	const struct journal_action *mark = daemon_journal_action(d, "hand_over", "responder");
	cJSON *res;
	char names[512] = "";
	size_t off = 0, n = 0;

	if (mark && mark->state == JOURNAL_DONE)
		return;
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_step *s = &p->s[i];
		const struct journal_action *a = jstep(d, s);

		if (step_done(d, s))
			continue;
		n++;
		if (off + 2 < sizeof(names))
			off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s %s",
						off ? ", " : "", s->action, s->target);
		if (!a || strcmp(a->error, DAEMON_HANDOVER_ERROR))
			daemon_journal_failed(d, s->action, s->target, DAEMON_HANDOVER_ERROR,
					      a ? a->attempts : 0);
	}
	if (n)
		log_warnx("incident %s: the primary interface moved and the host has no API now; "
			  "%zu step(s) handed over to the off-host responder: %s", d->inc.id, n,
			  names);
	else
		log_info("incident %s: every cloud step is done; the host has no API now",
			 d->inc.id);
	if (d->j && journal_incident_status(d->j, d->inc.id, n ? "handed_over" : "isolated"))
		log_warnx("journal: %s", journal_error(d->j));
	res = cJSON_CreateObject();
	if (res)
		cJSON_AddNumberToObject(res, "steps", (double)n);
	daemon_journal_done(d, "hand_over", "responder", res);
	cJSON_Delete(res);
}

bool daemon_cloud_handed_over(struct daemon *d)
{
	struct plan *p;
	bool r;

	if (!d->inc.active || !d->inc.journaled)
		return false;
	p = malloc(sizeof(*p));
	if (!p)
		return false;
	plan_now(d, p);
	r = past_primary(d, p);
	free(p);
	return r;
}

static void extra_step(struct plan_step *s, const char *action, const char *topic)
{
	memset(s, 0, sizeof(*s));
	s->act = PLAN_SNS;
	s->eni = -1;
	util_strlcpy(s->action, action, sizeof(s->action));
	util_strlcpy(s->target, topic, sizeof(s->target));
}

/* A follow-up still owed: not done, not given up on. */
static bool extra_owed(struct daemon *d, const struct plan_step *s)
{
	return !step_done(d, s) && step_attempts(d, s) < DAEMON_HANDOVER_TRIES;
}

static bool extra_waiting(struct daemon *d, const struct plan_step *s, uint64_t now)
{
	struct cloud_wait *w = wait_slot(d, s);

	return w && w->next_ns > now;
}

/*
 * "sns_update": the first message said something had failed (its
 * journaled result) and every isolating step before the cut (the first
 * move of the primary interface, or the plan's end) is done now. It
 * goes before the cut: after it nothing would reach SNS.
 */
static bool update_owed(struct daemon *d, const struct plan *p, size_t upto, struct plan_step *s)
{
	const struct journal_action *a;

	if (!*d->o->sns_topic)
		return false;
	a = daemon_journal_action(d, "sns_publish", d->o->sns_topic);
	if (!a || a->state != JOURNAL_DONE ||
	    !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a->result, "incomplete")))
		return false;
	for (size_t i = 0; i < upto; i++)
		if (!plan_act_tells(p->s[i].act) && !step_done(d, &p->s[i]))
			return false;
	extra_step(s, "sns_update", d->o->sns_topic);
	return extra_owed(d, s);
}

/* "sns_followup": GuardDuty confirmed the incident after the first message. */
static bool followup_owed(struct daemon *d, struct plan_step *s)
{
	const struct journal_action *a;
	const char *gd = daemon_journal_gd_finding(d), *told;

	if (!*d->o->sns_topic)
		return false;
	a = daemon_journal_action(d, "sns_publish", d->o->sns_topic);
	if (!a || a->state != JOURNAL_DONE || !*gd)
		return false;
	told = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a->result, "guardduty"));
	if (told && !strcmp(told, gd))
		return false;
	extra_step(s, "sns_followup", d->o->sns_topic);
	return extra_owed(d, s);
}

/*
 * The next step to try, or NULL; *extra holds a follow-up when that is
 * the one. The update owed before the cut goes ahead of the primary's
 * first move, which waits for it.
 */
static const struct plan_step *next_step(struct daemon *d, const struct plan *p, uint64_t now,
					 struct plan_step *extra)
{
	size_t first_primary = p->n;

	for (size_t i = 0; i < p->n; i++)
		if (p->s[i].primary) {
			first_primary = i;
			break;
		}
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_step *s = &p->s[i];
		struct cloud_wait *w = wait_slot(d, s);
		bool waiting = false;

		if (step_done(d, s) || (w && w->next_ns > now))
			continue;
		for (size_t k = 0; k < i && !waiting; k++) {
			/* The message tells what was tried; the primary goes last. */
			if (s->act == PLAN_SNS)
				waiting = !tried(d, &p->s[k]);
			else if (s->primary)
				waiting = !settled(d, &p->s[k]);
		}
		if (waiting)
			continue;
		if (s->primary && update_owed(d, p, first_primary, extra))
			return extra_waiting(d, extra, now) ? NULL : extra;
		return s;
	}
	/* Without a primary to move (no EC2 isolation): once all is done. */
	if (first_primary == p->n && p->complete && update_owed(d, p, p->n, extra) &&
	    !extra_waiting(d, extra, now))
		return extra;
	return NULL;
}

static uint64_t backoff_ns(unsigned attempts)
{
	uint64_t s = 2;

	while (attempts-- > 1 && s < 300)
		s *= 2;
	return (s > 300 ? 300 : s) * SEC;
}

void daemon_cloud_tick(struct daemon *d, uint64_t now)
{
	struct cloud_run *c = &d->cloud;
	struct ipc_a_action *m = NULL;
	const struct plan_step *next = NULL;
	struct plan_step extra, s;
	cJSON *params = NULL;
	struct plan *p = NULL;
	bool incomplete = false;
	int rc;

	if (!d->inc.active || !d->inc.journaled || d->inc.outside || c->inflight ||
	    !cloud_wanted(d) || d->aws.fd < 0 || !d->aws.ready)
		return;
	p = malloc(sizeof(*p));
	m = calloc(1, sizeof(*m));
	if (!p || !m)
		goto out;
	plan_now(d, p);
	if (past_primary(d, p))
		hand_over(d, p);
	else
		next = next_step(d, p, now, &extra);
	/* GuardDuty answered us, so the API may be there after all: tried even now. */
	if (!next && p->complete && followup_owed(d, &extra) && !extra_waiting(d, &extra, now))
		next = &extra;
	if (!next)
		goto out;
	if (next == &extra && step_attempts(d, &extra) == 0)
		log_info("incident %s: %s", d->inc.id, !strcmp(extra.action, "sns_update") ?
			 "every step that had failed is done now; telling SNS again before the "
			 "primary interface moves" : "GuardDuty confirmed the incident; telling SNS");
	s = *next;
	if (!daemon_cloud_request(d, p, &s, m, &params, &incomplete)) {
		struct cloud_wait *w = wait_slot(d, &s);

		if (w)
			w->skipped = true;
		wait_until(d, &s, now + 5 * SEC);
		goto out;
	}
	/* The intent is on disk before the call, or there is no call. */
	rc = daemon_journal_intent(d, s.action, s.target, params);
	if (rc) {
		wait_until(d, &s, now + SEC);
		goto out;
	}
	m->seq = ++c->seq;
	if (ipc_send(d->aws.fd, IPC_A_ACTION, m, sizeof(*m))) {
		log_warnx("incident %s: cannot reach the AWS process", d->inc.id);
		wait_until(d, &s, now + SEC);
		goto out;
	}
	c->inflight = true;
	c->inflight_seq = m->seq;
	util_strlcpy(c->inflight_action, s.action, sizeof(c->inflight_action));
	util_strlcpy(c->inflight_target, s.target, sizeof(c->inflight_target));
	util_strlcpy(c->inflight_group, s.group, sizeof(c->inflight_group));
	c->inflight_incomplete = incomplete;
	util_strlcpy(c->inflight_gd, s.act == PLAN_SNS ? daemon_cloud_msg_gd(d) : "",
		     sizeof(c->inflight_gd));
out:
	cJSON_Delete(params);
	free(m);
	free(p);
}

static void log_described(const struct daemon *d, const struct cloud_instance *in)
{
	for (size_t i = 0; i < in->n_eni; i++) {
		char g[200] = "";
		size_t off = 0;

		for (size_t k = 0; k < in->eni[i].n_groups && off + 2 < sizeof(g); k++)
			off += (size_t)snprintf(g + off, sizeof(g) - off, "%s%s", k ? "," : "",
						in->eni[i].groups[k]);
		log_info("incident %s: %s has interface %s (device %d) in %s", d->inc.id,
			 in->id, in->eni[i].id, in->eni[i].device_index, g);
	}
}

/* What the journal keeps of a step done. */
static cJSON *result_of(struct daemon *d, const struct ipc_a_action_done *m, const char *out_id)
{
	struct cloud_run *c = &d->cloud;
	cJSON *res;

	if (m->act == PLAN_DESCRIBE) {
		log_described(d, &m->inst);
		return plan_instance_json(&m->inst);
	}
	res = cJSON_CreateObject();
	if (res && *out_id)
		cJSON_AddStringToObject(res, "id", out_id);
	if (res && !strcmp(c->inflight_action, "sns_publish")) {
		/* The message told of failures: a follow-up is owed once all is done. */
		if (c->inflight_incomplete)
			cJSON_AddTrueToObject(res, "incomplete");
		/* ... and of this GuardDuty finding: no follow-up for that one. */
		if (*c->inflight_gd)
			cJSON_AddStringToObject(res, "guardduty", c->inflight_gd);
	}
	return res;
}

void daemon_cloud_done(struct daemon *d, const struct ipc_a_action_done *m)
{
	struct cloud_run *c = &d->cloud;
	const char *action = c->inflight_action, *target = c->inflight_target;
	char err[sizeof(m->err)], out_id[sizeof(m->out_id)];
	struct plan_step s;
	cJSON *res;

	if (!c->inflight || m->seq != c->inflight_seq)
		return;
	c->inflight = false;
	/* From the AWS process: its texts are terminated here, whatever it sent. */
	memcpy(err, m->err, sizeof(err));
	err[sizeof(err) - 1] = '\0';
	memcpy(out_id, m->out_id, sizeof(out_id));
	out_id[sizeof(out_id) - 1] = '\0';
	memset(&s, 0, sizeof(s));
	util_strlcpy(s.action, action, sizeof(s.action));
	util_strlcpy(s.target, target, sizeof(s.target));
	if (m->rc) {
		unsigned attempts = step_attempts(d, &s);
		uint64_t b = backoff_ns(attempts);

		wait_until(d, &s, util_now_mono_ns() + b);
		log_warnx("incident %s: %s %s failed (attempt %u, again in %llu s): %s",
			  d->inc.id, action, target, attempts, (unsigned long long)(b / SEC), err);
		daemon_journal_failed(d, action, target, err, attempts);
		return;
	}
	if (m->act == PLAN_SET_GROUPS)
		log_info("incident %s: interface %s moved to %s%s", d->inc.id, target,
			 c->inflight_group,
			 !strcmp(action, "ec2_convert_eni") ? " (conversion group)" : "");
	else if (m->act == PLAN_TAG_ENI)
		log_info("incident %s: interface %s carries its original groups as "
			 "cordon:original-groups", d->inc.id, target);
	else if (m->act != PLAN_DESCRIBE)
		log_info("incident %s: %s %s done%s%s", d->inc.id, action, target,
			 *out_id ? ": " : "", out_id);
	res = result_of(d, m, out_id);
	daemon_journal_done(d, action, target, res);
	cJSON_Delete(res);
}

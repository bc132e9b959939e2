/* SPDX-License-Identifier: MIT */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_impl.h"
#include "log.h"

/*
 * Steps 3 to 5 of an incident: the plan (respond/plan.c, built from the
 * configuration and the journaled description of the instance), run one
 * step at a time in the AWS process. What is done, how often it was
 * tried and what failed are read from the journal each time, never kept
 * beside it: a restart, a dead AWS process or a replay all resume the
 * same way. A step's intent is durable before its request is sent. A
 * step that fails is tried again with backoff; the SNS message waits
 * until every step before it was tried once and says what failed; when
 * it did, one more message ("sns_update") follows once all is done.
 */

#define SEC 1000000000ull

static bool cloud_wanted(const struct daemon *d)
{
	return *d->o->forensic_sg || *d->o->sns_topic || d->o->events_bus_on ||
	       d->o->securityhub;
}

bool daemon_cloud_busy(const struct daemon *d)
{
	return d->cloud.inflight;
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
		.forensic_sg = o->forensic_sg,
		.conversion_sg = o->conversion_sg,
		.sns_topic = o->sns_topic,
		.events_bus = o->events_bus_on ? o->events_bus : NULL,
		.finding_id = d->inc.finding_id,
		.tag_instance = o->tag_instance,
		.termination_protection = o->termination_protection,
		.snapshot_volumes = o->snapshot_volumes,
		.securityhub = o->securityhub,
	};

	plan_build(&c, described(d), p);
}

static bool step_done(const struct daemon *d, const char *action, const char *target)
{
	const struct journal_action *a = daemon_journal_action(d, action, target);

	return a && a->state == JOURNAL_DONE;
}

static unsigned step_attempts(const struct daemon *d, const struct plan_step *s)
{
	const struct journal_action *a = daemon_journal_action(d, s->action, s->target);

	return a ? a->attempts : 0;
}

/*
 * The follow-up is owed when the first message said something had failed
 * (its journaled result) and every isolating step is done now.
 */
static bool update_due(const struct daemon *d, const struct plan *p)
{
	const struct journal_action *a = daemon_journal_action(d, "sns_publish", d->o->sns_topic);

	if (!a || a->state != JOURNAL_DONE ||
	    !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a->result, "incomplete")) ||
	    step_done(d, "sns_update", d->o->sns_topic))
		return false;
	for (size_t i = 0; i < p->n; i++)
		if (!plan_act_tells(p->s[i].act) && !step_done(d, p->s[i].action, p->s[i].target))
			return false;
	return true;
}

static char *wait_key(const struct plan_step *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%s", s->action, s->target);
	return buf;
}

static uint64_t *wait_slot(struct daemon *d, const struct plan_step *s)
{
	struct cloud_run *c = &d->cloud;
	char key[sizeof(c->wait[0].key)];

	wait_key(s, key, sizeof(key));
	for (size_t i = 0; i < c->n_wait; i++)
		if (!strcmp(c->wait[i].key, key))
			return &c->wait[i].next_ns;
	if (c->n_wait == ARRAY_SIZE(c->wait))
		return NULL;
	util_strlcpy(c->wait[c->n_wait].key, key, sizeof(c->wait[0].key));
	c->wait[c->n_wait].next_ns = 0;
	return &c->wait[c->n_wait++].next_ns;
}

static void wait_until(struct daemon *d, const struct plan_step *s, uint64_t when)
{
	uint64_t *w = wait_slot(d, s);

	if (w)
		*w = when;
}

/* The next step to try, or NULL. */
static const struct plan_step *next_step(struct daemon *d, const struct plan *p, uint64_t now)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_step *s = &p->s[i];
		uint64_t *w = wait_slot(d, s);
		bool waiting = false;

		if (step_done(d, s->action, s->target) || (w && *w > now))
			continue;
		/* The message waits until every cloud step was tried once. */
		for (size_t k = 0; s->act == PLAN_SNS && k < i; k++)
			waiting |= !step_done(d, p->s[k].action, p->s[k].target) &&
				   step_attempts(d, &p->s[k]) == 0;
		if (!waiting)
			return s;
	}
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
	struct plan_step upd, s;
	const struct plan_step *next;
	cJSON *params = NULL;
	struct plan *p = NULL;
	bool incomplete = false;
	uint64_t *w;
	int rc;

	if (!d->inc.active || !d->inc.journaled || c->inflight || !cloud_wanted(d) ||
	    d->aws.fd < 0 || !d->aws.ready)
		return;
	p = malloc(sizeof(*p));
	m = calloc(1, sizeof(*m));
	if (!p || !m)
		goto out;
	plan_now(d, p);
	next = next_step(d, p, now);
	if (!next && p->complete && *d->o->sns_topic && update_due(d, p)) {
		memset(&upd, 0, sizeof(upd));
		upd.act = PLAN_SNS;
		util_strlcpy(upd.action, "sns_update", sizeof(upd.action));
		util_strlcpy(upd.target, d->o->sns_topic, sizeof(upd.target));
		w = wait_slot(d, &upd);
		next = w && *w > now ? NULL : &upd;
		if (next && step_attempts(d, &upd) == 0)
			log_info("incident %s: every failed step is done now; telling SNS again",
				 d->inc.id);
	}
	if (!next)
		goto out;
	s = *next;
	if (!daemon_cloud_request(d, p, &s, m, &params, &incomplete)) {
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
	cJSON *res;

	if (m->act == PLAN_DESCRIBE) {
		log_described(d, &m->inst);
		return plan_instance_json(&m->inst);
	}
	res = cJSON_CreateObject();
	if (res && *out_id)
		cJSON_AddStringToObject(res, "id", out_id);
	/* The message told of failures: a follow-up is owed once all is done. */
	if (res && !strcmp(d->cloud.inflight_action, "sns_publish") &&
	    d->cloud.inflight_incomplete)
		cJSON_AddTrueToObject(res, "incomplete");
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
	else if (m->act != PLAN_DESCRIBE)
		log_info("incident %s: %s %s done%s%s", d->inc.id, action, target,
			 *out_id ? ": " : "", out_id);
	res = result_of(d, m, out_id);
	daemon_journal_done(d, action, target, res);
	cJSON_Delete(res);
}

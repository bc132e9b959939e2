/* SPDX-License-Identifier: MIT */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "daemon_impl.h"
#include "daemon_ipc.h"
#include "finding.h"
#include "log.h"
#include "notify.h"

/*
 * Steps 3 to 5 of an incident, in the AWS process, one at a time, each
 * journaled before it is tried: DescribeInstances (the original groups of
 * every interface go into the journal), per interface the optional
 * conversion group then the forensic group, tags, termination protection,
 * snapshots, the SNS message, EventBridge and Security Hub. A step that
 * fails is retried with backoff until it is done; the SNS message goes out
 * after every cloud step was tried once and says what failed. After a
 * restart the plan is rebuilt from the journal and only what is not done
 * is tried again.
 */

static const char *act_name(uint8_t act, bool convert)
{
	switch (act) {
	case ACT_DESCRIBE: return "ec2_describe";
	case ACT_SET_GROUPS: return convert ? "ec2_convert_eni" : "ec2_isolate_eni";
	case ACT_TAGS: return "ec2_tag";
	case ACT_PROTECT: return "ec2_protect";
	case ACT_SNAPSHOT: return "ec2_snapshot";
	case ACT_SNS: return "sns_publish";
	case ACT_EVENTS: return "events_put";
	case ACT_SECHUB: return "securityhub_import";
	}
	return "unknown";
}

static struct cloud_step *plan_add(struct daemon *d, uint8_t act, const char *target,
				   bool convert)
{
	struct cloud_plan *p = &d->plan;
	struct cloud_step *s;

	if (p->n == CLOUD_PLAN_MAX)
		return NULL;
	s = &p->s[p->n++];
	memset(s, 0, sizeof(*s));
	s->act = act;
	s->convert = convert;
	util_strlcpy(s->action, act_name(act, convert), sizeof(s->action));
	util_strlcpy(s->target, target, sizeof(s->target));
	return s;
}

static bool cloud_wanted(const struct daemon *d)
{
	return *d->o->forensic_sg || *d->o->sns_topic || d->o->events_bus_on ||
	       d->o->securityhub;
}

static cJSON *instance_json(const struct cloud_instance *in)
{
	cJSON *o = cJSON_CreateObject(), *enis, *vols;

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "instance", in->id);
	cJSON_AddStringToObject(o, "vpc", in->vpc_id);
	enis = cJSON_AddArrayToObject(o, "interfaces");
	for (size_t i = 0; enis && i < in->n_eni; i++) {
		cJSON *e = cJSON_CreateObject(), *g;

		if (!e)
			break;
		cJSON_AddStringToObject(e, "id", in->eni[i].id);
		cJSON_AddNumberToObject(e, "device_index", in->eni[i].device_index);
		g = cJSON_AddArrayToObject(e, "groups");
		for (size_t k = 0; g && k < in->eni[i].n_groups; k++)
			cJSON_AddItemToArray(g, cJSON_CreateString(in->eni[i].groups[k]));
		cJSON_AddItemToArray(enis, e);
	}
	vols = cJSON_AddArrayToObject(o, "volumes");
	for (size_t i = 0; vols && i < in->n_volumes; i++)
		cJSON_AddItemToArray(vols, cJSON_CreateString(in->volumes[i]));
	return o;
}

/* The journaled describe result back into a cloud_instance. */
static bool instance_from_json(const cJSON *o, struct cloud_instance *in)
{
	const cJSON *enis = cJSON_GetObjectItem(o, "interfaces"), *e;
	const cJSON *vols = cJSON_GetObjectItem(o, "volumes"), *v;

	memset(in, 0, sizeof(*in));
	if (!cJSON_IsArray(enis))
		return false;
	util_strlcpy(in->id, cJSON_GetStringValue(cJSON_GetObjectItem(o, "instance")) ?: "",
		     sizeof(in->id));
	cJSON_ArrayForEach(e, enis) {
		struct cloud_eni *n;
		const cJSON *g;

		if (in->n_eni == CLOUD_MAX_ENIS)
			break;
		n = &in->eni[in->n_eni++];
		util_strlcpy(n->id, cJSON_GetStringValue(cJSON_GetObjectItem(e, "id")) ?: "",
			     sizeof(n->id));
		cJSON_ArrayForEach(g, cJSON_GetObjectItem(e, "groups"))
			if (cJSON_IsString(g) && n->n_groups < CLOUD_MAX_GROUPS)
				util_strlcpy(n->groups[n->n_groups++], g->valuestring,
					     sizeof(n->groups[0]));
	}
	cJSON_ArrayForEach(v, vols)
		if (cJSON_IsString(v) && in->n_volumes < CLOUD_MAX_VOLUMES)
			util_strlcpy(in->volumes[in->n_volumes++], v->valuestring,
				     sizeof(in->volumes[0]));
	return true;
}

/* After DescribeInstances: every step that acts on what it found. */
static void plan_rest(struct daemon *d)
{
	const struct run_opts *o = d->o;
	struct cloud_instance *in = &d->plan.inst;

	for (size_t i = 0; *o->forensic_sg && i < in->n_eni; i++) {
		struct cloud_step *s;

		if (*o->conversion_sg && (s = plan_add(d, ACT_SET_GROUPS, in->eni[i].id, true))) {
			util_strlcpy(s->groups[0], o->conversion_sg, sizeof(s->groups[0]));
			s->n_groups = 1;
		}
		if ((s = plan_add(d, ACT_SET_GROUPS, in->eni[i].id, false))) {
			util_strlcpy(s->groups[0], o->forensic_sg, sizeof(s->groups[0]));
			s->n_groups = 1;
			memcpy(s->orig, in->eni[i].groups, sizeof(s->orig));
			s->n_orig = in->eni[i].n_groups;
		}
	}
	if (*o->forensic_sg && o->tag_instance)
		plan_add(d, ACT_TAGS, d->instance_id, false);
	if (*o->forensic_sg && o->termination_protection)
		plan_add(d, ACT_PROTECT, d->instance_id, false);
	for (size_t i = 0; *o->forensic_sg && o->snapshot_volumes && i < in->n_volumes; i++)
		plan_add(d, ACT_SNAPSHOT, in->volumes[i], false);
	if (*o->sns_topic)
		plan_add(d, ACT_SNS, o->sns_topic, false);
	if (o->events_bus_on)
		plan_add(d, ACT_EVENTS, o->events_bus, false);
	if (o->securityhub)
		plan_add(d, ACT_SECHUB, d->inc.finding_id, false);
	d->plan.planned = true;
}

/* Mark what the journal says is done (a restart, or a replayed plan). */
static void plan_sync_journal(struct daemon *d)
{
	struct journal_state st;
	char err[ERRLEN];

	memset(&st, 0, sizeof(st));
	if (journal_state_load(d->o->state_dir, &st, err, sizeof(err)))
		return;
	for (size_t i = 0; i < d->plan.n; i++) {
		struct cloud_step *s = &d->plan.s[i];
		const struct journal_action *a =
			journal_state_action(&st, d->inc.id, s->action, s->target);

		if (!a)
			continue;
		s->attempts = a->attempts;
		if (a->state == JOURNAL_DONE) {
			s->done = true;
			if (s->act == ACT_DESCRIBE && a->result &&
			    instance_from_json(a->result, &d->plan.inst))
				d->plan.have_inst = true;
		}
		/* The world before cordon touched it: the FIRST intent's params. */
		if (s->act == ACT_SET_GROUPS && !s->convert && a->params) {
			const cJSON *g;

			s->n_orig = 0;
			cJSON_ArrayForEach(g, cJSON_GetObjectItem(a->params, "original_groups"))
				if (cJSON_IsString(g) && s->n_orig < CLOUD_MAX_GROUPS)
					util_strlcpy(s->orig[s->n_orig++], g->valuestring,
						     sizeof(s->orig[0]));
		}
	}
	journal_state_free(&st);
}

/*
 * What the journal says of the plan so far; once the describe is done
 * (now or before a restart), the steps that act on its result.
 */
static void plan_resume(struct daemon *d)
{
	plan_sync_journal(d);
	if (d->plan.n && d->plan.s[0].done && d->plan.have_inst && !d->plan.planned) {
		plan_rest(d);
		plan_sync_journal(d);
	}
}

void daemon_cloud_start(struct daemon *d)
{
	memset(&d->plan, 0, sizeof(d->plan));
	if (!cloud_wanted(d))
		return;
	if (*d->o->forensic_sg) {
		if (!*d->instance_id) {
			log_warnx("incident %s: cloud isolation waits for the instance id "
				  "(IMDS)", d->inc.id);
		}
		plan_add(d, ACT_DESCRIBE, d->instance_id, false);
	} else {
		plan_rest(d);
	}
	d->plan.active = true;
	plan_resume(d);
}

static void notify_fill(struct daemon *d, struct notify_actions *a)
{
	memset(a, 0, sizeof(*a));
	util_strlcpy(a->incident_id, d->inc.id, sizeof(a->incident_id));
	util_strlcpy(a->mode, daemon_mode_name(d->o->mode), sizeof(a->mode));
	a->host_locked = d->inc.lockdown_done;
	a->lockdown_ms = d->inc.lockdown_done && d->inc.trigger_ns &&
				 d->inc.lockdown_ack_ns > d->inc.trigger_ns ?
			 (long)((d->inc.lockdown_ack_ns - d->inc.trigger_ns) / 1000000) : -1;
	if (!d->inc.lockdown_done)
		notify_actions_error(a, "local lockdown failed: %s", d->inc.last_error);
	util_strlcpy(a->gd_finding_id, d->inc.gd_finding_id, sizeof(a->gd_finding_id));
	util_strlcpy(a->gd_region, d->region, sizeof(a->gd_region));
	for (size_t i = 0; i < d->plan.n; i++) {
		const struct cloud_step *s = &d->plan.s[i];

		if (s->act == ACT_SET_GROUPS && !s->convert && a->n_eni < NOTIFY_MAX_ENIS) {
			struct notify_eni *e = &a->eni[a->n_eni++];
			size_t off = 0;

			util_strlcpy(e->id, s->target, sizeof(e->id));
			for (size_t k = 0; k < s->n_orig && off + 2 < sizeof(e->old_groups); k++)
				off += (size_t)snprintf(e->old_groups + off,
							sizeof(e->old_groups) - off, "%s%s",
							k ? ", " : "", s->orig[k]);
			util_strlcpy(e->new_groups, s->groups[0], sizeof(e->new_groups));
			e->done = s->done;
			util_strlcpy(e->error, s->done ? "" : (*s->err ? s->err : "not tried yet"),
				     sizeof(e->error));
		} else if (s->act == ACT_TAGS && s->done) {
			snprintf(a->tags, sizeof(a->tags), "cordon:incident=%s, cordon:status=isolated",
				 d->inc.id);
		} else if (s->act == ACT_PROTECT) {
			a->termination_protection = s->done;
		} else if (s->act == ACT_SNAPSHOT && s->done && a->n_snapshots < NOTIFY_MAX_SNAPS) {
			snprintf(a->snapshots[a->n_snapshots++], sizeof(a->snapshots[0]),
				 "%s of %s", s->out_id, s->target);
		}
		/* An interface is listed with its error, and here too. */
		if (!s->done && *s->err && s->act != ACT_SNS && s->act != ACT_EVENTS &&
		    s->act != ACT_SECHUB)
			notify_actions_error(a, "%s %s: %s", s->action, s->target, s->err);
	}
	if (*d->o->forensic_sg && !d->plan.have_inst)
		notify_actions_error(a, "cloud isolation: the instance could not be described%s%s",
				     d->plan.n && *d->plan.s[0].err ? ": " : "",
				     d->plan.n ? d->plan.s[0].err : "");
}

/* Fill the request for step s; false when it cannot be made (yet). */
static bool build_request(struct daemon *d, struct cloud_step *s, struct ipc_a_action *m,
			  cJSON **params)
{
	memset(m, 0, sizeof(*m));
	m->act = s->act;
	util_strlcpy(m->target, s->target, sizeof(m->target));
	*params = cJSON_CreateObject();
	switch (s->act) {
	case ACT_DESCRIBE:
		if (!*d->instance_id)
			return false;
		util_strlcpy(m->target, d->instance_id, sizeof(m->target));
		util_strlcpy(s->target, d->instance_id, sizeof(s->target));
		break;
	case ACT_SET_GROUPS:
		memcpy(m->groups, s->groups, sizeof(m->groups));
		m->n_groups = (uint32_t)s->n_groups;
		if (*params && !s->convert) {
			cJSON *g = cJSON_AddArrayToObject(*params, "original_groups");

			for (size_t k = 0; g && k < s->n_orig; k++)
				cJSON_AddItemToArray(g, cJSON_CreateString(s->orig[k]));
		}
		if (*params)
			cJSON_AddStringToObject(*params, "groups", s->groups[0]);
		break;
	case ACT_TAGS:
		util_strlcpy(m->tag_key[0], "cordon:incident", sizeof(m->tag_key[0]));
		util_strlcpy(m->tag_val[0], d->inc.id, sizeof(m->tag_val[0]));
		util_strlcpy(m->tag_key[1], "cordon:status", sizeof(m->tag_key[0]));
		util_strlcpy(m->tag_val[1], "isolated", sizeof(m->tag_val[0]));
		util_strlcpy(m->tag_key[2], "cordon:finding", sizeof(m->tag_key[0]));
		util_strlcpy(m->tag_val[2], d->inc.finding_id, sizeof(m->tag_val[0]));
		m->n_tags = 3;
		break;
	case ACT_PROTECT:
		m->flag_a = 1;
		m->flag_b = 1;
		break;
	case ACT_SNAPSHOT:
		snprintf(m->text, sizeof(m->text), "cordon evidence, incident %s", d->inc.id);
		util_strlcpy(m->tag_key[0], "cordon:incident", sizeof(m->tag_key[0]));
		util_strlcpy(m->tag_val[0], d->inc.id, sizeof(m->tag_val[0]));
		m->n_tags = 1;
		break;
	case ACT_SNS: {
		struct notify_actions *a = calloc(1, sizeof(*a));
		struct buf text;
		char subject[NOTIFY_SUBJECT_MAX + 1], err[ERRLEN];
		int rc;

		if (!a)
			return false;
		notify_fill(d, a);
		s->incomplete = false;
		for (size_t i = 0; i < d->plan.n; i++) {
			uint8_t act = d->plan.s[i].act;

			s->incomplete |= !d->plan.s[i].done && act != ACT_SNS &&
					 act != ACT_EVENTS && act != ACT_SECHUB;
		}
		buf_init(&text, NOTIFY_MESSAGE_MAX);
		rc = s->update ? buf_adds(&text, "UPDATE: every action that had failed when the "
						 "first message went out is now done.\n\n") : 0;
		if (!rc)
			rc = notify_incident_text(d->inc.finding_json, a, subject, &text, err,
						  sizeof(err));
		if (!rc) {
			if (s->update)
				snprintf(m->subject, sizeof(m->subject), "%s (update: all done)",
					 subject);
			else
				util_strlcpy(m->subject, subject, sizeof(m->subject));
			util_strlcpy(m->text, buf_str(&text), sizeof(m->text));
		} else {
			util_strlcpy(s->err, err, sizeof(s->err));
		}
		buf_free(&text);
		free(a);
		if (rc)
			return false;
		break;
	}
	case ACT_EVENTS:
	case ACT_SECHUB:
		util_strlcpy(m->text, d->inc.finding_json, sizeof(m->text));
		util_strlcpy(m->region, d->region, sizeof(m->region));
		util_strlcpy(m->account, d->account, sizeof(m->account));
		break;
	}
	return true;
}

/*
 * The message went out while a step had failed ("cordon keeps retrying");
 * once every cloud step is done, one more tells the administrators so.
 * Not replanned after a restart: the first message stays the last word.
 */
static void plan_update(struct daemon *d)
{
	struct cloud_plan *p = &d->plan;
	struct cloud_step *s;

	if (!p->update_owed)
		return;
	for (size_t i = 0; i < p->n; i++)
		if (!p->s[i].done && p->s[i].act != ACT_EVENTS && p->s[i].act != ACT_SECHUB)
			return;
	p->update_owed = false;
	s = plan_add(d, ACT_SNS, d->o->sns_topic, false);
	if (!s)
		return;
	s->update = true;
	util_strlcpy(s->action, "sns_update", sizeof(s->action));
	log_info("incident %s: every failed step is done now; telling SNS again", d->inc.id);
}

static uint64_t backoff_ns(unsigned attempts)
{
	uint64_t s = 2;

	while (attempts-- > 1 && s < 300)
		s *= 2;
	return (s > 300 ? 300 : s) * 1000000000ull;
}

void daemon_cloud_tick(struct daemon *d, uint64_t now)
{
	struct cloud_plan *p = &d->plan;
	struct ipc_a_action *m;
	struct cloud_step *s = NULL;
	cJSON *params = NULL;

	if (!p->active || p->inflight || d->aws_fd < 0 || !d->aws_ready)
		return;
	for (size_t i = 0; i < p->n; i++) {
		struct cloud_step *c = &p->s[i];

		if (c->done || c->next_ns > now)
			continue;
		/* The message waits until every cloud step was tried once. */
		if (c->act == ACT_SNS) {
			bool waiting = false;

			for (size_t k = 0; k < i; k++)
				waiting |= !p->s[k].done && p->s[k].attempts == 0;
			if (waiting || (*d->o->forensic_sg && !p->planned &&
					p->s[0].attempts == 0))
				continue;
		}
		s = c;
		break;
	}
	if (!s)
		return;
	m = calloc(1, sizeof(*m));
	if (!m)
		return;
	if (!build_request(d, s, m, &params)) {
		s->next_ns = now + 5000000000ull;
		goto out;
	}
	s->attempts++;
	m->seq = ++p->seq;
	p->inflight_idx = (size_t)(s - p->s);
	daemon_journal_action(d, s->action, s->target, JOURNAL_INTENT, params, NULL,
			      s->attempts);
	if (ipc_send(d->aws_fd, IPC_A_ACTION, m, sizeof(*m)) == 0) {
		p->inflight = true;
		p->inflight_seq = m->seq;
	}
out:
	cJSON_Delete(params);
	free(m);
}

void daemon_cloud_done(struct daemon *d, const struct ipc_a_action_done *m)
{
	struct cloud_plan *p = &d->plan;
	struct cloud_step *s;
	cJSON *res = NULL;

	if (!p->inflight || m->seq != p->inflight_seq)
		return;
	p->inflight = false;
	s = &p->s[p->inflight_idx];
	if (m->rc) {
		util_strlcpy(s->err, m->err, sizeof(s->err));
		s->next_ns = util_now_mono_ns() + backoff_ns(s->attempts);
		log_warnx("incident %s: %s %s failed (attempt %u, again in %llu s): %s",
			  d->inc.id, s->action, s->target, s->attempts,
			  (unsigned long long)(backoff_ns(s->attempts) / 1000000000ull), m->err);
		daemon_journal_action(d, s->action, s->target, JOURNAL_FAILED, NULL, m->err,
				      s->attempts);
		return;
	}
	s->done = true;
	s->err[0] = '\0';
	util_strlcpy(s->out_id, m->out_id, sizeof(s->out_id));
	if (s->act == ACT_DESCRIBE) {
		p->inst = m->inst;
		p->have_inst = true;
		res = instance_json(&m->inst);
		for (size_t i = 0; i < m->inst.n_eni; i++) {
			char g[200] = "";
			size_t off = 0;

			for (size_t k = 0; k < m->inst.eni[i].n_groups && off + 2 < sizeof(g); k++)
				off += (size_t)snprintf(g + off, sizeof(g) - off, "%s%s",
							k ? "," : "", m->inst.eni[i].groups[k]);
			log_info("incident %s: %s has interface %s (device %d) in %s", d->inc.id,
				 m->inst.id, m->inst.eni[i].id, m->inst.eni[i].device_index, g);
		}
	} else {
		res = cJSON_CreateObject();
		if (res && *m->out_id)
			cJSON_AddStringToObject(res, "id", m->out_id);
		if (s->act == ACT_SET_GROUPS)
			log_info("incident %s: interface %s moved to %s%s", d->inc.id, s->target,
				 s->groups[0], s->convert ? " (conversion group)" : "");
		else
			log_info("incident %s: %s %s done%s%s", d->inc.id, s->action, s->target,
				 *m->out_id ? ": " : "", m->out_id);
	}
	daemon_journal_action(d, s->action, s->target, JOURNAL_DONE, res, NULL, 0);
	cJSON_Delete(res);
	if (s->act == ACT_SNS && s->incomplete && !s->update)
		p->update_owed = true;
	if (s->act == ACT_DESCRIBE && !p->planned) {
		plan_rest(d);
		plan_sync_journal(d);
	}
	plan_update(d);
}

void daemon_identity(struct daemon *d, const struct ipc_a_identity_done *m)
{
	if (m->rc) {
		log_warnx("instance identity from IMDS: %s (findings say \"unknown\")", m->err);
		return;
	}
	util_strlcpy(d->instance_id, m->instance_id, sizeof(d->instance_id));
	util_strlcpy(d->region, m->region, sizeof(d->region));
	util_strlcpy(d->account, m->account, sizeof(d->account));
	log_info("instance %s in %s%s%s", d->instance_id, d->region,
		 *d->account ? ", account " : "", d->account);
	/*
	 * An incident that waited for the id can describe the instance now.
	 * After a restart the journal is keyed by the id: look again, or a
	 * describe done before the restart would be done twice.
	 */
	for (size_t i = 0; i < d->plan.n; i++) {
		if (d->plan.s[i].act != ACT_DESCRIBE || d->plan.s[i].done ||
		    !strcmp(d->plan.s[i].target, d->instance_id))
			continue;
		util_strlcpy(d->plan.s[i].target, d->instance_id, sizeof(d->plan.s[i].target));
		if (d->plan.active && !d->plan.inflight)
			plan_resume(d);
		break;
	}
}

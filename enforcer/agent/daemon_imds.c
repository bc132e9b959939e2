/* SPDX-License-Identifier: MIT */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_impl.h"
#include "log.h"

/*
 * What the agent learns from the instance metadata service through its
 * AWS process: its identity (instance id, region, account), asked again
 * with backoff until it is known, and its instance's tags, by which the
 * isolation contract steers it (DESIGN.md): cordon:status=released for
 * its incident lifts the local lockdown; cordon:status=isolated that the
 * agent did not set locks the host down as an incident opened from
 * outside. The tags are read every [cloud] tag_poll_interval by a thread
 * of the AWS process, which reports only changes.
 *
 * Trust: a release through the tags needs ec2:CreateTags with
 * cordon:status=released, which the instance's own role never has
 * (firmware/iam-policy.json): a local user cannot release the host this
 * way. The parent takes the AWS process's word for what IMDS said.
 */

#define SEC NSEC_PER_SEC
#define IDENTITY_BACKOFF_MAX (60 * SEC)

static void identity_ask(struct daemon *d, uint64_t now)
{
	struct imds_state *im = &d->imds;
	struct ipc_a_identity q;

	memset(&q, 0, sizeof(q));
	if (ipc_send(d->aws.fd, IPC_A_IDENTITY, &q, sizeof(q))) {
		log_warnx("cannot reach the AWS process");
		im->id_next_ns = now + SEC;
		return;
	}
	im->id_inflight = true;
	im->id_attempts++;
}

void daemon_imds_tick(struct daemon *d, uint64_t now)
{
	struct imds_state *im = &d->imds;

	if (*d->instance_id || im->id_inflight || d->aws.fd < 0 || !d->aws.ready ||
	    now < im->id_next_ns)
		return;
	identity_ask(d, now);
}

void daemon_imds_lost(struct daemon *d)
{
	d->imds.id_inflight = false;
}

void daemon_imds_identity(struct daemon *d, const struct ipc_a_identity_done *m)
{
	struct imds_state *im = &d->imds;
	uint64_t delay;

	im->id_inflight = false;
	if (m->rc) {
		/* 1 s, doubling, at most a minute: IMDS may come up after us. */
		delay = SEC << (im->id_attempts - 1 < 6 ? im->id_attempts - 1 : 6);
		if (delay > IDENTITY_BACKOFF_MAX)
			delay = IDENTITY_BACKOFF_MAX;
		im->id_next_ns = util_now_mono_ns() + delay;
		util_strlcpy(im->id_error, m->err, sizeof(im->id_error));
		log_warnx("instance identity from IMDS: %s (attempt %u, again in %llu s; findings "
			  "say \"unknown\" meanwhile, no cloud isolation)", im->id_error,
			  im->id_attempts, (unsigned long long)(delay / SEC));
		d->status_dirty = true;
		return;
	}
	util_strlcpy(d->instance_id, m->instance_id, sizeof(d->instance_id));
	util_strlcpy(d->region, m->region, sizeof(d->region));
	util_strlcpy(d->account, m->account, sizeof(d->account));
	im->id_error[0] = '\0';
	log_info("instance %s in %s%s%s", d->instance_id, d->region,
		 *d->account ? ", account " : "", d->account);
	d->status_dirty = true;
}

/* ---- the instance's tags ---- */

/* Is id an incident this agent's journal knows (open or closed)? */
static bool journal_knows(const struct daemon *d, const char *id)
{
	return *id && journal_state_incident(&d->jst, id) != NULL;
}

static bool ours(const struct daemon *d, const char *id)
{
	return *id && (!strcmp(id, d->inc.id) || !strcmp(id, d->inc.cloud_incident));
}

/* An id the journal and the incident's fields take as it is. */
static bool id_ok(const char *id)
{
	size_t n = strlen(id);

	if (!n || n >= sizeof(((struct incident *)0)->id))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(id[i] >= 'a' && id[i] <= 'z') && !(id[i] >= 'A' && id[i] <= 'Z') &&
		    !(id[i] >= '0' && id[i] <= '9') && !strchr("-_.:", id[i]))
			return false;
	return true;
}

/* The cloud knows the incident by another id: remembered and journaled. */
static void alias(struct daemon *d, const char *id)
{
	if (!*id || ours(d, id) || !id_ok(id))
		return;
	util_strlcpy(d->inc.cloud_incident, id, sizeof(d->inc.cloud_incident));
	log_info("incident %s: the instance's tags call it %s", d->inc.id, id);
	if (d->inc.journaled)
		daemon_journal_done(d, "cloud_incident", id, NULL);
}

/*
 * cordon:status=isolated and no incident of ours: GuardDuty's responder
 * or an operator isolated the instance. The local lockdown at once; the
 * cloud side is theirs (no plan of ours runs for it).
 */
static void isolated_outside(struct daemon *d, const struct imds_state *im)
{
	char reason[256], desc[400];
	char *f;
	struct incident_trigger t = { .reason = reason, .outside = true };

	snprintf(reason, sizeof(reason), DAEMON_OUTSIDE_REASON ": cordon:status=isolated%s%s",
		 *im->incident ? ", incident " : " (no cordon:incident)", im->incident);
	snprintf(desc, sizeof(desc), "The instance was tagged cordon:status=isolated from outside "
		 "the agent%s%s (GuardDuty's responder or an operator); the agent locked the "
		 "host down.", *im->incident ? ", incident " : "", im->incident);
	f = daemon_incident_finding_json(d, "The instance was isolated from outside", desc);
	t.finding_json = f;
	t.finding_id = *im->finding && id_ok(im->finding) ? im->finding : NULL;
	t.id = id_ok(im->incident) ? im->incident : NULL;
	log_warnx("the instance's tags say cordon:status=isolated%s%s, set outside this agent: "
		  "locking the host down", *im->incident ? ", incident " : "", im->incident);
	daemon_incident_open(d, &t);
	free(f);
}

static void tags_act(struct daemon *d)
{
	struct imds_state *im = &d->imds;
	const struct journal_incident *ji;
	char why[320];

	if (im->rc)
		return;
	if (!strcmp(im->status, "isolated")) {
		if (d->inc.active) {
			util_strlcpy(im->isolated_during, d->inc.id, sizeof(im->isolated_during));
			alias(d, im->incident);
			return;
		}
		/* Ours from before (a release --local-only leaves the tags), or acted on. */
		if (journal_knows(d, im->incident) || im->acted_isolated)
			return;
		im->acted_isolated = true;
		isolated_outside(d, im);
		return;
	}
	im->acted_isolated = false;
	if (strcmp(im->status, "released") || !d->inc.active)
		return;
	/*
	 * Released for this incident (cordon:released = "INCIDENT TIME"), or
	 * with no incident named after the tags said isolated meanwhile.
	 */
	ji = daemon_journal_incident(d);
	if (ji && !strcmp(ji->status, "releasing"))
		return; /* `cordon release` on this host is at it: its close comes */
	if (ours(d, im->released_incident) ||
	    (!*im->released_incident && !strcmp(im->isolated_during, d->inc.id))) {
		snprintf(why, sizeof(why), "released from outside (cordon:status=released, "
			 "cordon:released=%s%s%s)", im->released_incident,
			 *im->released_incident ? " " : "", im->released_at);
		daemon_incident_released(d, why);
	}
}

void daemon_imds_tags(struct daemon *d, const struct ipc_a_inst_tags *m)
{
	struct imds_state *im = &d->imds;
	char status[sizeof(m->status)];
	bool was_known = im->known;
	int old_rc = im->rc;

	/* From the AWS process: texts terminated here, the status one of the words. */
#define TAKE(dst, src)                                                                  \
	do {                                                                            \
		size_t n_ = strnlen(src, sizeof(src));                                  \
		n_ = n_ < sizeof(dst) ? n_ : sizeof(dst) - 1;                           \
		memcpy(dst, src, n_);                                                   \
		dst[n_] = '\0';                                                         \
	} while (0)
	TAKE(status, m->status);
	if (!m->rc && strcmp(status, "none") && strcmp(status, "installed") &&
	    strcmp(status, "install-failed") && strcmp(status, "isolated") &&
	    strcmp(status, "released")) {
		log_warnx("AWS process: instance tags with an unknown status: ignored");
		return;
	}
	im->known = true;
	im->rc = m->rc;
	util_strlcpy(im->status, m->rc ? "" : status, sizeof(im->status));
	TAKE(im->incident, m->incident);
	TAKE(im->finding, m->finding);
	TAKE(im->released_at, m->released_at);
	TAKE(im->released_incident, m->released_incident);
	TAKE(im->error, m->err);
#undef TAKE
	if (m->rc && (!was_known || old_rc != m->rc))
		log_warnx("instance tags: %s", im->error);
	else if (!m->rc)
		log_info("instance tags: cordon:status=%s%s%s%s%s%s%s", im->status,
			 *im->incident ? ", cordon:incident=" : "", im->incident,
			 *im->released_at ? ", cordon:released=" : "", im->released_incident,
			 *im->released_incident ? " " : "", im->released_at);
	d->status_dirty = true;
	tags_act(d);
}

cJSON *daemon_imds_status(const struct daemon *d)
{
	const struct imds_state *im = &d->imds;
	cJSON *o = cJSON_CreateObject(), *id, *tags;

	if (!o)
		return NULL;
	if ((id = cJSON_AddObjectToObject(o, "identity"))) {
		cJSON_AddStringToObject(id, "state", *d->o->instance_id ? "configured" :
						     *d->instance_id ? "known" :
						     im->id_inflight ? "asking" : "unknown");
		cJSON_AddNumberToObject(id, "attempts", im->id_attempts);
		if (!*d->instance_id && *im->id_error)
			cJSON_AddStringToObject(id, "error", im->id_error);
	}
	if ((tags = cJSON_AddObjectToObject(o, "instanceTags"))) {
		cJSON_AddStringToObject(tags, "state", !d->o->tag_poll_ms ? "off" :
						       !im->known ? "unknown" :
						       !im->rc ? "readable" :
						       im->rc == -ENOENT ? "disabled" : "error");
		cJSON_AddBoolToObject(tags, "readable", im->known && !im->rc);
		if (im->known && !im->rc) {
			cJSON_AddStringToObject(tags, "status", im->status);
			cJSON_AddStringToObject(tags, "incident", im->incident);
			cJSON_AddStringToObject(tags, "released", im->released_at);
		} else if (im->known) {
			cJSON_AddStringToObject(tags, "error", im->error);
		}
	}
	return o;
}

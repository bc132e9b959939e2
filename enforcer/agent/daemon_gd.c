/* SPDX-License-Identifier: MIT */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_impl.h"
#include "daemon_ipc.h"
#include "gd.h"
#include "log.h"
#include "state.h"

/*
 * GuardDuty correlation: poll the findings about this instance; one with
 * the same remote address as a local finding confirms the incident; one
 * the policy names opens an incident by itself (GuardDuty-only).
 */

void daemon_aws_ready(struct daemon *d)
{
	d->aws_ready = true;
	if (!*d->instance_id) {
		struct ipc_a_identity m;

		memset(&m, 0, sizeof(m));
		if (ipc_send(d->aws_fd, IPC_A_IDENTITY, &m, sizeof(m)))
			log_warnx("cannot reach the AWS process");
	}
	d->next_sync_ns = 0; /* S3 lists now that the AWS process is up */
}

void daemon_gd_tick(struct daemon *d, uint64_t now)
{
	struct ipc_a_gd_poll m;

	if (!d->o->gd_enabled || !d->aws_ready || d->aws_fd < 0 || d->gd_inflight ||
	    !*d->instance_id || now < d->next_gd_ns)
		return;
	d->next_gd_ns = now + (uint64_t)(d->o->gd_poll_interval ? d->o->gd_poll_interval : 60) *
				      1000000000ull;
	memset(&m, 0, sizeof(m));
	util_strlcpy(m.detector, *d->gd_detector ? d->gd_detector : d->o->gd_detector,
		     sizeof(m.detector));
	util_strlcpy(m.instance_id, d->instance_id, sizeof(m.instance_id));
	/* A little overlap: GuardDuty's updatedAt is not our clock. */
	m.since_ms = d->gd_since_ms > 120000 ? d->gd_since_ms - 120000 : 0;
	if (ipc_send(d->aws_fd, IPC_A_GD_POLL, &m, sizeof(m)) == 0) {
		d->gd_inflight = true;
		d->gd_poll_started_ms = util_now_real_ns() / 1000000;
	}
}

static bool seen(struct daemon *d, const char *id)
{
	for (size_t i = 0; i < d->n_gd_seen; i++)
		if (!strcmp(d->gd_seen[i], id))
			return true;
	if (d->n_gd_seen == GD_SEEN_MAX) {
		memmove(d->gd_seen[0], d->gd_seen[1], (GD_SEEN_MAX - 1) * sizeof(d->gd_seen[0]));
		d->n_gd_seen--;
	}
	util_strlcpy(d->gd_seen[d->n_gd_seen++], id, sizeof(d->gd_seen[0]));
	return false;
}

/* The local finding with this remote address, if any. */
static const struct ipc_s_finding *local_match(const struct daemon *d,
					       const struct gd_finding *f)
{
	for (size_t i = 0; i < f->n_remote; i++) {
		struct cd_addr a;

		if (!addr_parse(f->remote[i], &a))
			continue;
		for (size_t k = 0; k < d->n_recent; k++)
			if (addr_eq(&d->recent[k].remote, &a))
				return &d->recent[k];
	}
	return NULL;
}

static void journal_correlation(struct daemon *d, const struct gd_finding *f,
				const char *local_id)
{
	cJSON *res = cJSON_CreateObject();

	if (res) {
		cJSON_AddStringToObject(res, "guardduty_finding", f->id);
		cJSON_AddStringToObject(res, "type", f->type);
		cJSON_AddNumberToObject(res, "severity", f->severity);
		if (local_id)
			cJSON_AddStringToObject(res, "local_finding", local_id);
	}
	daemon_journal_action(d, "guardduty_correlate", f->id, JOURNAL_DONE, res, NULL, 0);
	cJSON_Delete(res);
}

void daemon_incident_open_gd(struct daemon *d, const struct gd_finding *f)
{
	struct incident *inc = &d->inc;
	char err[ERRLEN], json[1024];

	memset(inc, 0, sizeof(*inc));
	daemon_incident_new_id(d);
	snprintf(inc->reason, sizeof(inc->reason), "GuardDuty finding %s: %s (severity %.1f)",
		 f->id, f->type, f->severity);
	util_strlcpy(inc->finding_id, f->id, sizeof(inc->finding_id));
	util_strlcpy(inc->gd_finding_id, f->id, sizeof(inc->gd_finding_id));
	if (enforce_lockdown(&d->o->enf, inc->reason, err, sizeof(err))) {
		log_warnx("incident %s: LOCKDOWN FAILED: %s", inc->id, err);
		util_strlcpy(inc->last_error, err, sizeof(inc->last_error));
	} else {
		inc->lockdown_done = true;
		inc->lockdown_ack_ns = util_now_real_ns();
		log_info("incident %s: host locked down on %s", inc->id, inc->reason);
	}
	/* The finding as GuardDuty's shape, for the message and the journal. */
	snprintf(json, sizeof(json),
		 "{\"schemaVersion\":\"2.0\",\"id\":\"%s\",\"type\":\"%s\",\"severity\":%.1f,"
		 "\"region\":\"%s\",\"accountId\":\"%s\",\"title\":\"GuardDuty finding\","
		 "\"resource\":{\"resourceType\":\"Instance\",\"instanceDetails\":"
		 "{\"instanceId\":\"%s\"}},\"service\":{\"serviceName\":\"guardduty\"}}",
		 f->id, f->type, f->severity, f->region, f->account, d->instance_id);
	daemon_incident_steps(d, json);
}

void daemon_gd_finding(struct daemon *d, const struct ipc_a_gd_finding *m)
{
	const struct gd_finding *f = &m->f;
	const struct ipc_s_finding *local;
	const char *types[CONFIG_MAX_GD_TYPES];

	if (f->archived || seen(d, f->id))
		return;
	if (f->severity < d->o->gd_min_severity && !local_match(d, f))
		return;
	local = local_match(d, f);
	log_info("GuardDuty finding %s: %s, severity %.1f%s%s", f->id, f->type, f->severity,
		 local ? ", same remote address as local finding " : "",
		 local ? local->id : "");
	if (d->inc.open) {
		if (local) {
			util_strlcpy(d->inc.gd_finding_id, f->id, sizeof(d->inc.gd_finding_id));
			log_info("incident %s confirmed by GuardDuty finding %s", d->inc.id, f->id);
			journal_correlation(d, f, local->id);
		}
		return;
	}
	for (size_t i = 0; i < d->o->n_gd_types; i++)
		types[i] = d->o->gd_types[i];
	if (d->o->mode == RUN_ISOLATE &&
	    gd_policy_match(f, types, d->o->n_gd_types, d->o->gd_incident_severity)) {
		daemon_incident_open_gd(d, f);
		journal_correlation(d, f, local ? local->id : NULL);
	}
}

void daemon_gd_done(struct daemon *d, const struct ipc_a_gd_done *m)
{
	d->gd_inflight = false;
	if (m->rc) {
		log_warnx("GuardDuty: %s", m->err);
		return;
	}
	util_strlcpy(d->gd_detector, m->detector, sizeof(d->gd_detector));
	d->gd_since_ms = d->gd_poll_started_ms;
}

/*
 * After a restart: an incident the journal holds open goes on where it
 * stopped. The lockdown is in the kernel (and in the state file); the
 * cloud plan is rebuilt and only what is not done is tried again.
 */
void daemon_incident_resume(struct daemon *d)
{
	const struct journal_incident *i;
	struct journal_state st;
	struct enforce_state es;
	char err[ERRLEN];
	char *json = NULL;

	memset(&st, 0, sizeof(st));
	if (journal_state_load(d->o->state_dir, &st, err, sizeof(err))) {
		log_warnx("journal: %s", err);
		return;
	}
	i = journal_state_open_incident(&st);
	if (!i) {
		journal_state_free(&st);
		return;
	}
	memset(&d->inc, 0, sizeof(d->inc));
	d->inc.open = true;
	util_strlcpy(d->inc.id, i->id, sizeof(d->inc.id));
	util_strlcpy(d->inc.reason, i->reason, sizeof(d->inc.reason));
	if (i->finding) {
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(i->finding, "id"));

		json = cJSON_PrintUnformatted(i->finding);
		util_strlcpy(d->inc.finding_id, id ? id : "", sizeof(d->inc.finding_id));
	}
	util_strlcpy(d->inc.finding_json, json ? json : "{}", sizeof(d->inc.finding_json));
	free(json);
	d->inc.lockdown_done = state_load(d->o->state_dir, &es, err, sizeof(err)) == 0 &&
			       es.locked;
	journal_state_free(&st);
	log_info("incident %s is still open (%s): resuming its pending actions%s",
		 d->inc.id, d->inc.reason, d->inc.lockdown_done ? "; the host is locked down" : "");
	daemon_cloud_start(d);
}

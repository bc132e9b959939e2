/* SPDX-License-Identifier: MIT */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_impl.h"
#include "finding.h"
#include "gd.h"
#include "log.h"

/*
 * GuardDuty correlation: poll the findings about this instance; one with
 * the same remote address as a local finding confirms the incident; one
 * the policy names opens an incident by itself (GuardDuty-only), through
 * the same daemon_incident_open() as a local finding.
 */

#define SEC NSEC_PER_SEC

void daemon_gd_tick(struct daemon *d, uint64_t now)
{
	struct ipc_a_gd_poll m;

	if (!d->o->gd_enabled || !d->aws.ready || d->aws.fd < 0 || d->gd_inflight ||
	    !*d->instance_id || now < d->next_gd_ns)
		return;
	d->next_gd_ns = now + (uint64_t)(d->o->gd_poll_interval ? d->o->gd_poll_interval : 60) *
				      SEC;
	memset(&m, 0, sizeof(m));
	util_strlcpy(m.detector, *d->gd_detector ? d->gd_detector : d->o->gd_detector,
		     sizeof(m.detector));
	util_strlcpy(m.instance_id, d->instance_id, sizeof(m.instance_id));
	/* A little overlap: GuardDuty's updatedAt is not our clock. */
	m.since_ms = d->gd_since_ms > 120000 ? d->gd_since_ms - 120000 : 0;
	if (ipc_send(d->aws.fd, IPC_A_GD_POLL, &m, sizeof(m)) == 0) {
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
static const struct recent_finding *local_match(const struct daemon *d,
						const struct gd_finding *f)
{
	for (size_t i = 0; i < f->n_remote; i++) {
		const struct recent_finding *r;
		struct cd_addr a;

		if (addr_parse(f->remote[i], &a) && (r = daemon_findings_by_remote(d, &a)))
			return r;
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
		/* What the follow-up message tells (daemon_cloud_msg.c). */
		cJSON_AddStringToObject(res, "title", f->title);
		cJSON_AddStringToObject(res, "updated_at", f->updated_at);
		cJSON_AddStringToObject(res, "region", f->region);
		if (local_id)
			cJSON_AddStringToObject(res, "local_finding", local_id);
	}
	daemon_journal_done(d, "guardduty_correlate", f->id, res);
	cJSON_Delete(res);
}

static void open_incident(struct daemon *d, const struct gd_finding *f)
{
	char reason[256];
	char *json = finding_gd_json(f, d->instance_id);
	struct incident_trigger t = {
		.reason = reason,
		.finding_id = f->id,
		.gd_finding_id = f->id,
		.finding_json = json,
	};

	snprintf(reason, sizeof(reason), "GuardDuty finding %s: %s (severity %.1f)", f->id,
		 f->type, f->severity);
	daemon_incident_open(d, &t);
	free(json);
}

void daemon_gd_finding(struct daemon *d, const struct ipc_a_gd_finding *m)
{
	const struct gd_finding *f = &m->f;
	const struct recent_finding *local;
	const char *types[ARRAY_SIZE(d->o->gd_types)];

	if (f->archived || seen(d, f->id))
		return;
	local = local_match(d, f);
	if (f->severity < d->o->gd_min_severity && !local)
		return;
	log_info("GuardDuty finding %s: %s, severity %.1f%s%s", f->id, f->type, f->severity,
		 local ? ", same remote address as local finding " : "",
		 local ? local->f.id : "");
	if (d->inc.active) {
		if (local) {
			log_info("incident %s confirmed by GuardDuty finding %s", d->inc.id, f->id);
			journal_correlation(d, f, local->f.id);
		}
		return;
	}
	for (size_t i = 0; i < d->o->n_gd_types; i++)
		types[i] = d->o->gd_types[i];
	if (d->o->mode == RUN_ISOLATE &&
	    gd_policy_match(f, types, d->o->n_gd_types, d->o->gd_incident_severity)) {
		open_incident(d, f);
		journal_correlation(d, f, local ? local->f.id : NULL);
	}
}

void daemon_gd_done(struct daemon *d, const struct ipc_a_gd_done *m)
{
	d->gd_inflight = false;
	if (m->rc) {
		log_warnx("GuardDuty: %.*s", (int)sizeof(m->err), m->err);
		return;
	}
	util_strlcpy(d->gd_detector, m->detector, sizeof(d->gd_detector));
	d->gd_since_ms = d->gd_poll_started_ms;
}

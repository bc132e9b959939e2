/* SPDX-License-Identifier: MIT */
#include <cjson/cJSON.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "daemon_impl.h"
#include "finding.h"
#include "log.h"
#include "state.h"
#include "enforce.h"

/*
 * The incident policy and the one way an incident opens, whatever opened
 * it (a local finding, a GuardDuty finding): step 1 the local lockdown,
 * at once; then the journal, step 2 the evidence, steps 3 to 5 in the
 * cloud (daemon_cloud.c). One incident at a time; later findings join
 * it. The journal says when it is closed (`cordon release`).
 */

#define SEC 1000000000ull

/* The incident policy (DESIGN.md, the daemon issue). */
static bool opens_incident(const struct daemon *d, const struct finding_rec *f)
{
	if (d->o->mode != RUN_ISOLATE)
		return false;
	if (f->dir == FINDING_OUTBOUND)
		return d->o->outbound;
	/* Inbound: only when the host took part (answered, or a handshake). */
	return d->o->inbound_answered && (f->answered || f->established);
}

static void describe(const struct finding_rec *f, char *buf, size_t len)
{
	char local[ADDR_STRLEN], remote[ADDR_STRLEN], port[16] = "";

	addr_ntop(&f->local, local, sizeof(local));
	addr_ntop(&f->remote, remote, sizeof(remote));
	if (f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP)
		snprintf(port, sizeof(port), " port %u", f->service_port);
	snprintf(buf, len, "finding %s: %s %s %s %s %s%s (list %s)", f->id,
		 f->dir == FINDING_OUTBOUND ? "OUTBOUND" : "INBOUND",
		 finding_proto_name(f->proto), local,
		 f->dir == FINDING_OUTBOUND ? "->" : "<-", remote, port, f->list_name);
}

static void new_id(struct incident *inc)
{
	char ts[UTIL_TIMESTAMP_LEN];
	uint32_t r = 0;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (uint32_t)inc->opened_real_ns;
	util_iso8601_ms(inc->opened_real_ns, ts);
	snprintf(inc->id, sizeof(inc->id), "inc-%.4s%.2s%.2sT%.2s%.2s%.2sZ-%06x",
		 ts, ts + 5, ts + 8, ts + 11, ts + 14, ts + 17, r & 0xffffff);
}

static double ms_since(uint64_t from, uint64_t to)
{
	return from && to > from ? (double)(to - from) / 1e6 : -1.0;
}

static void log_lockdown(const struct incident *inc, double call_ms,
			 const struct enforce_timing *t)
{
	if (!inc->trigger_ns) {
		log_info("incident %s: host locked down on %s (call %.3f ms)", inc->id,
			 inc->reason, call_ms);
		return;
	}
	log_info("incident %s: host locked down %.3f ms after the first packet "
		 "(capture to decision %.3f ms, call %.3f ms: state file %.3f ms, "
		 "kernel %.3f ms, then fsync %.3f ms); %s",
		 inc->id, ms_since(inc->trigger_ns, inc->lockdown_ack_ns),
		 ms_since(inc->trigger_ns, inc->decided_real_ns), call_ms,
		 (double)t->state_ns / 1e6, (double)t->kernel_ns / 1e6,
		 (double)t->sync_ns / 1e6, inc->reason);
}

static void incident_clear(struct daemon *d)
{
	free(d->inc.finding_json);
	memset(&d->inc, 0, sizeof(d->inc));
	daemon_cloud_reset(d);
}

/* Step 1: the lockdown state file (the durable intent), then one transaction. */
static void lockdown(struct daemon *d)
{
	struct incident *inc = &d->inc;
	struct enforce_timing t;
	char err[ERRLEN];
	uint64_t t0 = util_now_mono_ns();

	inc->decided_real_ns = util_now_real_ns();
	if (enforce_lockdown(&d->o->enf, inc->reason, err, sizeof(err))) {
		log_warnx("incident %s: LOCKDOWN FAILED: %s", inc->id, err);
		util_strlcpy(inc->last_error, err, sizeof(inc->last_error));
		return;
	}
	inc->lockdown_done = true;
	enforce_last_timing(&t);
	inc->lockdown_ack_ns = t.ack_real_ns ? t.ack_real_ns : util_now_real_ns();
	/* `cordon status` shows the lockdown by the time the log says so. */
	daemon_write_status(d);
	log_lockdown(inc, (double)(util_now_mono_ns() - t0) / 1e6, &t);
}

void daemon_incident_open(struct daemon *d, const struct incident_trigger *t)
{
	struct incident *inc = &d->inc;

	incident_clear(d);
	inc->active = true;
	inc->opened_real_ns = util_now_real_ns();
	inc->trigger_ns = t->trigger_ns;
	new_id(inc);
	util_strlcpy(inc->reason, t->reason, sizeof(inc->reason));
	util_strlcpy(inc->finding_id, t->finding_id ? t->finding_id : "",
		     sizeof(inc->finding_id));
	util_strlcpy(inc->gd_finding_id, t->gd_finding_id ? t->gd_finding_id : "",
		     sizeof(inc->gd_finding_id));
	inc->finding_json = strdup(t->finding_json ? t->finding_json : "{}");
	lockdown(d);
	d->status_dirty = true;
	daemon_journal_open_incident(d);
	daemon_evidence_start(d);
	daemon_cloud_tick(d, util_now_mono_ns());
}

void daemon_incident_finding(struct daemon *d, const struct ipc_s_finding *m)
{
	const struct recent_finding *r = daemon_findings_add(d, m);
	char what[300];

	describe(&m->f, what, sizeof(what));
	if (m->is_new)
		log_info("%s%s", what, m->f.blocked ? " [blocked]" : "");
	if (d->inc.active) {
		if (m->is_new) {
			daemon_journal_finding(d, m->f.id);
			d->status_dirty = true;
		}
		return;
	}
	if (opens_incident(d, &m->f)) {
		struct incident_trigger t = {
			.reason = what,
			.finding_id = m->f.id,
			.finding_json = r->json,
			.trigger_ns = m->trigger_ns,
		};

		daemon_incident_open(d, &t);
	}
}

/*
 * After `cordon release` closed the incident (the journal says so): the
 * next contact that meets the policy opens a new one. The sensor reports
 * every finding's next packet at once, so that the new incident is
 * decided (and timed) from that packet.
 */
static void rearm(struct daemon *d, const struct journal_incident *ji)
{
	struct ipc_s_rearm m;

	log_info("incident %s was released (%s); watching for the next one", d->inc.id,
		 ji->close_reason);
	incident_clear(d);
	d->status_dirty = true;
	memset(&m, 0, sizeof(m));
	if (d->sensor.fd >= 0 && ipc_send(d->sensor.fd, IPC_S_REARM, &m, sizeof(m)))
		log_warnx("cannot reach the sensor");
}

void daemon_incident_tick(struct daemon *d, uint64_t now)
{
	const struct journal_incident *ji;

	(void)now;
	if (!d->inc.active)
		return;
	if (!d->inc.journaled)
		daemon_journal_open_incident(d);
	ji = daemon_journal_incident(d);
	if (ji && ji->closed)
		rearm(d, ji);
}

/*
 * After a restart: an incident the journal holds open goes on where it
 * stopped. The lockdown is in the kernel (and in the state file); the
 * cloud plan is the journal's, only what is not done is tried again.
 */
void daemon_incident_resume(struct daemon *d)
{
	const struct journal_incident *ji = journal_state_open_incident(&d->jst);
	struct incident *inc = &d->inc;
	struct enforce_state es;
	char err[ERRLEN];
	const char *id;

	if (!ji)
		return;
	incident_clear(d);
	inc->active = inc->journaled = true;
	util_strlcpy(inc->id, ji->id, sizeof(inc->id));
	util_strlcpy(inc->reason, ji->reason, sizeof(inc->reason));
	id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ji->finding, "id"));
	util_strlcpy(inc->finding_id, id ? id : "", sizeof(inc->finding_id));
	/* The journal's copy of the one text (cJSON prints its own output back the same). */
	inc->finding_json = ji->finding ? cJSON_PrintUnformatted(ji->finding) : strdup("{}");
	inc->lockdown_done = state_load(d->o->state_dir, &es, err, sizeof(err)) == 0 &&
			     es.locked;
	inc->evid_started = inc->evid_done = true; /* kept from the first run */
	log_info("incident %s is still open (%s): resuming its pending actions%s", inc->id,
		 inc->reason, inc->lockdown_done ? "; the host is locked down" : "");
	d->status_dirty = true;
}

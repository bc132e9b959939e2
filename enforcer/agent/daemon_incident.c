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

#define SEC NSEC_PER_SEC

/* The incident policy (DESIGN.md, the daemon issue). */
static bool opens_incident(const struct daemon *d, const struct finding_rec *f)
{
	if (d->o->mode != RUN_ISOLATE)
		return false;
	if (f->dir == FINDING_OUTBOUND)
		return d->o->outbound;
	/* Inbound: only when the host took part beyond what a spoof brings about. */
	return d->o->inbound_answered && finding_rec_engaged(f);
}

static void describe(const struct finding_rec *f, char *buf, size_t len)
{
	char local[ADDR_STRLEN], remote[ADDR_STRLEN], port[16] = "";

	addr_ntop(&f->local, local, sizeof(local));
	addr_ntop(&f->remote, remote, sizeof(remote));
	if ((f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP) && f->many)
		snprintf(port, sizeof(port), " many ports");
	else if (f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP)
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

/*
 * Step 1: the lockdown state file (the durable intent), then one
 * transaction. The kernel is locked down whatever the disk says; a
 * lockdown that failed, or whose record the kernel holds but the disk
 * does not (enforce_lockdown_owed), is tried again from the incident
 * tick every second until it is done.
 */
static bool lockdown(struct daemon *d)
{
	struct incident *inc = &d->inc;
	struct enforce_timing t;
	char err[ERRLEN];
	uint64_t t0 = util_now_mono_ns();

	inc->decided_real_ns = util_now_real_ns();
	inc->next_lockdown_ns = t0 + SEC;
	inc->lockdown_lifted = false;
	if (enforce_lockdown(&d->o->enf, inc->reason, err, sizeof(err))) {
		/* Owed: the kernel holds it, the state file does not (yet). */
		inc->lockdown_done = enforce_lockdown_owed();
		log_warnx("incident %s: %s: %s (tried again every second)", inc->id,
			  inc->lockdown_done ? "lockdown in force, NOT recorded" :
			  "LOCKDOWN FAILED", err);
		util_strlcpy(inc->last_error, err, sizeof(inc->last_error));
		d->status_dirty = true;
		return false;
	}
	inc->lockdown_done = true;
	inc->last_error[0] = '\0';
	enforce_last_timing(&t);
	inc->lockdown_ack_ns = t.ack_real_ns ? t.ack_real_ns : util_now_real_ns();
	/* `cordon status` shows the lockdown by the time the log says so. */
	daemon_write_status(d);
	log_lockdown(inc, (double)(util_now_mono_ns() - t0) / 1e6, &t);
	return true;
}

/* A later lockdown of a journaled incident: its own records. */
static void lockdown_again(struct daemon *d)
{
	bool ok = lockdown(d);

	if (!d->inc.journaled || daemon_journal_intent(d, "lockdown", "host", NULL))
		return;
	if (ok)
		daemon_journal_done(d, "lockdown", "host", NULL);
	else
		daemon_journal_failed(d, "lockdown", "host", d->inc.last_error, 0);
}

void daemon_incident_open(struct daemon *d, const struct incident_trigger *t)
{
	struct incident *inc = &d->inc;

	incident_clear(d);
	inc->active = true;
	inc->opened_real_ns = util_now_real_ns();
	inc->trigger_ns = t->trigger_ns;
	inc->outside = t->outside;
	if (t->id && *t->id && strlen(t->id) < sizeof(inc->id))
		util_strlcpy(inc->id, t->id, sizeof(inc->id));
	else
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

/*
 * A finding the kernel's trip may have acted on (isolate mode: an
 * outbound packet to a listed address, dropped and logged): if the trip
 * set is not empty and no lockdown is recorded, the kernel locked the
 * host down by itself and the agent makes that durable.
 */
static bool tripped(struct daemon *d)
{
	char err[ERRLEN];
	int rc;

	if (!d->o->enf.trip)
		return false;
	rc = enforce_tripped(err, sizeof(err));
	if (rc < 0)
		log_warnx("reading the kernel's trip set: %s", err);
	return rc > 0;
}

static bool may_trip(const struct daemon *d, const struct finding_rec *f)
{
	return d->o->mode == RUN_ISOLATE && d->o->enf.trip && f->blocked &&
	       f->dir == FINDING_OUTBOUND && !(d->inc.active && d->inc.lockdown_done);
}

void daemon_incident_finding(struct daemon *d, const struct ipc_s_finding *m)
{
	const struct recent_finding *r = daemon_findings_add(d, m);
	bool policy = opens_incident(d, &m->f), trip;
	char what[300], reason[340];

	describe(&m->f, what, sizeof(what));
	if (m->is_new)
		log_info("%s%s", what, m->f.blocked ? " [blocked]" : "");
	trip = !policy && may_trip(d, &m->f) && tripped(d);
	if (d->inc.active) {
		if (m->is_new) {
			daemon_journal_finding(d, m->f.id);
			d->status_dirty = true;
		}
		/* Lifted by someone else: the next contact locks the host again. */
		if (!d->inc.lockdown_done && (policy || trip) &&
		    (d->inc.lockdown_lifted || trip)) {
			log_warnx("incident %s: %s: locking the host down again", d->inc.id, what);
			d->inc.trigger_ns = m->trigger_ns;
			lockdown_again(d);
		}
		return;
	}
	if (policy || trip) {
		struct incident_trigger t = {
			.reason = what,
			.finding_id = m->f.id,
			.finding_json = r->json,
			.trigger_ns = m->trigger_ns,
		};

		if (trip) {
			snprintf(reason, sizeof(reason), "tripped in the kernel: %s", what);
			t.reason = reason;
		}
		daemon_incident_open(d, &t);
	}
}

/* A finding for an incident no packet of ours opened (a trip, an outside isolation). */
char *daemon_incident_finding_json(const struct daemon *d, const char *title, const char *desc)
{
	char ts[UTIL_TIMESTAMP_LEN], id[33];
	uint8_t r[16];
	cJSON *o = cJSON_CreateObject(), *res, *det, *svc;
	char *out;

	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		memset(r, 0x5a, sizeof(r));
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(id + 2 * i, 3, "%02x", r[i]);
	util_iso8601_ms(util_now_real_ns(), ts);
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "schemaVersion", "2.0");
	if (*d->account)
		cJSON_AddStringToObject(o, "accountId", d->account);
	if (*d->region)
		cJSON_AddStringToObject(o, "region", d->region);
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "type", "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom");
	cJSON_AddNumberToObject(o, "severity", 5);
	cJSON_AddStringToObject(o, "title", title);
	cJSON_AddStringToObject(o, "description", desc);
	cJSON_AddStringToObject(o, "createdAt", ts);
	cJSON_AddStringToObject(o, "updatedAt", ts);
	res = cJSON_AddObjectToObject(o, "resource");
	cJSON_AddStringToObject(res, "resourceType", "Instance");
	det = cJSON_AddObjectToObject(res, "instanceDetails");
	cJSON_AddStringToObject(det, "instanceId", *d->instance_id ? d->instance_id : "unknown");
	svc = cJSON_AddObjectToObject(o, "service");
	cJSON_AddStringToObject(svc, "serviceName", "cordon");
	out = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return out;
}

/*
 * At start: the kernel tripped while no agent ran (the NFLOG copy that
 * would have told us is gone). Record the lockdown, and open an incident
 * when none is open.
 */
void daemon_incident_trip_check(struct daemon *d)
{
	static const char reason[] = "tripped in the kernel while the agent was not running";
	struct enforce_state es;
	char err[ERRLEN];
	char *f;

	if (d->o->mode != RUN_ISOLATE || (d->inc.active && d->inc.lockdown_done) ||
	    (state_load(d->o->state_dir, &es, err, sizeof(err)) == 0 && es.locked) ||
	    !tripped(d))
		return;
	if (d->inc.active) {
		log_warnx("incident %s: the kernel tripped the lockdown while the agent was not "
			  "running: recording it", d->inc.id);
		lockdown_again(d);
		return;
	}
	f = daemon_incident_finding_json(d, "The host's lockdown was tripped in the kernel",
			      "An outbound packet to an address on a threat list tripped the "
			      "host's lockdown in the kernel while the cordon agent was not "
			      "running; the packet itself was not seen.");
	log_warnx("the kernel holds a tripped lockdown that is not recorded: %s", reason);
	daemon_incident_open(d, &(struct incident_trigger){ .reason = reason,
							    .finding_json = f });
	free(f);
}

/*
 * After `cordon release` closed the incident (the journal says so), or
 * an off-host release (the instance's tags): the next contact that meets
 * the policy opens a new one. The sensor reports every finding's next
 * packet at once, so that the new incident is decided (and timed) from
 * that packet.
 */
static void rearm_sensor(struct daemon *d)
{
	struct ipc_s_rearm m;

	d->status_dirty = true;
	memset(&m, 0, sizeof(m));
	if (d->sensor.fd >= 0 && ipc_send(d->sensor.fd, IPC_S_REARM, &m, sizeof(m)))
		log_warnx("cannot reach the sensor");
}

static void rearm(struct daemon *d, const char *why)
{
	log_info("incident %s was released (%s); watching for the next one", d->inc.id, why);
	incident_clear(d);
	rearm_sensor(d);
}

/*
 * The lockdown went while the incident stays open: `cordon release
 * --local-only` (it lifts the lockdown and leaves the journal alone).
 * Logged, and re-armed: the next contact that meets the policy locks the
 * host down again. Seen on two checks a second apart, so that a full
 * `cordon release` (lockdown first, then the journal) is not taken for one.
 */
static void check_lifted(struct daemon *d, uint64_t now)
{
	struct incident *inc = &d->inc;
	const struct journal_incident *ji = daemon_journal_incident(d);
	struct enforce_state es;
	char err[ERRLEN];

	if (now < inc->next_lift_check_ns)
		return;
	inc->next_lift_check_ns = now + SEC;
	if (!inc->lockdown_done || enforce_lockdown_owed() ||
	    state_load(d->o->state_dir, &es, err, sizeof(err)) || es.locked ||
	    (ji && !strcmp(ji->status, "releasing"))) {
		inc->lift_seen = false;
		return;
	}
	if (!inc->lift_seen) {
		inc->lift_seen = true;
		return;
	}
	inc->lift_seen = false;
	inc->lockdown_done = false;
	inc->lockdown_lifted = true;
	log_warnx("incident %s: the host's lockdown was lifted outside the agent (cordon release "
		  "--local-only); re-armed: the next contact that meets the policy locks the "
		  "host down again", inc->id);
	if (d->j && inc->journaled && journal_incident_status(d->j, inc->id, "lockdown_lifted"))
		log_warnx("journal: %s", journal_error(d->j));
	rearm_sensor(d);
}

void daemon_incident_tick(struct daemon *d, uint64_t now)
{
	struct incident *inc = &d->inc;
	const struct journal_incident *ji;

	if (!inc->active)
		return;
	if (!inc->journaled)
		daemon_journal_open_incident(d);
	ji = daemon_journal_incident(d);
	if (ji && ji->closed) {
		rearm(d, ji->close_reason);
		return;
	}
	/* Every failed step is tried again from here; the cloud's in daemon_cloud.c. */
	if (!inc->lockdown_lifted && (!inc->lockdown_done || enforce_lockdown_owed()) &&
	    now >= inc->next_lockdown_ns)
		lockdown_again(d);
	else
		check_lifted(d, now);
}

/* The incident was released from outside (its tags): lift, close, re-arm. */
void daemon_incident_released(struct daemon *d, const char *why)
{
	char err[ERRLEN];

	if (!d->inc.active)
		return;
	if (enforce_release(&d->o->enf, err, sizeof(err))) {
		/* Tried again at the next tags poll that says so. */
		log_warnx("incident %s: %s, but lifting the lockdown failed: %s", d->inc.id, why,
			  err);
		return;
	}
	log_info("incident %s: %s: local lockdown lifted", d->inc.id, why);
	if (!d->inc.journaled)
		daemon_journal_open_incident(d);
	if (d->j && d->inc.journaled && journal_incident_close(d->j, d->inc.id, why))
		log_warnx("journal: %s", journal_error(d->j));
	rearm(d, why);
}

/*
 * After a restart: an incident the journal holds open goes on where it
 * stopped. The lockdown is in the kernel (and in the state file); the
 * cloud plan is the journal's, only what is not done is tried again. A
 * lockdown done before and recorded no more was lifted meanwhile
 * (`cordon release --local-only`): re-armed, not redone.
 */
void daemon_incident_resume(struct daemon *d)
{
	const struct journal_incident *ji = journal_state_open_incident(&d->jst);
	struct incident *inc = &d->inc;
	const struct journal_action *lk;
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
	lk = journal_state_action(&d->jst, ji->id, "lockdown", "host");
	inc->lockdown_lifted = !inc->lockdown_done && lk && lk->state == JOURNAL_DONE;
	inc->outside = !strncmp(ji->reason, DAEMON_OUTSIDE_REASON, strlen(DAEMON_OUTSIDE_REASON));
	for (size_t i = 0; i < ji->n_actions; i++)
		if (!strcmp(ji->actions[i].action, "cloud_incident"))
			util_strlcpy(inc->cloud_incident, ji->actions[i].target,
				     sizeof(inc->cloud_incident));
	inc->evid_started = inc->evid_done = true; /* kept from the first run */
	log_info("incident %s is still open (%s): resuming its pending actions%s", inc->id,
		 inc->reason, inc->lockdown_done ? "; the host is locked down" :
		 inc->lockdown_lifted ? "; its lockdown was lifted meanwhile (re-armed)" : "");
	d->status_dirty = true;
}

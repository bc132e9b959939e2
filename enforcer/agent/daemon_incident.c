/* SPDX-License-Identifier: MIT */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "daemon_impl.h"
#include "finding.h"
#include "log.h"

/* Rebuild the sensor's finding to write it the same way replay does. */
void daemon_finding_from_ipc(const struct ipc_s_finding *m, struct finding *f)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->id, m->id, sizeof(f->id));
	f->id[32] = '\0';
	f->key.local = m->local;
	f->key.remote = m->remote;
	f->key.dir = m->dir;
	f->key.proto = m->proto;
	f->key.service_port = m->service_port;
	f->local_port = m->local_port;
	f->remote_port = m->remote_port;
	f->count = m->count;
	f->packets = m->packets;
	f->bytes = m->bytes;
	f->first_ns = m->first_ns;
	f->last_ns = m->last_ns;
	memcpy(f->list_name, m->list, sizeof(f->list_name));
	f->list_name[sizeof(f->list_name) - 1] = '\0';
	f->entry = m->entry;
	f->line = m->line;
	f->blocked = m->flags & IPC_F_BLOCKED;
	f->answered = m->flags & IPC_F_ANSWERED;
	f->established = m->flags & IPC_F_ESTABLISHED;
}

static void remember(struct daemon *d, const struct ipc_s_finding *m)
{
	size_t i;

	for (i = 0; i < d->n_recent; i++)
		if (!memcmp(d->recent[i].id, m->id, sizeof(m->id)))
			break;
	if (i == d->n_recent) {
		if (d->n_recent == DAEMON_RECENT) {
			memmove(&d->recent[0], &d->recent[1],
				(DAEMON_RECENT - 1) * sizeof(d->recent[0]));
			i = DAEMON_RECENT - 1;
		} else {
			d->n_recent++;
		}
	}
	d->recent[i] = *m;
}

/*
 * Into the findings file, within fout's bounds (rate, size): a dropped
 * record is counted; an OUTBOUND or answered finding outranks a new
 * inbound one, which outranks a counter update. Returns the JSON (caller
 * frees) so the incident can journal it, written or not.
 */
static char *write_finding(struct daemon *d, const struct finding *f,
			   enum fout_class cls)
{
	struct finding_ctx ctx = {
		.instance_id = *d->instance_id ? d->instance_id : NULL,
		.region = *d->region ? d->region : NULL,
		.account_id = *d->account ? d->account : NULL,
	};
	char *json = finding_to_json(f, &ctx), old[sizeof(d->findings_path) + 2];
	enum fout_verdict v;

	if (!json) {
		log_warnx("out of memory writing a finding");
		return NULL;
	}
	v = fout_decide(&d->fout, strlen(json) + 1, cls, util_now_mono_ns());
	if (v == FOUT_DROP)
		return json;
	if (v == FOUT_ROTATE_WRITE) {
		snprintf(old, sizeof(old), "%s.1", d->findings_path);
		if (rename(d->findings_path, old) < 0)
			log_warn("rotating findings file %s", d->findings_path);
		else
			daemon_reopen_findings(d);
	}
	if (fprintf(d->findings, "%s\n", json) < 0 || fflush(d->findings))
		log_warn("findings file %s", d->findings_path);
	else
		d->findings_written++;
	if (v == FOUT_ROTATE_WRITE)
		fout_rotated(&d->fout);
	return json;
}

/* The incident policy (DESIGN.md, the daemon issue). */
static bool opens_incident(const struct daemon *d, const struct ipc_s_finding *m)
{
	if (d->o->mode != RUN_ISOLATE)
		return false;
	if (m->dir == FINDING_OUTBOUND)
		return d->o->outbound;
	/* Inbound: only when the host took part (answered, or a handshake). */
	return d->o->inbound_answered &&
	       (m->flags & (IPC_F_ANSWERED | IPC_F_ESTABLISHED));
}

static void describe(const struct ipc_s_finding *m, char *buf, size_t len)
{
	char local[ADDR_STRLEN], remote[ADDR_STRLEN];

	char port[16] = "";

	addr_ntop(&m->local, local, sizeof(local));
	addr_ntop(&m->remote, remote, sizeof(remote));
	if (m->proto == IPPROTO_TCP || m->proto == IPPROTO_UDP)
		snprintf(port, sizeof(port), " port %u", m->service_port);
	snprintf(buf, len, "finding %s: %s %s %s %s %s%s (list %s)", m->id,
		 m->dir == FINDING_OUTBOUND ? "OUTBOUND" : "INBOUND",
		 finding_proto_name(m->proto), local,
		 m->dir == FINDING_OUTBOUND ? "->" : "<-", remote, port, m->list);
}

void daemon_incident_new_id(struct daemon *d)
{
	struct incident *inc = &d->inc;
	char ts[UTIL_TIMESTAMP_LEN];
	uint32_t r = 0;

	inc->open = true;
	inc->findings = 1;
	inc->opened_real_ns = util_now_real_ns();
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (uint32_t)inc->opened_real_ns;
	util_iso8601_ms(inc->opened_real_ns, ts);
	snprintf(inc->id, sizeof(inc->id), "inc-%.4s%.2s%.2sT%.2s%.2s%.2sZ-%06x",
		 ts, ts + 5, ts + 8, ts + 11, ts + 14, ts + 17, r & 0xffffff);
}

/* Steps 2 to 5, after the lockdown (done or failed). */
void daemon_incident_steps(struct daemon *d, const char *finding_json)
{
	util_strlcpy(d->inc.finding_json, finding_json ? finding_json : "{}",
		     sizeof(d->inc.finding_json));
	daemon_journal_open_incident(d, finding_json);
	daemon_evidence_start(d);
	daemon_cloud_start(d);
}

static double ms_since(uint64_t from, uint64_t to)
{
	return from && to > from ? (double)(to - from) / 1e6 : -1.0;
}

static void log_lockdown(const struct incident *inc, double call_ms,
			 const struct enforce_timing *t)
{
	if (!inc->trigger_ns) {
		log_info("incident %s: host locked down (call %.3f ms); %s", inc->id,
			 call_ms, inc->reason);
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

static void incident_open(struct daemon *d, const struct ipc_s_finding *m,
			  const char *finding_json)
{
	struct incident *inc = &d->inc;
	char err[ERRLEN];
	uint64_t t0;

	memset(inc, 0, sizeof(*inc));
	inc->trigger_ns = m->trigger_ns;
	memcpy(inc->finding_id, m->id, sizeof(inc->finding_id));
	describe(m, inc->reason, sizeof(inc->reason));
	daemon_incident_new_id(d);

	/*
	 * Step 1, the local lockdown, first and fast: enforce_lockdown()
	 * writes the lockdown state file (the durable record of intent) and
	 * then sends one small transaction.
	 */
	t0 = util_now_mono_ns();
	inc->decided_real_ns = util_now_real_ns();
	if (enforce_lockdown(&d->o->enf, inc->reason, err, sizeof(err))) {
		log_warnx("incident %s: LOCKDOWN FAILED: %s", inc->id, err);
		util_strlcpy(inc->last_error, err, sizeof(inc->last_error));
		daemon_incident_steps(d, finding_json);
		return;
	}
	inc->lockdown_done = true;
	{
		struct enforce_timing t;

		enforce_last_timing(&t);
		inc->lockdown_ack_ns = t.ack_real_ns ? t.ack_real_ns : util_now_real_ns();
		log_lockdown(inc, (double)(util_now_mono_ns() - t0) / 1e6, &t);
	}
	daemon_write_status(d);
	daemon_incident_steps(d, finding_json);
}

void daemon_on_finding(struct daemon *d, const struct ipc_s_finding *m)
{
	struct finding f;
	char *json;

	remember(d, m);
	daemon_finding_from_ipc(m, &f);
	/* Sent by a packet (new, or a change the policy reads), not a sweep. */
	json = write_finding(d, &f, !m->trigger_ns ? FOUT_UPDATE :
				    m->dir == FINDING_OUTBOUND ||
				    (m->flags & (IPC_F_ANSWERED | IPC_F_ESTABLISHED)) ?
				    FOUT_KEY : FOUT_NEW);
	if (m->flags & IPC_F_NEW) {
		char what[300];

		describe(m, what, sizeof(what));
		log_info("%s%s", what, (m->flags & IPC_F_BLOCKED) ? " [blocked]" : "");
	}
	if (d->inc.open) {
		if (m->flags & IPC_F_NEW) {
			d->inc.findings++;
			daemon_journal_finding(d, m->id);
		}
	} else if (opens_incident(d, m)) {
		incident_open(d, m, json);
	}
	free(json);
}

/*
 * `cordon release` may close the incident while we run: it writes the
 * journal. Look every few seconds, and forget the incident once closed.
 */
void daemon_incident_tick(struct daemon *d, uint64_t now)
{
	struct journal_state st;
	const struct journal_incident *i;
	char err[ERRLEN];

	if (!d->inc.open || now < d->next_release_check_ns)
		return;
	d->next_release_check_ns = now + 2000000000ull;
	memset(&st, 0, sizeof(st));
	if (journal_state_load(d->o->state_dir, &st, err, sizeof(err)))
		return;
	i = journal_state_incident(&st, d->inc.id);
	if (i && i->closed) {
		struct ipc_s_rearm m;

		log_info("incident %s was released (%s); watching for the next one",
			 d->inc.id, i->close_reason);
		memset(&d->inc, 0, sizeof(d->inc));
		memset(&d->plan, 0, sizeof(d->plan));
		memset(&m, 0, sizeof(m));
		if (d->sensor_fd >= 0 && ipc_send(d->sensor_fd, IPC_S_REARM, &m, sizeof(m)))
			log_warnx("cannot reach the sensor");
	}
	journal_state_free(&st);
}

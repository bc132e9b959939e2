/* SPDX-License-Identifier: MIT */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon_impl.h"
#include "evidence.h"
#include "log.h"
#include "nft.h"
#include "enforce.h"

/*
 * Step 2 of an incident: evidence in STATE_DIR/evidence/INCIDENT/ — the
 * packet headers of the last seconds before the trigger (the sensor's
 * ring, written into files we create and hand over), the findings, the
 * socket table with owning processes, the nftables counters, and a
 * manifest with every file's SHA-256, written last.
 */

static int write_text(const char *dir, const char *name, const char *text)
{
	char path[700];
	size_t len = strlen(text);
	int fd, rc = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = evidence_file_create(path);
	if (fd < 0)
		return fd;
	if (write(fd, text, len) != (ssize_t)len)
		rc = -EIO;
	close(fd);
	return rc;
}

/* The recent findings, the same text as in the findings file. */
static void write_findings(struct daemon *d)
{
	char *all = daemon_findings_lines(d);

	if (!all || write_text(d->inc.evid_dir, "findings.json", all))
		log_warnx("evidence: findings.json not written");
	free(all);
}

/* The table's counters, read through netlink (we hold CAP_NET_ADMIN). */
static void write_counters(struct daemon *d)
{
	struct mnl_socket *nl = NULL;
	cJSON *o = cJSON_CreateObject();
	char err[ERRLEN];
	char *s = NULL;

	if (!o || nft_open(&nl, err, sizeof(err)))
		goto out;
	for (size_t i = 0; i < NFT_COUNTERS; i++) {
		struct nft_counter c = { .name = nft_counter_names[i] };
		cJSON *e;

		if (nft_read_counter(nl, &c, err, sizeof(err)))
			continue;
		e = cJSON_AddObjectToObject(o, c.name);
		if (e) {
			cJSON_AddNumberToObject(e, "packets", (double)c.packets);
			cJSON_AddNumberToObject(e, "bytes", (double)c.bytes);
		}
	}
	s = cJSON_Print(o);
	if (s && write_text(d->inc.evid_dir, "nft-counters.json", s))
		log_warnx("evidence: nft-counters.json not written");
out:
	nft_close(nl);
	free(s);
	cJSON_Delete(o);
}

static void evidence_finish(struct daemon *d)
{
	char err[ERRLEN];
	cJSON *res;

	if (evidence_manifest_write(d->inc.evid_dir, err, sizeof(err))) {
		log_warnx("evidence: %s", err);
		daemon_journal_failed(d, "evidence", "host", err, 1);
		return;
	}
	d->inc.evid_done = true;
	res = cJSON_CreateObject();
	if (res)
		cJSON_AddStringToObject(res, "dir", d->inc.evid_dir);
	daemon_journal_done(d, "evidence", "host", res);
	cJSON_Delete(res);
	log_info("incident %s: evidence kept in %s", d->inc.id, d->inc.evid_dir);
}

/* Ask the sensor for its ring, one file per link type we capture. */
static void request_ring(struct daemon *d)
{
	int seen[RUN_MAX_IFACES + 1];
	size_t nseen = 0;

	if (d->sensor.fd < 0 || !d->o->evidence_seconds)
		return;
	for (size_t i = 0; i < d->ndlt; i++) {
		struct ipc_s_dump m;
		char path[700];
		int dlt = d->dlt[i], fd;
		bool dup = false;

		for (size_t k = 0; k < nseen; k++)
			dup |= seen[k] == dlt;
		if (dup)
			continue;
		seen[nseen++] = dlt;
		if (nseen == 1)
			snprintf(path, sizeof(path), "%s/ring.pcap", d->inc.evid_dir);
		else
			snprintf(path, sizeof(path), "%s/ring.dlt%d.pcap", d->inc.evid_dir, dlt);
		fd = evidence_file_create(path);
		if (fd < 0) {
			log_warnx("evidence: %s: %s", path, strerror(-fd));
			continue;
		}
		memset(&m, 0, sizeof(m));
		m.dlt = dlt;
		if (ipc_send_fd(d->sensor.fd, IPC_S_DUMP, &m, sizeof(m), fd) == 0)
			d->inc.evid_pending++;
		close(fd);
	}
}

void daemon_evidence_start(struct daemon *d)
{
	struct incident *inc = &d->inc;
	char err[ERRLEN], path[700];
	struct evidence_sock_stats ss;
	cJSON *params = cJSON_CreateObject();

	inc->evid_started = true;
	inc->evid_done = false;
	inc->evid_pending = 0;
	/* Evidence does not wait for the journal: the sockets are now or never. */
	if (daemon_journal_intent(d, "evidence", "host", params))
		log_warnx("incident %s: evidence taken before its intent is journaled", inc->id);
	cJSON_Delete(params);
	if (evidence_dir_create(d->o->state_dir, inc->id, inc->evid_dir, sizeof(inc->evid_dir),
				err, sizeof(err))) {
		log_warnx("evidence: %s", err);
		daemon_journal_failed(d, "evidence", "host", err, 1);
		return;
	}
	request_ring(d);
	snprintf(path, sizeof(path), "%s/sockets.json", inc->evid_dir);
	if (procsd_snapshot(&d->procs, path, &ss, err, sizeof(err)))
		log_warnx("evidence: sockets: %s", err);
	write_findings(d);
	write_counters(d);
	if (inc->evid_pending == 0)
		evidence_finish(d);
}

void daemon_evidence_dumped(struct daemon *d, const struct ipc_s_dump_done *m)
{
	char e[sizeof(m->err)];

	/* From the sensor: its text is terminated here, whatever it sent. */
	memcpy(e, m->err, sizeof(e));
	e[sizeof(e) - 1] = '\0';
	if (m->rc < 0)
		log_warnx("evidence: ring (link type %d): %s", m->dlt, *e ? e : strerror(-m->rc));
	else
		log_info("evidence: %d packets from the %u s before the trigger (link type %d)",
			 m->rc, d->o->evidence_seconds, m->dlt);
	if (d->inc.evid_pending && --d->inc.evid_pending == 0 && d->inc.active)
		evidence_finish(d);
}

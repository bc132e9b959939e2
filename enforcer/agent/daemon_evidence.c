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
#include "finding.h"
#include "log.h"
#include "nft.h"

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

static void write_findings(struct daemon *d)
{
	struct finding_ctx ctx = {
		.instance_id = *d->instance_id ? d->instance_id : NULL,
		.region = *d->region ? d->region : NULL,
		.account_id = *d->account ? d->account : NULL,
	};
	size_t cap = 4096, len = 0;
	char *all = malloc(cap);

	if (!all)
		return;
	all[0] = '\0';
	for (size_t i = 0; i < d->n_recent; i++) {
		struct finding f;
		char *json;
		size_t n;

		daemon_finding_from_ipc(&d->recent[i], &f);
		json = finding_to_json(&f, &ctx);
		if (!json)
			continue;
		n = strlen(json);
		if (len + n + 2 > cap) {
			char *bigger = realloc(all, (cap + n) * 2);

			if (!bigger) {
				free(json);
				break;
			}
			all = bigger;
			cap = (cap + n) * 2;
		}
		memcpy(all + len, json, n);
		len += n;
		all[len++] = '\n';
		all[len] = '\0';
		free(json);
	}
	if (write_text(d->evid_dir, "findings.json", all))
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
	if (s && write_text(d->evid_dir, "nft-counters.json", s))
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

	if (evidence_manifest_write(d->evid_dir, err, sizeof(err))) {
		log_warnx("evidence: %s", err);
		daemon_journal_action(d, "evidence", "host", JOURNAL_FAILED, NULL, err, 1);
		return;
	}
	d->evid_done = true;
	res = cJSON_CreateObject();
	if (res)
		cJSON_AddStringToObject(res, "dir", d->evid_dir);
	daemon_journal_action(d, "evidence", "host", JOURNAL_DONE, res, NULL, 0);
	cJSON_Delete(res);
	log_info("incident %s: evidence kept in %s", d->inc.id, d->evid_dir);
}

/* Ask the sensor for its ring, one file per link type we capture. */
static void request_ring(struct daemon *d)
{
	int seen[RUN_MAX_IFACES + 1];
	size_t nseen = 0;

	if (d->sensor_fd < 0 || !d->o->evidence_seconds)
		return;
	for (size_t i = 0; i < d->ncaps; i++) {
		struct ipc_s_dump m;
		char path[700];
		int dlt = capture_dlt(d->caps[i]), fd;
		bool dup = false;

		for (size_t k = 0; k < nseen; k++)
			dup |= seen[k] == dlt;
		if (dup)
			continue;
		seen[nseen++] = dlt;
		if (nseen == 1)
			snprintf(path, sizeof(path), "%s/ring.pcap", d->evid_dir);
		else
			snprintf(path, sizeof(path), "%s/ring.dlt%d.pcap", d->evid_dir, dlt);
		fd = evidence_file_create(path);
		if (fd < 0) {
			log_warnx("evidence: %s: %s", path, strerror(-fd));
			continue;
		}
		memset(&m, 0, sizeof(m));
		m.dlt = dlt;
		if (ipc_send_fd(d->sensor_fd, IPC_S_DUMP, &m, sizeof(m), fd) == 0)
			d->evid_pending++;
		close(fd);
	}
}

void daemon_evidence_start(struct daemon *d)
{
	char err[ERRLEN], path[700];
	struct evidence_sock_stats ss;
	cJSON *params = cJSON_CreateObject();

	d->evid_done = false;
	d->evid_pending = 0;
	daemon_journal_action(d, "evidence", "host", JOURNAL_INTENT, params, NULL, 0);
	cJSON_Delete(params);
	if (evidence_dir_create(d->o->state_dir, d->inc.id, d->evid_dir,
			    sizeof(d->evid_dir), err, sizeof(err))) {
		log_warnx("evidence: %s", err);
		daemon_journal_action(d, "evidence", "host", JOURNAL_FAILED, NULL, err, 1);
		return;
	}
	request_ring(d);
	snprintf(path, sizeof(path), "%s/sockets.json", d->evid_dir);
	if (evidence_sockets_snapshot(path, &ss, err, sizeof(err)))
		log_warnx("evidence: sockets: %s", err);
	write_findings(d);
	write_counters(d);
	if (d->evid_pending == 0)
		evidence_finish(d);
}

void daemon_evidence_dumped(struct daemon *d, const struct ipc_s_dump_done *m)
{
	if (m->rc < 0)
		log_warnx("evidence: ring (link type %d): %s", m->dlt,
			  *m->err ? m->err : strerror(-m->rc));
	else
		log_info("evidence: %d packets from the %u s before the trigger (link type %d)",
			 m->rc, d->o->evidence_seconds, m->dlt);
	if (d->evid_pending && --d->evid_pending == 0 && d->inc.open)
		evidence_finish(d);
}

/* SPDX-License-Identifier: MIT */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "journal.h"
#include "status_daemon.h"
#include "util.h"

#define DAEMON_JSON_MAX (256 * 1024)

static cJSON *read_daemon_json(const char *state_dir)
{
	char path[700], *buf;
	ssize_t n;
	int fd;
	cJSON *o;

	snprintf(path, sizeof(path), "%s/daemon.json", state_dir);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return NULL;
	buf = malloc(DAEMON_JSON_MAX + 1);
	n = buf ? read(fd, buf, DAEMON_JSON_MAX) : -1;
	close(fd);
	if (n <= 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	o = cJSON_Parse(buf);
	free(buf);
	return o;
}

/* daemon.json may be left from a stopped agent: say whether it runs. */
static bool daemon_alive(const cJSON *d)
{
	const cJSON *pid = cJSON_GetObjectItem(d, "pid");
	const cJSON *running = cJSON_GetObjectItem(d, "running");

	return cJSON_IsNumber(pid) && cJSON_IsTrue(running) && pid->valuedouble > 1 &&
	       (kill((pid_t)pid->valuedouble, 0) == 0 || errno == EPERM);
}

static cJSON *incident_json(const char *state_dir)
{
	const struct journal_incident *inc;
	struct journal_state st;
	char err[ERRLEN];
	cJSON *o = NULL, *acts;

	memset(&st, 0, sizeof(st));
	if (journal_state_load(state_dir, &st, err, sizeof(err)))
		return NULL;
	inc = journal_state_open_incident(&st);
	if (!inc)
		goto out;
	o = cJSON_CreateObject();
	if (!o)
		goto out;
	cJSON_AddStringToObject(o, "id", inc->id);
	cJSON_AddStringToObject(o, "openedAt", inc->opened_at);
	cJSON_AddStringToObject(o, "status", inc->status);
	cJSON_AddStringToObject(o, "reason", inc->reason);
	cJSON_AddNumberToObject(o, "findingsJoined", inc->findings_joined);
	acts = cJSON_AddArrayToObject(o, "actions");
	for (size_t i = 0; acts && i < inc->n_actions; i++) {
		const struct journal_action *a = &inc->actions[i];
		cJSON *e = cJSON_CreateObject();

		if (!e)
			break;
		cJSON_AddStringToObject(e, "action", a->action);
		cJSON_AddStringToObject(e, "target", a->target ? a->target : "");
		/* Left for the off-host responder when the host lost its API. */
		cJSON_AddStringToObject(e, "state", a->state == JOURNAL_FAILED &&
						    !strcmp(a->error, DAEMON_HANDOVER_ERROR) ?
						    "handed over" : journal_astate_name(a->state));
		cJSON_AddNumberToObject(e, "attempts", a->attempts);
		cJSON_AddStringToObject(e, "at", a->at);
		if (*a->error)
			cJSON_AddStringToObject(e, "error", a->error);
		cJSON_AddItemToArray(acts, e);
	}
out:
	journal_state_free(&st);
	return o;
}

cJSON *status_daemon_json(const char *state_dir)
{
	cJSON *o = cJSON_CreateObject(), *d = read_daemon_json(state_dir), *inc;

	if (!o) {
		cJSON_Delete(d);
		return NULL;
	}
	cJSON_AddBoolToObject(o, "agentRunning", d && daemon_alive(d));
	if (d)
		cJSON_AddItemToObject(o, "agent", d);
	inc = incident_json(state_dir);
	cJSON_AddItemToObject(o, "incident", inc ? inc : cJSON_CreateNull());
	return o;
}

static const char *str(const cJSON *o, const char *k)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(o, k));

	return s ? s : "";
}

static double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

void status_daemon_print(const char *state_dir, FILE *f)
{
	cJSON *o = status_daemon_json(state_dir), *d, *e, *inc;

	if (!o)
		return;
	d = cJSON_GetObjectItem(o, "agent");
	fprintf(f, "agent: %s", cJSON_IsTrue(cJSON_GetObjectItem(o, "agentRunning")) ?
				      "running" : "not running");
	if (d)
		fprintf(f, " (mode %s, pid %.0f, since %s, status of %s)", str(d, "mode"),
			num(d, "pid"), str(d, "startedAt"), str(d, "updatedAt"));
	fputc('\n', f);
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(d, "lists"))
		fprintf(f, "  list %s (%s): %.0f entries, ETag %s, last sync %s: %s\n",
			str(e, "location"), str(e, "kind"), num(e, "entries"),
			*str(e, "etag") ? str(e, "etag") : "-",
			*str(e, "lastSync") ? str(e, "lastSync") : "-", str(e, "result"));
	if ((e = cJSON_GetObjectItem(d, "capture")))
		fprintf(f, "  capture: %.0f received, %.0f dropped by the kernel, %.0f "
			   "matched, %.0f malformed, %.0f truncated, %.0f findings\n",
			num(e, "received"), num(e, "droppedByKernel"), num(e, "matched"),
			num(e, "malformed"), num(e, "truncated"), num(e, "findings"));
	if (e && (num(e, "lost") || num(e, "findingsEvicted") || num(e, "findingsHeld") ||
		  num(e, "findingsDropped") || num(e, "findingsUnreported")))
		fprintf(f, "  under load: %.0f matched packets lost, %.0f findings evicted, "
			   "%.0f new inbound findings held out (table full of recent ones), "
			   "%.0f new inbound findings not reported (rate), "
			   "%.0f finding records not written (rate), %.0f file rotations\n",
			num(e, "lost"), num(e, "findingsEvicted"), num(e, "findingsHeld"),
			num(e, "findingsUnreported"), num(e, "findingsDropped"),
			num(e, "findingsRotations"));
	if (num(d, "tablesRestored"))
		fprintf(f, "  nftables: table inet cordon put back %.0f time(s) after someone "
			   "else removed it (a ruleset flush)\n", num(d, "tablesRestored"));
	if ((e = cJSON_GetObjectItem(d, "identity"))) {
		if (*str(d, "instanceId"))
			fprintf(f, "  identity: %s in %s (%s)\n", str(d, "instanceId"),
				*str(d, "region") ? str(d, "region") : "an unknown region",
				!strcmp(str(e, "state"), "configured") ? "configured" : "from IMDS");
		else
			fprintf(f, "  identity: UNKNOWN after %.0f attempt(s), still asking IMDS%s%s "
				   "(no cloud isolation until it is known)\n", num(e, "attempts"),
				*str(e, "error") ? ": " : "", str(e, "error"));
	}
	if ((e = cJSON_GetObjectItem(d, "instanceTags"))) {
		const char *st = str(e, "state");

		if (!strcmp(st, "readable"))
			fprintf(f, "  instance tags: readable through IMDS (cordon:status=%s%s%s)\n",
				str(e, "status"), *str(e, "incident") ? ", cordon:incident=" : "",
				str(e, "incident"));
		else if (!strcmp(st, "off"))
			fprintf(f, "  instance tags: not read ([cloud] tag_poll_interval = 0)\n");
		else if (!strcmp(st, "unknown"))
			fprintf(f, "  instance tags: not read yet\n");
		else
			fprintf(f, "  instance tags: NOT readable: %s (an off-host release or "
				   "isolation does not reach the agent)\n", str(e, "error"));
	}
	if ((e = cJSON_GetObjectItem(d, "heartbeat")) && num(e, "intervalSeconds") > 0) {
		if (cJSON_IsTrue(cJSON_GetObjectItem(e, "paused")))
			fprintf(f, "  heartbeat: paused (the host is cut off from the API on purpose), "
				   "%.0f sent\n", num(e, "sent"));
		else
			fprintf(f, "  heartbeat: every %.0f s, %.0f sent, last %s%s%s\n",
				num(e, "intervalSeconds"), num(e, "sent"),
				*str(e, "last") ? str(e, "last") : "never",
				*str(e, "error") ? "; FAILING: " : "", str(e, "error"));
	}
	if (d && *str(d, "lastError"))
		fprintf(f, "  last error: %s\n", str(d, "lastError"));
	inc = cJSON_GetObjectItem(o, "incident");
	if (cJSON_IsObject(inc)) {
		fprintf(f, "incident %s (%s), opened %s: %s\n", str(inc, "id"),
			str(inc, "status"), str(inc, "openedAt"), str(inc, "reason"));
		cJSON_ArrayForEach(e, cJSON_GetObjectItem(inc, "actions"))
			fprintf(f, "  %-20s %-24s %-11s attempts %.0f%s%s\n", str(e, "action"),
				str(e, "target"), str(e, "state"), num(e, "attempts"),
				*str(e, "error") ? "  " : "", str(e, "error"));
	} else {
		fprintf(f, "incident: none open\n");
	}
	cJSON_Delete(o);
}

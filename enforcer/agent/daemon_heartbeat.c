/* SPDX-License-Identifier: MIT */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "daemon_impl.h"
#include "log.h"

/*
 * The heartbeat (DESIGN.md, "Cloud isolation contract"): CloudWatch
 * metric cordon/AgentHeartbeat, dimension InstanceId, value 1, every
 * [agent] heartbeat_interval, through the AWS process; the off-host
 * responder calls an agent whose instance runs and stays silent dead.
 * Paused while the host is cut off on purpose (its plan past the primary
 * interface, or isolated from outside): it has no API then, and an
 * isolated instance is no silent agent.
 */

#define SEC NSEC_PER_SEC

static bool cut_off(struct daemon *d)
{
	return d->inc.active && (d->inc.outside || daemon_cloud_handed_over(d));
}

void daemon_heartbeat_tick(struct daemon *d, uint64_t now)
{
	struct ipc_a_heartbeat m;
	bool paused;

	if (!d->o->heartbeat_ms || d->hb.inflight || now < d->hb.next_ns || !*d->instance_id ||
	    d->aws.fd < 0 || !d->aws.ready)
		return;
	d->hb.next_ns = now + (uint64_t)d->o->heartbeat_ms * NSEC_PER_MSEC;
	paused = cut_off(d);
	if (paused != d->hb.paused) {
		d->hb.paused = paused;
		d->status_dirty = true;
		log_info("heartbeat %s", paused ? "paused: the host is cut off from the API on "
			 "purpose" : "resumed");
	}
	if (paused)
		return;
	memset(&m, 0, sizeof(m));
	util_strlcpy(m.instance_id, d->instance_id, sizeof(m.instance_id));
	if (ipc_send(d->aws.fd, IPC_A_HEARTBEAT, &m, sizeof(m)) == 0)
		d->hb.inflight = true;
}

void daemon_heartbeat_done(struct daemon *d, const struct ipc_a_heartbeat_done *m)
{
	d->hb.inflight = false;
	if (m->rc) {
		/* Validated: terminated. The log says an identical line once. */
		util_strlcpy(d->hb.error, m->err, sizeof(d->hb.error));
		log_warnx("heartbeat: %s", d->hb.error);
		d->status_dirty = true;
		return;
	}
	if (!d->hb.sent || *d->hb.error)
		log_info("heartbeat: CloudWatch cordon/AgentHeartbeat for %s, every %u s",
			 d->instance_id, d->o->heartbeat_ms / 1000);
	d->hb.error[0] = '\0';
	d->hb.sent++;
	d->hb.last_real_ns = util_now_real_ns();
	d->status_dirty = true;
}

cJSON *daemon_heartbeat_status(const struct daemon *d)
{
	cJSON *o = cJSON_CreateObject();
	char ts[UTIL_TIMESTAMP_LEN] = "";

	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "intervalSeconds", d->o->heartbeat_ms / 1000.0);
	cJSON_AddNumberToObject(o, "sent", (double)d->hb.sent);
	if (d->hb.last_real_ns)
		util_iso8601_ms(d->hb.last_real_ns, ts);
	cJSON_AddStringToObject(o, "last", ts);
	cJSON_AddBoolToObject(o, "paused", d->hb.paused);
	cJSON_AddStringToObject(o, "error", d->hb.error);
	return o;
}

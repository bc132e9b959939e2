/* SPDX-License-Identifier: MIT */
/*
 * The finding in its two fixed forms: the record that crosses from the
 * sensor to the parent (struct finding_rec), and the one line of JSON
 * (DESIGN.md) the agent makes from it once and hands to every consumer.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finding.h"
#include "gd.h"

void finding_rec_of(const struct finding *f, struct finding_rec *r)
{
	memset(r, 0, sizeof(*r));
	/* Made lazily: a reused record keeps old bytes until they are made. */
	if (f->has_id) {
		memcpy(r->id, f->id, sizeof(r->id));
		r->id[sizeof(r->id) - 1] = '\0';
	}
	r->dir = f->key.dir;
	r->proto = f->key.proto;
	r->blocked = f->blocked;
	r->answered = f->answered;
	r->established = f->established;
	r->many = f->key.many;
	r->local = f->key.local;
	r->remote = f->key.remote;
	r->local_port = f->local_port;
	r->remote_port = f->remote_port;
	r->service_port = f->key.service_port;
	if (f->explained) {
		r->line = f->line;
		util_strlcpy(r->list_name, f->list_name, sizeof(r->list_name));
		r->entry = f->entry;
	}
	r->count = f->count;
	r->packets = f->packets;
	r->bytes = f->bytes;
	r->first_ns = f->first_ns;
	r->last_ns = f->last_ns;
}

static bool af_ok(const struct cd_addr *a)
{
	return a->af == AF_INET || a->af == AF_INET6;
}

int finding_rec_check(const struct finding_rec *r, char *err, size_t errlen)
{
	if (strnlen(r->id, sizeof(r->id)) != 32 || strspn(r->id, "0123456789abcdef") != 32)
		return util_err(err, errlen, "finding: id is not 32 hex digits");
	if (r->dir != FINDING_OUTBOUND && r->dir != FINDING_INBOUND)
		return util_err(err, errlen, "finding %s: direction %u", r->id, r->dir);
	if (r->blocked > 1 || r->answered > 1 || r->established > 1 || r->many > 1)
		return util_err(err, errlen, "finding %s: a flag is not 0 or 1", r->id);
	if (r->many && r->service_port)
		return util_err(err, errlen, "finding %s: many ports with service port %u",
				r->id, r->service_port);
	if (!af_ok(&r->local) || !af_ok(&r->remote) || r->local.af != r->remote.af)
		return util_err(err, errlen, "finding %s: bad address family", r->id);
	if (memchr(r->list_name, '\0', sizeof(r->list_name)) == NULL)
		return util_err(err, errlen, "finding %s: list name not terminated", r->id);
	if (r->entry.a.af && (!af_ok(&r->entry.a) || r->entry.len > addr_bits(&r->entry.a)))
		return util_err(err, errlen, "finding %s: bad list entry", r->id);
	return 0;
}

const char *finding_proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "TCP";
	case IPPROTO_UDP:
		return "UDP";
	case IPPROTO_ICMP:
		return "ICMP";
	case IPPROTO_ICMPV6:
		return "ICMPV6";
	}
	return "OTHER";
}

static bool proto_has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP;
}

static cJSON *ip_details(const struct cd_addr *a)
{
	char buf[ADDR_STRLEN];
	cJSON *o = cJSON_CreateObject();

	if (o)
		cJSON_AddStringToObject(o, a->af == AF_INET ? "ipAddressV4"
							    : "ipAddressV6",
					addr_ntop(a, buf, sizeof(buf)));
	return o;
}

static cJSON *port_details(uint16_t port)
{
	cJSON *o = cJSON_CreateObject();

	if (o)
		cJSON_AddNumberToObject(o, "port", port);
	return o;
}

static cJSON *finding_action(const struct finding_rec *f)
{
	cJSON *action = cJSON_CreateObject(), *nca;
	bool ports = proto_has_ports(f->proto);

	if (!action)
		return NULL;
	cJSON_AddStringToObject(action, "actionType", "NETWORK_CONNECTION");
	nca = cJSON_AddObjectToObject(action, "networkConnectionAction");
	if (!nca)
		goto fail;
	cJSON_AddStringToObject(nca, "connectionDirection",
				f->dir == FINDING_INBOUND ? "INBOUND" : "OUTBOUND");
	cJSON_AddStringToObject(nca, "protocol", finding_proto_name(f->proto));
	cJSON_AddBoolToObject(nca, "blocked", f->blocked);
	cJSON_AddItemToObject(nca, "localIpDetails", ip_details(&f->local));
	if (ports)
		cJSON_AddItemToObject(nca, "localPortDetails",
				      port_details(f->local_port));
	cJSON_AddItemToObject(nca, "remoteIpDetails", ip_details(&f->remote));
	if (ports)
		cJSON_AddItemToObject(nca, "remotePortDetails",
				      port_details(f->remote_port));
	return action;
fail:
	cJSON_Delete(action);
	return NULL;
}

static void describe(const struct finding_rec *f, const char *inst, char *title,
		     size_t tlen, char *desc, size_t dlen)
{
	char remote[ADDR_STRLEN], portbuf[32] = "";
	const char *list = *f->list_name ? f->list_name : "a threat list";

	addr_ntop(&f->remote, remote, sizeof(remote));
	if (proto_has_ports(f->proto) && f->many)
		snprintf(portbuf, sizeof(portbuf), " on many %s ports",
			 finding_proto_name(f->proto));
	else if (proto_has_ports(f->proto))
		snprintf(portbuf, sizeof(portbuf), " on %s port %u",
			 finding_proto_name(f->proto), f->service_port);
	else
		snprintf(portbuf, sizeof(portbuf), " over %s",
			 finding_proto_name(f->proto));
	snprintf(title, tlen, "EC2 instance %s is communicating with a disallowed IP address.",
		 inst);
	if (f->dir == FINDING_OUTBOUND)
		snprintf(desc, dlen,
			 "EC2 instance %s is communicating outbound with IP address %s%s, which is on the custom threat list %s.",
			 inst, remote, portbuf, list);
	else
		snprintf(desc, dlen,
			 "EC2 instance %s is being contacted by IP address %s%s, which is on the custom threat list %s.",
			 inst, remote, portbuf, list);
}

char *finding_json(const struct finding_rec *f, const struct finding_ctx *ctx)
{
	const char *inst = ctx && ctx->instance_id ? ctx->instance_id : "unknown";
	char first[UTIL_TIMESTAMP_LEN], last[UTIL_TIMESTAMP_LEN];
	char title[160], desc[512], entry[PREFIX_STRLEN];
	cJSON *root = cJSON_CreateObject(), *res, *idet, *svc, *info;
	char *out = NULL;

	if (!root)
		return NULL;
	util_iso8601_ms(f->first_ns, first);
	util_iso8601_ms(f->last_ns, last);
	describe(f, inst, title, sizeof(title), desc, sizeof(desc));

	cJSON_AddStringToObject(root, "schemaVersion", "2.0");
	if (ctx && ctx->account_id)
		cJSON_AddStringToObject(root, "accountId", ctx->account_id);
	if (ctx && ctx->region)
		cJSON_AddStringToObject(root, "region", ctx->region);
	cJSON_AddStringToObject(root, "id", f->id);
	cJSON_AddStringToObject(root, "type",
				"UnauthorizedAccess:EC2/MaliciousIPCaller.Custom");
	cJSON_AddNumberToObject(root, "severity", 5);
	cJSON_AddStringToObject(root, "title", title);
	cJSON_AddStringToObject(root, "description", desc);
	cJSON_AddStringToObject(root, "createdAt", first);
	cJSON_AddStringToObject(root, "updatedAt", last);

	res = cJSON_AddObjectToObject(root, "resource");
	if (!res)
		goto out;
	cJSON_AddStringToObject(res, "resourceType", "Instance");
	idet = cJSON_AddObjectToObject(res, "instanceDetails");
	if (!idet)
		goto out;
	cJSON_AddStringToObject(idet, "instanceId", inst);

	svc = cJSON_AddObjectToObject(root, "service");
	if (!svc)
		goto out;
	cJSON_AddStringToObject(svc, "serviceName", "cordon");
	cJSON_AddNumberToObject(svc, "count", (double)f->count);
	cJSON_AddStringToObject(svc, "eventFirstSeen", first);
	cJSON_AddStringToObject(svc, "eventLastSeen", last);
	cJSON_AddItemToObject(svc, "action", finding_action(f));
	info = cJSON_AddObjectToObject(svc, "additionalInfo");
	if (!info)
		goto out;
	cJSON_AddStringToObject(info, "threatListName", f->list_name);
	cJSON_AddStringToObject(info, "threatListEntry",
				prefix_ntop(&f->entry, entry, sizeof(entry)));
	cJSON_AddNumberToObject(info, "packets", (double)f->packets);
	cJSON_AddNumberToObject(info, "bytes", (double)f->bytes);
	out = cJSON_PrintUnformatted(root);
out:
	cJSON_Delete(root);
	return out;
}

char *finding_to_json(const struct finding *f, const struct finding_ctx *ctx)
{
	struct finding_rec r;

	finding_rec_of(f, &r);
	return finding_json(&r, ctx);
}

char *finding_gd_json(const struct gd_finding *g, const char *instance)
{
	cJSON *root = cJSON_CreateObject(), *res, *idet, *svc;
	char *out = NULL;

	if (!root)
		return NULL;
	if (!instance || !*instance)
		instance = g->instance_id;
	cJSON_AddStringToObject(root, "schemaVersion", "2.0");
	cJSON_AddStringToObject(root, "id", g->id);
	cJSON_AddStringToObject(root, "type", g->type);
	cJSON_AddNumberToObject(root, "severity", g->severity);
	cJSON_AddStringToObject(root, "region", g->region);
	cJSON_AddStringToObject(root, "accountId", g->account);
	cJSON_AddStringToObject(root, "title", *g->title ? g->title : "GuardDuty finding");
	if (*g->created_at)
		cJSON_AddStringToObject(root, "createdAt", g->created_at);
	if (*g->updated_at)
		cJSON_AddStringToObject(root, "updatedAt", g->updated_at);
	res = cJSON_AddObjectToObject(root, "resource");
	if (!res)
		goto out;
	cJSON_AddStringToObject(res, "resourceType", "Instance");
	idet = cJSON_AddObjectToObject(res, "instanceDetails");
	if (!idet)
		goto out;
	cJSON_AddStringToObject(idet, "instanceId", instance);
	svc = cJSON_AddObjectToObject(root, "service");
	if (!svc)
		goto out;
	cJSON_AddStringToObject(svc, "serviceName", "guardduty");
	out = cJSON_PrintUnformatted(root);
out:
	cJSON_Delete(root);
	return out;
}

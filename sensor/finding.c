/* SPDX-License-Identifier: MIT */
#include <cjson/cJSON.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finding.h"

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

static cJSON *finding_action(const struct finding *f)
{
	cJSON *action = cJSON_CreateObject(), *nca;
	bool ports = proto_has_ports(f->key.proto);

	if (!action)
		return NULL;
	cJSON_AddStringToObject(action, "actionType", "NETWORK_CONNECTION");
	nca = cJSON_AddObjectToObject(action, "networkConnectionAction");
	if (!nca)
		goto fail;
	cJSON_AddStringToObject(nca, "connectionDirection",
				f->key.dir == FINDING_INBOUND ? "INBOUND" : "OUTBOUND");
	cJSON_AddStringToObject(nca, "protocol", finding_proto_name(f->key.proto));
	cJSON_AddBoolToObject(nca, "blocked", f->blocked);
	cJSON_AddItemToObject(nca, "localIpDetails", ip_details(&f->key.local));
	if (ports)
		cJSON_AddItemToObject(nca, "localPortDetails",
				      port_details(f->local_port));
	cJSON_AddItemToObject(nca, "remoteIpDetails", ip_details(&f->key.remote));
	if (ports)
		cJSON_AddItemToObject(nca, "remotePortDetails",
				      port_details(f->remote_port));
	return action;
fail:
	cJSON_Delete(action);
	return NULL;
}

static void describe(const struct finding *f, const char *inst, char *title,
		     size_t tlen, char *desc, size_t dlen)
{
	char remote[ADDR_STRLEN], portbuf[32] = "";
	const char *list = *f->list_name ? f->list_name : "a threat list";

	addr_ntop(&f->key.remote, remote, sizeof(remote));
	if (proto_has_ports(f->key.proto))
		snprintf(portbuf, sizeof(portbuf), " on %s port %u",
			 finding_proto_name(f->key.proto), f->key.service_port);
	else
		snprintf(portbuf, sizeof(portbuf), " over %s",
			 finding_proto_name(f->key.proto));
	snprintf(title, tlen, "EC2 instance %s is communicating with a disallowed IP address.",
		 inst);
	if (f->key.dir == FINDING_OUTBOUND)
		snprintf(desc, dlen,
			 "EC2 instance %s is communicating outbound with IP address %s%s, which is on the custom threat list %s.",
			 inst, remote, portbuf, list);
	else
		snprintf(desc, dlen,
			 "EC2 instance %s is being contacted by IP address %s%s, which is on the custom threat list %s.",
			 inst, remote, portbuf, list);
}

char *finding_to_json(const struct finding *f, const struct finding_ctx *ctx)
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

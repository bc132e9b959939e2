/* SPDX-License-Identifier: MIT */
/*
 * The finding in its two fixed forms: the record that crosses from the
 * sensor to the parent (struct finding_rec), and the one line of JSON
 * (DESIGN.md) the agent makes from it once and hands to every consumer.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
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

bool finding_rec_engaged(const struct finding_rec *r)
{
	switch (r->proto) {
	case IPPROTO_TCP:
		return r->established;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return false;
	default:
		return r->answered || r->established;
	}
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

/*
 * The JSON is written straight into one growing buffer, in the bytes
 * cJSON_PrintUnformatted() gave for the same tree (goldens and the
 * consumers compare them): the same key order, string escapes and
 * number forms. A replay writes thousands; no allocation per field.
 */
struct jw {
	char *p;
	size_t n, cap;
	bool oom;
	unsigned depth;
	bool more[8]; /* the object at each depth has a member already */
};

static void jw_raw(struct jw *w, const char *s, size_t len)
{
	if (w->oom)
		return;
	if (w->n + len + 1 > w->cap) {
		size_t cap = w->cap ? w->cap : 1024;
		char *p;

		while (cap < w->n + len + 1)
			cap *= 2;
		p = realloc(w->p, cap);
		if (!p) {
			w->oom = true;
			return;
		}
		w->p = p;
		w->cap = cap;
	}
	memcpy(w->p + w->n, s, len);
	w->n += len;
	w->p[w->n] = '\0';
}

/* cJSON's escapes: " \ and the controls; every other byte as it is. */
static void jw_str(struct jw *w, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t run = 0;

	jw_raw(w, "\"", 1);
	for (;; u++) {
		char esc[8];

		if (*u > 31 && *u != '"' && *u != '\\') {
			run++;
			continue;
		}
		jw_raw(w, (const char *)u - run, run);
		run = 0;
		if (!*u)
			break;
		switch (*u) {
		case '"':
		case '\\':
			esc[0] = '\\';
			esc[1] = (char)*u;
			esc[2] = '\0';
			break;
		case '\b':
			memcpy(esc, "\\b", 3);
			break;
		case '\f':
			memcpy(esc, "\\f", 3);
			break;
		case '\n':
			memcpy(esc, "\\n", 3);
			break;
		case '\r':
			memcpy(esc, "\\r", 3);
			break;
		case '\t':
			memcpy(esc, "\\t", 3);
			break;
		default:
			snprintf(esc, sizeof(esc), "\\u%04x", *u);
		}
		jw_raw(w, esc, strlen(esc));
	}
	jw_raw(w, "\"", 1);
}

static void jw_key(struct jw *w, const char *k)
{
	if (w->more[w->depth])
		jw_raw(w, ",", 1);
	w->more[w->depth] = true;
	jw_str(w, k);
	jw_raw(w, ":", 1);
}

static void jw_open(struct jw *w, const char *k)
{
	if (k)
		jw_key(w, k);
	jw_raw(w, "{", 1);
	w->more[++w->depth] = false;
}

static void jw_close(struct jw *w)
{
	jw_raw(w, "}", 1);
	w->depth--;
}

static void jw_kstr(struct jw *w, const char *k, const char *v)
{
	jw_key(w, k);
	jw_str(w, v);
}

static bool close_enough(double a, double b)
{
	double m = fabs(a) > fabs(b) ? fabs(a) : fabs(b);

	return fabs(a - b) <= m * DBL_EPSILON;
}

/* A number as cJSON 1.7 prints it: "%d" when the int it keeps is exact. */
static void jw_knum(struct jw *w, const char *k, double d)
{
	int i = d >= INT_MAX ? INT_MAX : d <= (double)INT_MIN ? INT_MIN : (int)d;
	char num[32];
	double back;

	jw_key(w, k);
	if (isnan(d) || isinf(d)) {
		snprintf(num, sizeof(num), "null");
	} else if (d == (double)i) {
		snprintf(num, sizeof(num), "%d", i);
	} else {
		snprintf(num, sizeof(num), "%1.15g", d);
		if (sscanf(num, "%lg", &back) != 1 || !close_enough(back, d))
			snprintf(num, sizeof(num), "%1.17g", d);
	}
	jw_raw(w, num, strlen(num));
}

static void jw_ip(struct jw *w, const char *k, const struct cd_addr *a)
{
	char buf[ADDR_STRLEN];

	jw_open(w, k);
	jw_kstr(w, a->af == AF_INET ? "ipAddressV4" : "ipAddressV6",
		addr_ntop(a, buf, sizeof(buf)));
	jw_close(w);
}

static void jw_port(struct jw *w, const char *k, uint16_t port)
{
	jw_open(w, k);
	jw_knum(w, "port", port);
	jw_close(w);
}

static void finding_action(struct jw *w, const struct finding_rec *f)
{
	bool ports = proto_has_ports(f->proto);

	jw_open(w, "action");
	jw_kstr(w, "actionType", "NETWORK_CONNECTION");
	jw_open(w, "networkConnectionAction");
	jw_kstr(w, "connectionDirection",
		f->dir == FINDING_INBOUND ? "INBOUND" : "OUTBOUND");
	jw_kstr(w, "protocol", finding_proto_name(f->proto));
	jw_key(w, "blocked");
	jw_raw(w, f->blocked ? "true" : "false", f->blocked ? 4 : 5);
	jw_ip(w, "localIpDetails", &f->local);
	if (ports)
		jw_port(w, "localPortDetails", f->local_port);
	jw_ip(w, "remoteIpDetails", &f->remote);
	if (ports)
		jw_port(w, "remotePortDetails", f->remote_port);
	jw_close(w);
	jw_close(w);
}

char *finding_json(const struct finding_rec *f, const struct finding_ctx *ctx)
{
	const char *inst = ctx && ctx->instance_id ? ctx->instance_id : "unknown";
	char first[UTIL_TIMESTAMP_LEN], last[UTIL_TIMESTAMP_LEN];
	char title[160], desc[512], entry[PREFIX_STRLEN];
	struct jw w = { 0 };

	util_iso8601_ms(f->first_ns, first);
	util_iso8601_ms(f->last_ns, last);
	describe(f, inst, title, sizeof(title), desc, sizeof(desc));

	jw_open(&w, NULL);
	jw_kstr(&w, "schemaVersion", "2.0");
	if (ctx && ctx->account_id)
		jw_kstr(&w, "accountId", ctx->account_id);
	if (ctx && ctx->region)
		jw_kstr(&w, "region", ctx->region);
	jw_kstr(&w, "id", f->id);
	jw_kstr(&w, "type", "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom");
	jw_knum(&w, "severity", 5);
	jw_kstr(&w, "title", title);
	jw_kstr(&w, "description", desc);
	jw_kstr(&w, "createdAt", first);
	jw_kstr(&w, "updatedAt", last);

	jw_open(&w, "resource");
	jw_kstr(&w, "resourceType", "Instance");
	jw_open(&w, "instanceDetails");
	jw_kstr(&w, "instanceId", inst);
	jw_close(&w);
	jw_close(&w);

	jw_open(&w, "service");
	jw_kstr(&w, "serviceName", "cordon");
	jw_knum(&w, "count", (double)f->count);
	jw_kstr(&w, "eventFirstSeen", first);
	jw_kstr(&w, "eventLastSeen", last);
	finding_action(&w, f);
	jw_open(&w, "additionalInfo");
	jw_kstr(&w, "threatListName", f->list_name);
	jw_kstr(&w, "threatListEntry", prefix_ntop(&f->entry, entry, sizeof(entry)));
	jw_knum(&w, "packets", (double)f->packets);
	jw_knum(&w, "bytes", (double)f->bytes);
	jw_close(&w);
	jw_close(&w);
	jw_close(&w);
	if (w.oom) {
		free(w.p);
		return NULL;
	}
	return w.p;
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

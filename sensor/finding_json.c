/* SPDX-License-Identifier: MIT */
/*
 * The finding in its two fixed forms: the record that crosses from the
 * sensor to the parent (struct finding_rec), and the one line of JSON
 * (DESIGN.md) the agent makes from it once and hands to every consumer.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <float.h>
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

/*
 * The JSON text written directly into one buffer (a cJSON tree cost ~30
 * allocations and a printf per number per finding, and `cordon replay`
 * prints tens of thousands). The bytes are exactly what
 * cJSON_PrintUnformatted() made of the same tree (test_finding compares
 * them): same key order, same string escapes, same number forms.
 */
struct jw {
	char *p;
	size_t len, cap;
	bool oom;
};

static void jw_raw(struct jw *w, const char *s, size_t n)
{
	if (w->oom)
		return;
	if (w->len + n + 1 > w->cap) {
		size_t cap = w->cap ? w->cap : 2048;
		char *p;

		while (cap < w->len + n + 1)
			cap *= 2;
		p = realloc(w->p, cap);
		if (!p) {
			w->oom = true;
			return;
		}
		w->p = p;
		w->cap = cap;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

#define JW_LIT(w, s) jw_raw((w), (s), sizeof(s) - 1)

/* A string as cJSON escapes it: ", \, \b \f \n \r \t, other controls \u00xx. */
static void jw_str(struct jw *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;

	JW_LIT(w, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
		size_t n = 2;

		if (c >= 32 && c != '"' && c != '\\')
			continue;
		jw_raw(w, run, (size_t)(s - run));
		switch (c) {
		case '"':
		case '\\':
			esc[1] = (char)c;
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			n = 6;
		}
		jw_raw(w, esc, n);
		run = s + 1;
	}
	jw_raw(w, run, (size_t)(s - run));
	JW_LIT(w, "\"");
}

/* "key": */
static void jw_key(struct jw *w, const char *k)
{
	jw_str(w, k);
	JW_LIT(w, ":");
}

/*
 * A count as cJSON prints a double: the integer below 1e15 (exact, as
 * "%d" or "%1.15g" would print it), else "%1.15g" unless that does not
 * read back within DBL_EPSILON, then "%1.17g".
 */
static void jw_num(struct jw *w, uint64_t v)
{
	char b[32];
	int n;

	if (v < 1000000000000000ull) {
		char *e = b + sizeof(b), *q = e;

		do
			*--q = (char)('0' + v % 10);
		while (v /= 10);
		jw_raw(w, q, (size_t)(e - q));
		return;
	}
	{
		double d = (double)v, t = 0;

		n = snprintf(b, sizeof(b), "%1.15g", d);
		if (sscanf(b, "%lg", &t) != 1 ||
		    fabs(t - d) > (fabs(t) > fabs(d) ? fabs(t) : fabs(d)) * DBL_EPSILON)
			n = snprintf(b, sizeof(b), "%1.17g", d);
	}
	jw_raw(w, b, n > 0 ? (size_t)n : 0);
}

static void jw_ip(struct jw *w, const char *key, const struct cd_addr *a)
{
	char buf[ADDR_STRLEN];

	jw_key(w, key);
	JW_LIT(w, "{");
	jw_key(w, a->af == AF_INET ? "ipAddressV4" : "ipAddressV6");
	jw_str(w, addr_ntop(a, buf, sizeof(buf)));
	JW_LIT(w, "}");
}

static void jw_port(struct jw *w, const char *key, uint16_t port)
{
	jw_key(w, key);
	JW_LIT(w, "{\"port\":");
	jw_num(w, port);
	JW_LIT(w, "}");
}

static void finding_action(struct jw *w, const struct finding_rec *f)
{
	bool ports = proto_has_ports(f->proto);

	JW_LIT(w, "{\"actionType\":\"NETWORK_CONNECTION\",\"networkConnectionAction\":{"
		  "\"connectionDirection\":");
	jw_str(w, f->dir == FINDING_INBOUND ? "INBOUND" : "OUTBOUND");
	JW_LIT(w, ",\"protocol\":");
	jw_str(w, finding_proto_name(f->proto));
	if (f->blocked)
		JW_LIT(w, ",\"blocked\":true,");
	else
		JW_LIT(w, ",\"blocked\":false,");
	jw_ip(w, "localIpDetails", &f->local);
	if (ports) {
		JW_LIT(w, ",");
		jw_port(w, "localPortDetails", f->local_port);
	}
	JW_LIT(w, ",");
	jw_ip(w, "remoteIpDetails", &f->remote);
	if (ports) {
		JW_LIT(w, ",");
		jw_port(w, "remotePortDetails", f->remote_port);
	}
	JW_LIT(w, "}}");
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
	struct jw w = { 0 };

	util_iso8601_ms(f->first_ns, first);
	util_iso8601_ms(f->last_ns, last);
	describe(f, inst, title, sizeof(title), desc, sizeof(desc));

	JW_LIT(&w, "{\"schemaVersion\":\"2.0\",");
	if (ctx && ctx->account_id) {
		jw_key(&w, "accountId");
		jw_str(&w, ctx->account_id);
		JW_LIT(&w, ",");
	}
	if (ctx && ctx->region) {
		jw_key(&w, "region");
		jw_str(&w, ctx->region);
		JW_LIT(&w, ",");
	}
	jw_key(&w, "id");
	jw_str(&w, f->id);
	JW_LIT(&w, ",\"type\":\"UnauthorizedAccess:EC2/MaliciousIPCaller.Custom\","
		   "\"severity\":5,\"title\":");
	jw_str(&w, title);
	JW_LIT(&w, ",\"description\":");
	jw_str(&w, desc);
	JW_LIT(&w, ",\"createdAt\":");
	jw_str(&w, first);
	JW_LIT(&w, ",\"updatedAt\":");
	jw_str(&w, last);
	JW_LIT(&w, ",\"resource\":{\"resourceType\":\"Instance\",\"instanceDetails\":{"
		   "\"instanceId\":");
	jw_str(&w, inst);
	JW_LIT(&w, "}},\"service\":{\"serviceName\":\"cordon\",\"count\":");
	jw_num(&w, f->count);
	JW_LIT(&w, ",\"eventFirstSeen\":");
	jw_str(&w, first);
	JW_LIT(&w, ",\"eventLastSeen\":");
	jw_str(&w, last);
	JW_LIT(&w, ",\"action\":");
	finding_action(&w, f);
	JW_LIT(&w, ",\"additionalInfo\":{\"threatListName\":");
	jw_str(&w, f->list_name);
	JW_LIT(&w, ",\"threatListEntry\":");
	jw_str(&w, prefix_ntop(&f->entry, entry, sizeof(entry)));
	JW_LIT(&w, ",\"packets\":");
	jw_num(&w, f->packets);
	JW_LIT(&w, ",\"bytes\":");
	jw_num(&w, f->bytes);
	JW_LIT(&w, "}}}");
	if (w.oom) {
		free(w.p);
		return NULL;
	}
	w.p[w.len] = '\0';
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

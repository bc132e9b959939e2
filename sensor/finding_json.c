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

#include "buf.h"
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
		util_strlcpy(r->list_name, f->list_name ? f->list_name : "",
			     sizeof(r->list_name));
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

/* Decimal digits of v; returns the end. */
static char *put_u64(char *o, uint64_t v)
{
	char tmp[20], *t = tmp + sizeof(tmp);

	do {
		*--t = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	memcpy(o, t, (size_t)(tmp + sizeof(tmp) - t));
	return o + (tmp + sizeof(tmp) - t);
}

static bool close_enough(double a, double b)
{
	double m = fabs(a) > fabs(b) ? fabs(a) : fabs(b);

	return fabs(a - b) <= m * DBL_EPSILON;
}

size_t finding_json_number(double d, char out[32])
{
	int i = d >= INT_MAX ? INT_MAX : d <= (double)INT_MIN ? INT_MIN : (int)d;
	double back;
	char *o = out;

	/*
	 * An integer below 10^15 prints as its digits both ways cJSON 1.7
	 * goes: "%d" when it fits an int, else "%1.15g" (15 significant
	 * digits and no exponent below 10^15; exact, so it reads back).
	 */
	if (d > -1e15 && d < 1e15 && d == (double)(int64_t)d) {
		int64_t v = (int64_t)d;

		if (v < 0)
			*o++ = '-';
		o = put_u64(o, v < 0 ? -(uint64_t)v : (uint64_t)v);
		*o = '\0';
		return (size_t)(o - out);
	}
	if (isnan(d) || isinf(d)) {
		memcpy(out, "null", 5);
	} else if (d == (double)i) {
		snprintf(out, 32, "%d", i);
	} else {
		snprintf(out, 32, "%1.15g", d);
		if (sscanf(out, "%lg", &back) != 1 || !close_enough(back, d))
			snprintf(out, 32, "%1.17g", d);
	}
	return strlen(out);
}

/* A count as cJSON prints the double it becomes. */
static char *put_count(char *o, uint64_t v)
{
	if (v < 1000000000000000ull)
		return put_u64(o, v);
	return o + finding_json_number((double)v, o);
}

/*
 * Bounded text as snprintf() left it: at most cap - 1 bytes, the rest
 * cut (the title and description have fixed sizes).
 */
struct text {
	char *p;
	size_t n, cap;
};

static void text_put(struct text *t, const char *s, size_t len)
{
	size_t room = t->cap - 1 - t->n;

	if (len > room)
		len = room;
	memcpy(t->p + t->n, s, len);
	t->n += len;
	t->p[t->n] = '\0';
}

#define TEXT_LIT(t, s) text_put((t), (s), sizeof(s) - 1)

static void text_str(struct text *t, const char *s)
{
	text_put(t, s, strlen(s));
}

static size_t title_of(const char *inst, size_t ilen, char *title, size_t tlen)
{
	struct text t = { title, 0, tlen };

	TEXT_LIT(&t, "EC2 instance ");
	text_put(&t, inst, ilen);
	TEXT_LIT(&t, " is communicating with a disallowed IP address.");
	return t.n;
}

static size_t describe(const struct finding_rec *f, const char *inst, size_t ilen,
		       const char *remote, size_t rlen, char *desc, size_t dlen)
{
	struct text t = { desc, 0, dlen };
	const char *proto = finding_proto_name(f->proto);
	char port[8];

	TEXT_LIT(&t, "EC2 instance ");
	text_put(&t, inst, ilen);
	if (f->dir == FINDING_OUTBOUND)
		TEXT_LIT(&t, " is communicating outbound with IP address ");
	else
		TEXT_LIT(&t, " is being contacted by IP address ");
	text_put(&t, remote, rlen);
	if (proto_has_ports(f->proto) && f->many) {
		TEXT_LIT(&t, " on many ");
		text_str(&t, proto);
		TEXT_LIT(&t, " ports");
	} else if (proto_has_ports(f->proto)) {
		TEXT_LIT(&t, " on ");
		text_str(&t, proto);
		TEXT_LIT(&t, " port ");
		text_put(&t, port, (size_t)(put_u64(port, f->service_port) - port));
	} else {
		TEXT_LIT(&t, " over ");
		text_str(&t, proto);
	}
	TEXT_LIT(&t, ", which is on the custom threat list ");
	text_str(&t, *f->list_name ? f->list_name : "a threat list");
	TEXT_LIT(&t, ".");
	return t.n;
}

/*
 * The JSON is written straight into the caller's buffer, in the bytes
 * cJSON_PrintUnformatted() gave for the same tree (goldens and the
 * consumers compare them): the same key order, string escapes and
 * number forms. Room for the worst case is made once per finding (every
 * string byte escaped to six), so the writers below check nothing.
 */
#define JSON_FIXED 2048 /* keys, punctuation, numbers, addresses, times */
#define JSON_ESC 6      /* "\u001f" for one byte */

#define PUT_LIT(o, s) (memcpy((o), (s), sizeof(s) - 1), (o) + sizeof(s) - 1)

/* cJSON's escapes: " \ and the controls; every other byte as it is. */
static const char esc_of[256] = {
	[0 ... 7] = 'u', [8] = 'b', [9] = 't', [10] = 'n', [11] = 'u',
	[12] = 'f', [13] = 'r', [14 ... 31] = 'u', ['"'] = '"', ['\\'] = '\\',
};

/* No byte of v needs an escape (below 0x20, '"' or '\\'). */
static inline bool plain8(uint64_t v)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	uint64_t q = v ^ (ones * '"'), b = v ^ (ones * '\\');

	return !((((v - ones * 0x20) & ~v) | ((q - ones) & ~q) | ((b - ones) & ~b)) & high);
}

static char *put_esc(char *o, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";

	*o++ = '\\';
	*o++ = esc_of[c];
	if (esc_of[c] == 'u') {
		memcpy(o, "00", 2);
		o[2] = hex[c >> 4];
		o[3] = hex[c & 15];
		o += 4;
	}
	return o;
}

/* s[0..n) as a JSON string: eight plain bytes at a time, then one by one. */
static char *put_str(char *o, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s, *end = u + n;

	*o++ = '"';
	while (end - u >= 8) {
		uint64_t v;

		memcpy(&v, u, 8);
		if (plain8(v)) {
			memcpy(o, &v, 8);
			o += 8;
			u += 8;
			continue;
		}
		for (const unsigned char *e = u + 8; u < e; u++) {
			if (likely(!esc_of[*u]))
				*o++ = (char)*u;
			else
				o = put_esc(o, *u);
		}
	}
	for (; u < end; u++) {
		if (likely(!esc_of[*u]))
			*o++ = (char)*u;
		else
			o = put_esc(o, *u);
	}
	*o++ = '"';
	return o;
}

static char *put_ip(char *o, const struct cd_addr *a, const char *text, size_t len)
{
	if (a->af == AF_INET)
		o = PUT_LIT(o, "{\"ipAddressV4\":");
	else
		o = PUT_LIT(o, "{\"ipAddressV6\":");
	o = put_str(o, text, len);
	*o++ = '}';
	return o;
}

static char *put_port(char *o, uint16_t port)
{
	o = PUT_LIT(o, "{\"port\":");
	o = put_u64(o, port);
	*o++ = '}';
	return o;
}

struct json_parts {
	const char *inst, *account, *region;
	size_t ilen, alen, rlen, idlen, llen, tlen, dlen, lalen, ralen, elen;
	char first[UTIL_TIMESTAMP_LEN], last[UTIL_TIMESTAMP_LEN];
	char title[160], desc[512];
	char local[ADDR_STRLEN], remote[ADDR_STRLEN], entry[PREFIX_STRLEN];
};

static void parts_of(const struct finding_rec *f, const struct finding_ctx *ctx,
		     struct json_parts *p)
{
	p->inst = ctx && ctx->instance_id ? ctx->instance_id : "unknown";
	p->account = ctx ? ctx->account_id : NULL;
	p->region = ctx ? ctx->region : NULL;
	p->ilen = strlen(p->inst);
	p->alen = p->account ? strlen(p->account) : 0;
	p->rlen = p->region ? strlen(p->region) : 0;
	p->idlen = strnlen(f->id, sizeof(f->id));
	p->llen = strnlen(f->list_name, sizeof(f->list_name));
	util_iso8601_ms(f->first_ns, p->first);
	util_iso8601_ms(f->last_ns, p->last);
	p->lalen = addr_fmt(&f->local, p->local);
	p->ralen = addr_fmt(&f->remote, p->remote);
	p->elen = strlen(prefix_ntop(&f->entry, p->entry, sizeof(p->entry)));
	p->tlen = title_of(p->inst, p->ilen, p->title, sizeof(p->title));
	p->dlen = describe(f, p->inst, p->ilen, p->remote, p->ralen, p->desc, sizeof(p->desc));
}

static size_t parts_bound(const struct json_parts *p)
{
	return JSON_FIXED + JSON_ESC * (p->ilen + p->alen + p->rlen + p->idlen + p->llen +
					p->tlen + p->dlen);
}

static char *put_action(char *o, const struct finding_rec *f, const struct json_parts *p)
{
	bool ports = proto_has_ports(f->proto);

	o = PUT_LIT(o, "\"action\":{\"actionType\":\"NETWORK_CONNECTION\","
		       "\"networkConnectionAction\":{\"connectionDirection\":");
	if (f->dir == FINDING_INBOUND)
		o = PUT_LIT(o, "\"INBOUND\"");
	else
		o = PUT_LIT(o, "\"OUTBOUND\"");
	o = PUT_LIT(o, ",\"protocol\":\"");
	o = stpcpy(o, finding_proto_name(f->proto));
	if (f->blocked)
		o = PUT_LIT(o, "\",\"blocked\":true,\"localIpDetails\":");
	else
		o = PUT_LIT(o, "\",\"blocked\":false,\"localIpDetails\":");
	o = put_ip(o, &f->local, p->local, p->lalen);
	if (ports) {
		o = PUT_LIT(o, ",\"localPortDetails\":");
		o = put_port(o, f->local_port);
	}
	o = PUT_LIT(o, ",\"remoteIpDetails\":");
	o = put_ip(o, &f->remote, p->remote, p->ralen);
	if (ports) {
		o = PUT_LIT(o, ",\"remotePortDetails\":");
		o = put_port(o, f->remote_port);
	}
	return PUT_LIT(o, "}}");
}

static char *put_finding(char *o, const struct finding_rec *f, const struct json_parts *p)
{
	o = PUT_LIT(o, "{\"schemaVersion\":\"2.0\"");
	if (p->account) {
		o = PUT_LIT(o, ",\"accountId\":");
		o = put_str(o, p->account, p->alen);
	}
	if (p->region) {
		o = PUT_LIT(o, ",\"region\":");
		o = put_str(o, p->region, p->rlen);
	}
	o = PUT_LIT(o, ",\"id\":");
	o = put_str(o, f->id, p->idlen);
	o = PUT_LIT(o, ",\"type\":\"UnauthorizedAccess:EC2/MaliciousIPCaller.Custom\","
		       "\"severity\":5,\"title\":");
	o = put_str(o, p->title, p->tlen);
	o = PUT_LIT(o, ",\"description\":");
	o = put_str(o, p->desc, p->dlen);
	o = PUT_LIT(o, ",\"createdAt\":\"");
	o = mempcpy(o, p->first, UTIL_TIMESTAMP_CHARS);
	o = PUT_LIT(o, "\",\"updatedAt\":\"");
	o = mempcpy(o, p->last, UTIL_TIMESTAMP_CHARS);
	o = PUT_LIT(o, "\",\"resource\":{\"resourceType\":\"Instance\","
		       "\"instanceDetails\":{\"instanceId\":");
	o = put_str(o, p->inst, p->ilen);
	o = PUT_LIT(o, "}},\"service\":{\"serviceName\":\"cordon\",\"count\":");
	o = put_count(o, f->count);
	o = PUT_LIT(o, ",\"eventFirstSeen\":\"");
	o = mempcpy(o, p->first, UTIL_TIMESTAMP_CHARS);
	o = PUT_LIT(o, "\",\"eventLastSeen\":\"");
	o = mempcpy(o, p->last, UTIL_TIMESTAMP_CHARS);
	o = PUT_LIT(o, "\",");
	o = put_action(o, f, p);
	o = PUT_LIT(o, ",\"additionalInfo\":{\"threatListName\":");
	o = put_str(o, f->list_name, p->llen);
	o = PUT_LIT(o, ",\"threatListEntry\":");
	o = put_str(o, p->entry, p->elen);
	o = PUT_LIT(o, ",\"packets\":");
	o = put_count(o, f->packets);
	o = PUT_LIT(o, ",\"bytes\":");
	o = put_count(o, f->bytes);
	return PUT_LIT(o, "}}}");
}

int finding_json_add(struct buf *b, const struct finding_rec *f, const struct finding_ctx *ctx)
{
	struct json_parts p;
	size_t bound;
	char *o;
	int ret;

	parts_of(f, ctx, &p);
	bound = parts_bound(&p);
	ret = buf_reserve(b, bound);
	if (ret)
		return ret;
	o = put_finding(b->p + b->len, f, &p);
	if ((size_t)(o - (b->p + b->len)) > bound)
		abort(); /* the bound above is wrong: memory is already hurt */
	buf_commit(b, (size_t)(o - (b->p + b->len)));
	return 0;
}

int finding_to_json_add(struct buf *b, const struct finding *f, const struct finding_ctx *ctx)
{
	struct finding_rec r;

	finding_rec_of(f, &r);
	return finding_json_add(b, &r, ctx);
}

char *finding_json(const struct finding_rec *f, const struct finding_ctx *ctx)
{
	struct buf b;
	char *s, *small;
	size_t len;

	buf_init(&b, SIZE_MAX / 2);
	if (finding_json_add(&b, f, ctx)) {
		buf_free(&b);
		return NULL;
	}
	s = buf_steal(&b, &len);
	/* The room made was for the worst case; keep what was used. */
	small = realloc(s, len + 1);
	return small ? small : s;
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

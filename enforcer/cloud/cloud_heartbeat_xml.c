/* SPDX-License-Identifier: MIT */
/*
 * A GetMetricData answer, over expat:
 *
 *   GetMetricDataResponse/GetMetricDataResult/
 *     MetricDataResults/member/  Id  Timestamps/member  (Values, StatusCode)
 *     NextToken
 *
 * Each result's Id says which instance it is ("hN", as the request
 * named them); its timestamps say when that agent was heard (CloudWatch
 * returns only periods that hold data). The Id may come before or after
 * the timestamps, so a result is settled when its element closes.
 * Hostile input: common/xmlsafe.c (no DTD, depth and size capped), texts
 * capped here.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud_heartbeat.h"
#include "xmlsafe.h"

#define MX_MAX_DEPTH 16
#define MX_MAX_PATH 256
#define MX_MAX_TEXT CLOUD_HB_TOKEN_LEN

#define P_RES "GetMetricDataResult/MetricDataResults/member"

struct mx {
	struct xmlsafe_walk w; /* first: xmlsafe_walk() finds it */
	size_t n;
	uint64_t *last_ms;
	char *next;
	char path[MX_MAX_PATH];
	size_t off[MX_MAX_DEPTH];
	size_t depth;
	char text[MX_MAX_TEXT];
	size_t text_len;
	bool text_long;
	/* the result being read */
	long idx;                 /* -1: no Id yet */
	uint64_t latest;
};

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attr)
{
	struct mx *x = ud;
	const char *c = strrchr(name, ':'), *ln = c ? c + 1 : name;
	size_t l = strlen(ln), cur = strlen(x->path);

	(void)attr;
	if (x->depth == MX_MAX_DEPTH)
		return xmlsafe_stop(&x->w, -EFBIG, "elements nested too deep");
	x->off[x->depth] = cur;
	if (x->depth > 0) {
		if (cur + 1 + l >= sizeof(x->path))
			return xmlsafe_stop(&x->w, -EFBIG, "element path too long at <%.40s>", ln);
		if (cur)
			x->path[cur++] = '/';
		memcpy(x->path + cur, ln, l + 1);
	}
	x->depth++;
	x->text_len = 0;
	x->text_long = false;
	if (!strcmp(x->path, P_RES)) {
		x->idx = -1;
		x->latest = 0;
	}
}

static void on_id(struct mx *x)
{
	uint64_t v;

	if (x->text[0] != 'h' || util_parse_u64(x->text + 1, 0, x->n ? x->n - 1 : 0, &v) ||
	    !x->n)
		return xmlsafe_stop(&x->w, -EINVAL, "result Id '%.24s' is none of the queries", x->text);
	x->idx = (long)v;
}

static void on_stamp(struct mx *x)
{
	uint64_t ms;

	if (cloud_time_parse(x->text, &ms))
		return xmlsafe_stop(&x->w, -EINVAL, "timestamp '%.40s' is not a time", x->text);
	if (ms > x->latest)
		x->latest = ms;
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	struct mx *x = ud;

	(void)name;
	if (x->w.ret || !x->depth)
		return;
	x->text[x->text_len] = '\0';
	if (x->text_long && (!strcmp(x->path, P_RES "/Id") ||
			     !strcmp(x->path, P_RES "/Timestamps/member") ||
			     !strcmp(x->path, "GetMetricDataResult/NextToken")))
		return xmlsafe_stop(&x->w, -EFBIG, "<%.40s> text too long", x->path);
	if (!strcmp(x->path, P_RES "/Id")) {
		on_id(x);
	} else if (!strcmp(x->path, P_RES "/Timestamps/member")) {
		on_stamp(x);
	} else if (!strcmp(x->path, P_RES)) {
		if (x->idx < 0)
			return xmlsafe_stop(&x->w, -EINVAL, "a result without an Id");
		if (x->latest > x->last_ms[x->idx])
			x->last_ms[x->idx] = x->latest;
	} else if (!strcmp(x->path, "GetMetricDataResult/NextToken")) {
		memcpy(x->next, x->text, x->text_len + 1);
	}
	if (x->w.ret)
		return;
	x->depth--;
	x->path[x->off[x->depth]] = '\0';
	x->text_len = 0;
	x->text_long = false;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	struct mx *x = ud;

	if (len <= 0 || x->text_long)
		return;
	if (x->text_len + (size_t)len >= sizeof(x->text)) {
		x->text_long = true;
		return;
	}
	memcpy(x->text + x->text_len, s, (size_t)len);
	x->text_len += (size_t)len;
}

int cloud_parse_metric_data(const char *xml, size_t len, size_t n, uint64_t last_ms[],
			    char next[CLOUD_HB_TOKEN_LEN], char *err, size_t errlen)
{
	struct xmlsafe_opts xo = {
		.max_depth = MX_MAX_DEPTH,
		.max_bytes = 64 << 20,
		.start = on_start, .end = on_end, .text = on_text,
	};
	struct mx *x;
	int ret;

	next[0] = '\0';
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->n = n;
	x->last_ms = last_ms;
	x->next = next;
	xo.ud = x;
	ret = xmlsafe_walk(&xo, "GetMetricData", xml, len, err, errlen);
	if (ret)
		next[0] = '\0';
	free(x);
	return ret;
}

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

#define P_RES "GetMetricDataResult/MetricDataResults/member"
#define P_NEXT "GetMetricDataResult/NextToken"

/* a NextToken that fits the text fits the caller's buffer */
_Static_assert(XMLSAFE_TEXT_MAX <= CLOUD_HB_TOKEN_LEN, "NextToken buffer");

struct mx {
	struct xmlsafe_walk w; /* first: xmlsafe_walk() finds it */
	size_t n;
	uint64_t *last_ms;
	char *next;
	struct xmlsafe_path px;
	/* the result being read */
	long idx;                 /* -1: no Id yet */
	uint64_t latest;
};

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attr)
{
	struct mx *x = ud;

	(void)attr;
	if (xmlsafe_path_push(&x->px, &x->w, name))
		return;
	if (xmlsafe_path_at(&x->px, P_RES)) {
		x->idx = -1;
		x->latest = 0;
	}
}

static void on_id(struct mx *x)
{
	uint64_t v;

	if (x->px.text[0] != 'h' || util_parse_u64(x->px.text + 1, 0, x->n ? x->n - 1 : 0, &v) ||
	    !x->n)
		return xmlsafe_stop(&x->w, -EINVAL, "result Id '%.24s' is none of the queries", x->px.text);
	x->idx = (long)v;
}

static void on_stamp(struct mx *x)
{
	uint64_t ms;

	if (cloud_time_parse(x->px.text, &ms))
		return xmlsafe_stop(&x->w, -EINVAL, "timestamp '%.40s' is not a time", x->px.text);
	if (ms > x->latest)
		x->latest = ms;
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	struct mx *x = ud;

	(void)name;
	if (x->w.ret || !x->px.depth)
		return;
	if (x->px.text_long && (xmlsafe_path_at(&x->px, P_RES "/Id") ||
				xmlsafe_path_at(&x->px, P_RES "/Timestamps/member") ||
				xmlsafe_path_at(&x->px, P_NEXT)))
		return xmlsafe_stop(&x->w, -EFBIG, "<%.40s> text too long", x->px.path);
	if (xmlsafe_path_at(&x->px, P_RES "/Id")) {
		on_id(x);
	} else if (xmlsafe_path_at(&x->px, P_RES "/Timestamps/member")) {
		on_stamp(x);
	} else if (xmlsafe_path_at(&x->px, P_RES)) {
		if (x->idx < 0)
			return xmlsafe_stop(&x->w, -EINVAL, "a result without an Id");
		if (x->latest > x->last_ms[x->idx])
			x->last_ms[x->idx] = x->latest;
	} else if (xmlsafe_path_at(&x->px, P_NEXT)) {
		memcpy(x->next, x->px.text, x->px.text_len + 1);
	}
	if (x->w.ret)
		return;
	xmlsafe_path_pop(&x->px);
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	xmlsafe_path_text(&((struct mx *)ud)->px, s, len);
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

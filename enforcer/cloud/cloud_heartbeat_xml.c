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
 * the timestamps, so a result is settled when its element closes. Same
 * refusals as cloud_xml.c: no DTD, no entities, capped depth and texts.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "cloud_heartbeat.h"

#define MX_MAX_DEPTH 16
#define MX_MAX_PATH 256
#define MX_MAX_TEXT CLOUD_HB_TOKEN_LEN

#define P_RES "GetMetricDataResult/MetricDataResults/member"

struct mx {
	XML_Parser p;
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
	int ret;
	char why[160];
};

static void __printf(3, 4) stop(struct mx *x, int ret, const char *fmt, ...)
{
	va_list ap;

	if (!x->ret) {
		x->ret = ret;
		va_start(ap, fmt);
		vsnprintf(x->why, sizeof(x->why), fmt, ap);
		va_end(ap);
	}
	XML_StopParser(x->p, XML_FALSE);
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attr)
{
	struct mx *x = ud;
	const char *c = strrchr(name, ':'), *ln = c ? c + 1 : name;
	size_t l = strlen(ln), cur = strlen(x->path);

	(void)attr;
	if (x->depth == MX_MAX_DEPTH)
		return stop(x, -EFBIG, "elements nested too deep");
	x->off[x->depth] = cur;
	if (x->depth > 0) {
		if (cur + 1 + l >= sizeof(x->path))
			return stop(x, -EFBIG, "element path too long at <%.40s>", ln);
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
		return stop(x, -EINVAL, "result Id '%.24s' is none of the queries", x->text);
	x->idx = (long)v;
}

static void on_stamp(struct mx *x)
{
	uint64_t ms;

	if (cloud_time_parse(x->text, &ms))
		return stop(x, -EINVAL, "timestamp '%.40s' is not a time", x->text);
	if (ms > x->latest)
		x->latest = ms;
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	struct mx *x = ud;

	(void)name;
	if (x->ret || !x->depth)
		return;
	x->text[x->text_len] = '\0';
	if (x->text_long && (!strcmp(x->path, P_RES "/Id") ||
			     !strcmp(x->path, P_RES "/Timestamps/member") ||
			     !strcmp(x->path, "GetMetricDataResult/NextToken")))
		return stop(x, -EFBIG, "<%.40s> text too long", x->path);
	if (!strcmp(x->path, P_RES "/Id")) {
		on_id(x);
	} else if (!strcmp(x->path, P_RES "/Timestamps/member")) {
		on_stamp(x);
	} else if (!strcmp(x->path, P_RES)) {
		if (x->idx < 0)
			return stop(x, -EINVAL, "a result without an Id");
		if (x->latest > x->last_ms[x->idx])
			x->last_ms[x->idx] = x->latest;
	} else if (!strcmp(x->path, "GetMetricDataResult/NextToken")) {
		memcpy(x->next, x->text, x->text_len + 1);
	}
	if (x->ret)
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

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
			       const XML_Char *pubid, int has_internal)
{
	(void)name, (void)sysid, (void)pubid, (void)has_internal;
	stop(ud, -EINVAL, "DTD not allowed");
}

static void XMLCALL on_entity(void *ud, const XML_Char *name, int is_param,
			      const XML_Char *value, int value_len, const XML_Char *base,
			      const XML_Char *sysid, const XML_Char *pubid,
			      const XML_Char *notation)
{
	(void)name, (void)is_param, (void)value, (void)value_len, (void)base;
	(void)sysid, (void)pubid, (void)notation;
	stop(ud, -EINVAL, "entity declarations not allowed");
}

int cloud_parse_metric_data(const char *xml, size_t len, size_t n, uint64_t last_ms[],
			    char next[CLOUD_HB_TOKEN_LEN], char *err, size_t errlen)
{
	struct mx *x;
	int ret = 0;

	next[0] = '\0';
	if (len > (size_t)INT32_MAX)
		return util_err(err, errlen, "GetMetricData: answer too large"), -EFBIG;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->n = n;
	x->last_ms = last_ms;
	x->next = next;
	x->p = XML_ParserCreate("UTF-8");
	if (!x->p) {
		free(x);
		return -ENOMEM;
	}
	XML_SetUserData(x->p, x);
	XML_SetElementHandler(x->p, on_start, on_end);
	XML_SetCharacterDataHandler(x->p, on_text);
	XML_SetStartDoctypeDeclHandler(x->p, on_doctype);
	XML_SetEntityDeclHandler(x->p, on_entity);
	if (XML_Parse(x->p, xml, (int)len, XML_TRUE) == XML_STATUS_ERROR && !x->ret)
		ret = util_err(err, errlen, "GetMetricData XML line %lu: %s",
			       (unsigned long)XML_GetCurrentLineNumber(x->p),
			       XML_ErrorString(XML_GetErrorCode(x->p)));
	else if (x->ret)
		ret = util_errc(x->ret, err, errlen, "GetMetricData XML line %lu: %s",
				(unsigned long)XML_GetCurrentLineNumber(x->p), x->why);
	if (ret)
		next[0] = '\0';
	XML_ParserFree(x->p);
	free(x);
	return ret;
}

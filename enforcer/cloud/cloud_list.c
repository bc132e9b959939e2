/* SPDX-License-Identifier: MIT */
/*
 * A DescribeInstances page as a list of instance ids and launch times:
 * what the responder needs to look over a fleet (the dead-agent check).
 * Two passes of aws_xml_each over the same answer, ids then launch
 * times, matched in document order; a page where they do not pair up is
 * refused rather than guessed at.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_xml.h"
#include "cloud.h"

#define P_ITEM "reservationSet/item/instancesSet/item/"

struct walk {
	struct cloud_brief *out;  /* out[base..] is this page */
	size_t max, base, n, k;
	char why[160];
};

static bool instance_id_ok(const char *s, size_t len)
{
	if (len < 3 || len >= CLOUD_ID_LEN || strncmp(s, "i-", 2))
		return false;
	return strspn(s + 2, "0123456789abcdef") == len - 2;
}

static int on_id(void *ctx, const char *text, size_t len)
{
	struct walk *w = ctx;

	if (!instance_id_ok(text, len)) {
		snprintf(w->why, sizeof(w->why), "instanceId '%.24s' is not an instance id", text);
		return -EINVAL;
	}
	if (w->base + w->n == w->max) {
		snprintf(w->why, sizeof(w->why), "more than %zu instances", w->max);
		return -EFBIG;
	}
	memset(&w->out[w->base + w->n], 0, sizeof(w->out[0]));
	memcpy(w->out[w->base + w->n].id, text, len + 1);
	w->n++;
	return 0;
}

static int on_launch(void *ctx, const char *text, size_t len)
{
	struct walk *w = ctx;
	uint64_t ms;

	(void)len;
	if (w->k == w->n) {
		snprintf(w->why, sizeof(w->why), "more launchTime than instanceId elements");
		return -EINVAL;
	}
	if (cloud_time_parse(text, &ms)) {
		snprintf(w->why, sizeof(w->why), "launchTime '%.32s' is not a time", text);
		return -EINVAL;
	}
	w->out[w->base + w->k++].launch_ms = ms;
	return 0;
}

static int on_token(void *ctx, const char *text, size_t len)
{
	char *next = ctx;

	if (len >= CLOUD_NEXT_TOKEN_LEN)
		return -EFBIG;
	memcpy(next, text, len + 1);
	return 0;
}

int cloud_parse_instance_list(const char *xml, size_t len, struct cloud_brief *out, size_t max,
			      size_t *n, char next[CLOUD_NEXT_TOKEN_LEN], char *err, size_t errlen)
{
	struct walk w = { .out = out, .max = max, .base = *n };
	char why[ERRLEN] = "";
	int ret;

	next[0] = '\0';
	ret = aws_xml_each(xml, len, P_ITEM "instanceId", on_id, &w, why, sizeof(why));
	if (!ret)
		ret = aws_xml_each(xml, len, P_ITEM "launchTime", on_launch, &w, why, sizeof(why));
	if (!ret && w.k != w.n) {
		snprintf(w.why, sizeof(w.why), "%zu instances but %zu launch times", w.n, w.k);
		ret = -EINVAL;
	}
	if (!ret) {
		ret = aws_xml_each(xml, len, "DescribeInstancesResponse/nextToken", on_token, next,
				   why, sizeof(why));
		if (ret == -EFBIG)
			snprintf(w.why, sizeof(w.why), "nextToken over %d bytes",
				 CLOUD_NEXT_TOKEN_LEN - 1);
	}
	if (ret) {
		next[0] = '\0';
		return util_errc(ret, err, errlen, "DescribeInstances: %s", *w.why ? w.why : why);
	}
	*n += w.n;
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * cordon's own events on EventBridge ("cordon Incident", "cordon
 * Release"): what the agent says before it isolates, for the off-host
 * responder to finish if the agent cannot (DESIGN.md, "Cloud isolation
 * contract").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "notify.h"

#define EVENTS_MAX_DETAIL (256 * 1024)  /* EventBridge's whole event, at most */

char *notify_events_detail_body(const char *bus, const char *detail_type, const char *detail_json,
				const char *resource, char *err, size_t errlen)
{
	cJSON *d = NULL;

	if (!detail_type || !*detail_type || strlen(detail_type) > 128 ||
	    strncmp(detail_type, "cordon ", 7)) {
		util_err(err, errlen, "EventBridge PutEvents: detail-type must be \"cordon ...\"");
		return NULL;
	}
	if (!detail_json || strlen(detail_json) > EVENTS_MAX_DETAIL ||
	    !cJSON_IsObject(d = cJSON_Parse(detail_json))) {
		cJSON_Delete(d);
		util_err(err, errlen, "EventBridge PutEvents: the detail is not a JSON object (or "
			 "over %d bytes)", EVENTS_MAX_DETAIL);
		return NULL;
	}
	cJSON_Delete(d);
	return notify_events_entry(bus, detail_type, detail_json, resource, err, errlen);
}

int notify_events_send(struct aws_client *c, const char *bus, char *body,
		       char event_id[NOTIFY_MSG_ID_LEN], char *err, size_t errlen)
{
	static const struct aws_kv hdr[] = {
		{ "Content-Type", "application/x-amz-json-1.1" },
		{ "X-Amz-Target", "AWSEvents.PutEvents" },
	};
	struct aws_http_resp resp;
	int ret;

	aws_http_resp_init(&resp);
	{
		struct aws_call call = {
			.svc = AWS_SVC_EVENTBRIDGE,
			.op = "PutEvents",
			.what = bus && *bus ? bus : "default",
			.method = "POST", .path = "/",
			.hdrs = hdr, .n_hdrs = ARRAY_SIZE(hdr),
			.body = body, .body_len = strlen(body),
			.max_body = NOTIFY_MAX_ANSWER,
		};

		ret = aws_client_call(c, &call, &resp, NULL, err, errlen);
	}
	if (!ret)
		ret = notify_events_answer(buf_str(&resp.body), resp.body.len, event_id, err, errlen);
	aws_http_resp_free(&resp);
	free(body);
	return ret;
}

int notify_events_put_detail(struct aws_client *c, const char *bus, const char *detail_type,
			     const char *detail_json, const char *resource,
			     char event_id[NOTIFY_MSG_ID_LEN], char *err, size_t errlen)
{
	char *body;

	if (event_id)
		event_id[0] = '\0';
	body = notify_events_detail_body(bus, detail_type, detail_json, resource, err, errlen);
	return body ? notify_events_send(c, bus, body, event_id, err, errlen) : -EINVAL;
}

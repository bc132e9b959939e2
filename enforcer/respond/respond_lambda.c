/* SPDX-License-Identifier: MIT */
/*
 * The AWS Lambda custom runtime (provided.al2023): the Runtime API loop,
 * plain HTTP to AWS_LAMBDA_RUNTIME_API (docs: "AWS Lambda runtime API").
 *
 *   GET  /2018-06-01/runtime/invocation/next             the event, and
 *        Lambda-Runtime-Aws-Request-Id, Lambda-Runtime-Deadline-Ms,
 *        Lambda-Runtime-Trace-Id (-> _X_AMZN_TRACE_ID)
 *   POST /2018-06-01/runtime/invocation/ID/response      the report
 *   POST /2018-06-01/runtime/invocation/ID/error         {"errorMessage", "errorType"}
 *   POST /2018-06-01/runtime/init/error                  a start that cannot go on
 *
 * A failed event is an /error and the loop goes on: one bad event must
 * not take the function down with it (a crash loop costs every event
 * after it). Credentials come from the environment Lambda sets
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "aws_http.h"
#include "log.h"
#include "respond.h"
#include "respond_event.h"

#define RT_VERSION "/2018-06-01"
#define RT_NEXT_TIMEOUT_MS (24ll * 3600 * 1000) /* the GET waits for the next event */
#define RT_POST_TIMEOUT_MS 10000
#define RT_MAX_GONE 5                          /* API unreachable this often: exit */

/* host:port, nothing that could change the URL's meaning. */
static const char *runtime_api(void)
{
	const char *a = getenv("AWS_LAMBDA_RUNTIME_API");

	if (!a || !*a || strlen(a) > 200 || strpbrk(a, "/?#@ \t\r\n"))
		return NULL;
	return a;
}

/* POST body to path; the HTTP status, or -errno when none came back. */
static long post(const char *path, const char *body, const char *error_type)
{
	const char *api = runtime_api();
	struct aws_kv h[2] = {
		{ "Content-Type", "application/json" },
		{ "Lambda-Runtime-Function-Error-Type", error_type },
	};
	struct aws_http_resp resp;
	char url[512];
	long status;
	int ret;

	if (!api)
		return -EINVAL;
	snprintf(url, sizeof(url), "http://%s" RT_VERSION "%s", api, path);
	aws_http_resp_init(&resp);
	ret = aws_http_perform(&(struct aws_http_req){
			.method = "POST", .url = url, .hdrs = h, .n_hdrs = error_type ? 2 : 1,
			.body = body, .body_len = strlen(body), .max_body = 64 * 1024,
			.timeout_ms = RT_POST_TIMEOUT_MS, .no_proxy = true,
		}, &resp);
	status = ret && !resp.status ? ret : resp.status;
	if (status < 200 || status >= 300)
		log_warnx("lambda: POST %s: %s", path, ret && !resp.status ?
			  aws_http_strerror(&resp) : buf_str(&resp.body));
	aws_http_resp_free(&resp);
	return status;
}

static char *error_body(const char *type, const char *message)
{
	cJSON *o = cJSON_CreateObject();
	char *out = NULL;

	if (o && cJSON_AddStringToObject(o, "errorMessage", message) &&
	    cJSON_AddStringToObject(o, "errorType", type) && cJSON_AddArrayToObject(o, "stackTrace"))
		out = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return out;
}

void respond_lambda_init_error(const char *type, const char *message)
{
	char *body = error_body(type, message);

	if (body)
		post("/runtime/init/error", body, type);
	free(body);
}

/* Request ids go into a path: keep them to what Lambda writes (uuid-like). */
static bool request_id_ok(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	return n > 0 && n < 128 && strspn(id, "abcdefghijklmnopqrstuvwxyz"
					  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == n;
}

/* One invocation: handle, answer. false when the runtime API says stop. */
static bool invocation(const struct cordon_config *cfg, struct aws_http_resp *next, int got)
{
	const char *id = aws_http_header(next, "lambda-runtime-aws-request-id");
	const char *dl = aws_http_header(next, "lambda-runtime-deadline-ms");
	const char *trace = aws_http_header(next, "lambda-runtime-trace-id");
	char path[256], err[ERRLEN] = "", *report = NULL, *body = NULL;
	enum respond_rc rc;
	uint64_t deadline = 0;
	long status;

	if (!request_id_ok(id)) {
		log_warnx("lambda: the next invocation has no usable request id");
		return true;
	}
	if (!dl || util_parse_u64(dl, 1, UINT64_MAX / 2, &deadline))
		deadline = 0;
	if (trace && *trace)
		setenv("_X_AMZN_TRACE_ID", trace, 1);
	else
		unsetenv("_X_AMZN_TRACE_ID");
	log_info("lambda: invocation %s (%zu bytes, %lld ms left, trace %s)", id,
		 next->body.len, deadline ? (long long)deadline -
		 (long long)(util_now_real_ns() / 1000000) : -1, trace && *trace ? trace : "none");
	if (got == -EFBIG) {
		snprintf(err, sizeof(err), "event: over %d bytes, the most EventBridge delivers",
			 RESPOND_EVENT_MAX);
		rc = RESPOND_BAD_EVENT;
	} else {
		rc = respond_handle(&(struct respond_opts){ .cfg = cfg, .deadline_ms = deadline },
				    buf_str(&next->body), next->body.len, &report, err,
				    sizeof(err));
	}
	if (report)
		log_info("lambda: %s: %s", id, report);
	if (rc == RESPOND_OK) {
		snprintf(path, sizeof(path), "/runtime/invocation/%s/response", id);
		status = post(path, report ? report : "{}", NULL);
	} else {
		const char *type = rc == RESPOND_BAD_EVENT ? "Cordon.InvalidEvent" : "Cordon.Failed";

		log_warnx("lambda: %s: %s", id, err);
		body = error_body(type, err);
		snprintf(path, sizeof(path), "/runtime/invocation/%s/error", id);
		status = body ? post(path, body, type) : -ENOMEM;
	}
	free(report);
	free(body);
	/* 500: "Container error. Non-recoverable state. Runtime should exit promptly." */
	return status != 500;
}

int respond_lambda_run(const struct cordon_config *cfg)
{
	const char *api = runtime_api();
	unsigned gone = 0;
	char url[512];

	if (!api) {
		log_warnx("lambda: AWS_LAMBDA_RUNTIME_API is not host:port");
		return EXIT_FAILURE;
	}
	snprintf(url, sizeof(url), "http://%s" RT_VERSION "/runtime/invocation/next", api);
	log_info("lambda: cordon respond waiting for events from %s", api);
	for (;;) {
		struct aws_http_resp next;
		int got;
		bool go_on = true;

		aws_http_resp_init(&next);
		got = aws_http_perform(&(struct aws_http_req){
				.method = "GET", .url = url, .max_body = RESPOND_EVENT_MAX,
				.timeout_ms = RT_NEXT_TIMEOUT_MS, .no_proxy = true,
			}, &next);
		if (next.status == 200 || (got == -EFBIG && aws_http_header(&next,
						"lambda-runtime-aws-request-id"))) {
			gone = 0;
			go_on = invocation(cfg, &next, got);
		} else if (got == -ETIMEDOUT) {
			/* No event in a day: ask again. */
		} else if (next.status >= 500 || ++gone >= RT_MAX_GONE) {
			log_warnx("lambda: the runtime API %s: %s", next.status ? "failed" : "is gone",
				  next.status ? buf_str(&next.body) : aws_http_strerror(&next));
			go_on = false;
		} else {
			struct timespec ts = { 0, 200 * 1000000L };

			log_warnx("lambda: GET next: %s", next.status ? buf_str(&next.body) :
				  aws_http_strerror(&next));
			nanosleep(&ts, NULL);
		}
		aws_http_resp_free(&next);
		if (!go_on)
			return EXIT_FAILURE;
	}
}

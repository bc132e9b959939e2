/* SPDX-License-Identifier: MIT */
#ifndef CORDON_RESPOND_H
#define CORDON_RESPOND_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "util.h"

/*
 * `cordon respond`: the off-host responder. One EventBridge event in,
 * what was done out (one JSON object), every cloud action through the
 * isolation plan and the release the agent and `cordon release` use.
 * From a file (`--event`) or as an AWS Lambda custom runtime
 * (respond_lambda_run). See docs/internals/respond.md.
 */

enum respond_rc {
	RESPOND_OK = 0,         /* done, or nothing to do */
	RESPOND_FAILED = 1,     /* something could not be done (retrying may) */
	RESPOND_BAD_EVENT = 2,  /* malformed, truncated, oversized or unknown: nothing done */
};

/* Lambda: the margin kept before the invocation's deadline for the answer. */
#define RESPOND_DEADLINE_MARGIN_MS 1500

struct respond_opts {
	const struct cordon_config *cfg;
	uint64_t deadline_ms;   /* wall clock, Unix ms, no AWS call past it; 0: none */
};

/*
 * Handle one event (len bytes of JSON). *report gets the JSON object
 * that says what was done, also on failure (caller frees); err one line
 * when the result is not RESPOND_OK.
 */
enum respond_rc respond_handle(const struct respond_opts *o, const char *event, size_t len,
			       char **report, char *err, size_t errlen);

/*
 * The Lambda custom runtime: AWS_LAMBDA_RUNTIME_API's invocation loop
 * (next, response or error, again), the configuration already read.
 * Returns only when the runtime API is gone or refuses the runtime:
 * the exit status then.
 */
int respond_lambda_run(const struct cordon_config *cfg);
/* Report a failed start (bad configuration) to /runtime/init/error. */
void respond_lambda_init_error(const char *type, const char *message);

#endif

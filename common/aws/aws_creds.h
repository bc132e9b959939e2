/* SPDX-License-Identifier: MIT */
#ifndef CORDON_AWS_CREDS_H
#define CORDON_AWS_CREDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/*
 * AWS credentials and where they come from, in the SDKs' order:
 * environment, shared credentials/config files (AWS_PROFILE), IMDSv2.
 * Secrets never go into a message or a log; aws_creds_clear() wipes them.
 */
struct aws_creds {
	char akid[128];
	char secret[128];
	char token[4096];     /* "" when none */
	uint64_t expires_ns;  /* CLOCK_REALTIME; 0: never */
	char source[32];      /* "environment", "profile NAME", "imds" ... */
};

/* OPENSSL_cleanse the whole struct. NULL-safe. */
void aws_creds_clear(struct aws_creds *c);

/* 0, -ENOENT (not set), or -EINVAL (only one of the pair set). */
__must_check int aws_creds_from_env(struct aws_creds *c, char *err, size_t errlen);

/* What one profile of a shared credentials or config file holds. */
struct aws_profile {
	struct aws_creds creds;
	bool has_creds;
	char region[64];
};

/*
 * Parse a shared credentials file (sections [NAME]) or config file
 * (sections [profile NAME], and [default]) held in memory, keeping what
 * profile NAME says. 0 (found), -ENOENT (no such profile), -EINVAL with
 * "FILE:LINE: why" in err.
 */
__must_check int aws_profile_parse(const char *file, const char *buf, size_t len,
				   const char *name, bool config_file,
				   struct aws_profile *out, char *err, size_t errlen);
/*
 * Read AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials) and
 * AWS_CONFIG_FILE (~/.aws/config) for AWS_PROFILE (default "default").
 * Missing files are not an error; -ENOENT when no credentials were found.
 */
__must_check int aws_profile_load(struct aws_profile *out, char *err, size_t errlen);

#endif

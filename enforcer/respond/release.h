/* SPDX-License-Identifier: MIT */
#ifndef CORDON_RELEASE_H
#define CORDON_RELEASE_H

#include <stdbool.h>
#include <stddef.h>

#include "aws_client.h"
#include "cloud.h"
#include "enforce.h"
#include "util.h"

struct journal;

/*
 * `cordon release`: undo an isolation, safe to repeat.
 *
 * With instance_id (release_run from anywhere with AWS credentials): the
 * tags alone say what to do (release_cloud_run): every interface goes
 * back to its cordon:original-groups, those tags go, the instance gets
 * cordon:status=released and cordon:released, loses cordon:incident, and
 * SNS is told once. No state directory, no local firewall.
 *
 * Without (on the host, as root): the local lockdown is lifted first (in
 * lockdown this process could not reach AWS), then the incident the
 * journal has open (or names) is released the same way, the journal's
 * original groups standing in for an interface that carries no tags; the
 * incident is closed. A step that fails leaves it open for the next run.
 */
struct release_opts {
	const char *state_dir;
	const char *incident;    /* NULL: the open one */
	bool local_only;         /* only the lockdown; the journal stays as is */
	const char *sns_topic;   /* NULL or "": no message */
	const char *instance_id; /* set: off the host, from the tags alone */
	const char *region;      /* NULL: AWS_REGION, AWS_DEFAULT_REGION, profile, IMDS */
};

struct release_report {
	char incident[64];
	char instance[64];
	size_t enis_restored, enis_failed, enis_left;
	bool tags_done, lockdown_lifted, notified, closed;
	bool nothing;            /* already released, or never isolated: no change */
};

__must_check int release_run(const struct release_opts *ro,
			     const struct enforce_opts *eo,
			     struct release_report *rep, char *err, size_t errlen);

/* An interface's groups as the journal recorded them (the host's fallback). */
struct release_known {
	char eni[CLOUD_ID_LEN];
	char groups[CLOUD_MAX_GROUPS][CLOUD_ID_LEN];
	size_t n;
};

/* What release_cloud_run works from, besides the instance's tags. */
struct release_cloud {
	struct aws_client *c;
	const char *instance_id;
	const char *sns_topic;                 /* NULL or "": no message */
	const struct release_known *known;     /* for interfaces without tags */
	size_t n_known;
	const char *incident;                  /* the journal's, when the tags name none */
	const char *opened_at, *reason;        /* for the message; may be NULL */
	bool on_host, lockdown_lifted;         /* for the message */
	struct journal *j;                     /* journal the actions under incident; or NULL */
};

/*
 * Release one instance from its tags (and rc->known). Reads everything
 * first (DescribeInstances, DescribeTags of it and its interfaces) and
 * refuses, before any change, tags it cannot trust. Then: interfaces
 * back (each one's tags deleted once it is back), instance tags, one SNS
 * message. cordon:status=released is the mark of a finished release:
 * with it and no interface left to restore, there is nothing to do and
 * no second message (rep->nothing). Same when the instance was never
 * isolated (no status isolated, no interface tags, nothing known).
 */
__must_check int release_cloud_run(const struct release_cloud *rc, struct release_report *rep,
				   char *err, size_t errlen);

struct notify_release;
/*
 * The release message m (ran_on filled in here) to SNS topic sns_topic;
 * rep->notified when it went, a warning when not.
 */
void release_notify(struct aws_client *c, const char *sns_topic, struct notify_release *m,
		    struct release_report *rep);

#endif

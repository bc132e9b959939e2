/* SPDX-License-Identifier: MIT */
#ifndef CORDON_NOTIFY_H
#define CORDON_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws_client.h"
#include "buf.h"
#include "util.h"

/*
 * Telling people and other tools: the readable incident e-mail (SNS),
 * the finding as an EventBridge event, and as an ASFF finding in
 * Security Hub. The input is always cordon's finding, the one line of
 * JSON finding_json() makes, passed as it is (DESIGN.md). See docs/internals/notify.md.
 */

#define NOTIFY_MSG_ID_LEN 80
#define NOTIFY_SUBJECT_MAX 100           /* SNS: ASCII, at most 100 characters */
#define NOTIFY_MESSAGE_MAX (256 * 1024)  /* SNS: at most 256 KiB */
#define NOTIFY_FINDING_MAX (200 * 1024)  /* a finding we accept to read */
#define NOTIFY_MAX_ENIS 16
#define NOTIFY_MAX_SNAPS 32
#define NOTIFY_MAX_ERRORS 8

/* The fields of a cordon (or GuardDuty-shaped) finding the messages use. */
struct notify_finding {
	char id[80];
	char type[128];
	double severity;
	char title[256];
	char description[1024];
	char created_at[40], updated_at[40];
	char first_seen[40], last_seen[40];
	char account[16], region[32];
	char instance_id[64];
	char direction[16];            /* "INBOUND", "OUTBOUND" or "" */
	char protocol[16];             /* "TCP", "UDP", "ICMP", ... or "" */
	char local_ip[48], remote_ip[48];
	bool local_v6, remote_v6;
	int local_port, remote_port;   /* -1 when absent */
	bool blocked;
	uint64_t count, packets, bytes;
	char list_name[128], list_entry[64];
};

/*
 * Parse a finding line. Absent fields stay empty (ports -1); a field of
 * the wrong type or an id missing is an error. Texts are cleaned of
 * control characters and capped to the sizes above.
 */
__must_check int notify_finding_parse(const char *json, size_t len, struct notify_finding *f,
				      char *err, size_t errlen);

/* What cordon did about one interface. */
struct notify_eni {
	char id[64];
	char old_groups[200];          /* "sg-1, sg-2" */
	char new_groups[200];
	bool done;
	bool pending;                  /* not yet: moved right after the message */
	char error[200];               /* why not, when !done and !pending */
};

/* What cordon did and what failed, for the message (caller fills). */
struct notify_actions {
	char incident_id[64];          /* for `cordon release --incident` */
	char mode[16];                 /* "monitor", "block", "isolate" */
	bool host_locked;
	long lockdown_ms;              /* detection to host lockdown; -1: unknown */
	struct notify_eni eni[NOTIFY_MAX_ENIS];
	size_t n_eni;
	char tags[200];                /* "cordon:incident=..." or "" */
	bool termination_protection;
	char snapshots[NOTIFY_MAX_SNAPS][80]; /* "snap-1 of vol-1" */
	size_t n_snapshots;
	char errors[NOTIFY_MAX_ERRORS][240];
	size_t n_errors;
	char gd_finding_id[80];        /* a correlated GuardDuty finding, or "" */
	char gd_region[32];            /* its region ("" : the finding's) */
	bool off_host;                 /* the off-host responder acted (cordon respond): */
				       /* the host's firewall is not cordon's to tell */
};

/* Add one line to a->errors (the last slot says how many were dropped). */
void notify_actions_error(struct notify_actions *a, const char *fmt, ...) __printf(2, 3);

/*
 * The e-mail: subject (ASCII, <= NOTIFY_SUBJECT_MAX) and text, written
 * for the person who has to act on it. text is appended to (its cap
 * should be NOTIFY_MESSAGE_MAX). -EINVAL on a bad finding.
 */
__must_check int notify_incident_text(const char *finding_json, const struct notify_actions *a,
				      char subject[NOTIFY_SUBJECT_MAX + 1], struct buf *text,
				      char *err, size_t errlen);

/*
 * The short follow-up sent when a GuardDuty finding correlates after the
 * first message went out: what GuardDuty says, with its console link,
 * against what cordon saw. finding_json is cordon's finding (as for
 * notify_incident_text), incident_id the incident ("" if none).
 */
struct notify_gd_match {
	char id[80];
	char type[128];
	double severity;
	char title[256];
	char updated_at[40];
	char region[32];               /* "" : the cordon finding's */
};
__must_check int notify_followup_text(const char *finding_json, const char *incident_id,
				      const struct notify_gd_match *g,
				      char subject[NOTIFY_SUBJECT_MAX + 1], struct buf *text,
				      char *err, size_t errlen);

/* What a release did, for its message (caller fills). */
struct notify_release {
	char instance_id[64];
	char region[32];
	char incident_id[64];          /* "" when neither journal nor tags name one */
	char opened_at[40], reason[256]; /* from the journal; "" off the host */
	char ran_on[64];               /* the host `cordon release` ran on */
	bool on_host;                  /* ran on the instance itself */
	struct notify_eni eni[NOTIFY_MAX_ENIS]; /* old_groups: cordon's, new_groups: restored */
	size_t n_eni;
	char left[NOTIFY_MAX_ENIS][240]; /* "eni-1 (sg-forensic)": no original groups known */
	size_t n_left;
	bool tags_done;                /* cordon:status=released, cordon:released set */
	bool lockdown_lifted;          /* on the host: the local lockdown is gone */
};
/* Subject "cordon: incident INC released" (or the instance's) and the text. */
__must_check int notify_release_text(const struct notify_release *r,
				     char subject[NOTIFY_SUBJECT_MAX + 1], struct buf *text,
				     char *err, size_t errlen);

/* ---- the off-host responder's messages (notify_respond.c) ---- */

/*
 * The readable message for a GuardDuty finding the responder does not
 * isolate for (the tutorial's second rule: IAM credentials and S3
 * buckets used from a listed address; also an instance finding under
 * the minimum severity): who did what from where, GuardDuty's own
 * words, the console link, and why cordon changed nothing (why, one
 * sentence). finding_json is the finding as EventBridge carries it.
 */
__must_check int notify_gd_text(const char *finding_json, const char *why,
				char subject[NOTIFY_SUBJECT_MAX + 1], struct buf *text,
				char *err, size_t errlen);

/*
 * The short follow-up when a finding arrives for an instance that is
 * isolated already: it joins the incident, nothing is isolated again.
 * finished: steps the responder did now that were left undone.
 */
__must_check int notify_isolated_followup_text(const char *finding_json, const char *incident_id,
					       size_t finished,
					       char subject[NOTIFY_SUBJECT_MAX + 1],
					       struct buf *text, char *err, size_t errlen);

/* Agents gone silent (no heartbeat), and what the responder did of each. */
struct notify_silent {
	char instance_id[64];
	char last_seen[40];            /* its last heartbeat, or "" */
	bool never_heard;              /* none in the day before either: not isolated */
	bool isolated;                 /* action isolate, and it worked */
	char incident_id[64];          /* the incident it was isolated under */
	char error[240];               /* why the isolation failed, or "" */
};
__must_check int notify_silent_text(const struct notify_silent *s, size_t n,
				    const char *const recovered[], size_t n_recovered,
				    const char *region, long silent_for_s, bool isolate,
				    char subject[NOTIFY_SUBJECT_MAX + 1], struct buf *text,
				    char *err, size_t errlen);

/*
 * The partition of a region ("aws", "aws-cn", "aws-us-gov", "aws-iso",
 * ...), for ARNs; "aws" when the region is unknown.
 */
const char *notify_partition(const char *region);
/*
 * Console links into out (NUL-terminated; its length returned), or ""
 * and 0 when the region or id is not a plain token, the partition has no
 * public console, or len is too small.
 */
#define NOTIFY_LINK_LEN 200
size_t notify_link_instance(char *out, size_t len, const char *region, const char *instance_id);
size_t notify_link_gd_finding(char *out, size_t len, const char *region, const char *finding_id);
/* GuardDuty's words for a severity: CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL. */
const char *notify_severity_label(double severity);

/* Make s a valid SNS subject in place: printable ASCII, capped. */
void notify_subject_clean(char *s);
/* subject = the formatted text made valid by notify_subject_clean(). */
void notify_subject_printf(char subject[NOTIFY_SUBJECT_MAX + 1], const char *fmt, ...)
	__printf(2, 3);

/*
 * SNS Publish. The subject is cleaned (notify_subject_clean) rather than
 * refused; a message over 256 KiB or not UTF-8 is refused (-EFBIG,
 * -EINVAL). The call goes to the topic's region, taken from its ARN.
 * msg_id gets the MessageId.
 */
__must_check int notify_sns_publish(struct aws_client *c, const char *topic_arn,
				    const char *subject, const char *message,
				    char msg_id[NOTIFY_MSG_ID_LEN], char *err, size_t errlen);

/*
 * EventBridge PutEvents of one event: source "cordon", detail-type
 * "Cordon Finding", detail = the finding. A 200 answer with
 * FailedEntryCount > 0 is a failure (-EIO, the entry's error in err).
 * bus NULL or "": the default bus. event_id may be NULL.
 */
/* Cap on an AWS answer to a message call (SNS, EventBridge, Security Hub). */
#define NOTIFY_MAX_ANSWER (64 * 1024)
/* PutEvents of a prepared body (owned, freed); the event's id in event_id. */
__must_check int notify_events_send(struct aws_client *c, const char *bus, char *body,
				    char event_id[NOTIFY_MSG_ID_LEN], char *err, size_t errlen);
__must_check int notify_events_put(struct aws_client *c, const char *bus,
				   const char *finding_json, char event_id[NOTIFY_MSG_ID_LEN],
				   char *err, size_t errlen);
/*
 * EventBridge PutEvents of one of cordon's own events: source "cordon",
 * detail_type as given ("cordon Incident" before the agent isolates,
 * "cordon Release"), detail a JSON object (respond_incident_detail()
 * makes the incident's), resource an ARN or NULL. The off-host responder
 * acts on them (docs/internals/respond.md). Caller frees the body.
 */
#define NOTIFY_INCIDENT_DETAIL_TYPE "cordon Incident" /* the only one the agent sends */
char *notify_events_detail_body(const char *bus, const char *detail_type, const char *detail_json,
				const char *resource, char *err, size_t errlen);
__must_check int notify_events_put_detail(struct aws_client *c, const char *bus,
					  const char *detail_type, const char *detail_json,
					  const char *resource, char event_id[NOTIFY_MSG_ID_LEN],
					  char *err, size_t errlen);

/* One PutEvents entry of source "cordon", unchecked (pure; caller frees). */
char *notify_events_entry(const char *bus, const char *detail_type, const char *detail_json,
			  const char *resource, char *err, size_t errlen);
/* The PutEvents request body (pure; caller frees). NULL with err filled. */
char *notify_events_body(const char *bus, const char *finding_json, char *err, size_t errlen);


/*
 * The pure part of the two calls: a 200 answer read. -EIO when the entry
 * or finding was refused (err says why), -EBADMSG when the answer is
 * not what the API documents.
 */
__must_check int notify_events_answer(const char *json, size_t len,
				      char event_id[NOTIFY_MSG_ID_LEN], char *err, size_t errlen);
__must_check int notify_securityhub_answer(const char *json, size_t len, char *err,
					   size_t errlen);

/*
 * Security Hub BatchImportFindings of the finding as ASFF. FailedCount >
 * 0 on a 200 answer is a failure (-EIO, the finding's error in err).
 */
__must_check int notify_securityhub_import(struct aws_client *c, const char *account,
					   const char *region, const char *finding_json,
					   char *err, size_t errlen);
/*
 * The ASFF finding (one object, unformatted JSON; caller frees) for
 * account/region; NULL args take the finding's own accountId/region.
 */
char *notify_asff_build(const char *account, const char *region, const char *finding_json,
			char *err, size_t errlen);

#endif

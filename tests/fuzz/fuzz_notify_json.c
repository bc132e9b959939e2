/* SPDX-License-Identifier: MIT */
/*
 * Findings as notify reads them (enforcer/cloud/notify_finding.c) and everything
 * built from them: the e-mail, the EventBridge entry, the ASFF finding;
 * and the EventBridge / Security Hub answers.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "notify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct notify_actions a;
	char subject[NOTIFY_SUBJECT_MAX + 1], err[ERRLEN], id[NOTIFY_MSG_ID_LEN];
	char *s, *out;
	struct buf t;

	(void)notify_events_answer((const char *)data, size, id, err, sizeof(err));
	(void)notify_securityhub_answer((const char *)data, size, err, sizeof(err));
	/* The rest takes a C string, as the daemon passes a finding line. */
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (!a.n_eni) {
		a.n_eni = 1;
		strcpy(a.eni[0].id, "eni-1");
		strcpy(a.incident_id, "inc");
		strcpy(a.gd_finding_id, "abc");
	}
	buf_init(&t, NOTIFY_MESSAGE_MAX);
	if (notify_incident_text(s, &a, subject, &t, err, sizeof(err)) == 0) {
		if (strlen(subject) > NOTIFY_SUBJECT_MAX || !subject[0])
			__builtin_trap();
		for (const char *p = subject; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
				__builtin_trap();
	}
	buf_reset(&t);
	/* The follow-up reads the same finding. */
	if (notify_followup_text(s, "inc", &(struct notify_gd_match){ .id = "abc" }, subject, &t,
				 err, sizeof(err)) == 0) {
		if (strlen(subject) > NOTIFY_SUBJECT_MAX || !subject[0])
			__builtin_trap();
	}
	buf_free(&t);
	out = notify_events_body("bus", s, err, sizeof(err));
	free(out);
	out = notify_asff_build("123456789012", "us-east-1", s, err, sizeof(err));
	free(out);
	free(s);
	return 0;
}

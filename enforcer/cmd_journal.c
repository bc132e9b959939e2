/* SPDX-License-Identifier: MIT */
/*
 * cordon journal: print the incident journal, one line per record (or
 * JSON lines with --json), then what a replay makes of it: the open
 * incident and the actions still pending. Reads without the writer lock.
 * Exit 1 when the journal is damaged in the middle (a torn last record is
 * normal after a crash and only reported).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cmd.h"
#include "cmd_ctx.h"
#include "journal.h"
#include "log.h"

enum { OPT_JSON = CMD_OPT_OWN };

static const struct cmd_spec spec = {
	.usage = "[--json]",
	.opts = (const struct option[]){
		{ "json", no_argument, NULL, OPT_JSON },
		{ NULL, 0, NULL, 0 },
	},
};

struct show {
	bool json;
	struct journal_state st;
};

static void print_str(const char *name, const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	char *s;

	if (!v)
		return;
	s = cJSON_PrintUnformatted(v);
	if (s)
		printf(" %s=%s", name, s);
	free(s);
}

static const char *str_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "-";
}

static void print_text_rec(const struct journal_rec *r, const cJSON *o)
{
	const char *type = str_of(o, "type");

	printf("#%llu %s %s %s", (unsigned long long)r->seq, str_of(o, "at"),
	       str_of(o, "incident"), type);
	if (!strcmp(type, "action")) {
		printf(" %s:%s %s", str_of(o, "action"), str_of(o, "key"),
		       str_of(o, "state"));
		print_str("attempt", o, "attempt");
		print_str("error", o, "error");
		print_str("params", o, "params");
		print_str("result", o, "result");
	} else {
		print_str("status", o, "status");
		print_str("reason", o, "reason");
		print_str("finding", o, "finding");
	}
	putchar('\n');
}

static void print_bad(const struct show *s, const struct journal_rec *r)
{
	bool torn = r->kind == JOURNAL_REC_TORN;

	if (s->json) {
		cJSON *o = cJSON_CreateObject();
		char *t;

		cJSON_AddNumberToObject(o, "offset", (double)r->off);
		cJSON_AddNumberToObject(o, "length", (double)r->len);
		cJSON_AddStringToObject(o, torn ? "torn" : "corrupt", r->why);
		t = cJSON_PrintUnformatted(o);
		if (t)
			puts(t);
		free(t);
		cJSON_Delete(o);
		return;
	}
	if (torn)
		printf("offset %llu: torn last record, %llu bytes (%s); ignored, "
		       "the next writer cuts it\n", (unsigned long long)r->off,
		       (unsigned long long)r->len, r->why);
	else
		printf("offset %llu: %llu bytes corrupt (%s); resynced on the "
		       "next record\n", (unsigned long long)r->off,
		       (unsigned long long)r->len, r->why);
}

static int show_rec(const struct journal_rec *r, void *arg)
{
	struct show *s = arg;
	cJSON *o;

	if (r->kind != JOURNAL_REC_OK) {
		print_bad(s, r);
		return 0;
	}
	o = cJSON_ParseWithLength(r->payload, r->payload_len);
	if (!o) {
		s->st.invalid++;
		if (s->json)
			printf("{\"seq\":%llu,\"offset\":%llu,\"invalid\":\"not JSON\"}\n",
			       (unsigned long long)r->seq, (unsigned long long)r->off);
		else
			printf("#%llu offset %llu: not JSON\n",
			       (unsigned long long)r->seq, (unsigned long long)r->off);
		return 0;
	}
	if (s->json) {
		char *t = cJSON_PrintUnformatted(o);

		printf("{\"seq\":%llu,\"offset\":%llu,\"record\":%s}\n",
		       (unsigned long long)r->seq, (unsigned long long)r->off,
		       t ? t : "null");
		free(t);
	} else {
		print_text_rec(r, o);
	}
	(void)journal_state_apply(&s->st, r->seq, o, NULL, 0);
	cJSON_Delete(o);
	return 0;
}

static void summary(const struct show *s)
{
	const struct journal_incident *inc = journal_state_open_incident(&s->st);
	const struct journal_scan *sc = &s->st.scan;
	const struct journal_action *p[64];
	size_t n = journal_pending(&s->st, NULL, p, ARRAY_SIZE(p));

	if (s->json) {
		printf("{\"summary\":{\"records\":%llu,\"last_seq\":%llu,"
		       "\"corrupt\":%llu,\"torn\":%s,\"invalid\":%llu,"
		       "\"incidents\":%zu,\"open_incident\":",
		       (unsigned long long)sc->records,
		       (unsigned long long)sc->last_seq,
		       (unsigned long long)sc->corrupt, sc->torn ? "true" : "false",
		       (unsigned long long)s->st.invalid, s->st.n_inc);
		if (inc)
			printf("\"%s\"", inc->id); /* ids are checked printable */
		else
			printf("null");
		printf(",\"pending\":%zu}}\n", n);
		return;
	}
	printf("-- %llu records, %zu incidents", (unsigned long long)sc->records,
	       s->st.n_inc);
	if (sc->corrupt)
		printf(", %llu corrupt regions (first at offset %llu)",
		       (unsigned long long)sc->corrupt,
		       (unsigned long long)sc->first_corrupt_off);
	if (sc->torn)
		printf(", torn tail of %llu bytes", (unsigned long long)sc->torn_bytes);
	if (s->st.invalid)
		printf(", %llu unreadable records", (unsigned long long)s->st.invalid);
	printf("\n");
	if (inc)
		printf("open incident %s since %s, status %s: %s%s\n", inc->id,
		       inc->opened_at[0] ? inc->opened_at : "?", inc->status,
		       inc->reason[0] ? inc->reason : "(no reason recorded)",
		       inc->implicit ? " (its incident_open record is lost)" : "");
	else
		printf("no open incident\n");
	for (size_t i = 0; i < n && i < ARRAY_SIZE(p); i++)
		printf("pending %s (%s, attempts %u%s%s)\n", p[i]->key,
		       journal_astate_name(p[i]->state), p[i]->attempts,
		       p[i]->error[0] ? ": " : "", p[i]->error);
	if (n > ARRAY_SIZE(p))
		printf("... and %zu more pending\n", n - ARRAY_SIZE(p));
}

int cmd_journal(int argc, char **argv)
{
	struct show s = { 0 };
	struct cmd_ctx cx;
	char err[ERRLEN];
	int rc;

	cmd_ctx_init(&cx, &spec, argv[0]);
	while (cmd_ctx_getopt(&cx, argc, argv) != -1)
		s.json = true;
	if ((rc = cmd_ctx_load(&cx, argc, argv)) != CMD_GO)
		goto out;
	if (journal_read(cx.state_dir, show_rec, &s, &s.st.scan, err, sizeof(err))) {
		log_warnx("journal: %s", err);
		rc = EXIT_FAIL;
		goto out;
	}
	summary(&s);
	rc = s.st.scan.corrupt || s.st.invalid ? EXIT_FAIL : EXIT_OK;
	if (rc)
		log_warnx("%s/" JOURNAL_FILE ": damaged in the middle (%llu corrupt "
			  "regions, %llu unreadable records)", cx.state_dir,
			  (unsigned long long)s.st.scan.corrupt,
			  (unsigned long long)s.st.invalid);
out:
	journal_state_free(&s.st);
	cmd_ctx_free(&cx);
	return rc;
}

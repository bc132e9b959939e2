/* SPDX-License-Identifier: MIT */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_ctx.h"
#include "lists_load.h"
#include "log.h"
#include "tset.h"

enum { OPT_JSON = CMD_OPT_OWN };

static const struct cmd_spec spec = {
	.usage = "[--json] ADDRESS...",
	.opts = (const struct option[]){
		{ "json", no_argument, NULL, OPT_JSON },
		{ NULL, 0, NULL, 0 },
	},
	.ext = { &cmd_opt_lists },
	.flags = CMD_OPERANDS,
};

static const char *verdict_name(enum tset_verdict v)
{
	return v == TSET_THREAT ? "threat" : v == TSET_TRUSTED ? "trusted" : "clean";
}

static int check_one_json(const char *arg, const struct tset_match *m)
{
	char entry[PREFIX_STRLEN];
	cJSON *o = cJSON_CreateObject();
	char *s;

	if (!o)
		return EXIT_FAIL;
	cJSON_AddStringToObject(o, "ip", arg);
	cJSON_AddStringToObject(o, "verdict", verdict_name(m->verdict));
	if (m->verdict == TSET_CLEAN) {
		cJSON_AddNullToObject(o, "list");
		cJSON_AddNullToObject(o, "entry");
	} else {
		cJSON_AddStringToObject(o, "list", m->list->name);
		cJSON_AddStringToObject(o, "entry",
					prefix_ntop(&m->entry, entry, sizeof(entry)));
		cJSON_AddNumberToObject(o, "line", m->line);
	}
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!s)
		return EXIT_FAIL;
	puts(s);
	free(s);
	return 0;
}

static void check_one_text(const char *arg, const struct tset_match *m)
{
	char entry[PREFIX_STRLEN];

	if (m->verdict == TSET_CLEAN) {
		printf("%s clean\n", arg);
		return;
	}
	printf("%s %s %s %s (line %u)\n", arg, verdict_name(m->verdict),
	       m->list->name, prefix_ntop(&m->entry, entry, sizeof(entry)),
	       m->line);
}

int cmd_check(int argc, char **argv)
{
	struct lists ls = { 0 };
	struct list **lists = NULL;
	struct tset *tset = NULL;
	struct cmd_ctx cx;
	bool json = false;
	char err[ERRLEN];
	size_t nlists = 0;
	int rc;

	cmd_ctx_init(&cx, &spec, argv[0]);
	while (cmd_ctx_getopt(&cx, argc, argv) != -1)
		json = true;
	if ((rc = cmd_ctx_load(&cx, argc, argv)) != CMD_GO)
		goto out;
	/* Every address must parse before anything is printed. */
	for (int i = 0; i < cx.n_operands; i++) {
		struct cd_addr a;

		if (!addr_parse(cx.operands[i], &a)) {
			log_warnx("'%s' is not an IPv4 or IPv6 address", cx.operands[i]);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	if ((rc = cmd_opt_lists_load(&cx.lists, &ls, &lists, &nlists, true)))
		goto out;
	tset = tset_build(lists, nlists, err, sizeof(err));
	if (!tset) {
		log_warnx("%s", err);
		rc = EXIT_FAIL;
		goto out;
	}
	for (int i = 0; i < cx.n_operands; i++) {
		struct tset_match m;
		struct cd_addr a;

		if (!addr_parse(cx.operands[i], &a))
			continue; /* checked above */
		tset_explain(tset, &a, &m);
		if (json) {
			if ((rc = check_one_json(cx.operands[i], &m)))
				goto out;
		} else {
			check_one_text(cx.operands[i], &m);
		}
	}
	if (fflush(stdout) == EOF) {
		log_warn("stdout");
		rc = EXIT_FAIL;
	}
out:
	tset_free(tset);
	free(lists);
	lists_free(&ls);
	cmd_ctx_free(&cx);
	return rc;
}

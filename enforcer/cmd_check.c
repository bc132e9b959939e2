/* SPDX-License-Identifier: MIT */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "list_args.h"
#include "log.h"
#include "tset.h"

static const char usage[] =
	"[-c FILE] [--state-dir DIR] [--threat-list [FMT:]FILE]... "
	"[--trusted-list [FMT:]FILE]... [--json] ADDRESS...";

enum { OPT_JSON = CLI_OPT__NEXT };

static const struct option check_opts[] = {
	CLI_COMMON_LONGOPTS,
	LIST_ARGS_LONGOPTS,
	{ "json", no_argument, NULL, OPT_JSON },
	{ NULL, 0, NULL, 0 }
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
	struct cli_common common;
	struct list_args la;
	struct lists ls = { 0 };
	struct list **lists = NULL;
	size_t nlists = 0;
	struct tset *tset = NULL;
	bool json = false;
	char err[ERRLEN];
	int c, rc = 0;

	cli_common_init(&common);
	list_args_init(&la);
	optind = 1;
	while ((c = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, check_opts,
				NULL)) != -1) {
		if (cli_common_opt(&common, c, optarg))
			continue;
		if ((rc = list_args_opt(&la, c, optarg)) < 0) {
			rc = -rc;
			goto out;
		}
		if (rc) {
			rc = 0;
			continue;
		}
		switch (c) {
		case OPT_JSON:
			json = true;
			break;
		default:
			rc = cli_usage_error(argv[0], usage);
			goto out;
		}
	}
	if (common.help) {
		printf("usage: cordon %s %s\n", argv[0], usage);
		goto out;
	}
	if ((rc = cli_common_finish(&common)))
		goto out;
	if (optind >= argc) {
		rc = cli_usage_error(argv[0], usage);
		goto out;
	}
	/* Every address must parse before anything is printed. */
	for (int i = optind; i < argc; i++) {
		struct cd_addr a;

		if (!addr_parse(argv[i], &a)) {
			log_warnx("'%s' is not an IPv4 or IPv6 address", argv[i]);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	if ((rc = list_args_load(&la, &ls, &lists, &nlists, true)))
		goto out;
	tset = tset_build(lists, nlists, err, sizeof(err));
	if (!tset) {
		log_warnx("%s", err);
		rc = EXIT_FAIL;
		goto out;
	}
	for (int i = optind; i < argc; i++) {
		struct tset_match m;
		struct cd_addr a;

		if (!addr_parse(argv[i], &a))
			continue; /* checked above */
		tset_explain(tset, &a, &m);
		if (json) {
			if ((rc = check_one_json(argv[i], &m)))
				goto out;
		} else {
			check_one_text(argv[i], &m);
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
	list_args_free(&la);
	return rc;
}

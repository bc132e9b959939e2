/* SPDX-License-Identifier: MIT */
/* cordon sync: fetch every list once, store it, apply it. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "aws_client.h"
#include "cli.h"
#include "cmd.h"
#include "enforce.h"
#include "list_args.h"
#include "log.h"
#include "sync.h"

#define SYNC_USAGE "[-c FILE] [--state-dir DIR] [--no-enforce] [--timeout SECONDS] " \
	"[--threat-list [FORMAT:]LOCATION]... [--trusted-list [FORMAT:]LOCATION]..."

enum { OPT_THREAT = CLI_OPT__NEXT, OPT_TRUSTED, OPT_NO_ENFORCE, OPT_TIMEOUT };

static void print_status(const struct list_spec *spec, const struct sync_status *st)
{
	const char *etag = st->etag[0] ? st->etag : "-";

	if (st->res != SYNC_FAILED) {
		printf("%s: %s, %zu entries, etag %s%s%s\n", spec->location,
		       sync_result_name(st->res), st->entries, etag,
		       st->checksum[0] ? ", checksum " : "", st->checksum);
	} else if (st->in_force) {
		printf("%s: failed: %s; last good copy in force, %zu entries, etag %s\n",
		       spec->location, st->reason, st->entries, etag);
	} else {
		printf("%s: failed: %s; no list in force\n", spec->location, st->reason);
	}
}

static int apply(struct list **lists, size_t n, const char *state_dir)
{
	struct enforce_opts eo;
	struct enforce_report rep;
	char err[ERRLEN];

	enforce_opts_default(&eo);
	eo.state_dir = state_dir;
	if (enforce_lists(lists, n, &eo, &rep, err, sizeof(err))) {
		log_warnx("enforce: %s", err);
		return EXIT_FAIL;
	}
	printf("enforced: %zu threat, %zu trusted elements; %zu added, %zu removed\n",
	       rep.threat_hosts + rep.threat_nets, rep.trusted_hosts + rep.trusted_nets,
	       rep.added, rep.removed);
	return EXIT_OK;
}

int cmd_sync(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{ "threat-list", required_argument, NULL, OPT_THREAT },
		{ "trusted-list", required_argument, NULL, OPT_TRUSTED },
		{ "no-enforce", no_argument, NULL, OPT_NO_ENFORCE },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_common cc;
	struct list_args la;
	struct aws_client_opts co = { 0 };
	struct aws_client *client = NULL;
	uint64_t secs;
	struct list **lists = NULL;
	bool enforce = true, all_in_force = true;
	size_t nl = 0;
	int opt, rc = EXIT_OK;

	cli_common_init(&cc);
	list_args_init(&la);
	optind = 1;
	while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		if (cli_common_opt(&cc, opt, optarg))
			continue;
		switch (opt) {
		case OPT_THREAT:
		case OPT_TRUSTED:
			rc = list_args_add(&la, optarg, opt == OPT_THREAT ? LIST_THREAT : LIST_TRUSTED);
			if (rc)
				goto out;
			break;
		case OPT_NO_ENFORCE:
			enforce = false;
			break;
		case OPT_TIMEOUT: /* per attempt, the whole exchange */
			if (util_parse_u64(optarg, 1, 3600, &secs)) {
				log_warnx("--timeout: '%s' is not a number of seconds in [1,3600]", optarg);
				rc = EXIT_USAGE;
				goto out;
			}
			co.timeout_ms = (long)secs * 1000;
			break;
		default:
			rc = cli_usage_error("sync", SYNC_USAGE);
			goto out;
		}
	}
	if (cc.help) {
		printf("usage: cordon sync " SYNC_USAGE "\n");
		goto out;
	}
	if (optind != argc || !la.n) {
		rc = cli_usage_error("sync", SYNC_USAGE);
		goto out;
	}
	rc = cli_common_finish(&cc);
	if (rc)
		goto out;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (aws_client_new(&co, &client) || !(lists = calloc(la.n, sizeof(*lists)))) {
		log_warnx("out of memory");
		rc = EXIT_FAIL;
		goto out;
	}
	for (size_t i = 0; i < la.n; i++) {
		struct sync_opts so = {
			.state_dir = cc.state_dir, .client = client, .lim = &la.lim,
			.need_list = enforce,
		};
		struct sync_status st;
		struct list *l = NULL;

		if (sync_list(&so, &la.specs[i], &l, &st) || !st.in_force)
			all_in_force = false;
		print_status(&la.specs[i], &st);
		if (l)
			lists[nl++] = l;
	}
	rc = all_in_force ? EXIT_OK : EXIT_FAIL;
	/* Never apply a partial set: it would drop the missing list's entries. */
	if (enforce && all_in_force && apply(lists, nl, cc.state_dir))
		rc = EXIT_FAIL;
out:
	for (size_t i = 0; i < nl; i++)
		list_free(lists[i]);
	free(lists);
	aws_client_free(client);
	list_args_free(&la);
	return rc;
}

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
#include "cmd_opts.h"
#include "config.h"
#include "enforce.h"
#include "list_args.h"
#include "log.h"
#include "sync.h"

#define SYNC_USAGE "[--no-enforce] [--timeout SECONDS]\n" \
	"       [--threat-list [FORMAT:]LOCATION]... [--trusted-list [FORMAT:]LOCATION]...\n" \
	"       " ENF_USAGE_COMMON

enum { OPT_THREAT = ENF_OPT__NEXT, OPT_TRUSTED, OPT_NO_ENFORCE, OPT_TIMEOUT };

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

static int apply(struct list **lists, size_t n, const struct enforce_opts *eo)
{
	struct enforce_report rep;
	char err[ERRLEN];

	if (enforce_lists(lists, n, eo, &rep, err, sizeof(err))) {
		log_warnx("enforce: %s", err);
		return EXIT_FAIL;
	}
	printf("enforced: %zu threat, %zu trusted elements; %zu added, %zu removed\n",
	       rep.threat_hosts + rep.threat_nets, rep.trusted_hosts + rep.trusted_nets,
	       rep.added, rep.removed);
	return EXIT_OK;
}

/*
 * What the config file adds: its [lists] when the command line names none,
 * limits, [aws] attempts and timeouts, and the state directory when
 * --state-dir was not given. 0 or an exit code after a message.
 */
static int use_config(const struct cordon_config *cfg, struct list_args *la,
		      struct aws_client_opts *co, const char **state_dir,
		      const struct enforce_opts *eo)
{
	int rc = 0;

	if (!la->n) {
		for (size_t i = 0; i < cfg->lists.threat.n && !rc; i++)
			rc = list_args_add(la, cfg->lists.threat.v[i], LIST_THREAT);
		for (size_t i = 0; i < cfg->lists.trusted.n && !rc; i++)
			rc = list_args_add(la, cfg->lists.trusted.v[i], LIST_TRUSTED);
		if (rc)
			return rc;
	}
	la->lim.floor_v4 = eo->floor_v4;
	la->lim.floor_v6 = eo->floor_v6;
	if (cfg->lists.max_bytes)
		la->lim.max_bytes = cfg->lists.max_bytes;
	if (cfg->lists.max_entries)
		la->lim.max_entries = cfg->lists.max_entries;
	/* AWS_MAX_ATTEMPTS wins over the config file, as in the SDKs. */
	if (!getenv("AWS_MAX_ATTEMPTS"))
		co->max_attempts = cfg->aws.max_attempts;
	co->connect_timeout_ms = (long)cfg->aws.connect_timeout_ms;
	if (!co->timeout_ms)
		co->timeout_ms = (long)cfg->aws.total_timeout_ms;
	if (!strcmp(*state_dir, CLI_DEFAULT_STATE_DIR) && cfg->agent.state_dir &&
	    *cfg->agent.state_dir)
		*state_dir = cfg->agent.state_dir;
	return 0;
}

int cmd_sync(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		ENF_LONGOPTS,
		{ "threat-list", required_argument, NULL, OPT_THREAT },
		{ "trusted-list", required_argument, NULL, OPT_TRUSTED },
		{ "no-enforce", no_argument, NULL, OPT_NO_ENFORCE },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_common cc;
	struct list_args la;
	struct aws_client_opts co = { 0 };
	struct cordon_config cfg = { 0 };
	struct enforce_opts *eo = calloc(1, sizeof(*eo));
	struct aws_client *client = NULL;
	const char *state_dir;
	char err[ERRLEN];
	uint64_t secs;
	struct list **lists = NULL;
	bool enforce = true, all_in_force = true;
	size_t nl = 0;
	int opt, rc = EXIT_OK;

	cli_common_init(&cc);
	list_args_init(&la);
	if (!eo) {
		log_warnx("out of memory");
		return EXIT_FAIL;
	}
	enforce_opts_default(eo);
	optind = 1;
	while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		int r;

		if (cli_common_opt(&cc, opt, optarg))
			continue;
		r = enf_cli_opt(eo, opt, optarg);
		if (r < 0) {
			rc = EXIT_USAGE;
			goto out;
		}
		if (r)
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
	if (optind != argc) {
		rc = cli_usage_error("sync", SYNC_USAGE);
		goto out;
	}
	rc = cli_common_finish(&cc);
	if (rc)
		goto out;
	if (config_load(&cfg, cc.config, cc.config_given, err, sizeof(err))) {
		log_warnx("%s", err);
		rc = EXIT_USAGE;
		goto out;
	}
	state_dir = cc.state_dir;
	rc = enf_opts_config(eo, &cfg);
	if (!rc)
		rc = use_config(&cfg, &la, &co, &state_dir, eo);
	if (rc)
		goto out;
	if (!la.n) {
		log_warnx("sync: no lists: give --threat-list/--trusted-list or [lists] in %s",
			  cc.config);
		rc = EXIT_USAGE;
		goto out;
	}
	eo->state_dir = state_dir;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (aws_client_new(&co, &client) || !(lists = calloc(la.n, sizeof(*lists)))) {
		log_warnx("out of memory");
		rc = EXIT_FAIL;
		goto out;
	}
	for (size_t i = 0; i < la.n; i++) {
		struct sync_opts so = {
			.state_dir = state_dir, .client = client, .lim = &la.lim,
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
	if (enforce && all_in_force && apply(lists, nl, eo))
		rc = EXIT_FAIL;
out:
	for (size_t i = 0; i < nl; i++)
		list_free(lists[i]);
	free(lists);
	aws_client_free(client);
	list_args_free(&la);
	config_free(&cfg);
	free(eo);
	return rc;
}

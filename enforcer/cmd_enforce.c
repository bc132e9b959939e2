/* SPDX-License-Identifier: MIT */
/*
 * cordon enforce: bring the kernel to exactly these lists and exit.
 * Lists are loaded one at a time and folded into compact sets, so a
 * million-entry list never sits in memory twice.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_opts.h"
#include "config.h"
#include "enforce_impl.h"
#include "list_args.h"
#include "log.h"

enum { OPT_THREAT = ENF_OPT__NEXT, OPT_TRUSTED, OPT_REPLACE, OPT_QUIET };

static const char usage[] =
	"[--threat-list [FORMAT:]FILE]... [--trusted-list [FORMAT:]FILE]...\n"
	"       [--replace] [--quiet] " ENF_USAGE_COMMON;

static int load_into(struct nset_all *w, const struct list_args *la,
		     const struct enforce_opts *o, bool quiet)
{
	char err[ERRLEN], desc[256];

	for (size_t i = 0; i < la->n; i++) {
		struct list *l = NULL;
		int rc = list_load_file(&la->specs[i], &la->lim, &l, err,
					sizeof(err));

		if (rc) {
			log_warnx("%s", err);
			return rc == -ENOMEM ? EXIT_FAIL : EXIT_USAGE;
		}
		if (!quiet) {
			lists_describe(l, desc, sizeof(desc));
			log_info("%s", desc);
			for (size_t m = 0; m < l->n_msgs; m++)
				log_warnx("%s", l->msgs[m]);
		}
		rc = enforce_want_list(w, l, o, err, sizeof(err));
		list_free(l);
		if (rc) {
			log_warnx("%s", err);
			return rc == -ENOMEM ? EXIT_FAIL : EXIT_USAGE;
		}
	}
	return 0;
}

int cmd_enforce(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		ENF_LONGOPTS,
		{ "threat-list", required_argument, NULL, OPT_THREAT },
		{ "trusted-list", required_argument, NULL, OPT_TRUSTED },
		{ "replace", no_argument, NULL, OPT_REPLACE },
		{ "quiet", no_argument, NULL, OPT_QUIET },
		{ 0 }
	};
	struct enforce_report rep = { 0 };
	struct enforce_opts *o = calloc(1, sizeof(*o));
	struct cordon_config cfg = { 0 };
	struct cli_common cc;
	struct list_args la;
	bool replace = false, quiet = false;
	char err[ERRLEN];
	struct nset_all w;
	int opt, rc = EXIT_OK;

	nset_all_init(&w);
	list_args_init(&la);
	cli_common_init(&cc);
	if (!o) {
		log_warnx("out of memory");
		return EXIT_FAIL;
	}
	enforce_opts_default(o);
	optind = 1;
	while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts,
				  NULL)) != -1) {
		int r;

		if (cli_common_opt(&cc, opt, optarg))
			continue;
		r = enf_cli_opt(o, opt, optarg);
		if (r < 0) {
			rc = EXIT_USAGE;
			goto out;
		}
		if (r)
			continue;
		switch (opt) {
		case OPT_THREAT:
		case OPT_TRUSTED:
			rc = list_args_add(&la, optarg, opt == OPT_THREAT ?
					   LIST_THREAT : LIST_TRUSTED);
			if (rc)
				goto out;
			break;
		case OPT_REPLACE:
			replace = true;
			break;
		case OPT_QUIET:
			quiet = true;
			break;
		default:
			rc = cli_usage_error(argv[0], usage);
			goto out;
		}
	}
	if (cc.help) {
		printf("usage: cordon %s %s\n", argv[0], usage);
		goto out;
	}
	if (optind != argc) {
		rc = cli_usage_error(argv[0], usage);
		goto out;
	}
	rc = cli_common_finish(&cc);
	if (rc)
		goto out;
	o->state_dir = cc.state_dir;
	if (config_load(&cfg, cc.config, cc.config_given, err, sizeof(err))) {
		log_warnx("%s", err);
		rc = EXIT_USAGE;
		goto out;
	}
	rc = enf_opts_config(o, &cfg);
	if (rc)
		goto out;
	la.lim.floor_v4 = o->floor_v4;
	la.lim.floor_v6 = o->floor_v6;
	rc = load_into(&w, &la, o, quiet);
	if (rc)
		goto out;
	if (enforce_lists_apply(&w, o, replace, &rep, err, sizeof(err))) {
		log_warnx("%s", err);
		rc = EXIT_FAIL;
		goto out;
	}
	if (!quiet)
		printf("enforce: threat %zu hosts + %zu prefixes, trusted %zu "
		       "hosts + %zu prefixes; %s: +%zu -%zu elements in %zu "
		       "messages (%zu bytes), %.1f ms\n",
		       rep.threat_hosts, rep.threat_nets, rep.trusted_hosts,
		       rep.trusted_nets, rep.sent ? "sent" : "unchanged",
		       rep.added, rep.removed, rep.messages, rep.bytes,
		       (double)rep.elapsed_ns / 1e6);
out:
	config_free(&cfg);
	nset_all_free(&w);
	list_args_free(&la);
	free(o);
	return rc;
}

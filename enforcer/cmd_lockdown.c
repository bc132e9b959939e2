/* SPDX-License-Identifier: MIT */
/* cordon lockdown: forensic lockdown of this host (state file first). */
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "cmd_opts.h"
#include "config.h"
#include "state.h"
#include "log.h"

enum { OPT_REASON = ENF_OPT__NEXT, OPT_LOCAL_ONLY, OPT_RESTORE };

static const char usage[] =
	"[--reason TEXT] [--local-only] [--restore] " ENF_USAGE_COMMON;

int cmd_lockdown(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		ENF_LONGOPTS,
		{ "reason", required_argument, NULL, OPT_REASON },
		{ "local-only", no_argument, NULL, OPT_LOCAL_ONLY },
		{ "restore", no_argument, NULL, OPT_RESTORE },
		{ 0 }
	};
	bool restore = false, done = false;
	struct enforce_state st;
	struct enforce_opts *o = calloc(1, sizeof(*o));
	const char *reason = "manual lockdown";
	struct enforce_timing t;
	struct cordon_config cfg = { 0 };
	struct cli_common cc;
	char err[ERRLEN];
	uint64_t t0;
	int opt, rc = EXIT_OK;

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
		if (opt == OPT_REASON)
			reason = optarg;
		else if (opt == OPT_RESTORE)
			restore = true;
		else if (opt != OPT_LOCAL_ONLY) {
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
	if (!cc.state_dir_given && cfg.agent.state_dir)
		o->state_dir = cfg.agent.state_dir;
	rc = enf_opts_config(o, &cfg);
	if (rc)
		goto out;
	/*
	 * --restore (cordon-lockdown.service, early at boot): put back a
	 * recorded lockdown, and do nothing when none is recorded. Units
	 * whose cgroups do not exist yet at that point are left out rather
	 * than leaving the host open.
	 */
	if (restore) {
		if (state_load(o->state_dir, &st, err, sizeof(err))) {
			log_warnx("lockdown: %s", err);
			rc = EXIT_FAIL;
			goto out;
		}
		if (!st.locked) {
			printf("lockdown: none recorded in %s\n", o->state_dir);
			goto out;
		}
		reason = st.reason;
		if (o->n_units) {
			if (enforce_lockdown(o, reason, err, sizeof(err)) == 0) {
				done = true;
			} else {
				log_warnx("lockdown: %s; again without the allowed units", err);
				o->n_units = 0;
			}
		}
	}
	/*
	 * A manual lockdown is local: moving the interfaces to the forensic
	 * group is the agent's part of an incident (cordon run).
	 */
	t0 = util_now_mono_ns();
	if (!done && enforce_lockdown(o, reason, err, sizeof(err))) {
		log_warnx("lockdown: %s", err);
		rc = EXIT_FAIL;
		goto out;
	}
	enforce_last_timing(&t);
	printf("lockdown: in force (%.2f ms total: state file %.2f ms, "
	       "kernel %.2f ms, %zu messages)\n",
	       (double)(util_now_mono_ns() - t0) / 1e6, (double)t.state_ns / 1e6,
	       (double)t.kernel_ns / 1e6, t.messages);
out:
	config_free(&cfg);
	free(o);
	return rc;
}

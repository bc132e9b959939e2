/* SPDX-License-Identifier: MIT */
/* cordon lockdown: forensic lockdown of this host (state file first). */
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "cmd_ctx.h"
#include "log.h"
#include "state.h"
#include "enforce.h"

enum { OPT_REASON = CMD_OPT_OWN, OPT_LOCAL_ONLY, OPT_RESTORE };

static const struct cmd_spec spec = {
	.usage = "[--reason TEXT] [--local-only] [--restore]",
	.opts = (const struct option[]){
		{ "reason", required_argument, NULL, OPT_REASON },
		{ "local-only", no_argument, NULL, OPT_LOCAL_ONLY },
		{ "restore", no_argument, NULL, OPT_RESTORE },
		{ NULL, 0, NULL, 0 },
	},
	.ext = { &cmd_opt_enforce },
};

int cmd_lockdown(int argc, char **argv)
{
	const char *reason = "manual lockdown";
	bool restore = false, done = false;
	struct enforce_state st;
	struct enforce_timing t;
	struct enforce_opts *o;
	struct cmd_ctx cx;
	char err[ERRLEN];
	uint64_t t0;
	int opt, rc;

	cmd_ctx_init(&cx, &spec, argv[0]);
	while ((opt = cmd_ctx_getopt(&cx, argc, argv)) != -1) {
		if (opt == OPT_REASON)
			reason = optarg;
		else if (opt == OPT_RESTORE)
			restore = true;
		/* --local-only: a manual lockdown is always local. */
	}
	if ((rc = cmd_ctx_load(&cx, argc, argv)) != CMD_GO)
		goto out;
	o = cx.enf;
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
			rc = EXIT_OK;
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
	rc = EXIT_OK;
out:
	cmd_ctx_free(&cx);
	return rc;
}

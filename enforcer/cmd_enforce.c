/* SPDX-License-Identifier: MIT */
/*
 * cordon enforce: bring the kernel to exactly these lists and exit.
 * Lists are loaded one at a time and folded into compact sets, so a
 * million-entry list never sits in memory twice.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "cmd_ctx.h"
#include "enforce_impl.h"
#include "lists_load.h"
#include "log.h"

enum { OPT_REPLACE = CMD_OPT_OWN, OPT_QUIET };

static const struct cmd_spec spec = {
	.usage = "[--replace] [--quiet]",
	.opts = (const struct option[]){
		{ "replace", no_argument, NULL, OPT_REPLACE },
		{ "quiet", no_argument, NULL, OPT_QUIET },
		{ NULL, 0, NULL, 0 },
	},
	.ext = { &cmd_opt_lists, &cmd_opt_enforce },
};

static int load_into(struct nset_all *w, const struct cmd_lists *la,
		     const struct enforce_opts *o, bool quiet)
{
	char err[ERRLEN], desc[256];

	for (size_t i = 0; i < la->n; i++) {
		struct list *l = NULL;
		int rc = list_load_file(&la->specs[i], &la->lim, &l, err,
					sizeof(err));

		if (rc) {
			log_warnx("%s", err);
			return cmd_exit_input(rc);
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
			return cmd_exit_input(rc);
		}
	}
	return 0;
}

int cmd_enforce(int argc, char **argv)
{
	struct enforce_report rep = { 0 };
	bool replace = false, quiet = false;
	struct cmd_ctx cx;
	char err[ERRLEN];
	struct nset_all w;
	int opt, rc;

	nset_all_init(&w);
	cmd_ctx_init(&cx, &spec, argv[0]);
	while ((opt = cmd_ctx_getopt(&cx, argc, argv)) != -1) {
		if (opt == OPT_REPLACE)
			replace = true;
		else
			quiet = true;
	}
	if ((rc = cmd_ctx_load(&cx, argc, argv)) != CMD_GO)
		goto out;
	rc = load_into(&w, &cx.lists, cx.enf, quiet);
	if (rc)
		goto out;
	if (enforce_lists_apply(&w, cx.enf, replace, &rep, err, sizeof(err))) {
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
	cmd_ctx_free(&cx);
	nset_all_free(&w);
	return rc;
}

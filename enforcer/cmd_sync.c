/* SPDX-License-Identifier: MIT */
/* cordon sync: fetch every list once, store it, apply it. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "aws_client.h"
#include "cmd.h"
#include "cmd_ctx.h"
#include "enforce.h"
#include "log.h"
#include "sync.h"

enum { OPT_NO_ENFORCE = CMD_OPT_OWN, OPT_TIMEOUT };

static const struct cmd_spec spec = {
	.usage = "[--no-enforce] [--timeout SECONDS]",
	.opts = (const struct option[]){
		{ "no-enforce", no_argument, NULL, OPT_NO_ENFORCE },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ NULL, 0, NULL, 0 },
	},
	.ext = { &cmd_opt_lists, &cmd_opt_enforce },
};

static void print_status(const struct list_spec *ls, const struct sync_status *st)
{
	const char *etag = st->etag[0] ? st->etag : "-";

	if (st->res != SYNC_FAILED) {
		printf("%s: %s, %zu entries, etag %s%s%s\n", ls->location,
		       sync_result_name(st->res), st->entries, etag,
		       st->checksum[0] ? ", checksum " : "", st->checksum);
	} else if (st->in_force) {
		printf("%s: failed: %s; last good copy in force, %zu entries, etag %s\n",
		       ls->location, st->reason, st->entries, etag);
	} else {
		printf("%s: failed: %s; no list in force\n", ls->location, st->reason);
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
 * What the config adds: its [lists] when the command line names none,
 * and [aws] attempts and timeouts. 0 or an exit status after a message.
 */
static int use_config(const struct cmd_ctx *cx, struct cmd_lists *la,
		      struct aws_client_opts *co)
{
	const struct cordon_config *cfg = &cx->cfg;
	int rc = 0;

	if (!la->n) {
		for (size_t i = 0; i < cfg->lists.threat.n && !rc; i++)
			rc = cmd_opt_lists_add(la, cfg->lists.threat.v[i], LIST_THREAT);
		for (size_t i = 0; i < cfg->lists.trusted.n && !rc; i++)
			rc = cmd_opt_lists_add(la, cfg->lists.trusted.v[i], LIST_TRUSTED);
		if (rc)
			return rc;
	}
	if (!la->n) {
		log_warnx("sync: no lists: give --threat-list/--trusted-list or [lists] in %s",
			  cx->config_path);
		return EXIT_USAGE;
	}
	/* AWS_MAX_ATTEMPTS wins over the config file, as in the SDKs. */
	if (!getenv("AWS_MAX_ATTEMPTS"))
		co->max_attempts = cfg->aws.max_attempts;
	co->connect_timeout_ms = (long)cfg->aws.connect_timeout_ms;
	if (!co->timeout_ms)
		co->timeout_ms = (long)cfg->aws.total_timeout_ms;
	return 0;
}

int cmd_sync(int argc, char **argv)
{
	struct aws_client_opts co = { 0 };
	struct aws_client *client = NULL;
	struct list **lists = NULL;
	bool enforce = true, all_in_force = true;
	struct cmd_ctx cx;
	size_t nl = 0;
	uint64_t secs;
	int opt, rc, crc = 0;

	cmd_ctx_init(&cx, &spec, argv[0]);
	while ((opt = cmd_ctx_getopt(&cx, argc, argv)) != -1) {
		if (opt == OPT_NO_ENFORCE) {
			enforce = false;
		} else if (util_parse_u64(optarg, 1, 3600, &secs)) {
			log_warnx("--timeout: '%s' is not a number of seconds in [1,3600]",
				  optarg);
			rc = EXIT_USAGE;
			goto out;
		} else {
			co.timeout_ms = (long)secs * 1000; /* per attempt, the whole exchange */
		}
	}
	if ((rc = cmd_ctx_load(&cx, argc, argv)) != CMD_GO)
		goto out;
	if ((rc = use_config(&cx, &cx.lists, &co)))
		goto out;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if ((crc = aws_client_new(&co, &client)) || !(lists = calloc(cx.lists.n, sizeof(*lists)))) {
		log_warnx("%s", crc ? strerror(-crc) : "out of memory");
		rc = EXIT_FAIL;
		goto out;
	}
	for (size_t i = 0; i < cx.lists.n; i++) {
		struct sync_opts so = {
			.state_dir = cx.state_dir, .client = client, .lim = &cx.lists.lim,
			.need_list = enforce,
		};
		struct sync_status st;
		struct list *l = NULL;

		if (sync_list(&so, &cx.lists.specs[i], &l, &st) || !st.in_force)
			all_in_force = false;
		print_status(&cx.lists.specs[i], &st);
		if (l)
			lists[nl++] = l;
	}
	rc = all_in_force ? EXIT_OK : EXIT_FAIL;
	/* Never apply a partial set: it would drop the missing list's entries. */
	if (enforce && all_in_force && apply(lists, nl, cx.enf))
		rc = EXIT_FAIL;
out:
	for (size_t i = 0; i < nl; i++)
		list_free(lists[i]);
	free(lists);
	aws_client_free(client);
	cmd_ctx_free(&cx);
	return rc;
}

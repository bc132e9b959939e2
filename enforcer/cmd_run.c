/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "config.h"
#include "daemon.h"
#include "log.h"

static const char usage[] =
	"[-c FILE] [--state-dir DIR] [-n] [-v] [--no-seccomp]";

enum { OPT_NO_SECCOMP = CLI_OPT__NEXT, OPT_EXIT_AFTER_LOCKDOWN };

static const struct option run_opts_long[] = {
	CLI_COMMON_LONGOPTS,
	{ "check-config", no_argument, NULL, 'n' },
	{ "verbose", no_argument, NULL, 'v' },
	/* Sanitizer builds in the tests need syscalls the filter refuses. */
	{ "no-seccomp", no_argument, NULL, OPT_NO_SECCOMP },
	{ "exit-after-lockdown", no_argument, NULL, OPT_EXIT_AFTER_LOCKDOWN },
	{ NULL, 0, NULL, 0 }
};

static int add_lists(struct run_opts *o, const struct config_strv *v,
		     enum list_kind kind, const char *cfg)
{
	char err[ERRLEN];

	for (size_t i = 0; i < v->n; i++) {
		if (o->n_lists == RUN_MAX_LISTS) {
			log_warnx("%s: [lists] more than %d lists", cfg, RUN_MAX_LISTS);
			return EXIT_USAGE;
		}
		if (list_spec_parse(v->v[i], kind, &o->lists[o->n_lists], err,
				    sizeof(err))) {
			log_warnx("%s: [lists] %s: %s", cfg,
				  kind == LIST_TRUSTED ? "trusted" : "threat", err);
			return EXIT_USAGE;
		}
		o->n_lists++;
	}
	return 0;
}

#define COPY(dst, src) util_strlcpy(dst, (src) ? (src) : "", sizeof(dst))

/* The config, checked, into what the daemon runs with. */
static int run_opts_from_config(struct run_opts *o, const struct cordon_config *c,
				const char *cfg)
{
	char err[ERRLEN];
	int rc;

	o->mode = c->agent.mode == CONFIG_MODE_MONITOR ? RUN_MONITOR :
		  c->agent.mode == CONFIG_MODE_BLOCK ? RUN_BLOCK : RUN_ISOLATE;
	if (c->agent.interface.n > RUN_MAX_IFACES) {
		log_warnx("%s: [agent] interface: at most %d", cfg, RUN_MAX_IFACES);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < c->agent.interface.n; i++)
		COPY(o->ifaces[o->n_ifaces++], c->agent.interface.v[i]);
	o->user = c->agent.user;
	o->sensor_user = c->agent.sensor_user;
	o->aws_user = c->agent.aws_user;
	COPY(o->instance_id, c->agent.instance_id);
	COPY(o->findings_file, c->agent.findings_file);
	COPY(o->metrics_file, c->agent.metrics_file);
	o->capture_buffer = (int)c->agent.capture_buffer;
	o->snaplen = (int)c->agent.snaplen;
	o->max_flows = (int)c->agent.max_flows;
	o->max_findings = (int)c->agent.max_findings;
	o->evidence_seconds = (uint32_t)(c->agent.evidence_window_ms / 1000);
	o->evidence_bytes = c->agent.evidence_buffer;
	o->sync_interval = (unsigned)(c->lists.sync_interval_ms / 1000);
	o->lim.floor_v4 = (uint8_t)c->lists.floor_v4;
	o->lim.floor_v6 = (uint8_t)c->lists.floor_v6;
	o->lim.max_bytes = c->lists.max_bytes;
	o->lim.max_entries = c->lists.max_entries;
	if ((rc = add_lists(o, &c->lists.threat, LIST_THREAT, cfg)) ||
	    (rc = add_lists(o, &c->lists.trusted, LIST_TRUSTED, cfg)))
		return rc;
	o->enf.nflog_group = (uint16_t)c->agent.nflog_group;
	o->enf.floor_v4 = o->lim.floor_v4;
	o->enf.floor_v6 = o->lim.floor_v6;
	/* Only the AWS process talks to the network. */
	COPY(o->enf.agent_user, c->agent.aws_user);
	for (size_t i = 0; i < c->lockdown.allow.n; i++)
		if (allow_add(o->enf.allow, &o->enf.n_allow, c->lockdown.allow.v[i], err,
					   sizeof(err))) {
			log_warnx("%s: [lockdown] allow: %s", cfg, err);
			return EXIT_USAGE;
		}
	if (c->lockdown.allow_unit.n > ALLOW_MAX_UNITS) {
		log_warnx("%s: [lockdown] allow_unit: at most %d", cfg, ALLOW_MAX_UNITS);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < c->lockdown.allow_unit.n; i++)
		COPY(o->enf.units[o->enf.n_units++], c->lockdown.allow_unit.v[i]);
	o->outbound = c->incident.outbound;
	o->inbound_answered = c->incident.inbound_answered;
	COPY(o->forensic_sg, c->cloud.forensic_security_group);
	COPY(o->conversion_sg, c->cloud.conversion_security_group);
	COPY(o->sns_topic, c->cloud.sns_topic_arn);
	o->tag_instance = c->cloud.tag_instance;
	o->termination_protection = c->cloud.termination_protection;
	o->snapshot_volumes = c->cloud.snapshot_volumes;
	o->gd_enabled = c->guardduty.enabled;
	COPY(o->gd_detector, c->guardduty.detector_id);
	o->gd_poll_interval = (unsigned)(c->guardduty.poll_interval_ms / 1000);
	o->gd_min_severity = c->guardduty.min_severity;
	o->gd_incident_severity = c->incident.guardduty_min_severity;
	for (size_t i = 0; i < c->incident.guardduty_types.n && o->n_gd_types < 16; i++)
		COPY(o->gd_types[o->n_gd_types++], c->incident.guardduty_types.v[i]);
	o->events_bus_on = c->events.eventbridge;
	COPY(o->events_bus, c->events.eventbridge_bus);
	o->securityhub = c->events.securityhub;
	return 0;
}

int cmd_run(int argc, char **argv)
{
	struct cordon_config cfg = { 0 };
	struct cli_common common;
	struct run_opts *o = NULL;
	bool check_only = false;
	char err[ERRLEN];
	int c, rc = EXIT_USAGE, verbose = 0;
	bool no_seccomp = false, exit_after_lockdown = false;

	cli_common_init(&common);
	optind = 1;
	while ((c = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS "nv", run_opts_long,
				NULL)) != -1) {
		if (cli_common_opt(&common, c, optarg))
			continue;
		switch (c) {
		case 'n':
			check_only = true;
			break;
		case 'v':
			verbose++;
			break;
		case OPT_NO_SECCOMP:
			no_seccomp = true;
			break;
		case OPT_EXIT_AFTER_LOCKDOWN:
			exit_after_lockdown = true;
			break;
		default:
			return cli_usage_error(argv[0], usage);
		}
	}
	if (common.help) {
		printf("usage: cordon %s %s\n\nConfiguration options:\n", argv[0], usage);
		config_help(stdout);
		return EXIT_OK;
	}
	if (optind != argc)
		return cli_usage_error(argv[0], usage);
	if ((rc = cli_common_finish(&common)))
		return rc;
	if (config_load(&cfg, common.config, common.config_given, err, sizeof(err))) {
		log_warnx("%s", err);
		rc = EXIT_USAGE;
		goto out;
	}
	if (common.state_dir_given &&
	    config_set(&cfg, "agent", "state_dir", common.state_dir, err, sizeof(err))) {
		log_warnx("--state-dir: %s", err);
		rc = EXIT_USAGE;
		goto out;
	}
	o = calloc(1, sizeof(*o));
	if (!o) {
		rc = EXIT_FAIL;
		goto out;
	}
	run_opts_default(o);
	o->state_dir = cfg.agent.state_dir;
	o->enf.state_dir = cfg.agent.state_dir;
	if ((rc = run_opts_from_config(o, &cfg, common.config)))
		goto out;
	if (check_only) {
		config_print(&cfg, stdout);
		rc = fflush(stdout) ? EXIT_FAIL : EXIT_OK;
		goto out;
	}
	o->no_seccomp = no_seccomp;
	o->once_lockdown_exit = exit_after_lockdown;
	log_init("cordon", getenv("JOURNAL_STREAM") ? LOG_TO_JOURNAL : 0, verbose);
	rc = daemon_run(o) ? EXIT_FAIL : EXIT_OK;
out:
	free(o);
	config_free(&cfg);
	return rc;
}

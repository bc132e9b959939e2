/* SPDX-License-Identifier: MIT */
/* cordon run: the agent, with every setting from the config (config_table.c). */
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "cmd_ctx.h"
#include "daemon.h"
#include "log.h"
#include "sensord.h"

/* run_opts holds whatever the config accepts. */
#define FIELD_N(f) (sizeof(((struct run_opts *)0)->f) / sizeof(((struct run_opts *)0)->f[0]))
_Static_assert(FIELD_N(ifaces) == CONFIG_MAX_INTERFACES, "[agent] interface");
_Static_assert(FIELD_N(lists) == CONFIG_MAX_LISTS, "[lists] threat/trusted");
_Static_assert(FIELD_N(gd_types) == CONFIG_MAX_GD_TYPES, "[incident] guardduty_types");
_Static_assert(FIELD_N(gd_types[0]) == CONFIG_PATTERN_LEN, "guardduty_types pattern");
_Static_assert(FIELD_N(findings_file) == CONFIG_PATH_LEN, "[agent] findings_file");
_Static_assert(FIELD_N(metrics_file) == CONFIG_PATH_LEN, "[agent] metrics_file");
_Static_assert(FIELD_N(sns_topic) == CONFIG_ARN_LEN, "[cloud] sns_topic_arn");
_Static_assert(FIELD_N(events_bus) == CONFIG_ARN_LEN, "[events] eventbridge_bus");
_Static_assert(FIELD_N(gd_detector) == CONFIG_DETECTOR_LEN, "[guardduty] detector_id");
_Static_assert(FIELD_N(instance_id) >= 20, "[agent] instance_id: i- and 17 hex digits");
_Static_assert(FIELD_N(forensic_sg) >= 21, "[cloud] *_security_group: sg- and 17 hex digits");
_Static_assert(FIELD_N(enf.allow) == ALLOW_MAX, "[lockdown] allow");
_Static_assert(FIELD_N(enf.units) == ALLOW_MAX_UNITS, "[lockdown] allow_unit");
/* The sensor takes every interface and the NFLOG handle, every list. */
_Static_assert(SENSORD_MAX_CAPS >= CONFIG_MAX_INTERFACES + 1, "sensor capture handles");
_Static_assert(SENSORD_MAX_LISTS >= CONFIG_MAX_LISTS, "sensor lists");

enum { OPT_NO_SECCOMP = CMD_OPT_OWN, OPT_EXIT_AFTER_LOCKDOWN };

static const struct cmd_spec spec = {
	.usage = "[-n] [--no-seccomp] [--exit-after-lockdown]",
	.opts = (const struct option[]){
		{ "check-config", no_argument, NULL, 'n' },
		/* Sanitizer builds in the tests need syscalls the filter refuses. */
		{ "no-seccomp", no_argument, NULL, OPT_NO_SECCOMP },
		{ "exit-after-lockdown", no_argument, NULL, OPT_EXIT_AFTER_LOCKDOWN },
		{ NULL, 0, NULL, 0 },
	},
	.flags = CMD_VERBOSE,
	.help = config_help,
};

#define COPY(dst, src) util_strlcpy(dst, (src) ? (src) : "", sizeof(dst))

/* The config checked them (grammar, CONFIG_MAX_LISTS together). */
static int copy_lists(struct run_opts *o, const struct config_strv *v,
		      enum list_kind kind)
{
	char err[ERRLEN];

	for (size_t i = 0; i < v->n; i++) {
		if (o->n_lists == RUN_MAX_LISTS ||
		    list_spec_parse(v->v[i], kind, &o->lists[o->n_lists], err,
				    sizeof(err))) {
			log_warnx("[lists] %s: too many lists or bad location",
				  v->v[i]);
			return EXIT_USAGE;
		}
		o->n_lists++;
	}
	return 0;
}

/* The config into what the daemon runs with: every default is the table's. */
static int run_opts_from_config(struct run_opts *o, const struct cordon_config *c)
{
	int rc;

	o->mode = c->agent.mode == CONFIG_MODE_MONITOR ? RUN_MONITOR :
		  c->agent.mode == CONFIG_MODE_BLOCK ? RUN_BLOCK : RUN_ISOLATE;
	for (size_t i = 0; i < c->agent.interface.n && i < RUN_MAX_IFACES; i++)
		COPY(o->ifaces[o->n_ifaces++], c->agent.interface.v[i]);
	o->state_dir = c->agent.state_dir;
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
	o->noise_hold_ms = c->agent.noise_hold_ms;
	/* The evidence ring counts whole seconds: never less than asked. */
	o->evidence_seconds = (uint32_t)((c->agent.evidence_window_ms + 999) / 1000);
	o->evidence_bytes = c->agent.evidence_buffer;
	o->sync_interval = (unsigned)(c->lists.sync_interval_ms / 1000);
	list_limits_default(&o->lim); /* what the config has no key for */
	o->lim.floor_v4 = (uint8_t)c->lists.floor_v4;
	o->lim.floor_v6 = (uint8_t)c->lists.floor_v6;
	o->lim.max_bytes = c->lists.max_bytes;
	o->lim.max_entries = c->lists.max_entries;
	if ((rc = copy_lists(o, &c->lists.threat, LIST_THREAT)) ||
	    (rc = copy_lists(o, &c->lists.trusted, LIST_TRUSTED)))
		return rc;
	enforce_opts_default(&o->enf); /* ct mark, resolv.conf, cgroup root */
	if ((rc = cmd_opt_enforce_config(&o->enf, c, false, false)))
		return rc;
	/* After the defaults, which clear it: the kernel trips where the agent would. */
	o->enf.trip = o->mode == RUN_ISOLATE && c->agent.kernel_trip;
	o->outbound = c->incident.outbound;
	o->inbound_answered = c->incident.inbound_answered;
	COPY(o->forensic_sg, c->cloud.forensic_security_group);
	COPY(o->conversion_sg, c->cloud.conversion_security_group);
	COPY(o->sns_topic, c->cloud.sns_topic_arn);
	o->tag_instance = c->cloud.tag_instance;
	o->termination_protection = c->cloud.termination_protection;
	o->snapshot_volumes = c->cloud.snapshot_volumes;
	o->tag_poll_ms = (uint32_t)c->cloud.tag_poll_interval_ms;
	o->heartbeat_ms = (uint32_t)c->agent.heartbeat_interval_ms;
	/* AWS_MAX_ATTEMPTS wins over the config file, as in the SDKs (cmd_sync). */
	o->aws_max_attempts = getenv("AWS_MAX_ATTEMPTS") ? 0 : c->aws.max_attempts;
	o->aws_connect_ms = (uint32_t)c->aws.connect_timeout_ms;
	o->aws_total_ms = (uint32_t)c->aws.total_timeout_ms;
	o->gd_enabled = c->guardduty.enabled;
	COPY(o->gd_detector, c->guardduty.detector_id);
	o->gd_poll_interval = (unsigned)(c->guardduty.poll_interval_ms / 1000);
	o->gd_min_severity = c->guardduty.min_severity;
	o->gd_incident_severity = c->incident.guardduty_min_severity;
	for (size_t i = 0; i < c->incident.guardduty_types.n &&
			   o->n_gd_types < CONFIG_MAX_GD_TYPES; i++)
		COPY(o->gd_types[o->n_gd_types++], c->incident.guardduty_types.v[i]);
	o->events_bus_on = c->events.eventbridge;
	COPY(o->events_bus, c->events.eventbridge_bus);
	o->securityhub = c->events.securityhub;
	return 0;
}

int cmd_run(int argc, char **argv)
{
	bool check_only = false, no_seccomp = false, exit_after_lockdown = false;
	struct run_opts *o = NULL;
	struct cmd_ctx cx;
	int opt, rc;

	cmd_ctx_init(&cx, &spec, argv[0]);
	while ((opt = cmd_ctx_getopt(&cx, argc, argv)) != -1) {
		if (opt == 'n')
			check_only = true;
		else if (opt == OPT_NO_SECCOMP)
			no_seccomp = true;
		else
			exit_after_lockdown = true;
	}
	if ((rc = cmd_ctx_load(&cx, argc, argv)) != CMD_GO)
		goto out;
	o = calloc(1, sizeof(*o));
	if (!o) {
		log_warnx("out of memory");
		rc = EXIT_FAIL;
		goto out;
	}
	if ((rc = run_opts_from_config(o, &cx.cfg)))
		goto out;
	if (check_only) {
		config_print(&cx.cfg, stdout);
		rc = fflush(stdout) ? EXIT_FAIL : EXIT_OK;
		goto out;
	}
	o->no_seccomp = no_seccomp;
	o->once_lockdown_exit = exit_after_lockdown;
	rc = daemon_run(o) ? EXIT_FAIL : EXIT_OK;
out:
	free(o);
	cmd_ctx_free(&cx);
	return rc;
}

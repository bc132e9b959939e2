/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_opts.h"
#include "config.h"
#include "log.h"

/* What the command line set, so the config does not override it. */
static bool given_user, given_group;

int enf_cli_opt(struct enforce_opts *o, int opt, const char *arg)
{
	char err[ERRLEN];
	uint64_t v;
	char *end;

	switch (opt) {
	case ENF_OPT_ALLOW:
		if (allow_add(o->allow, &o->n_allow, arg, err, sizeof(err))) {
			log_warnx("--allow: %s", err);
			return -1;
		}
		return 1;
	case ENF_OPT_ALLOW_UNIT:
		if (o->n_units >= ALLOW_MAX_UNITS || !*arg ||
		    strlen(arg) >= ALLOW_UNIT_LEN) {
			log_warnx("--allow-unit '%s': empty, too long or too many",
				  arg);
			return -1;
		}
		util_strlcpy(o->units[o->n_units++], arg, ALLOW_UNIT_LEN);
		return 1;
	case ENF_OPT_NFLOG_GROUP:
		if (util_parse_u64(arg, 0, 65535, &v)) {
			log_warnx("--nflog-group '%s': want 0-65535", arg);
			return -1;
		}
		o->nflog_group = (uint16_t)v;
		given_group = true;
		return 1;
	case ENF_OPT_AGENT_USER:
		if (strlen(arg) >= sizeof(o->agent_user)) {
			log_warnx("--agent-user '%s': too long", arg);
			return -1;
		}
		util_strlcpy(o->agent_user, arg, sizeof(o->agent_user));
		given_user = true;
		return 1;
	case ENF_OPT_DNS:
		if (o->n_safe >= ENFORCE_MAX_SAFE ||
		    !addr_parse(arg, &o->safe[o->n_safe])) {
			log_warnx("--dns '%s': not an address (or more than %d)",
				  arg, ENFORCE_MAX_SAFE);
			return -1;
		}
		o->n_safe++;
		return 1;
	case ENF_OPT_NO_RESOLV:
		o->resolv_conf = false;
		return 1;
	case ENF_OPT_CT_MARK:
		errno = 0;
		v = strtoull(arg, &end, 0);
		if (errno || *end || !v || v > UINT32_MAX) {
			log_warnx("--ct-mark '%s': want a non-zero 32-bit mask", arg);
			return -1;
		}
		o->ct_mark = (uint32_t)v;
		return 1;
	case ENF_OPT_CGROUP_ROOT:
		o->cgroup_root = arg;
		return 1;
	}
	return 0;
}

int enf_opts_config(struct enforce_opts *o, const struct cordon_config *cfg)
{
	char err[ERRLEN];

	for (size_t i = 0; i < cfg->lockdown.allow.n; i++)
		if (allow_add(o->allow, &o->n_allow, cfg->lockdown.allow.v[i], err,
					   sizeof(err))) {
			log_warnx("[lockdown] allow: %s", err);
			return EXIT_USAGE;
		}
	for (size_t i = 0; i < cfg->lockdown.allow_unit.n; i++) {
		const char *u = cfg->lockdown.allow_unit.v[i];

		if (o->n_units >= ALLOW_MAX_UNITS || strlen(u) >= ALLOW_UNIT_LEN) {
			log_warnx("[lockdown] allow_unit '%s': too long or too many", u);
			return EXIT_USAGE;
		}
		util_strlcpy(o->units[o->n_units++], u, ALLOW_UNIT_LEN);
	}
	if (!given_user && cfg->agent.aws_user) {
		if (strlen(cfg->agent.aws_user) >= sizeof(o->agent_user)) {
			log_warnx("[agent] aws_user '%s': too long", cfg->agent.aws_user);
			return EXIT_USAGE;
		}
		util_strlcpy(o->agent_user, cfg->agent.aws_user, sizeof(o->agent_user));
	}
	if (!given_group && cfg->agent.nflog_group <= 65535)
		o->nflog_group = (uint16_t)cfg->agent.nflog_group;
	if (cfg->lists.floor_v4)
		o->floor_v4 = (uint8_t)cfg->lists.floor_v4;
	if (cfg->lists.floor_v6)
		o->floor_v6 = (uint8_t)cfg->lists.floor_v6;
	return 0;
}

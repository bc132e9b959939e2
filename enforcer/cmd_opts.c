/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_opts.h"
#include "log.h"

int enf_cli_opt(struct enforce_opts *o, int opt, const char *arg)
{
	char err[ERRLEN];
	uint64_t v;
	char *end;

	switch (opt) {
	case ENF_OPT_ALLOW:
		if (enforce_opts_add_allow(o, arg, err, sizeof(err))) {
			log_warnx("--allow: %s", err);
			return -1;
		}
		return 1;
	case ENF_OPT_ALLOW_UNIT:
		if (o->n_units >= ENFORCE_MAX_UNITS || !*arg ||
		    strlen(arg) >= ENFORCE_UNIT_LEN) {
			log_warnx("--allow-unit '%s': empty, too long or too many",
				  arg);
			return -1;
		}
		util_strlcpy(o->units[o->n_units++], arg, ENFORCE_UNIT_LEN);
		return 1;
	case ENF_OPT_NFLOG_GROUP:
		if (util_parse_u64(arg, 0, 65535, &v)) {
			log_warnx("--nflog-group '%s': want 0-65535", arg);
			return -1;
		}
		o->nflog_group = (uint16_t)v;
		return 1;
	case ENF_OPT_AGENT_USER:
		if (strlen(arg) >= sizeof(o->agent_user)) {
			log_warnx("--agent-user '%s': too long", arg);
			return -1;
		}
		util_strlcpy(o->agent_user, arg, sizeof(o->agent_user));
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

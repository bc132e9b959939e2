/* SPDX-License-Identifier: MIT */
/* The enforcer's options (enforce, lockdown, release, sync) and their config. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_ctx.h"
#include "enforce.h"
#include "log.h"

enum {
	OPT_ALLOW = 0x1100,
	OPT_ALLOW_UNIT,
	OPT_NFLOG_GROUP,
	OPT_AGENT_USER,
	OPT_DNS,
	OPT_NO_RESOLV,
	OPT_CT_MARK,
	OPT_CGROUP_ROOT,
	OPT_MODE,
};

static const struct option opts[] = {
	{ "allow", required_argument, NULL, OPT_ALLOW },
	{ "allow-unit", required_argument, NULL, OPT_ALLOW_UNIT },
	{ "nflog-group", required_argument, NULL, OPT_NFLOG_GROUP },
	{ "agent-user", required_argument, NULL, OPT_AGENT_USER },
	{ "dns", required_argument, NULL, OPT_DNS },
	{ "no-resolv-conf", no_argument, NULL, OPT_NO_RESOLV },
	{ "ct-mark", required_argument, NULL, OPT_CT_MARK },
	{ "cgroup-root", required_argument, NULL, OPT_CGROUP_ROOT },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ NULL, 0, NULL, 0 },
};

static int add_unit(struct enforce_opts *o, const char *u, const char *what)
{
	if (o->n_units >= ALLOW_MAX_UNITS || !*u || strlen(u) >= ALLOW_UNIT_LEN) {
		log_warnx("%s '%s': empty, too long or more than %d", what, u,
			  ALLOW_MAX_UNITS);
		return -1;
	}
	util_strlcpy(o->units[o->n_units++], u, ALLOW_UNIT_LEN);
	return 0;
}

static int enf_init(struct cmd_ctx *cx)
{
	cx->enf = calloc(1, sizeof(*cx->enf));
	if (!cx->enf) {
		log_warnx("out of memory");
		return EXIT_FAIL;
	}
	enforce_opts_default(cx->enf);
	return 0;
}

static int enf_opt(struct cmd_ctx *cx, int opt, const char *arg)
{
	struct enforce_opts *o = cx->enf;
	char err[ERRLEN];
	uint64_t v;
	char *end;

	switch (opt) {
	case OPT_ALLOW:
		if (allow_add(o->allow, &o->n_allow, arg, err, sizeof(err))) {
			log_warnx("--allow: %s", err);
			return -1;
		}
		return 1;
	case OPT_ALLOW_UNIT:
		return add_unit(o, arg, "--allow-unit") ? -1 : 1;
	case OPT_NFLOG_GROUP:
		if (util_parse_u64(arg, 0, 65535, &v)) {
			log_warnx("--nflog-group '%s': want 0-65535", arg);
			return -1;
		}
		o->nflog_group = (uint16_t)v;
		cx->enf_group_given = true;
		return 1;
	case OPT_AGENT_USER:
		if (!*arg || strlen(arg) >= sizeof(o->agent_user)) {
			log_warnx("--agent-user '%s': empty or too long", arg);
			return -1;
		}
		util_strlcpy(o->agent_user, arg, sizeof(o->agent_user));
		cx->enf_user_given = true;
		return 1;
	case OPT_DNS:
		if (o->n_safe >= ENFORCE_MAX_SAFE || !addr_parse(arg, &o->safe[o->n_safe])) {
			log_warnx("--dns '%s': not an address (or more than %d)", arg,
				  ENFORCE_MAX_SAFE);
			return -1;
		}
		o->n_safe++;
		return 1;
	case OPT_NO_RESOLV:
		o->resolv_conf = false;
		return 1;
	case OPT_CT_MARK:
		errno = 0;
		v = strtoull(arg, &end, 0);
		if (errno || *end || !v || v > UINT32_MAX) {
			log_warnx("--ct-mark '%s': want a non-zero 32-bit mask", arg);
			return -1;
		}
		o->ct_mark = (uint32_t)v;
		return 1;
	case OPT_CGROUP_ROOT:
		o->cgroup_root = arg;
		return 1;
	case OPT_MODE:
		/* monitor has no table of its own: only block and isolate. */
		if (strcmp(arg, "block") && strcmp(arg, "isolate")) {
			log_warnx("--mode '%s': want block or isolate", arg);
			return -1;
		}
		o->trip = !strcmp(arg, "isolate");
		cx->enf_mode_given = true;
		return 1;
	}
	return 0;
}

int cmd_opt_enforce_config(struct enforce_opts *o, const struct cordon_config *c,
			   bool user_given, bool group_given)
{
	char err[ERRLEN];

	for (size_t i = 0; i < c->lockdown.allow.n; i++)
		if (allow_add(o->allow, &o->n_allow, c->lockdown.allow.v[i], err,
			      sizeof(err))) {
			log_warnx("[lockdown] allow: %s", err);
			return EXIT_USAGE;
		}
	for (size_t i = 0; i < c->lockdown.allow_unit.n; i++)
		if (add_unit(o, c->lockdown.allow_unit.v[i], "[lockdown] allow_unit"))
			return EXIT_USAGE;
	if (!user_given && c->agent.user) {
		if (strlen(c->agent.user) >= sizeof(o->agent_user)) {
			log_warnx("[agent] user '%s': too long", c->agent.user);
			return EXIT_USAGE;
		}
		util_strlcpy(o->agent_user, c->agent.user, sizeof(o->agent_user));
	}
	if (!group_given)
		o->nflog_group = (uint16_t)c->agent.nflog_group;
	o->floor_v4 = (uint8_t)c->lists.floor_v4;
	o->floor_v6 = (uint8_t)c->lists.floor_v6;
	o->state_dir = c->agent.state_dir;
	return 0;
}

static int enf_load(struct cmd_ctx *cx)
{
	/* The kernel trips the lockdown itself only where the agent would. */
	if (!cx->enf_mode_given)
		cx->enf->trip = cx->cfg.agent.mode == CONFIG_MODE_ISOLATE &&
				cx->cfg.agent.kernel_trip;
	return cmd_opt_enforce_config(cx->enf, &cx->cfg, cx->enf_user_given,
				      cx->enf_group_given);
}

const struct cmd_ext cmd_opt_enforce = {
	.opts = opts,
	.usage = "[--allow ADDRESS[/LEN][:[PROTO/]PORT]]... [--allow-unit UNIT]...\n"
		 "       [--agent-user NAME|UID] [--nflog-group N] [--dns ADDRESS]...\n"
		 "       [--no-resolv-conf] [--ct-mark MASK] [--cgroup-root DIR]\n"
		 "       [--mode block|isolate]",
	.init = enf_init,
	.opt = enf_opt,
	.load = enf_load,
};

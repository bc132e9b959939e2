/* SPDX-License-Identifier: MIT */
/*
 * The config from the environment (DESIGN.md: `cordon respond` as a
 * Lambda function has no file): CORDON_<SECTION>_<KEY> for every option
 * of the one table, set through config_opt_set() exactly as a file line,
 * so a bad value reads the same as in a file.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_impl.h"

extern char **environ;

#define ENV_PREFIX "CORDON_"
#define ENV_NAME_MAX 96

/* "CORDON_" + SECTION + "_" + KEY, upper case. */
static void env_name(const struct config_opt *o, char *out, size_t len)
{
	snprintf(out, len, ENV_PREFIX "%s_%s", o->section, o->key);
	for (char *p = out; *p; p++)
		*p = (char)toupper((unsigned char)*p);
}

/* The section a variable names ("CORDON_CLOUD_..."), or NULL. */
static const char *section_of(const char *var, size_t namelen)
{
	for (size_t i = 0; config_sections[i]; i++) {
		size_t n = strlen(config_sections[i]), p = strlen(ENV_PREFIX);

		if (namelen <= p + n + 1 || var[p + n] != '_')
			continue;
		if (!strncasecmp(var + p, config_sections[i], n))
			return config_sections[i];
	}
	return NULL;
}

/* A list's value, split at commas; each piece set as one file line would be. */
static int set_list(struct cordon_config *c, const struct config_opt *o, const char *v,
		    char *why, size_t whylen)
{
	char *copy = strdup(v), *save = NULL, *tok;
	bool first = true;
	int rc = 0;

	if (!copy)
		return util_errc(-ENOMEM, why, whylen, "out of memory");
	if (!*v)
		rc = config_opt_set(c, o, "", true, why, whylen);
	for (tok = strtok_r(copy, ",", &save); !rc && tok; tok = strtok_r(NULL, ",", &save)) {
		rc = config_opt_set(c, o, tok, first, why, whylen);
		first = false;
	}
	free(copy);
	return rc;
}

/* One variable that names an option of a known section. */
static int apply_one(struct cordon_config *c, const char *var, char *err, size_t errlen)
{
	const char *eq = strchr(var, '='), *sec;
	char name[ENV_NAME_MAX], why[ERRLEN];
	size_t namelen;
	int rc;

	if (!eq)
		return 0;
	namelen = (size_t)(eq - var);
	sec = section_of(var, namelen);
	if (!sec)
		return 0;
	for (size_t i = 0; i < config_nopts; i++) {
		const struct config_opt *o = &config_opts[i];

		env_name(o, name, sizeof(name));
		if (strlen(name) != namelen || strncmp(name, var, namelen))
			continue;
		rc = o->type == CT_LIST ? set_list(c, o, eq + 1, why, sizeof(why)) :
					  config_opt_set(c, o, eq + 1, true, why, sizeof(why));
		if (rc)
			util_err(err, errlen, "%s: [%s] %s: %s", name, o->section, o->key, why);
		return rc;
	}
	/* As a file's unknown key: a typo must not pass as a default. */
	return util_err(err, errlen, "%.*s: unknown option in [%s] (cordon.conf(5) lists them)",
			(int)(namelen > 80 ? 80 : namelen), var, sec);
}

int config_apply_env(struct cordon_config *c, char *const *env, char *err, size_t errlen)
{
	char why[ERRLEN];
	int i, other, rc;

	if (!env)
		env = environ;
	for (; *env; env++) {
		if (strncmp(*env, ENV_PREFIX, strlen(ENV_PREFIX)))
			continue;
		rc = apply_one(c, *env, err, errlen);
		if (rc)
			return rc;
	}
	i = config_cross_check(c, &other, why, sizeof(why));
	if (i < 0)
		return 0;
	return util_err(err, errlen, "environment: [%s] %s: %s", config_opts[i].section,
			config_opts[i].key, why);
}

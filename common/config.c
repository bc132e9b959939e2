/* SPDX-License-Identifier: MIT */
/*
 * Values of config options: parsing text into struct cordon_config
 * through the table, printing it back in a form that parses to the same
 * value, defaults, help. Reading files is config_load.c.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_impl.h"

#define FIELD(c, o, T) ((T *)(void *)((char *)(c) + (o)->off))
#define CFIELD(c, o, T) ((const T *)(const void *)((const char *)(c) + (o)->off))

_Static_assert(sizeof(enum config_mode) == sizeof(unsigned),
	       "enum options are stored as unsigned");
_Static_assert(sizeof(enum config_dead_action) == sizeof(unsigned),
	       "enum options are stored as unsigned");

/* Units for sizes and durations, largest first. */
struct unit {
	const char *name;
	uint64_t mul;
};

static const struct unit size_units[] = {
	{ "T", 1ull << 40 }, { "G", 1ull << 30 }, { "M", 1ull << 20 },
	{ "K", 1ull << 10 }, { "", 1 },
};

static const struct unit dur_units[] = {
	{ "d", 86400000 }, { "h", 3600000 }, { "m", 60000 }, { "s", 1000 },
	{ "ms", 1 },
};

/* "123" then an optional unit; false on junk or overflow. */
static bool parse_scaled(const char *v, const struct unit *u, size_t nu,
			 bool size, uint64_t *out)
{
	size_t n = strspn(v, "0123456789");
	const char *suf = v + n;
	uint64_t num = 0, mul = 0;

	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (num > (UINT64_MAX - (uint64_t)(v[i] - '0')) / 10)
			return false;
		num = num * 10 + (uint64_t)(v[i] - '0');
	}
	if (!*suf) {
		/* A bare number is bytes, or seconds. */
		mul = size ? 1 : 1000;
	} else {
		for (size_t i = 0; i < nu && !mul; i++) {
			size_t l = strlen(u[i].name);

			if (!l || strncasecmp(suf, u[i].name, l))
				continue;
			/* Sizes also take KiB / KB spellings. */
			if (!suf[l] || (size && (!strcasecmp(suf + l, "iB") ||
						 !strcasecmp(suf + l, "B"))))
				mul = u[i].mul;
		}
		if (size && !strcasecmp(suf, "B"))
			mul = 1;
	}
	if (!mul || (num && num > UINT64_MAX / mul))
		return false;
	*out = num * mul;
	return true;
}

/* The largest unit that divides v exactly ("32M", "90s", "1500ms"). */
static const char *fmt_scaled(uint64_t v, const struct unit *u, size_t nu,
			      char *buf, size_t len)
{
	size_t i = 0;

	if (!v) {
		snprintf(buf, len, "0");
		return buf;
	}
	while (i + 1 < nu && v % u[i].mul)
		i++;
	snprintf(buf, len, "%llu%s", (unsigned long long)(v / u[i].mul),
		 u[i].name);
	return buf;
}

/* Durations in a file: bare seconds when whole, as DESIGN.md writes them. */
static const char *fmt_duration(uint64_t ms, char *buf, size_t len)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%llu", (unsigned long long)(ms / 1000));
	else
		snprintf(buf, len, "%llums", (unsigned long long)ms);
	return buf;
}

/* The shortest text that strtod() reads back to exactly d. */
static const char *fmt_double(double d, char *buf, size_t len)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	return buf;
}

static bool parse_double(const char *v, double *out)
{
	size_t n = strspn(v, "0123456789");

	/* Plain decimals only: no sign, exponent, hex, inf or nan. */
	if (n == 0 || n > 10)
		return false;
	if (v[n] == '.') {
		size_t f = strspn(v + n + 1, "0123456789");

		if (f == 0 || f > 10)
			return false;
		n += 1 + f;
	}
	if (v[n])
		return false;
	*out = strtod(v, NULL);
	return isfinite(*out);
}

static bool parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(v, yes[i]))
			return *out = true, true;
		if (!strcasecmp(v, no[i]))
			return *out = false, true;
	}
	return false;
}

/* Bounds of a numeric option, in its own notation, for messages and help. */
static void fmt_bounds(const struct config_opt *o, char *buf, size_t len)
{
	char lo[32], hi[32];

	switch (o->type) {
	case CT_SIZE:
		fmt_scaled(o->min, size_units, ARRAY_SIZE(size_units), lo, sizeof(lo));
		fmt_scaled(o->max, size_units, ARRAY_SIZE(size_units), hi, sizeof(hi));
		break;
	case CT_DURATION:
		fmt_scaled(o->min, dur_units, ARRAY_SIZE(dur_units), lo, sizeof(lo));
		fmt_scaled(o->max, dur_units, ARRAY_SIZE(dur_units), hi, sizeof(hi));
		break;
	case CT_DOUBLE:
		snprintf(lo, sizeof(lo), "%.1f", o->dmin);
		snprintf(hi, sizeof(hi), "%.1f", o->dmax);
		break;
	default:
		snprintf(lo, sizeof(lo), "%llu", (unsigned long long)o->min);
		snprintf(hi, sizeof(hi), "%llu", (unsigned long long)o->max);
		break;
	}
	snprintf(buf, len, "%s to %s", lo, hi);
}

/* "monitor, block, isolate" */
static const char *enum_names(const struct config_opt *o, const char *sep,
			      char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; o->names[i] && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? sep : "",
				      o->names[i]);
	return buf;
}

static void strv_clear(struct config_strv *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int list_add(struct cordon_config *c, const struct config_opt *o,
		    const char *v, char *why, size_t whylen)
{
	struct config_strv *l = FIELD(c, o, struct config_strv);
	char **nv, *s;

	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], v))
			return util_err(why, whylen, "'%s' is listed twice", v);
	if (l->n >= o->max)
		return util_err(why, whylen, "more than %llu values",
				(unsigned long long)o->max);
	s = strdup(v);
	nv = s ? realloc(l->v, (l->n + 1) * sizeof(*nv)) : NULL;
	if (!nv) {
		free(s);
		util_err(why, whylen, "out of memory");
		return -ENOMEM;
	}
	nv[l->n++] = s;
	l->v = nv;
	return 0;
}

/*
 * What every value must be, whatever its type: printable, and such that
 * config_print() writes it back unchanged (no edge blanks, nothing a
 * reader would take for a comment).
 */
static int check_text(const char *v, char *why, size_t whylen)
{
	size_t n = strlen(v);

	if (n > CONFIG_MAX_LINE)
		return util_err(why, whylen, "value is longer than %d bytes",
				CONFIG_MAX_LINE);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)v[i];

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return util_err(why, whylen,
					"control character 0x%02x in value", ch);
		/* "key = #x" would print as a comment. */
		if ((ch == ';' || ch == '#') &&
		    (!i || v[i - 1] == ' ' || v[i - 1] == '\t'))
			return util_err(why, whylen, i ?
					"'%c' after a blank starts a comment" :
					"'%c' at the start of a value reads as a comment",
					ch);
	}
	if (n && (v[0] == ' ' || v[0] == '\t' || v[n - 1] == ' ' || v[n - 1] == '\t'))
		return util_err(why, whylen, "blank at the edge of the value");
	return 0;
}

int config_opt_set(struct cordon_config *c, const struct config_opt *o,
		   const char *v, bool first, char *why, size_t whylen)
{
	uint64_t u = 0;
	double d = 0;
	bool b;
	char bounds[80];
	int rc;

	if ((rc = check_text(v, why, whylen)))
		return rc;
	if (!*v && o->type != CT_LIST && o->type != CT_STR)
		return util_err(why, whylen, "empty value");
	switch (o->type) {
	case CT_STR: {
		char **p = FIELD(c, o, char *), *s = NULL;

		if (!*v && !(o->flags & CF_EMPTY_OK))
			return util_err(why, whylen, "must not be empty");
		if (*v && o->check && !o->check(v, why, whylen))
			return -EINVAL;
		if (*v && !(s = strdup(v))) {
			util_err(why, whylen, "out of memory");
			return -ENOMEM;
		}
		free(*p);
		*p = s;
		return 0;
	}
	case CT_LIST:
		if (first || !*v)
			strv_clear(FIELD(c, o, struct config_strv));
		if (!*v)
			return 0;
		if (o->check && !o->check(v, why, whylen))
			return -EINVAL;
		return list_add(c, o, v, why, whylen);
	case CT_BOOL:
		if (!parse_bool(v, &b))
			return util_err(why, whylen,
					"'%s' is not a boolean (true or false)", v);
		*FIELD(c, o, bool) = b;
		return 0;
	case CT_ENUM:
		for (unsigned i = 0; o->names[i]; i++) {
			if (!strcasecmp(v, o->names[i])) {
				*FIELD(c, o, unsigned) = i;
				return 0;
			}
		}
		return util_err(why, whylen, "'%s' is not one of %s", v,
				enum_names(o, ", ", bounds, sizeof(bounds)));
	case CT_DOUBLE:
		if (!parse_double(v, &d))
			return util_err(why, whylen, "'%s' is not a number", v);
		if (d < o->dmin || d > o->dmax) {
			fmt_bounds(o, bounds, sizeof(bounds));
			return util_err(why, whylen, "%s is out of range (%s)", v,
					bounds);
		}
		*FIELD(c, o, double) = d;
		return 0;
	case CT_UINT:
		if (strspn(v, "0123456789") != strlen(v) ||
		    !parse_scaled(v, NULL, 0, true, &u))
			return util_err(why, whylen, "'%s' is not a whole number", v);
		break;
	case CT_SIZE:
		if (!parse_scaled(v, size_units, ARRAY_SIZE(size_units), true, &u))
			return util_err(why, whylen,
					"'%s' is not a size (a number, K, M or G)", v);
		break;
	case CT_DURATION:
		if (!parse_scaled(v, dur_units, ARRAY_SIZE(dur_units), false, &u))
			return util_err(why, whylen,
					"'%s' is not a duration (seconds, or a number and ms, s, m, h or d)",
					v);
		break;
	}
	if (u < o->min || u > o->max) {
		fmt_bounds(o, bounds, sizeof(bounds));
		return util_err(why, whylen, "%s is out of range (%s)", v, bounds);
	}
	if (o->type == CT_UINT)
		*FIELD(c, o, unsigned) = (unsigned)u;
	else
		*FIELD(c, o, uint64_t) = u;
	return 0;
}

void config_free(struct cordon_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < config_nopts; i++) {
		const struct config_opt *o = &config_opts[i];

		if (o->type == CT_STR)
			free(*FIELD(c, o, char *));
		else if (o->type == CT_LIST)
			strv_clear(FIELD(c, o, struct config_strv));
	}
	memset(c, 0, sizeof(*c));
}

int config_defaults(struct cordon_config *c)
{
	char why[ERRLEN];

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < config_nopts; i++) {
		const struct config_opt *o = &config_opts[i];
		int rc = config_opt_set(c, o, o->def ? o->def : "", true, why,
					sizeof(why));

		if (rc) {
			/* Only memory can fail here: test_config checks every default. */
			config_free(c);
			return rc == -ENOMEM ? -ENOMEM : -EINVAL;
		}
	}
	return 0;
}

int config_set(struct cordon_config *c, const char *section, const char *key,
	       const char *value, char *err, size_t errlen)
{
	int i = config_find(section, key), other, rc;
	char why[ERRLEN];

	if (i < 0)
		return util_err(err, errlen, "[%s] %s: unknown option", section, key);
	rc = config_opt_set(c, &config_opts[i], value, false, why, sizeof(why));
	if (!rc && (i = config_cross_check(c, &other, why, sizeof(why))) >= 0)
		rc = -EINVAL;
	if (rc)
		util_err(err, errlen, "[%s] %s: %s", config_opts[i].section,
			 config_opts[i].key, why);
	return rc;
}

/* The value of a single-valued option as config_print() writes it. */
static const char *fmt_value(const struct cordon_config *c,
			     const struct config_opt *o, char *buf, size_t len)
{
	switch (o->type) {
	case CT_STR: {
		const char *s = *CFIELD(c, o, char *const);

		return s ? s : "";
	}
	case CT_BOOL:
		return *CFIELD(c, o, bool) ? "true" : "false";
	case CT_ENUM:
		return o->names[*CFIELD(c, o, unsigned)];
	case CT_UINT:
		snprintf(buf, len, "%u", *CFIELD(c, o, unsigned));
		return buf;
	case CT_SIZE:
		return fmt_scaled(*CFIELD(c, o, uint64_t), size_units,
				  ARRAY_SIZE(size_units), buf, len);
	case CT_DURATION:
		return fmt_duration(*CFIELD(c, o, uint64_t), buf, len);
	case CT_DOUBLE:
		return fmt_double(*CFIELD(c, o, double), buf, len);
	case CT_LIST:
		break;
	}
	return "";
}

static void print_kv(FILE *f, const char *key, const char *v)
{
	if (*v)
		fprintf(f, "%s = %s\n", key, v);
	else
		fprintf(f, "%s =\n", key);
}

void config_print(const struct cordon_config *c, FILE *f)
{
	const char *section = NULL;
	char buf[64];

	fprintf(f, "# cordon configuration: every option, effective values\n");
	for (size_t i = 0; i < config_nopts; i++) {
		const struct config_opt *o = &config_opts[i];

		if (!section || strcmp(section, o->section))
			fprintf(f, "\n[%s]\n", o->section);
		section = o->section;
		if (o->type == CT_LIST) {
			const struct config_strv *l = CFIELD(c, o, struct config_strv);

			/* An empty value clears the list (and its default). */
			if (!l->n)
				print_kv(f, o->key, "");
			for (size_t j = 0; j < l->n; j++)
				print_kv(f, o->key, l->v[j]);
		} else {
			print_kv(f, o->key, fmt_value(c, o, buf, sizeof(buf)));
		}
	}
}

static const char *const type_names[] = {
	[CT_STR] = "string", [CT_BOOL] = "bool", [CT_UINT] = "uint",
	[CT_SIZE] = "size", [CT_DURATION] = "duration", [CT_DOUBLE] = "number",
	[CT_ENUM] = "enum", [CT_LIST] = "list",
};

/* "monitor|block|isolate", "SIZE (1M to 1G)", "[FORMAT:]LOCATION" */
static const char *fmt_syntax(const struct config_opt *o, char *buf, size_t len)
{
	static const char *const meta[] = {
		[CT_UINT] = "N", [CT_SIZE] = "SIZE", [CT_DURATION] = "DURATION",
		[CT_DOUBLE] = "N",
	};
	char bounds[80];

	switch (o->type) {
	case CT_STR:
	case CT_LIST:
		return o->arg ? o->arg : "STRING";
	case CT_BOOL:
		return "true|false";
	case CT_ENUM:
		return enum_names(o, "|", buf, len);
	default:
		fmt_bounds(o, bounds, sizeof(bounds));
		snprintf(buf, len, "%s (%s)", meta[o->type], bounds);
		return buf;
	}
}

/* Word-wrap text at 76 columns, each line indented. */
static void print_wrapped(FILE *f, const char *text, int indent)
{
	const char *p = text;

	while (*p) {
		size_t room = (size_t)(76 - indent), n = strlen(p), cut = n;

		if (n > room) {
			cut = room;
			while (cut > 0 && p[cut] != ' ')
				cut--;
			if (!cut)
				cut = strcspn(p, " ");
		}
		fprintf(f, "%*s%.*s\n", indent, "", (int)cut, p);
		p += cut;
		while (*p == ' ')
			p++;
	}
}

void config_help(FILE *f)
{
	const char *section = NULL;
	char syn[200];

	fprintf(f, "cordon.conf options (INI; ';' or '#' comments; see cordon.conf(5)):\n");
	for (size_t i = 0; i < config_nopts; i++) {
		const struct config_opt *o = &config_opts[i];

		if (!section || strcmp(section, o->section))
			fprintf(f, "\n[%s]\n", o->section);
		section = o->section;
		fprintf(f, "  %s = %s", o->key, fmt_syntax(o, syn, sizeof(syn)));
		if (o->flags & CF_REPEAT)
			fprintf(f, " (repeatable, up to %llu)",
				(unsigned long long)o->max);
		fputc('\n', f);
		/* A bare duration is seconds: say so. */
		fprintf(f, "      default: %s%s\n", o->def && *o->def ? o->def : "(empty)",
			o->type == CT_DURATION && o->def &&
			o->def[strspn(o->def, "0123456789")] == '\0' ? "s" : "");
		print_wrapped(f, o->help, 6);
	}
}

bool config_opt_info(size_t i, struct config_opt_info *out)
{
	if (i >= config_nopts)
		return false;
	out->section = config_opts[i].section;
	out->key = config_opts[i].key;
	out->type = type_names[config_opts[i].type];
	out->def = config_opts[i].def ? config_opts[i].def : "";
	out->help = config_opts[i].help;
	out->repeatable = config_opts[i].flags & CF_REPEAT;
	return true;
}

const char *config_findings_file(const struct cordon_config *c, char *buf,
				 size_t len)
{
	if (c->agent.findings_file)
		return c->agent.findings_file;
	snprintf(buf, len, "%s/findings.json", c->agent.state_dir);
	return buf;
}

/* SPDX-License-Identifier: MIT */
/*
 * The isolation contract's tags, read and written without a call: the
 * original groups split over as many 256-character values as they need
 * and put back together, and an instance's state. What comes in was
 * written by whoever may tag the resource, so everything is checked and
 * a doubt is an error, never a guess.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cloud_tags.h"

#define ORIG_LEN (sizeof(CLOUD_TAG_ORIG) - 1)

static const char *const known[] = {
	CLOUD_TAG_INCIDENT, CLOUD_TAG_STATUS, CLOUD_TAG_RELEASED, CLOUD_TAG_FINDING,
	CLOUD_TAG_FOLLOWED,
};

/* A value fit for an error message: control characters as '?', capped. */
static const char *shown(const char *v, char *buf, size_t len)
{
	size_t i;

	util_strlcpy(buf, v, len);
	for (i = 0; buf[i]; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = '?';
	if (strlen(v) >= len && len > 4)
		memcpy(buf + len - 4, "...", 4);
	return buf;
}

/* Every key under cordon:original-groups is kept, to be judged on join. */
static bool kept(const char *key)
{
	if (!strncmp(key, CLOUD_TAG_ORIG, ORIG_LEN))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(known); i++)
		if (!strcmp(key, known[i]))
			return true;
	return false;
}

static int orig_index(const char *key);

/* A key under cordon:original-groups that cordon does not write. */
static bool odd(const char *key)
{
	return !strncmp(key, CLOUD_TAG_ORIG, ORIG_LEN) &&
	       (strlen(key) > CLOUD_TAG_KEY_MAX || orig_index(key) < 0);
}

/*
 * What EC2 lets whoever may tag the resource write (the host itself, on
 * its instance and its interfaces) never fails the read, or the
 * off-host responder could not isolate that host: of the keys under
 * cordon:original-groups that cordon does not write only the first is
 * kept (the join names it), so the set cannot fill up, and a value over
 * 256 bytes (EC2 counts characters) is kept empty, which every reader
 * refuses as it refuses any broken value.
 */
int cloud_tags_add(struct cloud_tagset *ts, const char *key, const char *value, char *err,
		   size_t errlen)
{
	char s[48];

	if (!key || !value || !kept(key))
		return 0;
	if (odd(key)) {
		for (size_t i = 0; i < ts->n; i++)
			if (odd(ts->t[i].key))
				return 0;
	} else if (strlen(key) > CLOUD_TAG_KEY_MAX) {
		return util_err(err, errlen, "tag %s: key over %d bytes",
				shown(key, s, sizeof(s)), CLOUD_TAG_KEY_MAX);
	}
	if (strlen(value) > CLOUD_TAG_VALUE_MAX)
		value = "";
	if (cloud_tags_get(ts, key))
		return util_err(err, errlen, "tag %s: there twice", shown(key, s, sizeof(s)));
	if (ts->n == CLOUD_TAGSET_MAX) {
		util_err(err, errlen, "tag %s: more than %d cordon tags on one resource",
			 shown(key, s, sizeof(s)), CLOUD_TAGSET_MAX);
		return -EFBIG;
	}
	util_strlcpy(ts->t[ts->n].key, key, sizeof(ts->t[0].key));
	util_strlcpy(ts->t[ts->n].value, value, sizeof(ts->t[0].value));
	ts->n++;
	return 1;
}

const char *cloud_tags_get(const struct cloud_tagset *ts, const char *key)
{
	for (size_t i = 0; i < ts->n; i++)
		if (!strcmp(ts->t[i].key, key))
			return ts->t[i].value;
	return NULL;
}

/* "sg-" and letters or digits, as EC2 names a security group. */
static bool group_ok(const char *g, size_t len)
{
	if (len < 4 || len >= CLOUD_ID_LEN || strncmp(g, "sg-", 3))
		return false;
	for (size_t i = 3; i < len; i++)
		if (!((g[i] >= '0' && g[i] <= '9') || (g[i] >= 'a' && g[i] <= 'z') ||
		      (g[i] >= 'A' && g[i] <= 'Z')))
			return false;
	return true;
}

/* The keys in list order; CLOUD_ORIG_TAGS_MAX of them. */
static const char *const orig_keys[] = {
	CLOUD_TAG_ORIG, CLOUD_TAG_ORIG "-2", CLOUD_TAG_ORIG "-3", CLOUD_TAG_ORIG "-4",
	CLOUD_TAG_ORIG "-5", CLOUD_TAG_ORIG "-6", CLOUD_TAG_ORIG "-7", CLOUD_TAG_ORIG "-8",
};
_Static_assert(ARRAY_SIZE(orig_keys) == CLOUD_ORIG_TAGS_MAX, "one key per tag");

void cloud_tags_orig_keys(const char *keys[CLOUD_ORIG_TAGS_MAX])
{
	for (size_t i = 0; i < CLOUD_ORIG_TAGS_MAX; i++)
		keys[i] = orig_keys[i];
}

/* Every id a security group id, none twice; 0 or -EINVAL. */
static int check_groups(const char *const groups[], size_t n, char *err, size_t errlen)
{
	char s[48];

	if (!n || n > CLOUD_MAX_GROUPS)
		return util_err(err, errlen, "original groups: %zu ids (1..%d allowed)", n,
				CLOUD_MAX_GROUPS);
	for (size_t i = 0; i < n; i++) {
		if (!groups[i] || !group_ok(groups[i], strlen(groups[i])))
			return util_err(err, errlen, "original groups: id %zu \"%s\" is not a "
					"security group id", i + 1,
					shown(groups[i] ? groups[i] : "", s, sizeof(s)));
		for (size_t j = 0; j < i; j++)
			if (!strcmp(groups[i], groups[j]))
				return util_err(err, errlen, "original groups: %s listed twice",
						groups[i]);
	}
	return 0;
}

int cloud_tags_split_groups(const char *const groups[], size_t n, struct cloud_orig_tags *out,
			    char *err, size_t errlen)
{
	int ret;

	memset(out, 0, sizeof(*out));
	ret = check_groups(groups, n, err, errlen);
	if (ret)
		return ret;
	/* Greedy: 16 ids of at most 63 characters fill 4 values of 256. */
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(groups[i]), cur = out->n ? strlen(out->value[out->n - 1]) : 0;

		if (!out->n || cur + 1 + l > CLOUD_TAG_VALUE_MAX) {
			util_strlcpy(out->key[out->n], orig_keys[out->n], sizeof(out->key[0]));
			memcpy(out->value[out->n], groups[i], l + 1);
			out->n++;
		} else {
			out->value[out->n - 1][cur] = ',';
			memcpy(out->value[out->n - 1] + cur + 1, groups[i], l + 1);
		}
	}
	return 0;
}

/* The position (0-based) a key holds in the list, or -1 if it is not one. */
static int orig_index(const char *key)
{
	const char *p = key + ORIG_LEN;
	uint64_t v;

	if (!*p)
		return 0;
	if (*p != '-' || p[1] == '0' || util_parse_u64(p + 1, 2, CLOUD_ORIG_TAGS_MAX, &v))
		return -1;
	return (int)v - 1;
}

/* Append the ids of one value; 0 or -EINVAL with err filled. */
static int join_value(const char *key, const char *v, char groups[][CLOUD_ID_LEN], size_t *n,
		      char *err, size_t errlen)
{
	char s[48];
	const char *p = v;

	if (!*v)
		return util_err(err, errlen, "tag %s is empty", key);
	for (;;) {
		size_t l = strcspn(p, ",");

		if (!group_ok(p, l))
			return util_err(err, errlen, "tag %s: \"%s\" is not a comma-separated list "
					"of security group ids", key, shown(v, s, sizeof(s)));
		if (*n == CLOUD_MAX_GROUPS)
			return util_err(err, errlen, "tag %s: more than %d groups in all", key,
					CLOUD_MAX_GROUPS);
		memcpy(groups[*n], p, l);
		groups[*n][l] = '\0';
		for (size_t j = 0; j < *n; j++)
			if (!strcmp(groups[j], groups[*n]))
				return util_err(err, errlen, "tag %s: %s listed twice", key,
						groups[*n]);
		(*n)++;
		if (!p[l])
			return 0;
		p += l + 1;
	}
}

int cloud_tags_join_groups(const struct cloud_tagset *ts, char groups[CLOUD_MAX_GROUPS][CLOUD_ID_LEN],
			   size_t *n, char *err, size_t errlen)
{
	const char *val[CLOUD_ORIG_TAGS_MAX] = { 0 };
	size_t have = 0;
	char s[48];
	int ret = 0;

	*n = 0;
	for (size_t i = 0; i < ts->n; i++) {
		int k;

		if (strncmp(ts->t[i].key, CLOUD_TAG_ORIG, ORIG_LEN))
			continue;
		k = orig_index(ts->t[i].key);
		if (k < 0)
			return util_err(err, errlen, "tag %s: not a key cordon writes (%s, %s-2 .. "
					"%s-%d)", shown(ts->t[i].key, s, sizeof(s)), CLOUD_TAG_ORIG,
					CLOUD_TAG_ORIG, CLOUD_TAG_ORIG, CLOUD_ORIG_TAGS_MAX);
		val[k] = ts->t[i].value;
		have++;
	}
	if (!have)
		return -ENOENT;
	for (size_t k = 0; k < have; k++) {
		const char *key = orig_keys[k];

		if (!val[k]) {
			ret = util_err(err, errlen, "tag %s is missing while %zu original-groups "
				       "tags are there", key, have);
			break;
		}
		ret = join_value(key, val[k], groups, n, err, errlen);
		if (ret)
			break;
	}
	if (ret)
		*n = 0;
	return ret;
}

const char *cloud_tags_status_name(enum cloud_status s)
{
	switch (s) {
	case CLOUD_STATUS_INSTALLED: return "installed";
	case CLOUD_STATUS_INSTALL_FAILED: return "install-failed";
	case CLOUD_STATUS_ISOLATED: return "isolated";
	case CLOUD_STATUS_RELEASED: return "released";
	case CLOUD_STATUS_NONE: break;
	}
	return "none";
}

/* An id or time: [A-Za-z0-9._:-], 1..len-1 characters. */
static bool token_ok(const char *s, size_t n, size_t len)
{
	if (!n || n >= len)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || strchr("-._:", s[i])))
			return false;
	return true;
}

static int token_tag(const struct cloud_tagset *ts, const char *key, char *out, size_t len,
		     char *err, size_t errlen)
{
	const char *v = cloud_tags_get(ts, key);
	char s[48];

	out[0] = '\0';
	if (!v)
		return 0;
	if (!token_ok(v, strlen(v), len))
		return util_err(err, errlen, "tag %s: \"%s\" is not an id", key,
				shown(v, s, sizeof(s)));
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

/* "TIME" or "INCIDENT TIME". */
static int released_tag(const struct cloud_tagset *ts, struct cloud_isolation *o, char *err,
			size_t errlen)
{
	const char *v = cloud_tags_get(ts, CLOUD_TAG_RELEASED), *sp;
	char s[48];

	if (!v)
		return 0;
	sp = strchr(v, ' ');
	if (sp && token_ok(v, (size_t)(sp - v), sizeof(o->released_incident)) &&
	    token_ok(sp + 1, strlen(sp + 1), sizeof(o->released_at))) {
		memcpy(o->released_incident, v, (size_t)(sp - v));
		o->released_incident[sp - v] = '\0';
		util_strlcpy(o->released_at, sp + 1, sizeof(o->released_at));
		return 0;
	}
	if (!sp && token_ok(v, strlen(v), sizeof(o->released_at))) {
		util_strlcpy(o->released_at, v, sizeof(o->released_at));
		return 0;
	}
	return util_err(err, errlen, "tag %s: \"%s\" is not \"[INCIDENT ]TIME\"",
			CLOUD_TAG_RELEASED, shown(v, s, sizeof(s)));
}

int cloud_tags_isolation(const struct cloud_tagset *ts, struct cloud_isolation *out, char *err,
			 size_t errlen)
{
	static const enum cloud_status st[] = {
		CLOUD_STATUS_INSTALLED, CLOUD_STATUS_INSTALL_FAILED, CLOUD_STATUS_ISOLATED,
		CLOUD_STATUS_RELEASED,
	};
	const char *v = cloud_tags_get(ts, CLOUD_TAG_STATUS);
	char s[48];
	int ret;

	memset(out, 0, sizeof(*out));
	if (v) {
		size_t i;

		for (i = 0; i < ARRAY_SIZE(st); i++)
			if (!strcmp(v, cloud_tags_status_name(st[i])))
				break;
		if (i == ARRAY_SIZE(st))
			return util_err(err, errlen, "tag %s: \"%s\" is none of installed, "
					"install-failed, isolated, released", CLOUD_TAG_STATUS, shown(v, s, sizeof(s)));
		out->status = st[i];
	}
	ret = token_tag(ts, CLOUD_TAG_INCIDENT, out->incident, sizeof(out->incident), err, errlen);
	if (!ret)
		ret = token_tag(ts, CLOUD_TAG_FINDING, out->finding, sizeof(out->finding), err,
				errlen);
	if (!ret)
		ret = released_tag(ts, out, err, errlen);
	if (ret)
		memset(out, 0, sizeof(*out));
	return ret;
}

/* SPDX-License-Identifier: MIT */
/*
 * The model the journal replays into: incidents, and per incident every
 * action under its idempotency key with its latest state. The same field
 * checks run before a record is written and when it is replayed, so what
 * the writer accepts the reader understands.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "journal_impl.h"

enum rtype { R_OPEN, R_STATUS, R_CLOSE, R_ACTION, R_JOINED, R_UNKNOWN };

/* A record's fields, checked; strings point into the cJSON tree. */
struct rec {
	enum rtype type;
	const char *incident, *at, *reason, *status;
	const char *action, *target, *error;
	enum journal_astate astate;
	unsigned attempt;
	const cJSON *finding, *params, *result;
};

static const char *str_field(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool printable(const char *s, size_t max)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || n + 1 >= max)
			return false;
	return true;
}

static bool name_ok(const char *s)
{
	if (!*s || strlen(s) >= JOURNAL_NAME_LEN)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '_'))
			return false;
	return true;
}

static int rec_parse(const cJSON *o, struct rec *r, char *err, size_t errlen)
{
	const char *type, *st;
	const cJSON *v;

	memset(r, 0, sizeof(*r));
	if (!cJSON_IsObject(o))
		return util_err(err, errlen, "not a JSON object");
	type = str_field(o, "type");
	if (!type)
		return util_err(err, errlen, "field \"type\" missing");
	r->incident = str_field(o, "incident");
	if (!r->incident || !*r->incident ||
	    !printable(r->incident, JOURNAL_ID_LEN))
		return util_err(err, errlen, "field \"incident\" missing or bad");
	r->at = str_field(o, "at");
	if (r->at && !printable(r->at, UTIL_TIMESTAMP_LEN))
		return util_err(err, errlen, "field \"at\" bad");
	r->reason = str_field(o, "reason");
	if (!strcmp(type, "incident_open")) {
		r->type = R_OPEN;
		r->finding = cJSON_GetObjectItemCaseSensitive(o, "finding");
	} else if (!strcmp(type, "incident_status")) {
		r->type = R_STATUS;
		r->status = str_field(o, "status");
		if (!r->status || !name_ok(r->status))
			return util_err(err, errlen, "field \"status\" missing or bad");
	} else if (!strcmp(type, "incident_close")) {
		r->type = R_CLOSE;
	} else if (!strcmp(type, "finding_joined")) {
		r->type = R_JOINED;
		v = cJSON_GetObjectItemCaseSensitive(o, "finding");
		if (!cJSON_IsString(v) || !printable(v->valuestring, JOURNAL_ID_LEN * 2))
			return util_err(err, errlen, "field \"finding\" missing or bad");
	} else if (!strcmp(type, "action")) {
		r->type = R_ACTION;
		r->action = str_field(o, "action");
		if (!r->action || !name_ok(r->action))
			return util_err(err, errlen, "field \"action\" missing or bad");
		r->target = str_field(o, "key");
		if (!r->target || !*r->target ||
		    !printable(r->target, JOURNAL_KEY_LEN - strlen(r->action) - 1))
			return util_err(err, errlen, "field \"key\" missing or bad");
		st = str_field(o, "state");
		if (st && !strcmp(st, "intent"))
			r->astate = JOURNAL_INTENT;
		else if (st && !strcmp(st, "done"))
			r->astate = JOURNAL_DONE;
		else if (st && !strcmp(st, "failed"))
			r->astate = JOURNAL_FAILED;
		else
			return util_err(err, errlen, "field \"state\" missing or bad");
		r->params = cJSON_GetObjectItemCaseSensitive(o, "params");
		r->result = cJSON_GetObjectItemCaseSensitive(o, "result");
		r->error = str_field(o, "error");
		v = cJSON_GetObjectItemCaseSensitive(o, "attempt");
		if (v && (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
			  v->valuedouble > 1e9))
			return util_err(err, errlen, "field \"attempt\" bad");
		r->attempt = v ? (unsigned)v->valuedouble : 0;
	} else {
		r->type = R_UNKNOWN;
	}
	if (r->reason && !printable(r->reason, JOURNAL_TEXT_LEN * 4))
		return util_err(err, errlen, "field \"reason\" bad");
	return 0;
}

int journal_rec_check(const cJSON *rec, char *err, size_t errlen)
{
	struct rec r;

	return rec_parse(rec, &r, err, errlen);
}

/* Copy a one-line text, cutting it to the field. */
static void text_copy(char *dst, const char *src, size_t len)
{
	size_t i = 0;

	for (; src && src[i] && i + 1 < len; i++)
		dst[i] = (unsigned char)src[i] < 0x20 ? ' ' : src[i];
	dst[i] = '\0';
}

static void incident_free(struct journal_incident *inc)
{
	for (size_t i = 0; i < inc->n_actions; i++) {
		cJSON_Delete(inc->actions[i].params);
		cJSON_Delete(inc->actions[i].result);
	}
	free(inc->actions);
	cJSON_Delete(inc->finding);
}

void journal_state_free(struct journal_state *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->n_inc; i++)
		incident_free(&st->inc[i]);
	free(st->inc);
	memset(st, 0, sizeof(*st));
}

static struct journal_incident *inc_find(const struct journal_state *st,
					 const char *id)
{
	/* Newest first: a reused id means the latest incident. */
	for (size_t i = st->n_inc; i-- > 0;)
		if (!strcmp(st->inc[i].id, id))
			return &st->inc[i];
	return NULL;
}

/* Forget the oldest closed incident to stay under the cap. */
static bool inc_drop_closed(struct journal_state *st)
{
	for (size_t i = 0; i < st->n_inc; i++) {
		if (!st->inc[i].closed)
			continue;
		incident_free(&st->inc[i]);
		memmove(&st->inc[i], &st->inc[i + 1],
			(st->n_inc - i - 1) * sizeof(st->inc[0]));
		st->n_inc--;
		st->dropped++;
		return true;
	}
	return false;
}

static int inc_add(struct journal_state *st, const char *id,
		   struct journal_incident **out)
{
	struct journal_incident *inc;

	if (st->n_inc >= JOURNAL_MAX_INCIDENTS && !inc_drop_closed(st))
		return -E2BIG;
	if (st->n_inc == st->cap_inc) {
		size_t cap = st->cap_inc ? st->cap_inc * 2 : 4;
		void *p = realloc(st->inc, cap * sizeof(*st->inc));

		if (!p)
			return -ENOMEM;
		st->inc = p;
		st->cap_inc = cap;
	}
	inc = &st->inc[st->n_inc++];
	memset(inc, 0, sizeof(*inc));
	text_copy(inc->id, id, sizeof(inc->id));
	text_copy(inc->status, "open", sizeof(inc->status));
	*out = inc;
	return 0;
}

static struct journal_action *act_find(const struct journal_incident *inc,
				       const char *action, const char *target)
{
	size_t alen = strlen(action);

	for (size_t i = 0; i < inc->n_actions; i++) {
		const char *k = inc->actions[i].key;

		if (!strncmp(k, action, alen) && k[alen] == ':' &&
		    !strcmp(k + alen + 1, target))
			return &inc->actions[i];
	}
	return NULL;
}

static int act_add(struct journal_incident *inc, const struct rec *r,
		   struct journal_action **out)
{
	struct journal_action *a;

	if (inc->n_actions >= JOURNAL_MAX_ACTIONS)
		return -E2BIG;
	if (inc->n_actions == inc->cap_actions) {
		size_t cap = inc->cap_actions ? inc->cap_actions * 2 : 8;
		void *p = realloc(inc->actions, cap * sizeof(*inc->actions));

		if (!p)
			return -ENOMEM;
		inc->actions = p;
		inc->cap_actions = cap;
		/* target points into key: fix after the move */
		for (size_t i = 0; i < inc->n_actions; i++)
			inc->actions[i].target = inc->actions[i].key +
				strlen(inc->actions[i].action) + 1;
	}
	a = &inc->actions[inc->n_actions++];
	memset(a, 0, sizeof(*a));
	text_copy(a->action, r->action, sizeof(a->action));
	snprintf(a->key, sizeof(a->key), "%s:%s", r->action, r->target);
	a->target = a->key + strlen(a->action) + 1;
	*out = a;
	return 0;
}

/* Replace *dst with a copy of src (NULL src keeps *dst). */
static int json_keep(cJSON **dst, const cJSON *src)
{
	cJSON *c;

	if (!src)
		return 0;
	c = cJSON_Duplicate(src, 1);
	if (!c)
		return -ENOMEM;
	cJSON_Delete(*dst);
	*dst = c;
	return 0;
}

static int apply_action(struct journal_incident *inc, const struct rec *r,
			uint64_t seq)
{
	struct journal_action *a = act_find(inc, r->action, r->target);
	int rc;

	if (!a) {
		rc = act_add(inc, r, &a);
		if (rc)
			return rc;
	}
	a->state = r->astate;
	a->seq = seq;
	text_copy(a->at, r->at, sizeof(a->at));
	switch (r->astate) {
	case JOURNAL_INTENT:
		a->attempts++;
		/* Keep the first: a retry may see the world already changed. */
		return a->params ? 0 : json_keep(&a->params, r->params);
	case JOURNAL_DONE:
		a->error[0] = '\0';
		return json_keep(&a->result, r->result);
	case JOURNAL_FAILED:
		text_copy(a->error, r->error ? r->error : "unknown error",
			  sizeof(a->error));
		if (r->attempt > a->attempts)
			a->attempts = r->attempt;
		return 0;
	}
	return 0;
}

int journal_state_apply(struct journal_state *st, uint64_t seq,
			const cJSON *o, char *err, size_t errlen)
{
	struct journal_incident *inc;
	struct rec r;
	int rc;

	rc = rec_parse(o, &r, err, errlen);
	if (rc)
		goto bad;
	if (r.type == R_UNKNOWN) {
		st->unknown++;
		return 0;
	}
	inc = inc_find(st, r.incident);
	if (r.type == R_OPEN && inc && inc->closed)
		inc = NULL; /* the id is reused: a new incident */
	if (!inc) {
		rc = inc_add(st, r.incident, &inc);
		if (rc) {
			util_err(err, errlen, "incident %s: %s", r.incident,
				 rc == -E2BIG ? "too many open incidents" :
				 strerror(-rc));
			goto bad;
		}
		inc->implicit = r.type != R_OPEN;
	}
	switch (r.type) {
	case R_OPEN:
		/* A repeated open (replayed after a crash) changes nothing. */
		if (!inc->opened_at[0])
			text_copy(inc->opened_at, r.at, sizeof(inc->opened_at));
		if (!inc->reason[0])
			text_copy(inc->reason, r.reason, sizeof(inc->reason));
		inc->implicit = false;
		if (!inc->finding)
			rc = json_keep(&inc->finding, r.finding);
		break;
	case R_STATUS:
		if (!inc->closed)
			text_copy(inc->status, r.status, sizeof(inc->status));
		break;
	case R_CLOSE:
		inc->closed = true;
		text_copy(inc->status, "closed", sizeof(inc->status));
		text_copy(inc->closed_at, r.at, sizeof(inc->closed_at));
		text_copy(inc->close_reason, r.reason, sizeof(inc->close_reason));
		break;
	case R_JOINED:
		inc->findings_joined++;
		break;
	case R_ACTION:
		rc = apply_action(inc, &r, seq);
		if (rc)
			util_err(err, errlen, "incident %s action %s:%s: %s",
				 r.incident, r.action, r.target,
				 rc == -E2BIG ? "too many actions" : strerror(-rc));
		break;
	case R_UNKNOWN:
		break;
	}
	if (!rc)
		return 0;
bad:
	if (!st->invalid && err)
		snprintf(st->first_invalid, sizeof(st->first_invalid),
			 "seq %llu: %s", (unsigned long long)seq, err);
	st->invalid++;
	return rc == -ENOMEM ? rc : -EINVAL;
}

struct load_ctx {
	struct journal_state *st;
};

static int load_rec(const struct journal_rec *r, void *arg)
{
	struct journal_state *st = ((struct load_ctx *)arg)->st;
	char e[ERRLEN] = "";
	cJSON *o;
	int rc;

	if (r->kind != JOURNAL_REC_OK)
		return 0;
	o = cJSON_ParseWithLength(r->payload, r->payload_len);
	if (!o) {
		if (!st->invalid)
			snprintf(st->first_invalid, sizeof(st->first_invalid),
				 "seq %llu at offset %llu: not JSON",
				 (unsigned long long)r->seq,
				 (unsigned long long)r->off);
		st->invalid++;
		return 0;
	}
	rc = journal_state_apply(st, r->seq, o, e, sizeof(e));
	cJSON_Delete(o);
	return rc == -ENOMEM ? rc : 0;
}

int journal_state_replay_fd(int fd, struct journal_state *st, char *err,
			    size_t errlen)
{
	struct load_ctx c = { st };
	int rc;

	memset(st, 0, sizeof(*st));
	rc = journal_read_fd(fd, load_rec, &c, &st->scan, err, errlen);
	if (rc == -ENOMEM)
		util_err(err, errlen, "journal: out of memory");
	return rc;
}

int journal_state_follow_fd(int fd, uint64_t from, struct journal_state *st,
			    struct journal_scan *sc, char *err, size_t errlen)
{
	struct load_ctx c = { st };
	int rc = journal_read_fd_from(fd, from, load_rec, &c, sc, err, errlen);

	if (rc == -ENOMEM)
		util_err(err, errlen, "journal: out of memory");
	return rc;
}

int journal_state_load(const char *dir, struct journal_state *st, char *err,
		       size_t errlen)
{
	struct load_ctx c = { st };
	int rc;

	memset(st, 0, sizeof(*st));
	rc = journal_read(dir, load_rec, &c, &st->scan, err, errlen);
	if (rc == -ENOMEM)
		util_err(err, errlen, "journal: out of memory");
	if (rc)
		journal_state_free(st); /* nothing half-replayed */
	return rc;
}

const struct journal_incident *journal_state_open_incident(const struct journal_state *st)
{
	for (size_t i = st->n_inc; i-- > 0;)
		if (!st->inc[i].closed)
			return &st->inc[i];
	return NULL;
}

const struct journal_incident *journal_state_incident(const struct journal_state *st,
						      const char *id)
{
	return inc_find(st, id);
}

const struct journal_action *journal_state_action(const struct journal_state *st,
						  const char *incident,
						  const char *action,
						  const char *target)
{
	const struct journal_incident *inc = inc_find(st, incident);

	return inc ? act_find(inc, action, target) : NULL;
}

size_t journal_pending(const struct journal_state *st, const char *incident,
		       const struct journal_action **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < st->n_inc; i++) {
		const struct journal_incident *inc = &st->inc[i];

		if (inc->closed || (incident && strcmp(inc->id, incident)))
			continue;
		for (size_t k = 0; k < inc->n_actions; k++) {
			if (inc->actions[k].state == JOURNAL_DONE)
				continue;
			if (n < max)
				out[n] = &inc->actions[k];
			n++;
		}
	}
	return n;
}

const char *journal_astate_name(enum journal_astate s)
{
	switch (s) {
	case JOURNAL_INTENT: return "intent";
	case JOURNAL_DONE: return "done";
	case JOURNAL_FAILED: return "failed";
	}
	return "?";
}

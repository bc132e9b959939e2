/* SPDX-License-Identifier: MIT */
/*
 * The CSV formats. One RFC 4180 reader (quoted fields with commas, doubled
 * quotes and line breaks; spaces around fields, as GuardDuty's own samples
 * have them) serves three column layouts:
 *
 *   otx_csv      Indicator type,Indicator,Description
 *                IPv4,203.0.113.7,C2 server
 *   proof_point  ip, category, score, first_seen, last_seen, ports (|)
 *                203.0.113.7, 1, 100, 2026-01-01, 2026-01-02, 443|8443
 *   fire_eye     reportId, title, ..., cidr, domain, ..., ip, port, ...
 *                (iSIGHT export: the ip and cidr columns are found by name)
 *
 * A line whose first non-blank character is '#' is a comment.
 */
#include <errno.h>
#include <string.h>

#include "list_impl.h"

#define CSV_MAXF 256    /* fields kept per record; more are counted only */
#define CSV_FIELDLEN 256 /* an unescaped field we look at (an address) */

struct csv_field {
	const char *p;
	size_t n;
	bool dq; /* quoted and holds doubled quotes: unescape before use */
};

struct csv_rec {
	size_t nf;    /* fields kept */
	size_t total; /* fields seen */
	uint32_t line; /* line the record starts on */
	struct csv_field f[CSV_MAXF];
};

struct csv {
	const char *buf;
	size_t len, pos;
	uint32_t line; /* current physical line */
};

static void csv_newline(struct csv *r)
{
	if (r->line != UINT32_MAX)
		r->line++;
}

static bool csv_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* Skip the rest of the current physical line. */
static void csv_skip_line(struct csv *r)
{
	const char *nl = memchr(r->buf + r->pos, '\n', r->len - r->pos);

	r->pos = nl ? (size_t)(nl - r->buf) + 1 : r->len;
	csv_newline(r);
}

/*
 * A quoted field starting at the opening quote. Returns false when the
 * quote never closes (the record then runs to the end of the input).
 */
static bool csv_quoted(struct csv *r, struct csv_field *f)
{
	size_t i = ++r->pos;

	f->p = r->buf + i;
	f->dq = false;
	for (;;) {
		const char *q = memchr(r->buf + i, '"', r->len - i);

		/* Count the line breaks the field spans. */
		for (const char *s = r->buf + i; s < (q ? q : r->buf + r->len); s++) {
			s = memchr(s, '\n', (size_t)((q ? q : r->buf + r->len) - s));
			if (!s)
				break;
			csv_newline(r);
		}
		if (!q) {
			r->pos = r->len;
			return false;
		}
		i = (size_t)(q - r->buf) + 1;
		if (i < r->len && r->buf[i] == '"') {
			f->dq = true;
			i++;
			continue;
		}
		f->n = (size_t)(q - f->p);
		r->pos = i;
		return true;
	}
}

/*
 * Read one record. Returns 1 for a record, 0 at the end, -1 for a broken
 * one (*why says how; the reader has moved past it).
 */
static int csv_next(struct csv *r, struct csv_rec *rec, const char **why)
{
	for (;;) {
		size_t i = r->pos;

		if (i >= r->len)
			return 0;
		while (i < r->len && (csv_blank(r->buf[i]) || r->buf[i] == '\r'))
			i++;
		if (i < r->len && r->buf[i] != '\n' && r->buf[i] != '#')
			break;
		csv_skip_line(r); /* blank line or comment */
	}
	rec->nf = rec->total = 0;
	rec->line = r->line + 1;
	for (;;) {
		struct csv_field f = { 0 };
		char ch = 0;

		while (r->pos < r->len && csv_blank(r->buf[r->pos]))
			r->pos++;
		if (r->pos < r->len && r->buf[r->pos] == '"') {
			if (!csv_quoted(r, &f)) {
				*why = "unterminated quoted field";
				return -1;
			}
			while (r->pos < r->len && (csv_blank(r->buf[r->pos]) ||
						   r->buf[r->pos] == '\r'))
				r->pos++;
			if (r->pos < r->len && r->buf[r->pos] != ',' && r->buf[r->pos] != '\n') {
				*why = "text after a closing quote";
				csv_skip_line(r);
				return -1;
			}
		} else {
			size_t start = r->pos;

			while (r->pos < r->len && r->buf[r->pos] != ',' && r->buf[r->pos] != '\n')
				r->pos++;
			f.p = r->buf + start;
			f.n = r->pos - start;
			while (f.n && (csv_blank(f.p[f.n - 1]) || f.p[f.n - 1] == '\r'))
				f.n--;
		}
		if (rec->nf < CSV_MAXF)
			rec->f[rec->nf++] = f;
		rec->total++;
		if (r->pos < r->len)
			ch = r->buf[r->pos++];
		if (ch != ',') {
			if (ch == '\n')
				csv_newline(r);
			return 1;
		}
	}
}

/* Field i of rec, unescaped into buf when needed; NULL when absent. */
static const char *csv_get(const struct csv_rec *rec, size_t i, char *buf, size_t *n)
{
	const struct csv_field *f;
	size_t o = 0;

	if (i >= rec->nf)
		return NULL;
	f = &rec->f[i];
	*n = f->n;
	if (!f->dq)
		return f->p;
	for (size_t k = 0; k < f->n && o < CSV_FIELDLEN - 1; k++) {
		buf[o++] = f->p[k];
		if (f->p[k] == '"')
			k++; /* the second of a doubled quote */
	}
	*n = o;
	return buf;
}

static bool csv_field_is(const struct csv_rec *rec, size_t i, const char *name)
{
	char buf[CSV_FIELDLEN];
	const char *s;
	size_t n;

	s = csv_get(rec, i, buf, &n);
	if (!s)
		return false;
	lst_trim(&s, &n);
	return lst_ieq(s, n, name);
}

static int csv_find(const struct csv_rec *rec, const char *name)
{
	for (size_t i = 0; i < rec->nf; i++)
		if (csv_field_is(rec, i, name))
			return (int)i;
	return -1;
}

/* Take field i of rec as an entry; a missing or empty field is bad. */
static int csv_take(struct lst *c, const struct csv_rec *rec, size_t i)
{
	char buf[CSV_FIELDLEN];
	const char *s;
	size_t n;

	s = csv_get(rec, i, buf, &n);
	if (!s) {
		lst_bad(c, rec->line, "%zu fields, expected at least %zu", rec->total, i + 1);
		return 0;
	}
	return lst_take(c, s, n, rec->line);
}

/* Layout-specific handling of one record; returns 0 or fatal -errno. */
typedef int (*csv_row_fn)(struct lst *c, const struct csv_rec *rec, void *arg);

/*
 * Run row over every record. A broken record counts as bad; the header,
 * if hdr says this is one, goes to hdr instead of row.
 */
static int csv_walk(struct lst *c, const char *buf, size_t len,
		    int (*hdr)(struct lst *c, const struct csv_rec *rec, void *arg, bool *is),
		    csv_row_fn row, void *arg)
{
	struct csv r = { .buf = buf, .len = len };
	struct csv_rec rec;
	bool first = true;

	for (;;) {
		const char *why = NULL;
		int got = csv_next(&r, &rec, &why), rc;

		if (!got)
			return 0;
		if (got < 0) {
			lst_record(c);
			lst_bad(c, rec.line, "%s", why);
			continue;
		}
		if (first) {
			bool is = false;

			first = false;
			rc = hdr(c, &rec, arg, &is);
			if (rc)
				return rc;
			if (is)
				continue;
		}
		lst_record(c);
		rc = row(c, &rec, arg);
		if (rc)
			return rc;
	}
}

/* ---- otx_csv ---- */

struct otx {
	size_t type, value;
};

static int otx_header(struct lst *c, const struct csv_rec *rec, void *arg, bool *is)
{
	struct otx *o = arg;
	int t, v;

	(void)c;
	t = csv_find(rec, "indicator type");
	if (t < 0)
		t = csv_find(rec, "type");
	v = csv_find(rec, "indicator");
	if (t < 0 || v < 0)
		return 0; /* no header: the default columns 0 and 1 */
	o->type = (size_t)t;
	o->value = (size_t)v;
	*is = true;
	return 0;
}

static int otx_row(struct lst *c, const struct csv_rec *rec, void *arg)
{
	const struct otx *o = arg;
	char tb[CSV_FIELDLEN], vb[CSV_FIELDLEN], q[64], q2[64];
	const char *t, *v;
	size_t tn, vn;
	struct cd_prefix p;
	bool masked;

	t = csv_get(rec, o->type, tb, &tn);
	v = csv_get(rec, o->value, vb, &vn);
	if (!t || !v) {
		lst_bad(c, rec->line, "%zu fields, expected at least %zu", rec->total,
			(o->type > o->value ? o->type : o->value) + 1);
		return 0;
	}
	lst_trim(&t, &tn);
	lst_trim(&v, &vn);
	if (lst_ieq(t, tn, "ipv4") || lst_ieq(t, tn, "ipv6") || lst_ieq(t, tn, "cidr")) {
		if (lst_classify(v, vn, &p, &masked) != LST_TOK_ADDR) {
			lst_bad(c, rec->line, "%s indicator %s is not an address",
				lst_quote(t, tn, q2, sizeof(q2)), lst_quote(v, vn, q, sizeof(q)));
			return 0;
		}
		return lst_take(c, v, vn, rec->line);
	}
	if (!tn) {
		lst_bad(c, rec->line, "empty indicator type");
		return 0;
	}
	if (lst_ieq(t, tn, "domain") || lst_ieq(t, tn, "domain name") ||
	    lst_ieq(t, tn, "hostname"))
		c->l->st.domains++;
	else
		c->l->st.skipped++; /* URL, FileHash-*, email, CVE... */
	return 0;
}

int lst_parse_otx_csv(struct lst *c, const char *buf, size_t len)
{
	struct otx o = { .type = 0, .value = 1 };

	return csv_walk(c, buf, len, otx_header, otx_row, &o);
}

/* ---- proof_point ---- */

static int pp_header(struct lst *c, const struct csv_rec *rec, void *arg, bool *is)
{
	(void)c;
	(void)arg;
	*is = csv_field_is(rec, 0, "ip") || csv_field_is(rec, 0, "domain");
	return 0;
}

static int pp_row(struct lst *c, const struct csv_rec *rec, void *arg)
{
	(void)arg;
	return csv_take(c, rec, 0);
}

int lst_parse_proof_point(struct lst *c, const char *buf, size_t len)
{
	return csv_walk(c, buf, len, pp_header, pp_row, NULL);
}

/* ---- fire_eye ---- */

struct fe {
	int ip, cidr, domain;
};

static int fe_header(struct lst *c, const struct csv_rec *rec, void *arg, bool *is)
{
	struct fe *fe = arg;

	fe->ip = csv_find(rec, "ip");
	fe->cidr = csv_find(rec, "cidr");
	fe->domain = csv_find(rec, "domain");
	if (fe->ip < 0 && fe->cidr < 0)
		return lst_fail(c, -EINVAL, rec->line,
				"no 'ip' or 'cidr' column in the header (is this a FireEye iSIGHT CSV?)");
	*is = true;
	return 0;
}

static bool fe_empty(const struct csv_rec *rec, int i)
{
	char buf[CSV_FIELDLEN];
	const char *s;
	size_t n;

	if (i < 0)
		return true;
	s = csv_get(rec, (size_t)i, buf, &n);
	if (!s)
		return true;
	lst_trim(&s, &n);
	return n == 0;
}

static int fe_row(struct lst *c, const struct csv_rec *rec, void *arg)
{
	const struct fe *fe = arg;
	int need = fe->ip > fe->cidr ? fe->ip : fe->cidr, rc;
	bool any = false;

	if (rec->total <= (size_t)need) {
		lst_bad(c, rec->line, "%zu fields, the header has the address at field %d",
			rec->total, need + 1);
		return 0;
	}
	/* A row may carry both a network and one host of it: keep both. */
	if (!fe_empty(rec, fe->cidr)) {
		any = true;
		rc = csv_take(c, rec, (size_t)fe->cidr);
		if (rc)
			return rc;
	}
	if (!fe_empty(rec, fe->ip)) {
		any = true;
		rc = csv_take(c, rec, (size_t)fe->ip);
		if (rc)
			return rc;
	}
	if (!any) {
		if (!fe_empty(rec, fe->domain))
			c->l->st.domains++;
		else
			c->l->st.skipped++; /* a file hash, URL or e-mail indicator */
	}
	return 0;
}

int lst_parse_fire_eye(struct lst *c, const char *buf, size_t len)
{
	struct fe fe = { -1, -1, -1 };

	return csv_walk(c, buf, len, fe_header, fe_row, &fe);
}

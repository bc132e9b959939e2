/* SPDX-License-Identifier: MIT */
/*
 * STIX 1.x (XML) lists. What GuardDuty reads from them, and so do we:
 *
 *   <cybox:Properties xsi:type="AddressObj:AddressObjectType" category="ipv4-addr">
 *     <AddressObj:Address_Value condition="Equals">203.0.113.7</AddressObj:Address_Value>
 *   ...
 *     <AddressObj:Address_Value condition="InclusiveBetween"
 *       >192.0.2.200##comma##192.0.2.207</AddressObj:Address_Value>
 *   ...
 *   <cybox:Properties xsi:type="DomainNameObj:DomainNameObjectType">
 *     <DomainNameObj:Value>bad.example.com</DomainNameObj:Value>
 *
 * Namespace prefixes vary between producers, so elements are matched on
 * their local name (expat in namespace mode). A value may be a list
 * joined by the CybOX delimiter ("##comma##" unless the element's
 * delimiter attribute says otherwise); an InclusiveBetween pair is a range,
 * turned into the fewest prefixes that cover it.
 *
 * Hostile input: common/xmlsafe.c refuses a DOCTYPE (and so every entity
 * declaration), never loads an external entity, caps nesting and size.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "list_impl.h"
#include "xmlsafe.h"

#define STIX_NS_SEP '\n'          /* cannot survive attribute normalisation */
#define STIX_MAXDEPTH 64
#define STIX_DELIM_DEFAULT "##comma##"
#define XSI_TYPE "http://www.w3.org/2001/XMLSchema-instance\ntype"

enum stix_cat { CAT_NONE, CAT_IP, CAT_OTHER };
enum stix_obj { OBJ_NONE, OBJ_ADDR, OBJ_DOMAIN, OBJ_URI, OBJ_OTHER };
enum stix_val { VAL_NONE, VAL_ADDR, VAL_DOMAIN, VAL_SKIP };
enum stix_cond { COND_EQUALS, COND_RANGE, COND_OTHER };

struct stix {
	struct lst *c;
	XML_Parser p;
	int rc;              /* fatal error raised from a callback */
	unsigned depth;                 /* xmlsafe keeps it <= STIX_MAXDEPTH */
	uint8_t cat[STIX_MAXDEPTH + 1]; /* category in force at each depth */
	uint8_t obj[STIX_MAXDEPTH + 1]; /* object type in force at each depth */
	size_t n_values;     /* value elements seen */
	/* The value element being read. */
	enum stix_val val;
	unsigned val_depth;
	enum stix_cond cond;
	char cond_name[32];
	char delim[32];
	uint32_t val_line;
	char *text;
	size_t tlen, tcap;
};

static const char *local_name(const char *name)
{
	const char *s = strrchr(name, STIX_NS_SEP);

	return s ? s + 1 : name;
}

static uint32_t stix_line(const struct stix *s)
{
	XML_Size n = XML_GetCurrentLineNumber(s->p);

	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

static void stix_stop(struct stix *s, int rc)
{
	if (!s->rc)
		s->rc = rc;
	XML_StopParser(s->p, XML_FALSE);
}

static enum stix_cat cat_of(const char *v)
{
	static const char *const ip[] = {
		"ipv4-addr", "ipv6-addr", "cidr", "ipv4-net", "ipv6-net",
	};
	static const char *const other[] = {
		"e-mail", "mac", "asn", "atm", "ext-value", "ipv4-netmask", "ipv6-netmask",
	};

	for (size_t i = 0; i < ARRAY_SIZE(ip); i++)
		if (lst_ieq(v, strlen(v), ip[i]))
			return CAT_IP;
	for (size_t i = 0; i < ARRAY_SIZE(other); i++)
		if (lst_ieq(v, strlen(v), other[i]))
			return CAT_OTHER;
	return CAT_IP; /* unknown: let the value speak for itself */
}

/* xsi:type="AnyPrefix:AddressObjectType" */
static enum stix_obj obj_of(const char *v)
{
	const char *t = strrchr(v, ':');

	t = t ? t + 1 : v;
	if (!strcmp(t, "AddressObjectType"))
		return OBJ_ADDR;
	if (!strcmp(t, "DomainNameObjectType"))
		return OBJ_DOMAIN;
	if (!strcmp(t, "URIObjectType"))
		return OBJ_URI;
	return OBJ_OTHER;
}

static void XMLCALL stix_start(void *arg, const XML_Char *name, const XML_Char **atts)
{
	struct stix *s = arg;
	const char *ln = local_name(name), *cond = NULL, *delim = NULL;
	unsigned d;

	if (s->rc)
		return;
	d = ++s->depth;
	s->cat[d] = s->cat[d - 1];
	s->obj[d] = s->obj[d - 1];
	for (size_t i = 0; atts[i]; i += 2) {
		if (!strcmp(atts[i], "category"))
			s->cat[d] = (uint8_t)cat_of(atts[i + 1]);
		else if (!strcmp(atts[i], XSI_TYPE))
			s->obj[d] = (uint8_t)obj_of(atts[i + 1]);
		else if (!strcmp(atts[i], "condition"))
			cond = atts[i + 1];
		else if (!strcmp(atts[i], "delimiter"))
			delim = atts[i + 1];
	}
	if (s->val != VAL_NONE)
		return; /* nothing nests inside a value; ignore if it does */
	if (!strcmp(ln, "Address_Value"))
		s->val = s->cat[d] == CAT_OTHER ? VAL_SKIP : VAL_ADDR;
	else if (!strcmp(ln, "Value") && s->obj[d] == OBJ_DOMAIN)
		s->val = VAL_DOMAIN;
	else if (!strcmp(ln, "Value") && s->obj[d] == OBJ_URI)
		s->val = VAL_SKIP;
	else
		return;
	s->n_values++;
	s->val_depth = d;
	s->val_line = stix_line(s);
	s->tlen = 0;
	s->cond = COND_EQUALS;
	s->cond_name[0] = '\0';
	if (cond && strcmp(cond, "Equals")) {
		s->cond = strcmp(cond, "InclusiveBetween") ? COND_OTHER : COND_RANGE;
		util_strlcpy(s->cond_name, cond, sizeof(s->cond_name));
	}
	util_strlcpy(s->delim, delim && *delim && strlen(delim) < sizeof(s->delim) ?
		     delim : STIX_DELIM_DEFAULT, sizeof(s->delim));
}

static void XMLCALL stix_text(void *arg, const XML_Char *txt, int len)
{
	struct stix *s = arg;

	if (s->rc || s->val == VAL_NONE || len <= 0)
		return;
	if (s->tlen + (size_t)len > s->tcap) {
		size_t ncap = s->tcap ? s->tcap : 256;
		char *t;

		while (ncap < s->tlen + (size_t)len)
			ncap *= 2;
		t = realloc(s->text, ncap);
		if (!t) {
			stix_stop(s, lst_fail(s->c, -ENOMEM, s->val_line, "out of memory"));
			return;
		}
		s->text = t;
		s->tcap = ncap;
	}
	memcpy(s->text + s->tlen, txt, (size_t)len);
	s->tlen += (size_t)len;
}

static void stix_trim(const char **p, size_t *n)
{
	while (*n && (**p == ' ' || **p == '\t' || **p == '\r' || **p == '\n')) {
		(*p)++;
		(*n)--;
	}
	while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t' ||
		      (*p)[*n - 1] == '\r' || (*p)[*n - 1] == '\n'))
		(*n)--;
}

/*
 * The next non-empty item of the value text, split on the delimiter;
 * *pos starts at 0. A list of one is just the value.
 */
static bool stix_item(const struct stix *s, size_t *pos, const char **t, size_t *n)
{
	size_t dl = strlen(s->delim);

	while (s->tlen && *pos <= s->tlen) {
		const char *p = s->text + *pos;
		const char *d = memmem(p, s->tlen - *pos, s->delim, dl);
		size_t len = d ? (size_t)(d - p) : s->tlen - *pos;

		*pos = d ? *pos + len + dl : s->tlen + 1;
		*t = p;
		*n = len;
		stix_trim(t, n);
		if (*n)
			return true;
	}
	return false;
}

struct range_ctx {
	struct lst *c;
	uint32_t line;
};

static int range_cb(const struct cd_prefix *p, void *arg)
{
	struct range_ctx *r = arg;

	return lst_add(r->c, p, r->line);
}

static bool stix_host(const char *t, size_t n, struct cd_addr *a)
{
	struct cd_prefix p;
	bool masked;

	if (memchr(t, '/', n) || lst_classify(t, n, &p, &masked) != LST_TOK_ADDR)
		return false;
	*a = p.a;
	return true;
}

static int stix_range(struct stix *s)
{
	struct range_ctx r = { s->c, s->val_line };
	const char *it[2];
	size_t itn[2], total = 0, pos = 0;
	const char *t;
	size_t n;
	struct cd_addr lo, hi;
	char q[64];

	lst_record(s->c);
	while (stix_item(s, &pos, &t, &n)) {
		if (total < 2) {
			it[total] = t;
			itn[total] = n;
		}
		total++;
	}
	if (total != 2) {
		lst_bad(s->c, s->val_line, "InclusiveBetween needs two addresses, found %zu",
			total);
		return 0;
	}
	for (int i = 0; i < 2; i++) {
		if (!stix_host(it[i], itn[i], i ? &hi : &lo)) {
			lst_bad(s->c, s->val_line, "range bound %s is not an IP address",
				lst_quote(it[i], itn[i], q, sizeof(q)));
			return 0;
		}
	}
	if (lo.af != hi.af) {
		lst_bad(s->c, s->val_line, "range mixes IPv4 and IPv6");
		return 0;
	}
	if (addr_cmp(&lo, &hi) > 0) {
		lst_bad(s->c, s->val_line, "range starts after it ends");
		return 0;
	}
	s->c->l->st.ranges++;
	return prefix_range(&lo, &hi, range_cb, &r);
}

/* One value element is complete: use every item of its text. */
static int stix_value(struct stix *s)
{
	size_t pos = 0, items = 0, n;
	const char *t;
	char q[64], q2[64];
	int rc;

	if (s->val == VAL_ADDR && s->cond == COND_RANGE)
		return stix_range(s);
	while (stix_item(s, &pos, &t, &n)) {
		items++;
		lst_record(s->c);
		if (s->val == VAL_DOMAIN) {
			s->c->l->st.domains++;
		} else if (s->val == VAL_SKIP) {
			s->c->l->st.skipped++;
		} else if (s->cond == COND_OTHER) {
			lst_bad(s->c, s->val_line, "condition %s is not supported (%s)",
				lst_quote(s->cond_name, strlen(s->cond_name), q, sizeof(q)),
				lst_quote(t, n, q2, sizeof(q2)));
		} else {
			rc = lst_take(s->c, t, n, s->val_line);
			if (rc)
				return rc;
		}
	}
	if (!items && s->val == VAL_ADDR) {
		lst_record(s->c);
		lst_bad(s->c, s->val_line, "empty Address_Value");
	}
	return 0;
}

static void XMLCALL stix_end(void *arg, const XML_Char *name)
{
	struct stix *s = arg;
	int rc;

	(void)name;
	if (s->rc)
		return;
	if (s->val != VAL_NONE && s->depth == s->val_depth) {
		rc = stix_value(s);
		s->val = VAL_NONE;
		if (rc) {
			stix_stop(s, rc);
			return;
		}
	}
	if (s->depth)
		s->depth--;
}

int lst_parse_stix(struct lst *c, const char *buf, size_t len)
{
	struct stix s = { .c = c };
	struct xmlsafe_opts xo = {
		.max_depth = STIX_MAXDEPTH,
		.max_bytes = c->lim->max_bytes,
		.ns_sep = STIX_NS_SEP,
		.start = stix_start, .end = stix_end, .text = stix_text,
		.ud = &s,
	};
	struct xmlsafe *xs = NULL;
	char why[ERRLEN];
	int rc;

	if (xmlsafe_new(&xo, &xs))
		return lst_fail(c, -ENOMEM, 0, "out of memory");
	s.p = xmlsafe_parser(xs);
	rc = xmlsafe_parse(xs, buf, len, why, sizeof(why));
	if (s.rc) {
		rc = s.rc;
	} else if (rc && xmlsafe_refused(xs)) {
		/* DTD, depth, size: bad input like any other. */
		rc = lst_fail(c, -EINVAL, stix_line(&s), "%s", why);
	} else if (rc) {
		rc = lst_fail(c, -EINVAL, stix_line(&s), "XML error: %s (column %lu)", why,
			      xmlsafe_column(xs));
	} else if (!s.n_values) {
		rc = lst_fail(c, -EINVAL, 0,
			      "no entries (no CybOX Address_Value in this STIX document)");
	}
	free(s.text);
	xmlsafe_free(xs);
	return rc;
}

/* SPDX-License-Identifier: MIT */
/* expat hardened once for every parser of outside XML (xmlsafe.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The billion laughs limits are declared only for a DTD-capable expat. */
#ifndef XML_DTD
#define XML_DTD
#endif
#include "xmlsafe.h"

#define XMLSAFE_CHUNK ((size_t)1 << 20)
/* Output bytes per input byte past which expat itself gives up. */
#define XMLSAFE_AMPLIFICATION 4.0f
#define XMLSAFE_AMP_THRESHOLD (1ull << 20)

struct xmlsafe {
	XML_Parser p;
	struct xmlsafe_opts o;
	unsigned depth;
	int rc;             /* our own refusal, 0: none */
	char why[96];
};

static void __printf(3, 4) refuse(struct xmlsafe *x, int rc, const char *fmt, ...)
{
	va_list ap;

	if (!x->rc) {
		x->rc = rc;
		va_start(ap, fmt);
		vsnprintf(x->why, sizeof(x->why), fmt, ap);
		va_end(ap);
	}
	XML_StopParser(x->p, XML_FALSE);
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attr)
{
	struct xmlsafe *x = ud;

	if (x->rc)
		return;
	if (x->depth >= x->o.max_depth) {
		refuse(x, -EFBIG, "XML nested deeper than %u elements", x->o.max_depth);
		return;
	}
	x->depth++;
	if (x->o.start)
		x->o.start(x->o.ud, name, attr);
}

/* expat may still call this after a stop: not once we refused. */
static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	struct xmlsafe *x = ud;

	if (x->rc)
		return;
	if (x->o.end)
		x->o.end(x->o.ud, name);
	if (x->depth)
		x->depth--;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	struct xmlsafe *x = ud;

	if (!x->rc && x->o.text)
		x->o.text(x->o.ud, s, len);
}

/* Called before the internal subset is read: no entity gets declared. */
static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
			       const XML_Char *pubid, int has_internal)
{
	(void)name, (void)sysid, (void)pubid, (void)has_internal;
	refuse(ud, -EINVAL, "DOCTYPE is not allowed (a DTD: entity expansion risk)");
}

static void XMLCALL on_entity(void *ud, const XML_Char *name, int is_param,
			      const XML_Char *value, int value_len, const XML_Char *base,
			      const XML_Char *sysid, const XML_Char *pubid,
			      const XML_Char *notation)
{
	(void)name, (void)is_param, (void)value, (void)value_len, (void)base;
	(void)sysid, (void)pubid, (void)notation;
	refuse(ud, -EINVAL, "entity declarations are not allowed");
}

int xmlsafe_new(const struct xmlsafe_opts *o, struct xmlsafe **out)
{
	struct xmlsafe *x = calloc(1, sizeof(*x));

	*out = NULL;
	if (!x)
		return -ENOMEM;
	x->o = *o;
	if (!x->o.max_depth)
		x->o.max_depth = XMLSAFE_MAX_DEPTH;
	if (!x->o.max_bytes)
		x->o.max_bytes = XMLSAFE_MAX_BYTES;
	x->p = o->ns_sep ? XML_ParserCreateNS(NULL, o->ns_sep) : XML_ParserCreate("UTF-8");
	if (!x->p) {
		free(x);
		return -ENOMEM;
	}
	XML_SetUserData(x->p, x);
	XML_SetElementHandler(x->p, on_start, on_end);
	XML_SetCharacterDataHandler(x->p, on_text);
	XML_SetStartDoctypeDeclHandler(x->p, on_doctype);
	XML_SetEntityDeclHandler(x->p, on_entity);
	XML_SetParamEntityParsing(x->p, XML_PARAM_ENTITY_PARSING_NEVER);
#if XML_MAJOR_VERSION > 2 || (XML_MAJOR_VERSION == 2 && XML_MINOR_VERSION >= 4)
	XML_SetBillionLaughsAttackProtectionMaximumAmplification(x->p, XMLSAFE_AMPLIFICATION);
	XML_SetBillionLaughsAttackProtectionActivationThreshold(x->p, XMLSAFE_AMP_THRESHOLD);
#endif
	*out = x;
	return 0;
}

void xmlsafe_free(struct xmlsafe *x)
{
	if (!x)
		return;
	XML_ParserFree(x->p);
	free(x);
}

XML_Parser xmlsafe_parser(struct xmlsafe *x)
{
	return x->p;
}

unsigned long xmlsafe_line(const struct xmlsafe *x)
{
	return (unsigned long)XML_GetCurrentLineNumber(x->p);
}

unsigned long xmlsafe_column(const struct xmlsafe *x)
{
	return (unsigned long)XML_GetCurrentColumnNumber(x->p) + 1;
}

bool xmlsafe_refused(const struct xmlsafe *x)
{
	return x->rc != 0;
}

int xmlsafe_parse(struct xmlsafe *x, const char *buf, size_t len, char *why, size_t whylen)
{
	size_t off = 0;

	if (len > x->o.max_bytes) {
		x->rc = -EFBIG;
		util_err(why, whylen, "XML document larger than %zu bytes", x->o.max_bytes);
		return -EFBIG;
	}
	for (;;) {
		size_t n = len - off < XMLSAFE_CHUNK ? len - off : XMLSAFE_CHUNK;
		bool final = off + n == len;

		if (XML_Parse(x->p, buf + off, (int)n, final) != XML_STATUS_OK) {
			if (x->rc) {
				util_err(why, whylen, "%s", x->why);
				return x->rc;
			}
			if (XML_GetErrorCode(x->p) == XML_ERROR_ABORTED)
				return -ECANCELED;
			util_err(why, whylen, "%s", XML_ErrorString(XML_GetErrorCode(x->p)));
			return -EINVAL;
		}
		off += n;
		if (final)
			return 0;
	}
}

void xmlsafe_stop(struct xmlsafe_walk *w, int ret, const char *fmt, ...)
{
	va_list ap;

	if (!w->ret) {
		w->ret = ret;
		va_start(ap, fmt);
		vsnprintf(w->why, sizeof(w->why), fmt, ap);
		va_end(ap);
	}
	XML_StopParser(w->p, XML_FALSE);
}

const char *xmlsafe_local_name(const char *name)
{
	const char *c = strrchr(name, ':');

	return c ? c + 1 : name;
}

int xmlsafe_walk(const struct xmlsafe_opts *o, const char *what, const char *xml,
		 size_t len, char *err, size_t errlen)
{
	struct xmlsafe_walk *w = o->ud;
	struct xmlsafe *xs = NULL;
	char why[ERRLEN];
	int rc = xmlsafe_new(o, &xs);

	if (rc)
		return rc;
	w->p = xmlsafe_parser(xs);
	rc = xmlsafe_parse(xs, xml, len, why, sizeof(why));
	if (w->ret)
		rc = util_errc(w->ret, err, errlen, "%s XML line %lu: %s", what,
			       xmlsafe_line(xs), w->why);
	else if (rc)
		util_err(err, errlen, "%s XML line %lu: %s", what, xmlsafe_line(xs), why);
	xmlsafe_free(xs);
	return rc;
}

int xmlsafe_path_push(struct xmlsafe_path *p, struct xmlsafe_walk *w, const char *name)
{
	const char *ln = xmlsafe_local_name(name);
	size_t l = strlen(ln), cur;

	if (p->depth == XMLSAFE_DEPTH_MAX) {
		xmlsafe_stop(w, -EFBIG, "elements nested too deep");
		return -1;
	}
	cur = strlen(p->path);
	p->off[p->depth] = cur;
	/* The root element is not part of the path. */
	if (p->depth > 0) {
		if (cur + 1 + l >= sizeof(p->path)) {
			xmlsafe_stop(w, -EFBIG, "element path too long at <%.40s>", ln);
			return -1;
		}
		if (cur)
			p->path[cur++] = '/';
		memcpy(p->path + cur, ln, l + 1);
	}
	p->depth++;
	p->text[0] = '\0';
	p->text_len = 0;
	p->text_long = false;
	return 0;
}

void xmlsafe_path_pop(struct xmlsafe_path *p)
{
	if (!p->depth)
		return;
	p->depth--;
	p->path[p->off[p->depth]] = '\0';
	/* Text between siblings belongs to no leaf. */
	p->text[0] = '\0';
	p->text_len = 0;
	p->text_long = false;
}

void xmlsafe_path_text(struct xmlsafe_path *p, const char *s, int len)
{
	if (len <= 0 || p->text_long)
		return;
	if (p->text_len + (size_t)len >= sizeof(p->text)) {
		p->text_long = true;
		p->text[0] = '\0';
		p->text_len = 0;
		return;
	}
	memcpy(p->text + p->text_len, s, (size_t)len);
	p->text_len += (size_t)len;
	p->text[p->text_len] = '\0';
}

bool xmlsafe_path_at(const struct xmlsafe_path *p, const char *path)
{
	return !strcmp(p->path, path);
}

/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "aws_xml.h"
#include "buf.h"

#define XML_MAX_DEPTH 32
#define XML_MAX_NAME 64
#define XML_MAX_PATH 8
#define XML_MAX_TEXT (64 * 1024)

struct xml_ctx {
	XML_Parser p;
	char want[XML_MAX_PATH][XML_MAX_NAME]; /* path components */
	size_t n_want;
	char stack[XML_MAX_DEPTH][XML_MAX_NAME];
	size_t depth;       /* elements open */
	size_t too_deep;    /* elements open beyond the stack */
	size_t capture;     /* depth at which we capture text, 0: none */
	struct buf text;
	aws_xml_cb cb;
	void *cb_ctx;
	int ret;
	const char *why;
};

static const char *local_name(const char *name)
{
	const char *c = strrchr(name, ':');

	return c ? c + 1 : name;
}

static void stop(struct xml_ctx *x, int ret, const char *why)
{
	if (!x->ret) {
		x->ret = ret;
		x->why = why;
	}
	XML_StopParser(x->p, XML_FALSE);
}

static bool stack_matches(const struct xml_ctx *x)
{
	if (x->too_deep || x->depth < x->n_want)
		return false;
	for (size_t i = 0; i < x->n_want; i++)
		if (strcmp(x->stack[x->depth - x->n_want + i], x->want[i]))
			return false;
	return true;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attr)
{
	struct xml_ctx *x = ud;
	const char *ln = local_name(name);

	(void)attr;
	if (x->depth == XML_MAX_DEPTH) {
		if (++x->too_deep > 1000)
			stop(x, -EFBIG, "elements nested too deep");
		return;
	}
	util_strlcpy(x->stack[x->depth], ln, XML_MAX_NAME);
	x->depth++;
	if (!x->capture && stack_matches(x)) {
		x->capture = x->depth;
		buf_reset(&x->text);
	}
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	struct xml_ctx *x = ud;

	(void)name;
	if (x->too_deep) {
		x->too_deep--;
		return;
	}
	if (x->capture && x->capture == x->depth) {
		int r;

		x->capture = 0;
		/* Make sure text.p is not NULL for an empty element. */
		if (buf_add(&x->text, "", 0))
			return stop(x, -ENOMEM, "out of memory");
		r = x->cb(x->cb_ctx, buf_str(&x->text), x->text.len);
		if (r)
			return stop(x, r, NULL);
	}
	if (x->depth)
		x->depth--;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	struct xml_ctx *x = ud;

	/* Only the matched element's own text, and its children's. */
	if (x->capture && len > 0 && buf_add(&x->text, s, (size_t)len))
		stop(x, -EFBIG, "element text too long");
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
			       const XML_Char *pubid, int has_internal)
{
	(void)name, (void)sysid, (void)pubid, (void)has_internal;
	stop(ud, -EINVAL, "DTD not allowed");
}

static void XMLCALL on_entity(void *ud, const XML_Char *name, int is_param,
			      const XML_Char *value, int value_len,
			      const XML_Char *base, const XML_Char *sysid,
			      const XML_Char *pubid, const XML_Char *notation)
{
	(void)name, (void)is_param, (void)value, (void)value_len, (void)base;
	(void)sysid, (void)pubid, (void)notation;
	stop(ud, -EINVAL, "entity declarations not allowed");
}

int aws_xml_each(const char *xml, size_t len, const char *path, aws_xml_cb cb,
		 void *ctx, char *err, size_t errlen)
{
	struct xml_ctx *x;
	const char *p = path;
	int ret = 0;

	if (len > (size_t)INT32_MAX)
		return util_err(err, errlen, "XML: document too large"), -EFBIG;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	while (*p) {
		size_t l = strcspn(p, "/");

		if (!l || l >= XML_MAX_NAME || x->n_want == XML_MAX_PATH) {
			ret = -EINVAL;
			goto out;
		}
		memcpy(x->want[x->n_want++], p, l);
		p += l + (p[l] == '/');
	}
	if (!x->n_want) {
		ret = -EINVAL;
		goto out;
	}
	buf_init(&x->text, XML_MAX_TEXT);
	x->cb = cb;
	x->cb_ctx = ctx;
	x->p = XML_ParserCreate("UTF-8");
	if (!x->p) {
		ret = -ENOMEM;
		goto out;
	}
	XML_SetUserData(x->p, x);
	XML_SetElementHandler(x->p, on_start, on_end);
	XML_SetCharacterDataHandler(x->p, on_text);
	XML_SetStartDoctypeDeclHandler(x->p, on_doctype);
	XML_SetEntityDeclHandler(x->p, on_entity);
	if (XML_Parse(x->p, xml, (int)len, XML_TRUE) == XML_STATUS_ERROR && !x->ret) {
		util_err(err, errlen, "XML line %lu: %s",
			 (unsigned long)XML_GetCurrentLineNumber(x->p),
			 XML_ErrorString(XML_GetErrorCode(x->p)));
		ret = -EINVAL;
	} else if (x->ret) {
		ret = x->ret;
		if (x->why)
			util_err(err, errlen, "XML line %lu: %s",
				 (unsigned long)XML_GetCurrentLineNumber(x->p), x->why);
	}
	XML_ParserFree(x->p);
	buf_free(&x->text);
out:
	free(x);
	return ret;
}

struct first_ctx {
	char *out;
	size_t outlen;
	bool found;
};

/* Stops the parse at the first match (1 is not an errno value). */
static int take_first(void *ctx, const char *text, size_t len)
{
	struct first_ctx *f = ctx;

	(void)len;
	util_strlcpy(f->out, text, f->outlen);
	f->found = true;
	return 1;
}

int aws_xml_first(const char *xml, size_t len, const char *path, char *out,
		  size_t outlen, char *err, size_t errlen)
{
	struct first_ctx f = { out, outlen, false };
	int ret;

	if (outlen)
		out[0] = '\0';
	ret = aws_xml_each(xml, len, path, take_first, &f, err, errlen);
	if (ret == 1 || (ret == 0 && f.found))
		return 0;
	return ret ? ret : -ENOENT;
}

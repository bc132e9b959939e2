/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "aws_xml.h"
#include "buf.h"
#include "xmlsafe.h"

#define XML_MAX_DEPTH 32
#define XML_MAX_NAME 64
#define XML_MAX_PATH 8
#define XML_MAX_TEXT (64 * 1024)

struct xml_ctx {
	XML_Parser p;
	char want[XML_MAX_PATH][XML_MAX_NAME]; /* path components */
	size_t n_want;
	char stack[XML_MAX_DEPTH][XML_MAX_NAME]; /* xmlsafe caps the depth */
	size_t depth;       /* elements open */
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
	if (x->depth < x->n_want)
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

int aws_xml_each(const char *xml, size_t len, const char *path, aws_xml_cb cb,
		 void *ctx, char *err, size_t errlen)
{
	struct xmlsafe_opts xo = {
		.max_depth = XML_MAX_DEPTH,
		.start = on_start, .end = on_end, .text = on_text,
	};
	struct xmlsafe *xs = NULL;
	struct xml_ctx *x;
	const char *p = path;
	char why[ERRLEN];
	int ret = 0, rc;

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
	xo.ud = x;
	ret = xmlsafe_new(&xo, &xs);
	if (ret)
		goto out;
	x->p = xmlsafe_parser(xs);
	rc = xmlsafe_parse(xs, xml, len, why, sizeof(why));
	if (x->ret) {
		ret = x->ret;
		if (x->why)
			util_err(err, errlen, "XML line %lu: %s", xmlsafe_line(xs), x->why);
	} else if (rc) {
		ret = rc;
		util_err(err, errlen, "XML line %lu: %s", xmlsafe_line(xs), why);
	}
	xmlsafe_free(xs);
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

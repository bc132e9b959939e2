/* SPDX-License-Identifier: MIT */
/* common/xmlsafe.c: expat hardened once for every XML parser of cordon. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmlsafe.h"
#include "xml_hostile.h"

struct counts {
	unsigned starts, ends, max_open, open;
	size_t text;
	unsigned stop_at; /* stop the parse at this start, 0: never */
	XML_Parser p;
};

static void XMLCALL c_start(void *ud, const XML_Char *name, const XML_Char **attr)
{
	struct counts *c = ud;

	(void)name, (void)attr;
	c->starts++;
	if (++c->open > c->max_open)
		c->max_open = c->open;
	if (c->stop_at && c->starts == c->stop_at)
		XML_StopParser(c->p, XML_FALSE);
}

static void XMLCALL c_end(void *ud, const XML_Char *name)
{
	struct counts *c = ud;

	(void)name;
	c->ends++;
	c->open--;
}

static void XMLCALL c_text(void *ud, const XML_Char *s, int len)
{
	struct counts *c = ud;

	(void)s;
	c->text += (size_t)len;
}

/* Parse doc with opts o (handlers and ud filled here). */
static int run(struct xmlsafe_opts o, struct counts *c, const char *doc, size_t len,
	       char *why, bool *refused, unsigned long *line)
{
	struct xmlsafe *x;
	int rc;

	o.start = c_start;
	o.end = c_end;
	o.text = c_text;
	o.ud = c;
	assert_int_equal(xmlsafe_new(&o, &x), 0);
	c->p = xmlsafe_parser(x);
	why[0] = '\0';
	rc = xmlsafe_parse(x, doc, len, why, ERRLEN);
	*refused = xmlsafe_refused(x);
	*line = xmlsafe_line(x);
	xmlsafe_free(x);
	return rc;
}

static void test_plain(void **state)
{
	static const char doc[] = "<?xml version=\"1.0\"?>\n<r a=\"1\"><x>ab&amp;c</x><y/></r>";
	struct counts c = { 0 };
	char why[ERRLEN];
	unsigned long line;
	bool refused;

	(void)state;
	assert_int_equal(run((struct xmlsafe_opts){ 0 }, &c, doc, strlen(doc), why, &refused,
			     &line), 0);
	assert_int_equal(c.starts, 3);
	assert_int_equal(c.ends, 3);
	assert_int_equal(c.text, 4); /* "ab&c": the predefined entities still work */
	assert_false(refused);
}

static void test_dtd_refused(void **state)
{
	static const char *const docs[] = {
		XML_BILLION_LAUGHS, XML_PARAM_ENTITIES, XML_EXTERNAL_ENTITY,
		"<!DOCTYPE x SYSTEM \"http://192.0.2.1/x.dtd\"><x/>",
		"<!DOCTYPE x><x/>",
	};
	char why[ERRLEN];
	unsigned long line;
	bool refused;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(docs); i++) {
		struct counts c = { 0 };
		uint64_t t0 = util_now_mono_ns();

		assert_int_equal(run((struct xmlsafe_opts){ 0 }, &c, docs[i], strlen(docs[i]),
				     why, &refused, &line), -EINVAL);
		assert_true(refused);
		assert_non_null(strstr(why, "DOCTYPE is not allowed"));
		/* Stopped before the first element: nothing was expanded. */
		assert_int_equal(c.starts, 0);
		assert_int_equal(c.text, 0);
		assert_true(util_now_mono_ns() - t0 < 1000000000ull);
	}
	/* The billion laughs stops at its DOCTYPE, on line 2. */
	{
		struct counts c = { 0 };

		assert_int_equal(run((struct xmlsafe_opts){ 0 }, &c, XML_BILLION_LAUGHS,
				     strlen(XML_BILLION_LAUGHS), why, &refused, &line), -EINVAL);
		assert_int_equal(line, 2);
	}
	/* Without a DTD an entity is just undefined: malformed, not refused. */
	{
		struct counts c = { 0 };

		assert_int_equal(run((struct xmlsafe_opts){ 0 }, &c, "<x>&lol9;</x>", 13, why,
				     &refused, &line), -EINVAL);
		assert_false(refused);
		assert_non_null(strstr(why, "undefined entity"));
	}
}

static void test_depth(void **state)
{
	char why[ERRLEN], *doc = xml_deep(200000), ok[1024] = "";
	struct counts c = { 0 };
	unsigned long line;
	bool refused;

	(void)state;
	assert_int_equal(run((struct xmlsafe_opts){ 0 }, &c, doc, strlen(doc), why, &refused,
			     &line), -EFBIG);
	assert_true(refused);
	assert_string_equal(why, "XML nested deeper than 64 elements");
	assert_int_equal(c.max_open, XMLSAFE_MAX_DEPTH); /* the handlers never saw more */
	assert_int_equal(line, 1);
	/* Exactly the cap is fine; one more is not. */
	for (int i = 0; i < 8; i++)
		strcat(ok, "<a>");
	for (int i = 0; i < 8; i++)
		strcat(ok, "</a>");
	memset(&c, 0, sizeof(c));
	assert_int_equal(run((struct xmlsafe_opts){ .max_depth = 8 }, &c, ok, strlen(ok), why,
			     &refused, &line), 0);
	assert_int_equal(c.max_open, 8);
	memset(&c, 0, sizeof(c));
	assert_int_equal(run((struct xmlsafe_opts){ .max_depth = 7 }, &c, ok, strlen(ok), why,
			     &refused, &line), -EFBIG);
	assert_string_equal(why, "XML nested deeper than 7 elements");
	/* A refused start gets no end: every end matched a start. */
	assert_int_equal(c.ends, 0);
	assert_int_equal(c.starts, 7);
	free(doc);
}

static void test_size_and_chunks(void **state)
{
	size_t n = (3u << 20) + 123, len;
	char *doc = malloc(n + 16), why[ERRLEN];
	struct counts c = { 0 };
	unsigned long line;
	bool refused;

	(void)state;
	assert_non_null(doc);
	len = (size_t)sprintf(doc, "<x>");
	memset(doc + len, 't', n);
	len += n;
	len += (size_t)sprintf(doc + len, "</x>");
	/* More than one 1 MiB chunk: all of the text arrives. */
	assert_int_equal(run((struct xmlsafe_opts){ 0 }, &c, doc, len, why, &refused, &line), 0);
	assert_int_equal(c.text, n);
	memset(&c, 0, sizeof(c));
	assert_int_equal(run((struct xmlsafe_opts){ .max_bytes = len - 1 }, &c, doc, len, why,
			     &refused, &line), -EFBIG);
	assert_true(refused);
	assert_non_null(strstr(why, "XML document larger than"));
	assert_int_equal(c.starts, 0);
	free(doc);
}

/* The caller's own stop is the caller's: -ECANCELED, why untouched. */
static void test_caller_stop(void **state)
{
	static const char doc[] = "<r><a/><b/><c/></r>";
	struct counts c = { .stop_at = 2 };
	char why[ERRLEN];
	unsigned long line;
	bool refused;

	(void)state;
	assert_int_equal(run((struct xmlsafe_opts){ 0 }, &c, doc, strlen(doc), why, &refused,
			     &line), -ECANCELED);
	assert_false(refused);
	assert_string_equal(why, "");
	assert_int_equal(c.starts, 2);
}

/* Namespace mode: names arrive as URI, separator, local name. */
static void XMLCALL ns_start(void *ud, const XML_Char *name, const XML_Char **attr)
{
	(void)attr;
	if (!*(char *)ud)
		util_strlcpy(ud, name, 64);
}

static void test_namespaces(void **state)
{
	static const char doc[] = "<p:r xmlns:p=\"urn:x\"/>";
	struct xmlsafe_opts o = { .ns_sep = '|', .start = ns_start };
	char name[64] = "", why[ERRLEN];
	struct xmlsafe *x;

	(void)state;
	o.ud = name;
	assert_int_equal(xmlsafe_new(&o, &x), 0);
	assert_int_equal(xmlsafe_parse(x, doc, strlen(doc), why, sizeof(why)), 0);
	xmlsafe_free(x);
	xmlsafe_free(NULL);
	assert_string_equal(name, "urn:x|r");
}

/* xmlsafe_path: what each end handler sees. */
struct pw {
	struct xmlsafe_walk w; /* first */
	struct xmlsafe_path px;
	char seen[512];
};

static void XMLCALL pw_start(void *ud, const XML_Char *name, const XML_Char **attr)
{
	struct pw *x = ud;

	(void)attr;
	if (xmlsafe_path_push(&x->px, &x->w, name))
		return;
}

static void XMLCALL pw_end(void *ud, const XML_Char *name)
{
	struct pw *x = ud;
	size_t l = strlen(x->seen);

	(void)name;
	if (x->w.ret)
		return;
	snprintf(x->seen + l, sizeof(x->seen) - l, "[%s=%s%s]", x->px.path,
		 x->px.text_long ? "LONG" : x->px.text, xmlsafe_path_at(&x->px, "a/b") ? "!" : "");
	xmlsafe_path_pop(&x->px);
}

static void XMLCALL pw_text(void *ud, const XML_Char *s, int len)
{
	xmlsafe_path_text(&((struct pw *)ud)->px, s, len);
}

static void test_path(void **state)
{
	static const char doc[] = "<ns:r xmlns:ns=\"urn:x\"><a><b>one</b> <ns:c>t&amp;w</ns:c></a><d/></ns:r>";
	struct xmlsafe_opts o = { .start = pw_start, .end = pw_end, .text = pw_text };
	struct pw *x = calloc(1, sizeof(*x));
	char err[ERRLEN], *doc2;
	size_t n = XMLSAFE_TEXT_MAX + 10, off;

	(void)state;
	assert_non_null(x);
	o.ud = x;
	assert_int_equal(xmlsafe_walk(&o, "T", doc, strlen(doc), err, sizeof(err)), 0);
	/* the root is not in the path; text between siblings is dropped */
	assert_string_equal(x->seen, "[a/b=one!][a/c=t&w][a=][d=][=]");

	/* a text longer than the buffer is marked, never cut silently */
	memset(x, 0, sizeof(*x));
	doc2 = malloc(n + 32);
	assert_non_null(doc2);
	off = (size_t)sprintf(doc2, "<r><e>");
	memset(doc2 + off, 'x', n);
	strcpy(doc2 + off + n, "</e></r>");
	assert_int_equal(xmlsafe_walk(&o, "T", doc2, strlen(doc2), err, sizeof(err)), 0);
	assert_string_equal(x->seen, "[e=LONG][=]");

	/* an element path past XMLSAFE_PATH_MAX stops the walk with one line */
	memset(x, 0, sizeof(*x));
	off = (size_t)sprintf(doc2, "<r>");
	for (int i = 0; i < 5; i++) {
		doc2[off++] = '<';
		memset(doc2 + off, 'n', 120);
		off += 120;
		doc2[off++] = '>';
	}
	doc2[off] = '\0';
	assert_int_equal(xmlsafe_walk(&o, "T", doc2, off, err, sizeof(err)), -EFBIG);
	assert_non_null(strstr(err, "T XML line 1: element path too long at <nnn"));
	free(doc2);
	free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_dtd_refused),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_size_and_chunks),
		cmocka_unit_test(test_caller_stop),
		cmocka_unit_test(test_namespaces),
		cmocka_unit_test(test_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
#ifndef CORDON_XMLSAFE_H
#define CORDON_XMLSAFE_H

#include <stdbool.h>
#include <stddef.h>

#include <expat.h>

#include "util.h"

/*
 * expat, hardened in one place for every parser of outside XML (AWS
 * answers: common/aws/aws_xml.c, enforcer/cloud/cloud_xml.c; STIX threat
 * lists: feeds/list_stix.c):
 *
 *  - no DTD: a DOCTYPE stops the parse before its internal subset is
 *    read, so no entity is ever declared (billion laughs, quadratic
 *    blowup) and no external entity or DTD is ever loaded (XXE); expat's
 *    own amplification limit is set lower too, as a second wall;
 *  - elements nested at most max_depth deep, documents at most max_bytes
 *    long, fed to expat in chunks (its length argument is an int).
 *
 * The caller's handlers get the caller's ud, as with plain expat; they
 * may stop the parse themselves with XML_StopParser(xmlsafe_parser(x)).
 */
#define XMLSAFE_MAX_DEPTH 64
#define XMLSAFE_MAX_BYTES ((size_t)64 << 20)

struct xmlsafe_opts {
	unsigned max_depth;  /* 0: XMLSAFE_MAX_DEPTH */
	size_t max_bytes;    /* 0: XMLSAFE_MAX_BYTES */
	char ns_sep;         /* != 0: namespace processing, URI ns_sep local name */
	XML_StartElementHandler start;
	XML_EndElementHandler end;
	XML_CharacterDataHandler text;
	void *ud;
};

struct xmlsafe;

/* -ENOMEM or 0. */
__must_check int xmlsafe_new(const struct xmlsafe_opts *o, struct xmlsafe **out);
void xmlsafe_free(struct xmlsafe *x);
XML_Parser xmlsafe_parser(struct xmlsafe *x);
/* Where the parser is (or stopped): 1-based line and column. */
unsigned long xmlsafe_line(const struct xmlsafe *x);
unsigned long xmlsafe_column(const struct xmlsafe *x);

/*
 * Parse the whole document. 0 on success; refused by the rules above:
 * -EINVAL (DTD) or -EFBIG (depth, size), why says which, without the
 * line (xmlsafe_line() has it); malformed XML: -EINVAL, why is expat's
 * message; stopped by one of the caller's handlers: -ECANCELED, why
 * untouched.
 */
__must_check int xmlsafe_parse(struct xmlsafe *x, const char *buf, size_t len,
			       char *why, size_t whylen);
/* The last parse was stopped by one of the rules above (not malformed XML). */
bool xmlsafe_refused(const struct xmlsafe *x);

/*
 * A walk over one answer, for parsers that keep their state in a struct
 * whose FIRST member is a struct xmlsafe_walk (opts.ud points to it): a
 * handler that refuses what it reads calls xmlsafe_stop(); xmlsafe_walk()
 * parses and turns either kind of stop into one line, "WHAT XML line N:
 * why", in err.
 */
struct xmlsafe_walk {
	XML_Parser p;
	int ret;          /* 0, or what the handler that stopped said */
	char why[ERRLEN];
};
void xmlsafe_stop(struct xmlsafe_walk *w, int ret, const char *fmt, ...) __printf(3, 4);
/* "ns:Name" -> "Name" */
const char *xmlsafe_local_name(const char *name);
__must_check int xmlsafe_walk(const struct xmlsafe_opts *o, const char *what,
			      const char *xml, size_t len, char *err, size_t errlen);

/*
 * For walks that match elements by path: the '/'-joined local names of the
 * open elements below the root, and the text of the innermost one (always
 * NUL-terminated; text_long when it did not fit, then text is empty).
 * Start handlers call xmlsafe_path_push(), end handlers read path and
 * text and then call xmlsafe_path_pop(), text handlers xmlsafe_path_text().
 */
#define XMLSAFE_PATH_MAX 512
#define XMLSAFE_DEPTH_MAX 32
#define XMLSAFE_TEXT_MAX 2048
struct xmlsafe_path {
	char path[XMLSAFE_PATH_MAX];
	size_t off[XMLSAFE_DEPTH_MAX];
	size_t depth;
	char text[XMLSAFE_TEXT_MAX];
	size_t text_len;
	bool text_long;
};
/* 0, or -1 when it stopped the walk (path too long or too deep) */
__must_check int xmlsafe_path_push(struct xmlsafe_path *p, struct xmlsafe_walk *w,
				   const char *name);
void xmlsafe_path_pop(struct xmlsafe_path *p);
void xmlsafe_path_text(struct xmlsafe_path *p, const char *s, int len);
bool xmlsafe_path_at(const struct xmlsafe_path *p, const char *path);

#endif

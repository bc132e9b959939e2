/* SPDX-License-Identifier: MIT */
/* Hostile XML shared by the tests of every expat user (common/xmlsafe.h). */
#ifndef CORDON_TEST_XML_HOSTILE_H
#define CORDON_TEST_XML_HOSTILE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Billion laughs: 10^9 "lol" (3 GB) from under 1 KB, were the DTD read. */
#define XML_BILLION_LAUGHS                                                     \
	"<?xml version=\"1.0\"?>\n"                                            \
	"<!DOCTYPE lolz [\n"                                                   \
	" <!ENTITY lol \"lol\">\n"                                             \
	" <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n" \
	" <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n" \
	" <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n" \
	" <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n" \
	" <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n" \
	" <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n" \
	" <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n" \
	" <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n" \
	" <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n" \
	"]>\n"                                                                 \
	"<lolz><Address_Value>&lol9;</Address_Value><Code>&lol9;</Code></lolz>\n"

/* The same through parameter entities, and an external one (XXE). */
#define XML_PARAM_ENTITIES                                                     \
	"<!DOCTYPE x [<!ENTITY % a \"<!ENTITY b 'bbbbbbbb'>\"> %a;]><x>&b;</x>"
#define XML_EXTERNAL_ENTITY                                                    \
	"<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>"

/* depth nested elements, never closed (malloc'd; free it). */
static inline char *xml_deep(size_t depth)
{
	char *s = malloc(depth * 3 + 1);

	if (!s)
		abort();
	for (size_t i = 0; i < depth; i++)
		memcpy(s + 3 * i, "<a>", 3);
	s[depth * 3] = '\0';
	return s;
}

#endif

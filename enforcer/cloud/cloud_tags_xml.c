/* SPDX-License-Identifier: MIT */
/*
 * DescribeTags answer -> the cordon: tags of each resource asked about,
 * over expat:
 *
 *   DescribeTagsResponse/tagSet/item/{resourceId,resourceType,key,value}
 *   DescribeTagsResponse/nextToken
 *
 * Flat, so the walk keeps the names of the open elements below the root
 * rather than a path string. Hostile input: common/xmlsafe.c (no DTD,
 * capped depth and size), texts capped here.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud.h"
#include "cloud_tags.h"
#include "xmlsafe.h"

#define TX_MAX_DEPTH 16
#define TX_MAX_TEXT 1100 /* a value of 256 characters of 4 bytes, and room */

enum { L_NONE, L_RID, L_KEY, L_VALUE, L_NEXT };

struct tx {
	struct xmlsafe_walk w; /* first: xmlsafe_walk() finds it */
	const char *const *ids;
	size_t n_ids;
	struct cloud_tagset *out;
	char *next;
	size_t depth;
	bool in_item;                 /* tagSet/item open */
	bool under_set;               /* depth 2 is tagSet */
	int leaf;                     /* the L_ we are reading the text of */
	char text[TX_MAX_TEXT];
	size_t text_len;
	char rid[TX_MAX_TEXT], key[TX_MAX_TEXT], value[TX_MAX_TEXT];
	bool have_rid, have_key;
};

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attr)
{
	struct tx *x = ud;
	const char *ln = xmlsafe_local_name(name);

	(void)attr;
	if (x->depth == TX_MAX_DEPTH)
		return xmlsafe_stop(&x->w, -EFBIG, "elements nested too deep");
	x->depth++;
	x->leaf = L_NONE;
	x->text_len = 0;
	if (x->depth == 1 && strcmp(ln, "DescribeTagsResponse"))
		return xmlsafe_stop(&x->w, -EINVAL, "<%.40s> is not a DescribeTags answer", ln);
	if (x->depth == 2) {
		x->under_set = !strcmp(ln, "tagSet");
		if (!strcmp(ln, "nextToken"))
			x->leaf = L_NEXT;
	} else if (x->depth == 3 && x->under_set && !strcmp(ln, "item")) {
		x->in_item = true;
		x->have_rid = x->have_key = false;
		x->value[0] = '\0';
	} else if (x->depth == 4 && x->in_item) {
		x->leaf = !strcmp(ln, "resourceId") ? L_RID : !strcmp(ln, "key") ? L_KEY :
			  !strcmp(ln, "value") ? L_VALUE : L_NONE;
	}
}

/* The item is complete: keep its tag if it is about one of ours. */
static void item_end(struct tx *x)
{
	char err[ERRLEN];
	int ret;

	x->in_item = false;
	if (!x->have_rid || !x->have_key)
		return xmlsafe_stop(&x->w, -EINVAL, "a tag without %s", x->have_rid ? "key" : "resourceId");
	for (size_t i = 0; i < x->n_ids; i++) {
		if (strcmp(x->rid, x->ids[i]))
			continue;
		ret = cloud_tags_add(&x->out[i], x->key, x->value, err, sizeof(err));
		if (ret < 0)
			return xmlsafe_stop(&x->w, ret, "%s: %s", x->ids[i], err);
		return;
	}
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	struct tx *x = ud;

	(void)name;
	if (x->w.ret || !x->depth)
		return;
	x->text[x->text_len] = '\0';
	switch (x->leaf) {
	case L_RID:
		memcpy(x->rid, x->text, x->text_len + 1);
		x->have_rid = true;
		break;
	case L_KEY:
		memcpy(x->key, x->text, x->text_len + 1);
		x->have_key = true;
		break;
	case L_VALUE:
		memcpy(x->value, x->text, x->text_len + 1);
		break;
	case L_NEXT:
		if (x->text_len >= CLOUD_NEXT_TOKEN_LEN)
			return xmlsafe_stop(&x->w, -EFBIG, "nextToken over %d bytes", CLOUD_NEXT_TOKEN_LEN - 1);
		memcpy(x->next, x->text, x->text_len + 1);
		break;
	default:
		if (x->depth == 3 && x->in_item)
			item_end(x);
		break;
	}
	x->leaf = L_NONE;
	x->text_len = 0;
	x->depth--;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	struct tx *x = ud;

	if (len <= 0 || x->leaf == L_NONE)
		return;
	if (x->text_len + (size_t)len >= sizeof(x->text))
		return xmlsafe_stop(&x->w, -EFBIG, "a text over %d bytes", TX_MAX_TEXT - 1);
	memcpy(x->text + x->text_len, s, (size_t)len);
	x->text_len += (size_t)len;
}

int cloud_parse_tags(const char *xml, size_t len, const char *const ids[], size_t n,
		     struct cloud_tagset *out, char next[CLOUD_NEXT_TOKEN_LEN], char *err,
		     size_t errlen)
{
	struct xmlsafe_opts xo = {
		.max_depth = TX_MAX_DEPTH,
		.start = on_start, .end = on_end, .text = on_text,
	};
	struct tx *x;
	int ret;

	next[0] = '\0';
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->ids = ids;
	x->n_ids = n;
	x->out = out;
	x->next = next;
	xo.ud = x;
	ret = xmlsafe_walk(&xo, "DescribeTags", xml, len, err, errlen);
	if (ret)
		next[0] = '\0';
	free(x);
	return ret;
}

/* SPDX-License-Identifier: MIT */
#ifndef CORDON_AWS_XML_H
#define CORDON_AWS_XML_H

#include <stddef.h>

#include "util.h"

/*
 * A tiny path extractor over expat for AWS XML answers (S3, EC2, SNS, and
 * their errors). A path is element names separated by '/', matched
 * against the END of the open-element stack, namespace prefixes ignored:
 * "Error/Code" matches <Error><Code> at any depth. No DTDs or entities
 * are accepted; depth, names and texts are capped.
 */

/* Called with each matching element's text (NUL-terminated, len bytes). */
typedef int (*aws_xml_cb)(void *ctx, const char *text, size_t len);

/*
 * Call cb for every element matching path, in document order. A non-zero
 * return from cb stops the parse and is returned. 0 on success, -EINVAL
 * on malformed or refused XML (err says where), -EFBIG over a cap.
 */
__must_check int aws_xml_each(const char *xml, size_t len, const char *path,
			      aws_xml_cb cb, void *ctx, char *err, size_t errlen);
/* The first match's text into out (truncated to fit); -ENOENT if none. */
__must_check int aws_xml_first(const char *xml, size_t len, const char *path,
			       char *out, size_t outlen, char *err, size_t errlen);

#endif

/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "aws_err.h"
#include "aws_xml.h"

/* Keep a server's words printable and on one line. */
static void clean(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = (*s == '\n' || *s == '\r' || *s == '\t') ? ' ' : '?';
}

static void copy_json(const cJSON *o, const char *const *names, char *out, size_t outlen)
{
	for (; *names; names++) {
		const cJSON *v = cJSON_GetObjectItem(o, *names); /* any case */

		if (cJSON_IsString(v) && v->valuestring[0]) {
			util_strlcpy(out, v->valuestring, outlen);
			return;
		}
	}
}

/* "aws.protocoltests#FooError" and "FooError:http://..." are both FooError. */
static void strip_code(char *code)
{
	char *h = strrchr(code, '#'), *c;

	if (h)
		memmove(code, h + 1, strlen(h + 1) + 1);
	c = strchr(code, ':');
	if (c)
		*c = '\0';
}

void aws_error_parse(long status, const char *content_type, const char *errtype_hdr,
		     const char *request_id_hdr, const char *body, size_t len,
		     struct aws_error *e)
{
	memset(e, 0, sizeof(*e));
	e->status = status;
	if (request_id_hdr)
		util_strlcpy(e->request_id, request_id_hdr, sizeof(e->request_id));
	if (errtype_hdr)
		util_strlcpy(e->code, errtype_hdr, sizeof(e->code));

	if (len && body[0] == '<') {
		if (aws_xml_first(body, len, "Error/Code", e->code, sizeof(e->code), NULL, 0) == 0 &&
		    aws_xml_first(body, len, "Error/Message", e->message,
				  sizeof(e->message), NULL, 0) != 0)
			e->message[0] = '\0';
		if (!e->request_id[0] &&
		    aws_xml_first(body, len, "RequestId", e->request_id,
				  sizeof(e->request_id), NULL, 0) != 0 &&
		    aws_xml_first(body, len, "RequestID", e->request_id,
				  sizeof(e->request_id), NULL, 0) != 0)
			e->request_id[0] = '\0';
	} else if (len && (body[0] == '{' || (content_type && strstr(content_type, "json")))) {
		static const char *const codes[] = { "__type", "code", NULL };
		static const char *const msgs[] = { "message", "errorMessage", NULL };
		cJSON *o = cJSON_ParseWithLength(body, len);

		if (cJSON_IsObject(o)) {
			if (!e->code[0])
				copy_json(o, codes, e->code, sizeof(e->code));
			copy_json(o, msgs, e->message, sizeof(e->message));
		}
		cJSON_Delete(o);
	}
	strip_code(e->code);
	if (!e->code[0])
		snprintf(e->code, sizeof(e->code), "HTTP %ld", status);
	clean(e->code);
	clean(e->message);
	clean(e->request_id);
}

void aws_error_str(const struct aws_error *e, char *out, size_t outlen)
{
	if (e->message[0])
		snprintf(out, outlen, "%s: %s", e->code, e->message);
	else
		snprintf(out, outlen, "%s", e->code);
}

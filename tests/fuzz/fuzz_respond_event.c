/* SPDX-License-Identifier: MIT */
/*
 * `cordon respond`'s events (enforcer/respond/respond_event.c): whatever
 * the bytes, a parse either fails with one line and nothing kept, or
 * gives fields that are what they claim (bounded printable text, real
 * instance ids, a finding for the kinds that carry one).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "respond_event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *s, size_t cap)
{
	size_t l = strnlen(s, cap);

	if (l == cap)
		__builtin_trap();
	for (size_t i = 0; i < l; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			__builtin_trap();
}

static void check_instance(const char *s)
{
	size_t l = strnlen(s, CLOUD_ID_LEN);

	if ((l != 10 && l != 19) || strncmp(s, "i-", 2) ||
	    strspn(s + 2, "0123456789abcdef") != l - 2)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct respond_event ev;
	char err[ERRLEN] = "";
	int ret = respond_event_parse((const char *)data, size, &ev, err, sizeof(err));

	if (ret) {
		if (!*err || strchr(err, '\n') || ev.finding_json ||
		    (ret != -EINVAL && ret != -EFBIG && ret != -ENOENT && ret != -ENOMEM))
			__builtin_trap();
		respond_event_free(&ev);
		return 0;
	}
	check_text(ev.id, sizeof(ev.id));
	check_text(ev.region, sizeof(ev.region));
	check_text(ev.account, sizeof(ev.account));
	switch (ev.kind) {
	case RESPOND_INCIDENT:
		check_text(ev.incident, sizeof(ev.incident));
		check_instance(ev.instance);
		/* fall through: it carries a finding */
	case RESPOND_GD_FINDING:
		if (!ev.finding_json || !*ev.finding_id || !*ev.type ||
		    !(ev.severity >= 0 && ev.severity <= 10))
			__builtin_trap();
		check_text(ev.finding_id, sizeof(ev.finding_id));
		check_text(ev.type, sizeof(ev.type));
		if (ev.resource == RESPOND_RES_INSTANCE)
			check_instance(ev.instance);
		break;
	case RESPOND_RELEASE:
		check_instance(ev.instance);
		break;
	case RESPOND_OBJECT:
		check_text(ev.bucket, sizeof(ev.bucket));
		check_text(ev.key, sizeof(ev.key));
		if (strlen(ev.bucket) < 3 || !*ev.key)
			__builtin_trap();
		break;
	case RESPOND_SCHEDULE:
		break;
	}
	if (ev.kind != RESPOND_GD_FINDING && ev.kind != RESPOND_INCIDENT && ev.finding_json)
		__builtin_trap();
	respond_event_free(&ev);
	return 0;
}

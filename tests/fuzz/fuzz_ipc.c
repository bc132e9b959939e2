/* SPDX-License-Identifier: MIT */
/*
 * Every message both channels carry (sensor, AWS process), through
 * ipc_check() as ipc_recv() calls it: arbitrary bytes must never make a
 * validator read outside the message (it sits in a buffer of exactly its
 * size) or trip a sanitizer, and whatever is accepted is accepted again.
 *
 * Input: byte 0 picks the channel (bits 0-1) and the mode:
 *   bit 2 set: raw, the rest is the whole message, header included;
 *   else byte 1 picks the type, byte 2 the descriptor count, and with
 *   bit 3 the message starts as that type's valid sample (test_ipc.c)
 *   patched by (offset lo, offset hi, value) triples, without it the
 *   rest is the payload after a correct header.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/ipc_samples.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct ipc_chan *ch, const void *msg, size_t len, size_t nfds)
{
	char why[IPC_WHY_LEN], again[IPC_WHY_LEN];
	int rc = ipc_check(ch, msg, len, nfds, why, sizeof(why));

	if (rc != 0 && rc != -EBADMSG)
		abort();
	if (ipc_check(ch, msg, len, nfds, again, sizeof(again)) != rc)
		abort();
	if (rc && (!memchr(why, 0, sizeof(why)) || strcmp(why, again)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct ipc_chan *ch;
	const struct ipc_spec *s;
	size_t nfds, len;
	uint8_t *msg;

	if (size < 3)
		return 0;
	ch = ipc_sample_chans[data[0] & 3];
	if (data[0] & 4) {
		len = size - 1;
		if (len > IPC_MAX)
			return 0;
		msg = malloc(len ? len : 1);
		if (!msg)
			return 0;
		memcpy(msg, data + 1, len);
		check(ch, msg, len, data[0] >> 4);
		free(msg);
		return 0;
	}
	s = &ch->specs[data[1] % ch->n];
	nfds = data[2] % (IPC_MAX_FDS + 2);
	len = s->len;
	msg = malloc(len);
	if (!msg)
		return 0;
	if (data[0] & 8) {
		size_t sample_fds;

		if (!ipc_sample(s->type, msg, len, &sample_fds))
			abort(); /* every type has a sample */
		if (data[2] & 0x80)
			nfds = sample_fds;
		for (size_t i = 3; i + 3 <= size; i += 3) {
			size_t off = ((size_t)data[i] | (size_t)data[i + 1] << 8) % len;

			msg[off] = data[i + 2];
		}
	} else {
		struct ipc_hdr h = { s->type, (uint32_t)len };
		size_t n = size - 3 < len - sizeof(h) ? size - 3 : len - sizeof(h);

		memset(msg, 0, len);
		memcpy(msg, &h, sizeof(h));
		memcpy(msg + sizeof(h), data + 3, n);
	}
	check(ch, msg, len, nfds);
	free(msg);
	return 0;
}

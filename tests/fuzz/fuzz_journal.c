/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the journal reader and the replay model.
 * First byte even: the rest is a journal file, read from memory and from
 * a memfd (the sliding-window reader) and both must agree; what they
 * report must tile the input exactly. First byte odd: the rest is JSON
 * payloads separated by newlines, framed here with good checksums so
 * that the replay model sees them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "journal_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ctx {
	struct journal_state st;
	uint64_t next_off;
	uint64_t sum;
};

static int rec_cb(const struct journal_rec *r, void *arg)
{
	struct ctx *c = arg;

	if (r->off != c->next_off)
		abort(); /* records and bad regions must tile the input */
	c->next_off = r->off + r->len;
	c->sum = c->sum * 31 + r->off * 7 + r->len + r->seq + (uint64_t)r->kind;
	if (r->kind == JOURNAL_REC_OK) {
		cJSON *o = cJSON_ParseWithLength(r->payload, r->payload_len);

		if (o) {
			char err[ERRLEN];

			(void)journal_state_apply(&c->st, r->seq, o, err, sizeof(err));
			cJSON_Delete(o);
		}
	}
	return 0;
}

static void use_state(const struct journal_state *st)
{
	const struct journal_action *p[4];
	const struct journal_incident *inc = journal_state_open_incident(st);
	size_t n = journal_pending(st, NULL, p, 4);

	for (size_t i = 0; i < n && i < 4; i++)
		if (strlen(p[i]->key) >= JOURNAL_KEY_LEN ||
		    strncmp(p[i]->key, p[i]->action, strlen(p[i]->action)))
			abort();
	if (inc)
		(void)journal_pending(st, inc->id, p, 4);
}

static void run_file(const uint8_t *data, size_t size)
{
	struct ctx a = { 0 }, b = { 0 };
	struct journal_scan sa, sb;
	char err[ERRLEN];
	int ra, rb;

	ra = journal_read_mem(data, size, rec_cb, &a, &sa, err, sizeof(err));
	if (!ra && a.next_off != size)
		abort();
	use_state(&a.st);
	/* One memfd for the whole run: creating one per input costs more
	 * than the read. */
	static int fd = -1;

	if (fd < 0)
		fd = memfd_create("journal", MFD_CLOEXEC);
	if (fd >= 0 && ftruncate(fd, 0) == 0 &&
	    pwrite(fd, data, size, 0) == (ssize_t)size) {
		rb = journal_read_fd(fd, rec_cb, &b, &sb, err, sizeof(err));
		/* Only a file read counts the bytes it read; the rest must agree. */
		sa.bytes_read = sb.bytes_read = 0;
		if (ra != rb || a.sum != b.sum ||
		    (!ra && memcmp(&sa, &sb, sizeof(sa))))
			abort();
	}
	journal_state_free(&a.st);
	journal_state_free(&b.st);
}

static void run_payloads(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size * 2 + JOURNAL_HDR_LEN * (size + 1));
	size_t n = 0, start = 0;
	struct ctx c = { 0 };
	struct journal_scan sc;
	uint64_t seq = 0;
	char err[ERRLEN];

	if (!buf)
		return;
	for (size_t i = 0; i <= size; i++) {
		if (i < size && data[i] != '\n')
			continue;
		journal_hdr_encode(buf + n, (uint32_t)(i - start), ++seq, data + start);
		memcpy(buf + n + JOURNAL_HDR_LEN, data + start, i - start);
		n += JOURNAL_HDR_LEN + (i - start);
		start = i + 1;
	}
	if (journal_read_mem(buf, n, rec_cb, &c, &sc, err, sizeof(err)) ||
	    sc.records != seq || sc.corrupt || sc.torn)
		abort();
	use_state(&c.st);
	journal_state_free(&c.st);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (data[0] & 1)
		run_payloads(data + 1, size - 1);
	else
		run_file(data + 1, size - 1);
	return 0;
}

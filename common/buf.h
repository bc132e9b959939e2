/* SPDX-License-Identifier: MIT */
#ifndef CORDON_BUF_H
#define CORDON_BUF_H

#include <stddef.h>

#include "util.h"

/*
 * A growable byte buffer with a hard cap (curl's dynbuf with its toobig
 * limit). Everything that holds outside input goes through one of these:
 * an append that would pass max fails with -EFBIG and leaves the buffer as
 * it was. The contents are always NUL-terminated (not counted in len), so
 * text can be handed to string functions. See docs/internals/aws.md.
 */
struct buf {
	char *p;     /* owned; NULL until the first append */
	size_t len;  /* bytes held, without the trailing NUL */
	size_t cap;  /* bytes allocated */
	size_t max;  /* len never exceeds this */
};

void buf_init(struct buf *b, size_t max);
/* 0, -EFBIG (would pass max) or -ENOMEM. */
__must_check int buf_add(struct buf *b, const void *data, size_t n);
__must_check int buf_adds(struct buf *b, const char *s);
__must_check int buf_addc(struct buf *b, char c);
__must_check int buf_addf(struct buf *b, const char *fmt, ...) __printf(2, 3);
/*
 * For a writer that fills the bytes itself: buf_reserve() makes room for
 * n more bytes and the NUL at p + len (0, -EFBIG or -ENOMEM); the writer
 * puts at most n there and buf_commit()s how many it put.
 */
__must_check int buf_reserve(struct buf *b, size_t n);
void buf_commit(struct buf *b, size_t n);
/* Empties the buffer but keeps its memory and cap. */
void buf_reset(struct buf *b);
/* "" when nothing was ever added, never NULL. */
const char *buf_str(const struct buf *b);
/* Frees the memory; buf_init state again. NULL-safe. */
void buf_free(struct buf *b);
/* Like buf_free, but wipes the bytes first (secrets, signed requests). */
void buf_free_secure(struct buf *b);
/* Hands the memory to the caller (free() it); the buffer is empty after. */
char *buf_steal(struct buf *b, size_t *len);

#endif

/* SPDX-License-Identifier: MIT */
#ifndef CORDON_FINDINGS_OUT_H
#define CORDON_FINDINGS_OUT_H

#include "finding.h"
#include "sensor.h"

/*
 * Every finding s holds, in creation order, one JSON line each
 * (finding_json()), written to fd in large blocks. Makes each finding's
 * id and list details first (findings_id(), sensor_explain()). From
 * FINDINGS_OUT_THREADED findings on, a second thread formats two in
 * three blocks of FINDINGS_OUT_BLOCK findings: the bytes and their order
 * are the same. Neither s nor its threat set may change meanwhile (nothing
 * else runs: cordon replay, after the captures). 0 or -errno (write(2)'s,
 * or -ENOMEM).
 */
#define FINDINGS_OUT_BLOCK 256
#define FINDINGS_OUT_THREADED 1024
__must_check int findings_out_write(struct sensor *s, const struct finding_ctx *ctx, int fd);
/* The same on one thread, whatever the count (tests compare the two). */
__must_check int findings_out_write1(struct sensor *s, const struct finding_ctx *ctx, int fd);

#endif

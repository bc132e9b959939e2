/* SPDX-License-Identifier: MIT */
/*
 * cordon replay's findings output (docs/internals/performance.md,
 * "Findings output"). Blocks of findings are formatted into a reused
 * buffer and written with one write(2) each. With many findings a worker
 * thread formats two blocks in three into a ring of OUT_AHEAD buffers
 * while this thread formats the third and writes all in order. The two
 * never touch the same finding (a finding's lazy id and list details are
 * made by whoever formats its block); the threat set, its lists and the
 * findings table's order are only read.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "buf.h"
#include "fileio.h"
#include "findings_out.h"

#define OUT_AHEAD 4    /* the worker's blocks formatted and not yet written */
/*
 * This thread formats one block in OUT_SHARE and writes them all; the
 * worker formats the rest (writing 69 MB to a file costs about what
 * formatting a third of it does).
 */
#define OUT_SHARE 3
#define OUT_PREFETCH 4 /* findings between the stages of a set prefetch */

struct out {
	struct sensor *s;
	const struct finding_ctx *ctx;
	struct finding **f; /* creation order */
	size_t n, nblocks;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct buf slot[OUT_AHEAD]; /* the worker's j-th block in slot j % OUT_AHEAD */
	int state[OUT_AHEAD];       /* 0 free, 1 full, -errno failed */
	bool stop;                  /* the writer gave up */
};

static bool ours(size_t k)
{
	return k % OUT_SHARE == 0;
}

/* Where the worker puts block k (not ours): its blocks before k, mod the ring. */
static size_t slot_of(size_t k)
{
	return (k - (k + OUT_SHARE - 1) / OUT_SHARE) % OUT_AHEAD;
}

static int format_block(struct out *o, size_t k, struct buf *b, struct findings_hasher *h)
{
	size_t end = (k + 1) * FINDINGS_OUT_BLOCK < o->n ? (k + 1) * FINDINGS_OUT_BLOCK : o->n;
	int ret = 0;

	buf_reset(b);
	/*
	 * Ids and list details are made on first use (findings.h, sensor.h):
	 * here for the whole block first, the set's lines of each finding
	 * asked for some findings ahead (tset_explain_prefetch()), and only
	 * this block's findings touched (the other thread has its own).
	 */
	for (size_t i = k * FINDINGS_OUT_BLOCK; i < end; i++) {
		if (i + 8 * OUT_PREFETCH < end) {
			const struct finding *f = o->f[i + 8 * OUT_PREFETCH];

			__builtin_prefetch(&f->key);
			__builtin_prefetch(&f->explained);
		}
		for (int st = 0; st < 3; st++) {
			size_t ahead = i + (size_t)(3 - st) * OUT_PREFETCH;

			if (ahead < end)
				sensor_explain_prefetch(o->s, o->f[ahead], st);
		}
		findings_id_with(o->f[i], h);
		sensor_explain(o->s, o->f[i]);
	}
	for (size_t i = k * FINDINGS_OUT_BLOCK; i < end && !ret; i++) {
		ret = finding_to_json_add(b, o->f[i], o->ctx);
		if (!ret)
			ret = buf_addc(b, '\n');
	}
	return ret;
}

static void *worker(void *arg)
{
	struct out *o = arg;
	struct findings_hasher *h = findings_hasher_new();

	for (size_t k = 0; k < o->nblocks; k++) {
		size_t i = slot_of(k);
		bool stop;
		int ret;

		if (ours(k))
			continue;
		pthread_mutex_lock(&o->mu);
		while (o->state[i] && !o->stop)
			pthread_cond_wait(&o->cv, &o->mu);
		stop = o->stop;
		pthread_mutex_unlock(&o->mu);
		if (stop)
			break;
		ret = format_block(o, k, &o->slot[i], h);
		pthread_mutex_lock(&o->mu);
		o->state[i] = ret ? ret : 1;
		pthread_cond_broadcast(&o->cv);
		pthread_mutex_unlock(&o->mu);
		if (ret)
			break;
	}
	findings_hasher_free(h);
	return NULL;
}

/* The worker's block k, written once it is there; its slot freed. */
static int write_theirs(struct out *o, size_t k, int fd)
{
	size_t i = slot_of(k);
	int st, ret;

	pthread_mutex_lock(&o->mu);
	while (!o->state[i])
		pthread_cond_wait(&o->cv, &o->mu);
	st = o->state[i];
	pthread_mutex_unlock(&o->mu);
	if (st < 0)
		return st;
	ret = fileio_write(fd, o->slot[i].p, o->slot[i].len);
	pthread_mutex_lock(&o->mu);
	o->state[i] = 0;
	pthread_cond_broadcast(&o->cv);
	pthread_mutex_unlock(&o->mu);
	return ret;
}

static int run(struct out *o, int fd, bool threads)
{
	struct findings_hasher *h = findings_hasher_new();
	struct buf mine;
	pthread_t th;
	bool started = false;
	int ret = 0;

	buf_init(&mine, SIZE_MAX / 2);
	if (threads && o->nblocks > 1 && o->n >= FINDINGS_OUT_THREADED)
		started = !pthread_create(&th, NULL, worker, o);
	for (size_t k = 0; k < o->nblocks && !ret; k++) {
		if (started && !ours(k)) {
			ret = write_theirs(o, k, fd);
			continue;
		}
		ret = format_block(o, k, &mine, h);
		if (!ret)
			ret = fileio_write(fd, mine.p, mine.len);
	}
	if (started) {
		pthread_mutex_lock(&o->mu);
		o->stop = true;
		pthread_cond_broadcast(&o->cv);
		pthread_mutex_unlock(&o->mu);
		pthread_join(th, NULL);
	}
	buf_free(&mine);
	findings_hasher_free(h);
	return ret;
}

static int out_write(struct sensor *s, const struct finding_ctx *ctx, int fd, bool threads)
{
	struct findings *fs = sensor_findings(s);
	struct out o = { .s = s, .ctx = ctx };
	size_t i = 0;
	int ret;

	o.n = findings_count(fs);
	if (!o.n)
		return 0;
	o.f = malloc(o.n * sizeof(*o.f));
	if (!o.f)
		return -ENOMEM;
	for (struct finding *f = findings_first(fs); f && i < o.n; f = findings_next(f))
		o.f[i++] = f;
	o.n = i;
	o.nblocks = (o.n + FINDINGS_OUT_BLOCK - 1) / FINDINGS_OUT_BLOCK;
	pthread_mutex_init(&o.mu, NULL);
	pthread_cond_init(&o.cv, NULL);
	for (size_t j = 0; j < OUT_AHEAD; j++)
		buf_init(&o.slot[j], SIZE_MAX / 2);
	ret = run(&o, fd, threads);
	for (size_t j = 0; j < OUT_AHEAD; j++)
		buf_free(&o.slot[j]);
	pthread_cond_destroy(&o.cv);
	pthread_mutex_destroy(&o.mu);
	free(o.f);
	return ret;
}

int findings_out_write(struct sensor *s, const struct finding_ctx *ctx, int fd)
{
	return out_write(s, ctx, fd, true);
}

int findings_out_write1(struct sensor *s, const struct finding_ctx *ctx, int fd)
{
	return out_write(s, ctx, fd, false);
}

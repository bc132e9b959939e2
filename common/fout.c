/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "fout.h"

void fout_opts_default(struct fout_opts *o)
{
	o->rate = FOUT_RATE;
	o->burst = FOUT_BURST;
	o->max_file = FOUT_MAX_FILE;
}

void fout_init(struct fout *fo, const struct fout_opts *o, uint64_t file_bytes,
	       uint64_t now_ns)
{
	memset(fo, 0, sizeof(*fo));
	fo->o = *o;
	if (!fo->o.rate)
		fo->o.rate = 1;
	fo->tokens_milli = fo->o.burst * 1000;
	fo->last_ns = now_ns;
	fo->file_bytes = file_bytes;
}

static void refill(struct fout *fo, uint64_t now_ns)
{
	uint64_t cap = fo->o.burst * 1000, dt, add;

	if (now_ns <= fo->last_ns)
		return;
	dt = now_ns - fo->last_ns;
	/* rate bytes/s = rate * 1000 milli-bytes per 1e9 ns; no overflow
	 * for dt up to a day at 1 GB/s: cap the step instead. */
	if (dt > 86400000000000ull)
		dt = 86400000000000ull;
	add = (uint64_t)((unsigned __int128)dt * fo->o.rate / 1000000);
	fo->tokens_milli = cap - fo->tokens_milli < add ? cap : fo->tokens_milli + add;
	fo->last_ns = now_ns;
}

enum fout_verdict fout_decide(struct fout *fo, size_t len,
			      enum fout_class cls, uint64_t now_ns)
{
	uint64_t need = (uint64_t)len * 1000;
	/* Lower classes leave the bottom of the bucket to higher ones. */
	uint64_t floor = cls == FOUT_KEY ? 0 :
			 cls == FOUT_NEW ? fo->o.burst * 250 : fo->o.burst * 500;
	enum fout_verdict v = FOUT_WRITE;

	refill(fo, now_ns);
	if (fo->tokens_milli < floor || fo->tokens_milli - floor < need) {
		fo->st.dropped++;
		fo->st.dropped_bytes += len;
		return FOUT_DROP;
	}
	fo->tokens_milli -= need;
	if (fo->o.max_file && fo->file_bytes + len > fo->o.max_file &&
	    fo->file_bytes > 0)
		v = FOUT_ROTATE_WRITE;
	if (v == FOUT_ROTATE_WRITE)
		fo->file_bytes = 0; /* the caller rotates before writing */
	fo->file_bytes += len;
	fo->last_len = len;
	fo->st.written++;
	fo->st.written_bytes += len;
	return v;
}

void fout_rotated(struct fout *fo)
{
	fo->st.rotations++;
	fo->file_bytes = fo->last_len; /* the new file holds that record */
}

void fout_reopened(struct fout *fo, uint64_t file_bytes)
{
	fo->file_bytes = file_bytes;
}

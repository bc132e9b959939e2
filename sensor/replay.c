/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cli.h"
#include "hidx.h"
#include "log.h"
#include "pcapfile.h"
#include "replay.h"

struct replay {
	struct sensor *sensor;
	int dlt;
};

static void frames_of(const struct pcapf_rec *rec, int n, struct sensor_frame *fr)
{
	for (int i = 0; i < n; i++) {
		fr[i].buf = rec[i].data;
		fr[i].caplen = rec[i].caplen;
		fr[i].ts_ns = rec[i].ts_ns;
	}
}

/*
 * The first mapped capture goes through a pipeline of chunks (ring slot =
 * chunk number % REPLAY_RING). This thread reads the records of chunks in
 * order (their offsets) and parses them (sensor_prescan) while the other
 * one loads the lists and builds the set. Once the set is there, this
 * thread only reads records on (the cheap, sequential part) and finishes
 * each looked-up chunk in order (flows and findings), so the findings are
 * those of a plain read; the parse and the lookups of a chunk are work
 * for either thread, the other one's first (the work only reads the set
 * and the mapping, and writes its chunk).
 */
#define REPLAY_CHUNK 16384u
#define REPLAY_RING (REPLAY_PRE_MAX / REPLAY_CHUNK)
/* A chunk keeps 32-bit offsets: it ends before its records span more. */
#define REPLAY_SPAN_MAX (UINT32_MAX - (64u << 20))
/* Finished pages of the mapping are let go in steps of this. */
#define REPLAY_RELEASE (32u << 20)

/* Records read ahead of the parse, in chunks (the frames still cached). */
#define REPLAY_READ_AHEAD 4

struct chunk {
	const uint8_t *base; /* data of its first record */
	uint32_t off[REPLAY_CHUNK]; /* data of record i: base + off[i] */
	struct sensor_pre pre[REPLAY_CHUNK];
	uint8_t kind[REPLAY_CHUNK];
	struct sensor_pre6 *pre6; /* REPLAY_CHUNK, touched as far as used */
	uint32_t n;
	uint32_t hits; /* frames the lookup found listed (finished again) */
	size_t n6;
	bool parsed; /* sensor_prescan() done (before it was published) */
	struct sensor_stats st; /* the parse's counters */
	atomic_bool looked;
};

struct pipe {
	struct replay *r;
	struct pcapf *pf;
	const struct tset *tset; /* set once it is built */
	struct chunk *ring[REPLAY_RING];
	/*
	 * Finished chunks, for the next ones to reuse (this thread only: it
	 * alone reads records into chunks and finishes them): a capture
	 * whose set comes early fills only the chunks in flight, not every
	 * slot of the ring with fresh pages.
	 */
	struct chunk *spare[REPLAY_RING];
	size_t nspare;
	/*
	 * Where chunks come from (hidx_zalloc(): pages as first written, 2
	 * MiB at a time; a chunk's pages faulted one 4 KiB page at a time
	 * were a tenth of the clean replay's main thread on a VM), handed
	 * out in order when no spare is left; IPv6 addresses in a region of
	 * their own, on 4 KiB pages (a chunk uses the start of its part, as
	 * far as it has IPv6 frames: on huge pages a mixed capture made every
	 * part resident, 27 MB more peak RSS).
	 */
	struct chunk *mem;
	struct sensor_pre6 *mem6;
	size_t nmem;
	atomic_uint_fast64_t parsed; /* chunks read (published), maybe parsed */
	atomic_uint_fast64_t next;   /* next chunk to parse if need be and look up */
	atomic_bool end;             /* no more chunks will be parsed */
	/* Waiting: gen moves on at every step either thread may wait for. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	atomic_uint_fast64_t gen;
	struct sensor_vcache vc[2]; /* this thread's, the other one's */
	uint64_t finished;           /* chunks finished (this thread only) */
	size_t frames;               /* frames parsed (this thread only) */
	const uint8_t *released;     /* mapped pages before this were let go */
	int err_rc;                  /* the capture's damage, reported after */
	char err[ERRLEN];
};

/* The other thread: lists, then the set, then lookups. */
struct setjob {
	struct replay_set *set;
	struct pipe *pipe;
	int rc;
	char err[ERRLEN];
	atomic_bool done;
};

static void chunk_frame(const struct pipe *p, const struct chunk *c, size_t i,
			struct sensor_frame *f)
{
	struct pcapf_rec rec;

	pcapf_rec_at(p->pf, c->base + c->off[i], &rec);
	f->buf = rec.data;
	f->caplen = rec.caplen;
	f->ts_ns = rec.ts_ns;
}

static uint64_t pipe_gen(struct pipe *p)
{
	return atomic_load_explicit(&p->gen, memory_order_acquire);
}

/* After a step: wake whoever waits for one. */
static void pipe_wake(struct pipe *p)
{
	pthread_mutex_lock(&p->mu);
	atomic_fetch_add_explicit(&p->gen, 1, memory_order_acq_rel);
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* Sleep until a step after pipe_gen() said seen (taken before looking). */
static void pipe_wait(struct pipe *p, uint64_t seen)
{
	pthread_mutex_lock(&p->mu);
	while (pipe_gen(p) == seen)
		pthread_cond_wait(&p->cv, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

/* Parse a chunk whose records were read (any thread: reads the mapping). */
static void chunk_parse(const struct pipe *p, struct chunk *c)
{
	struct sensor_frame fr[SENSOR_BATCH];
	struct pcapf_rec rec;

	for (uint32_t g = 0; g < c->n; g += SENSOR_BATCH) {
		uint32_t m = c->n - g < SENSOR_BATCH ? c->n - g : SENSOR_BATCH;

		for (uint32_t i = 0; i < m; i++) {
			/* Ask for the next group's frames (read here by the other core). */
			if (g + SENSOR_BATCH + i < c->n)
				__builtin_prefetch(c->base + c->off[g + SENSOR_BATCH + i]);
			pcapf_rec_at(p->pf, c->base + c->off[g + i], &rec);
			fr[i].buf = rec.data;
			fr[i].caplen = rec.caplen;
			fr[i].ts_ns = rec.ts_ns;
		}
		sensor_prescan(&c->st, p->r->dlt, fr, m, c->pre + g, c->kind + g, c->pre6,
			       &c->n6);
	}
	c->parsed = true;
}

static void chunk_lookup(struct pipe *p, struct sensor_vcache *vc, struct chunk *c)
{
	if (!c->parsed)
		chunk_parse(p, c);
	sensor_pre_lookup(p->tset, vc, c->pre, c->pre6, c->kind, c->n);
	c->hits = 0;
	for (uint32_t i = 0; i < c->n; i++)
		c->hits += (c->kind[i] & SENSOR_PRE_HIT) != 0;
	atomic_store_explicit(&c->looked, true, memory_order_release);
	pipe_wake(p);
}

static void pipe_end(struct pipe *p)
{
	atomic_store_explicit(&p->end, true, memory_order_release);
	pipe_wake(p);
}

/* Claim the next chunk read and not looked up yet, parse it if need be
 * and look it up. */
static bool pipe_lookup_one(struct pipe *p, struct sensor_vcache *vc)
{
	uint_fast64_t k = atomic_load_explicit(&p->next, memory_order_relaxed);

	while (k < atomic_load_explicit(&p->parsed, memory_order_acquire)) {
		if (atomic_compare_exchange_weak_explicit(&p->next, &k, k + 1,
							  memory_order_acq_rel,
							  memory_order_relaxed)) {
			chunk_lookup(p, vc, p->ring[k % REPLAY_RING]);
			return true;
		}
	}
	return false;
}

static void *setjob_run(void *arg)
{
	struct setjob *j = arg;
	struct replay_set *set = j->set;
	struct pipe *p = j->pipe;
	uint64_t t0 = util_now_mono_ns(), t1;

	j->rc = set->load(set->arg, &set->lists, &set->nlists);
	t1 = util_now_mono_ns();
	if (!j->rc && !(set->tset = tset_build(set->lists, set->nlists, j->err,
					       sizeof(j->err))))
		j->rc = EXIT_FAIL;
	set->load_ns = t1 - t0;
	set->build_ns = util_now_mono_ns() - t1;
	if (p)
		p->tset = set->tset;
	atomic_store_explicit(&j->done, true, memory_order_release);
	if (!p)
		return NULL;
	pipe_wake(p);
	while (!j->rc) {
		uint64_t seen = pipe_gen(p);
		bool end = atomic_load_explicit(&p->end, memory_order_acquire);

		if (pipe_lookup_one(p, &p->vc[1]))
			continue;
		if (end)
			break;
		pipe_wait(p, seen);
	}
	return NULL;
}

/*
 * Read the next chunk's records, and parse them when parse (else the
 * lookup does); false at the end of the capture (or no memory).
 */
static bool pipe_parse_one(struct pipe *p, bool parse)
{
	uint_fast64_t k = atomic_load_explicit(&p->parsed, memory_order_relaxed);
	struct chunk **slot = &p->ring[k % REPLAY_RING], *c;
	struct sensor_frame fr[SENSOR_BATCH];
	struct pcapf_rec rec[SENSOR_BATCH];
	int rc = 0;

	if (!*slot && p->nspare)
		*slot = p->spare[--p->nspare];
	if (!*slot) {
		/* At most REPLAY_RING are out at once: one per ring slot. */
		*slot = &p->mem[p->nmem];
		(*slot)->pre6 = p->mem6 + p->nmem * REPLAY_CHUNK;
		p->nmem++;
	}
	c = *slot;
	c->n = 0;
	c->n6 = 0;
	c->base = NULL;
	c->parsed = parse;
	memset(&c->st, 0, sizeof(c->st));
	atomic_store_explicit(&c->looked, false, memory_order_relaxed);
	while (c->n < REPLAY_CHUNK) {
		/* A batch may end short (the reader's contract): never past the chunk. */
		rc = pcapf_next_batch(p->pf, rec,
				      REPLAY_CHUNK - c->n < SENSOR_BATCH ? (int)(REPLAY_CHUNK - c->n)
									 : SENSOR_BATCH,
				      p->err, sizeof(p->err));
		if (rc <= 0)
			break;
		if (!c->base)
			c->base = rec[0].data;
		for (int i = 0; i < rc; i++)
			c->off[c->n + (uint32_t)i] = (uint32_t)(rec[i].data - c->base);
		if (parse) {
			frames_of(rec, rc, fr);
			sensor_prescan(&c->st, p->r->dlt, fr, (size_t)rc, c->pre + c->n,
				       c->kind + c->n, c->pre6, &c->n6);
		}
		c->n += (uint32_t)rc;
		p->frames += (size_t)rc;
		if ((size_t)(rec[rc - 1].data - c->base) > REPLAY_SPAN_MAX)
			break;
	}
	if (rc < 0)
		p->err_rc = rc;
	if (c->n) {
		atomic_store_explicit(&p->parsed, k + 1, memory_order_release);
		pipe_wake(p);
	}
	return rc > 0;
}

static void pipe_finish_one(struct pipe *p, struct chunk *c)
{
	struct sensor_frame f[SENSOR_BATCH];
	uint8_t k[SENSOR_BATCH];
	size_t m = 0;

	sensor_count_pre(p->r->sensor, &c->st);
	/*
	 * Most of it read again (a scan): its pages, let go behind the
	 * reader by now, mapped back in at once.
	 */
	if (c->hits >= c->n / 8) {
		chunk_frame(p, c, c->n - 1, &f[0]);
		pcapf_reread(p->pf, c->base, f[0].buf + f[0].caplen);
	}
	for (uint32_t i = 0; i < c->n; i++) {
		/* Read again long after: ask ahead. */
		if (i + SENSOR_BATCH < c->n && (c->kind[i + SENSOR_BATCH] & SENSOR_PRE_HIT))
			__builtin_prefetch(c->base + c->off[i + SENSOR_BATCH] - 16);
		if (!(c->kind[i] & SENSOR_PRE_HIT))
			continue;
		/* The hits in groups, in capture order (the rest did nothing). */
		chunk_frame(p, c, i, &f[m]);
		k[m++] = c->kind[i];
		if (m == SENSOR_BATCH) {
			sensor_pre_finish(p->r->sensor, p->r->dlt, f, k, m);
			m = 0;
		}
	}
	if (m)
		sensor_pre_finish(p->r->sensor, p->r->dlt, f, k, m);
	p->finished++;
	if (!p->released)
		p->released = c->base; /* the set came before any chunk was parsed */
	/* Finished pages go (the frames that hit were read again: back in). */
	if (p->finished < atomic_load_explicit(&p->parsed, memory_order_acquire)) {
		const uint8_t *to = p->ring[p->finished % REPLAY_RING]->base;

		if (to > p->released + REPLAY_RELEASE) {
			pcapf_release(p->pf, p->released, to);
			p->released = to;
		}
	}
	/* Both threads are done with it (it was looked up): reuse it. */
	p->ring[(p->finished - 1) % REPLAY_RING] = NULL;
	p->spare[p->nspare++] = c;
}

/*
 * The set is there: finish chunks in order as they are looked up; in
 * between, read records on while the ring has room (a little ahead of
 * the parse first), or parse and look up.
 */
static void pipe_drain(struct pipe *p, bool more)
{
	if (atomic_load_explicit(&p->parsed, memory_order_relaxed))
		p->released = p->ring[0]->base;
	for (;;) {
		uint64_t seen = pipe_gen(p);
		uint_fast64_t parsed = atomic_load_explicit(&p->parsed, memory_order_acquire);

		if (p->finished < parsed) {
			struct chunk *c = p->ring[p->finished % REPLAY_RING];

			if (atomic_load_explicit(&c->looked, memory_order_acquire)) {
				pipe_finish_one(p, c);
				continue;
			}
		}
		if (more && parsed - p->finished < REPLAY_RING &&
		    parsed - atomic_load_explicit(&p->next, memory_order_relaxed) <
			    REPLAY_READ_AHEAD) {
			more = pipe_parse_one(p, false);
			if (!more)
				pipe_end(p);
			continue;
		}
		if (pipe_lookup_one(p, &p->vc[0]))
			continue;
		if (more && parsed - p->finished < REPLAY_RING) {
			more = pipe_parse_one(p, false);
			if (!more)
				pipe_end(p);
			continue;
		}
		if (p->finished == parsed && !more)
			return;
		pipe_wait(p, seen); /* the other thread is looking up the next one */
	}
}

#define REPLAY_MEM6 ((size_t)REPLAY_RING * REPLAY_CHUNK * sizeof(struct sensor_pre6))

static int pipe_alloc(struct pipe *p)
{
	p->mem = hidx_zalloc(REPLAY_RING * sizeof(*p->mem));
	p->mem6 = mmap(NULL, REPLAY_MEM6, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p->mem6 == MAP_FAILED)
		p->mem6 = NULL;
	return p->mem && p->mem6 ? 0 : -ENOMEM;
}

static void pipe_free(struct pipe *p)
{
	hidx_zfree(p->mem, REPLAY_RING * sizeof(*p->mem));
	if (p->mem6)
		munmap(p->mem6, REPLAY_MEM6);
}

void replay_prepare(void)
{
	hidx_huge_from(HIDX_HUGE_MIN);
}

static int replay_bad_dlt(int dlt, const char *path)
{
	const char *name = pcap_datalink_val_to_name(dlt);

	log_warnx("%s: link type %s (%d) is not supported", path,
		  name ? name : "unknown", dlt);
	return EXIT_USAGE;
}

static void replay_cb(u_char *user, const struct pcap_pkthdr *h,
		      const u_char *bytes)
{
	struct replay *r = (struct replay *)user;
	/* Opened with nanosecond precision: tv_usec holds nanoseconds. */
	uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000ull +
		      (uint64_t)h->ts.tv_usec;

	sensor_packet(r->sensor, r->dlt, bytes, h->caplen, ts, NULL);
}

/* Classic pcap, our reader: frames go to the sensor in batches. */
static int replay_mapped(struct replay *r, struct pcapf *pf, const char *path)
{
	struct sensor_frame fr[SENSOR_BATCH];
	struct pcapf_rec rec[SENSOR_BATCH];
	char err[ERRLEN];
	int rc;

	r->dlt = pcapf_dlt(pf);
	if (!pkt_dlt_supported(r->dlt))
		return replay_bad_dlt(r->dlt, path);
	while ((rc = pcapf_next_batch(pf, rec, SENSOR_BATCH, err, sizeof(err))) > 0) {
		frames_of(rec, rc, fr);
		sensor_batch(r->sensor, r->dlt, fr, (size_t)rc);
	}
	if (rc < 0) {
		/* Findings from the packets before the damage still count. */
		log_warnx("%s: %s", path, err);
		return EXIT_USAGE;
	}
	return 0;
}

/* pcapng, a pipe, or not a capture at all: libpcap says which. */
static int replay_libpcap(struct replay *r, const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p;
	int rc = 0;

	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO,
						    errbuf);
	if (!p) {
		/* libpcap's message usually starts with the path already. */
		if (!strncmp(errbuf, path, strlen(path)))
			log_warnx("%s", errbuf);
		else
			log_warnx("%s: %s", path, errbuf);
		return EXIT_USAGE;
	}
	r->dlt = pcap_datalink(p);
	if (!pkt_dlt_supported(r->dlt)) {
		rc = replay_bad_dlt(r->dlt, path);
		goto out;
	}
	if (pcap_loop(p, -1, replay_cb, (u_char *)r) == PCAP_ERROR) {
		/* Findings from the packets before the damage still count. */
		log_warnx("%s: %s", path, pcap_geterr(p));
		rc = EXIT_USAGE;
	}
out:
	pcap_close(p);
	return rc;
}

/*
 * 0, or EXIT_USAGE for a capture that cannot be read. pf: the capture
 * opened (and maybe read partly through the pipeline) already, or NULL;
 * closed here.
 */
static int replay_file(struct replay *r, const char *path, struct pcapf *pf)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	int rc = pf ? 0 : pcapf_open(path, &pf, errbuf, sizeof(errbuf));

	if (rc == 0) {
		rc = replay_mapped(r, pf, path);
		pcapf_close(pf);
		return rc;
	}
	if (rc == -EBADMSG) {
		log_warnx("%s: %s", path, errbuf);
		return EXIT_USAGE;
	}
	return replay_libpcap(r, path);
}

int replay_run(struct sensor *s, char *const *paths, size_t n, struct replay_set *set,
	       size_t *ahead)
{
	struct replay r = { .sensor = s };
	struct pipe *pipe = NULL;
	struct setjob job = { .set = set };
	struct pcapf *first = NULL;
	char errbuf[PCAP_ERRBUF_SIZE];
	bool threaded, more = false;
	size_t i = 0;
	pthread_t th;
	int rc = 0;

	*ahead = 0;
	/* A classic pcap file is mapped: parse it ahead while the set builds. */
	if (n && pcapf_open(paths[0], &first, errbuf, sizeof(errbuf)) == 0 &&
	    (!pcapf_mapped(first) || !pkt_dlt_supported(pcapf_dlt(first)))) {
		pcapf_close(first);
		first = NULL;
	}
	/* Without memory for it, the capture is read after the set is built. */
	if (first && (pipe = calloc(1, sizeof(*pipe))) && pipe_alloc(pipe)) {
		pipe_free(pipe);
		free(pipe);
		pipe = NULL;
	}
	if (pipe) {
		pthread_mutex_init(&pipe->mu, NULL);
		pthread_cond_init(&pipe->cv, NULL);
		r.dlt = pcapf_dlt(first);
		pipe->r = &r;
		pipe->pf = first;
		job.pipe = pipe;
	}
	threaded = pthread_create(&th, NULL, setjob_run, &job) == 0;
	if (!threaded) {
		job.pipe = NULL;
		setjob_run(&job);
	} else if (!pipe) {
		/* Nothing to read ahead: the set first. */
		pthread_join(th, NULL);
		threaded = false;
	} else {
		more = true;
		for (;;) {
			uint64_t seen = pipe_gen(pipe);

			if (atomic_load_explicit(&job.done, memory_order_acquire))
				break;
			if (!more || atomic_load_explicit(&pipe->parsed, memory_order_relaxed) >=
					     REPLAY_RING)
				pipe_wait(pipe, seen); /* for the set */
			else
				more = pipe_parse_one(pipe, true);
		}
		*ahead = pipe->frames;
	}
	if (job.rc) {
		if (pipe)
			pipe_end(pipe);
		if (threaded)
			pthread_join(th, NULL);
		if (*job.err)
			log_warnx("%s", job.err);
		rc = job.rc;
		pcapf_close(first);
		goto out;
	}
	sensor_set_tset(s, set->tset);
	if (threaded && pipe) {
		if (!more)
			pipe_end(pipe);
		pipe_drain(pipe, more);
		pipe_end(pipe);
	}
	if (threaded)
		pthread_join(th, NULL);
	if (pipe && pipe->err_rc) {
		/* Findings from the packets before the damage still count. */
		log_warnx("%s: %s", paths[0], pipe->err);
		pcapf_close(first);
		rc = EXIT_USAGE;
		i = 1;
	}
	for (; i < n; i++) {
		int frc = replay_file(&r, paths[i], i == 0 ? first : NULL);

		if (frc && !rc)
			rc = frc;
	}
out:
	if (pipe) {
		pipe_free(pipe);
		pthread_cond_destroy(&pipe->cv);
		pthread_mutex_destroy(&pipe->mu);
		free(pipe);
	}
	return rc;
}

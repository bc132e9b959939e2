/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "pcapfile.h"
#include "replay.h"

struct replay {
	struct sensor *sensor;
	int dlt;
};

/* The other thread: lists, then the set. */
struct setjob {
	struct replay_set *set;
	int rc;
	char err[ERRLEN];
	atomic_bool done;
};

static void *setjob_run(void *arg)
{
	struct setjob *j = arg;
	struct replay_set *set = j->set;
	uint64_t t0 = util_now_mono_ns(), t1;

	j->rc = set->load(set->arg, &set->lists, &set->nlists);
	t1 = util_now_mono_ns();
	if (!j->rc && !(set->tset = tset_build(set->lists, set->nlists, j->err,
					       sizeof(j->err))))
		j->rc = EXIT_FAIL;
	set->load_ns = t1 - t0;
	set->build_ns = util_now_mono_ns() - t1;
	atomic_store_explicit(&j->done, true, memory_order_release);
	return NULL;
}

struct prescan {
	struct sensor_pre *pre;
	uint8_t *kind;
	size_t n;
	struct pcapf_pos start;
};

static void frames_of(const struct pcapf_rec *rec, int n, struct sensor_frame *fr)
{
	for (int i = 0; i < n; i++) {
		fr[i].buf = rec[i].data;
		fr[i].caplen = rec[i].caplen;
		fr[i].ts_ns = rec[i].ts_ns;
	}
}

/* Parse the capture ahead until the set is built (or REPLAY_PRE_MAX). */
static void replay_prescan(struct replay *r, struct pcapf *pf, struct setjob *j,
			   struct prescan *ps)
{
	struct sensor_frame fr[SENSOR_BATCH];
	struct pcapf_rec rec[SENSOR_BATCH];
	char err[ERRLEN];
	int rc;

	pcapf_tell(pf, &ps->start);
	ps->pre = malloc(REPLAY_PRE_MAX * sizeof(*ps->pre));
	ps->kind = malloc(REPLAY_PRE_MAX);
	if (!ps->pre || !ps->kind)
		return;
	while (ps->n + SENSOR_BATCH <= REPLAY_PRE_MAX &&
	       !atomic_load_explicit(&j->done, memory_order_acquire)) {
		/* A damaged record ends the prescan; the reader reports it. */
		rc = pcapf_next_batch(pf, rec, SENSOR_BATCH, err, sizeof(err));
		if (rc <= 0)
			break;
		frames_of(rec, rc, fr);
		sensor_prescan(r->sensor, r->dlt, fr, (size_t)rc, ps->pre + ps->n,
			       ps->kind + ps->n);
		ps->n += (size_t)rc;
	}
}

/* The set is there: finish the prescanned frames, read them again. */
static int replay_prescanned(struct replay *r, struct pcapf *pf,
			     const struct prescan *ps)
{
	struct sensor_frame fr[SENSOR_BATCH];
	struct pcapf_rec rec[SENSOR_BATCH];
	char err[ERRLEN];
	size_t done = 0;
	int rc;

	if (!ps->n)
		return 0;
	if (pcapf_seek(pf, &ps->start))
		return -ESPIPE;
	while (done < ps->n) {
		size_t want = ps->n - done < SENSOR_BATCH ? ps->n - done : SENSOR_BATCH;

		rc = pcapf_next_batch(pf, rec, (int)want, err, sizeof(err));
		if (rc <= 0)
			return -EBADMSG; /* it was read once: cannot happen */
		frames_of(rec, rc, fr);
		sensor_batch_pre(r->sensor, r->dlt, fr, ps->pre + done, ps->kind + done,
				 (size_t)rc);
		done += (size_t)rc;
	}
	return 0;
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
 * opened (and maybe prescanned, ps) already, or NULL; closed here.
 */
static int replay_file(struct replay *r, const char *path, struct pcapf *pf,
		       const struct prescan *ps)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	int rc = pf ? 0 : pcapf_open(path, &pf, errbuf, sizeof(errbuf));

	if (rc == 0) {
		if (ps && (rc = replay_prescanned(r, pf, ps))) {
			log_warnx("%s: reading the capture again: %s", path, strerror(-rc));
			rc = EXIT_FAIL;
		}
		if (!rc)
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
	struct setjob job = { .set = set };
	struct replay r = { .sensor = s };
	struct prescan ps = { 0 };
	struct pcapf *first = NULL;
	char errbuf[PCAP_ERRBUF_SIZE];
	pthread_t th;
	bool threaded;
	int rc = 0;

	*ahead = 0;
	/* A classic pcap file is mapped: parse it ahead while the set builds. */
	if (n && pcapf_open(paths[0], &first, errbuf, sizeof(errbuf)) == 0 &&
	    (!pcapf_mapped(first) || !pkt_dlt_supported(pcapf_dlt(first)))) {
		pcapf_close(first);
		first = NULL;
	}
	threaded = pthread_create(&th, NULL, setjob_run, &job) == 0;
	if (!threaded) {
		setjob_run(&job);
	} else if (first) {
		r.dlt = pcapf_dlt(first);
		replay_prescan(&r, first, &job, &ps);
	}
	if (threaded)
		pthread_join(th, NULL);
	if (job.rc) {
		if (*job.err)
			log_warnx("%s", job.err);
		rc = job.rc;
		pcapf_close(first);
		goto out;
	}
	*ahead = ps.n;
	sensor_set_tset(s, set->tset);
	for (size_t i = 0; i < n; i++) {
		int frc = replay_file(&r, paths[i], i == 0 ? first : NULL,
				      i == 0 && first ? &ps : NULL);

		if (frc && !rc)
			rc = frc;
	}
out:
	free(ps.pre);
	free(ps.kind);
	return rc;
}

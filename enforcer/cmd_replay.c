/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "list_args.h"
#include "log.h"
#include "pcapfile.h"
#include "sensor.h"

static const char usage[] =
	"[-c FILE] [--state-dir DIR] [--threat-list [FMT:]FILE]... "
	"[--trusted-list [FMT:]FILE]... [--instance-id ID] [--max-flows N] PCAP...";

enum {
	OPT_INSTANCE = CLI_OPT__NEXT,
	OPT_MAX_FLOWS,
	OPT_MAX_FINDINGS,
};

static const struct option replay_opts[] = {
	CLI_COMMON_LONGOPTS,
	LIST_ARGS_LONGOPTS,
	{ "instance-id", required_argument, NULL, OPT_INSTANCE },
	{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
	{ "max-findings", required_argument, NULL, OPT_MAX_FINDINGS },
	{ NULL, 0, NULL, 0 }
};

struct replay {
	struct sensor *sensor;
	int dlt;
};

/*
 * The lists are loaded and the set built on another core while this one
 * maps the first capture and parses it ahead (sensor_prescan()), up to
 * PRE_MAX frames (9 bytes kept a frame); once the set is
 * there those frames are finished from what was kept, then the rest is
 * read as usual. Same results, in the same order, as doing one thing
 * after the other (the golden tests and bench_replay.sh compare them).
 */
#define PRE_MAX (4u << 20) /* 36 MiB of kept lookups at most */

struct setjob {
	const struct list_args *la;
	struct lists *ls;
	struct list **lists;
	size_t nlists;
	struct tset *tset;
	int rc;
	uint64_t t_start, t_loaded, t_built;
	char err[ERRLEN];
	atomic_bool done;
};

static void *setjob_run(void *arg)
{
	struct setjob *j = arg;

	j->t_start = util_now_mono_ns();
	j->rc = list_args_load(j->la, j->ls, &j->lists, &j->nlists, false);
	j->t_loaded = util_now_mono_ns();
	if (!j->rc && !(j->tset = tset_build(j->lists, j->nlists, j->err,
					     sizeof(j->err))))
		j->rc = EXIT_FAIL;
	j->t_built = util_now_mono_ns();
	atomic_store_explicit(&j->done, true, memory_order_release);
	return NULL;
}

struct prescan {
	struct sensor_pre *pre;
	uint8_t *kind;
	size_t n;
	struct pcapf_pos start;
};

/* Parse the capture ahead until the set is built (or PRE_MAX). */
static void replay_prescan(struct replay *r, struct pcapf *pf,
			   struct setjob *j, struct prescan *ps)
{
	struct sensor_frame fr[SENSOR_BATCH];
	struct pcapf_rec rec[SENSOR_BATCH];
	char err[ERRLEN];
	int rc;

	pcapf_tell(pf, &ps->start);
	ps->pre = malloc(PRE_MAX * sizeof(*ps->pre));
	ps->kind = malloc(PRE_MAX);
	if (!ps->pre || !ps->kind)
		return;
	while (ps->n + SENSOR_BATCH <= PRE_MAX &&
	       !atomic_load_explicit(&j->done, memory_order_acquire)) {
		/* A damaged record ends the prescan; the reader reports it. */
		rc = pcapf_next_batch(pf, rec, SENSOR_BATCH, err, sizeof(err));
		if (rc <= 0)
			break;
		for (int i = 0; i < rc; i++) {
			fr[i].buf = rec[i].data;
			fr[i].caplen = rec[i].caplen;
			fr[i].ts_ns = rec[i].ts_ns;
		}
		sensor_prescan(r->sensor, r->dlt, fr, (size_t)rc, ps->pre + ps->n,
			       ps->kind + ps->n);
		ps->n += (size_t)rc;
	}
}

/* The set is there: finish the prescanned frames, read them again. */
static int replay_prescanned(struct replay *r, struct pcapf *pf,
			     struct prescan *ps)
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
		for (int i = 0; i < rc; i++) {
			fr[i].buf = rec[i].data;
			fr[i].caplen = rec[i].caplen;
			fr[i].ts_ns = rec[i].ts_ns;
		}
		sensor_batch_pre(r->sensor, r->dlt, fr, ps->pre + done,
				 ps->kind + done, (size_t)rc);
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
		for (int i = 0; i < rc; i++) {
			fr[i].buf = rec[i].data;
			fr[i].caplen = rec[i].caplen;
			fr[i].ts_ns = rec[i].ts_ns;
		}
		sensor_batch(r->sensor, r->dlt, fr, (size_t)rc);
	}
	if (rc < 0) {
		/* Findings from the packets before the damage still count. */
		log_warnx("%s: %s", path, err);
		return EXIT_USAGE;
	}
	return 0;
}

/*
 * 0, or EXIT_USAGE for a capture that cannot be read. pf: the capture
 * opened (and maybe prescanned) already, or NULL; closed here.
 */
static int replay_file(struct replay *r, const char *path, struct pcapf *pf,
		       struct prescan *ps)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p;
	int rc = 0;

	rc = pf ? 0 : pcapf_open(path, &pf, errbuf, sizeof(errbuf));
	if (rc == 0) {
		rc = ps && replay_prescanned(r, pf, ps) ? EXIT_FAIL : 0;
		if (!rc)
			rc = replay_mapped(r, pf, path);
		pcapf_close(pf);
		return rc;
	}
	if (rc == -EBADMSG) {
		log_warnx("%s: %s", path, errbuf);
		return EXIT_USAGE;
	}
	/* pcapng, a pipe, or not a capture at all: libpcap says which. */
	rc = 0;

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

static int print_findings(struct sensor *s, const char *instance_id)
{
	struct finding_ctx ctx = { .instance_id = instance_id };
	struct finding *f;

	for (f = findings_first(sensor_findings(s)); f; f = findings_next(f)) {
		char *json;

		findings_id(f);
		sensor_explain(s, f);
		json = finding_to_json(f, &ctx);

		if (!json) {
			log_warnx("out of memory writing findings");
			return EXIT_FAIL;
		}
		puts(json);
		free(json);
	}
	if (fflush(stdout) == EOF || ferror(stdout)) {
		log_warn("stdout");
		return EXIT_FAIL;
	}
	return 0;
}

static void print_summary(struct sensor *s, uint64_t ns, size_t ahead)
{
	const struct sensor_stats *st = sensor_get_stats(s);
	struct findings_stats fst;
	double secs = (double)ns / 1e9;

	fprintf(stderr,
		"replay: %llu packets, %llu IP, %llu matched, %llu trusted, "
		"%llu not IP, %llu truncated, %llu malformed, %zu findings, "
		"%.3f s, %.2f Mpps\n",
		(unsigned long long)st->packets, (unsigned long long)st->ip,
		(unsigned long long)st->matched, (unsigned long long)st->trusted,
		(unsigned long long)st->skipped,
		(unsigned long long)st->truncated,
		(unsigned long long)st->malformed,
		findings_count(sensor_findings(s)), secs,
		secs > 0 ? (double)st->packets / secs / 1e6 : 0.0);
	if (ahead)
		fprintf(stderr, "replay: %zu packets parsed ahead while the set "
				"was built (on the other core)\n", ahead);
	if (st->lost)
		fprintf(stderr, "replay: %llu matched packets not tracked "
				"(flow or finding table full)\n",
			(unsigned long long)st->lost);
	findings_get_stats(sensor_findings(s), &fst);
	if (fst.evicted || fst.merged)
		fprintf(stderr, "replay: %llu findings evicted to make room, "
				"%llu flows folded into many-ports findings\n",
			(unsigned long long)fst.evicted,
			(unsigned long long)fst.merged);
}

static void print_set_summary(const struct tset *t, size_t entries,
			      uint64_t load_ns, uint64_t build_ns)
{
	struct tset_stats st;

	tset_get_stats(t, &st);
	fprintf(stderr,
		"replay: %zu list entries loaded in %.3f s, set built in %.3f s "
		"(%zu IPv4 hosts, %zu IPv6 hosts, %zu IPv4 prefixes, "
		"%zu IPv6 prefixes, %.1f bytes/entry)\n",
		entries, (double)load_ns / 1e9, (double)build_ns / 1e9,
		st.hosts4, st.hosts6, st.prefixes4, st.prefixes6,
		entries ? (double)st.bytes / (double)entries : 0.0);
}

int cmd_replay(int argc, char **argv)
{
	struct cli_common common;
	struct list_args la;
	struct lists ls = { 0 };
	struct list **lists = NULL;
	struct sensor_opts so;
	struct sensor *sensor = NULL;
	struct tset *tset = NULL;
	struct setjob job = { .la = &la, .ls = &ls };
	struct prescan ps = { 0 };
	struct pcapf *first = NULL;
	char errbuf[PCAP_ERRBUF_SIZE];
	bool threaded = false;
	pthread_t th;
	struct replay r;
	const char *instance_id = NULL;
	uint64_t t0, t2, v;
	int c, rc = EXIT_USAGE;

	cli_common_init(&common);
	list_args_init(&la);
	sensor_opts_default(&so);
	optind = 1;
	while ((c = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, replay_opts,
				NULL)) != -1) {
		if (cli_common_opt(&common, c, optarg))
			continue;
		if ((rc = list_args_opt(&la, c, optarg)) < 0) {
			rc = -rc;
			goto out;
		}
		if (rc) {
			rc = 0;
			continue;
		}
		switch (c) {
		case OPT_INSTANCE:
			instance_id = optarg;
			break;
		case OPT_MAX_FLOWS:
		case OPT_MAX_FINDINGS:
			if (util_parse_u64(optarg, 16, 1u << 26, &v)) {
				log_warnx("--%s: '%s' is not a number in 16..%u",
					  c == OPT_MAX_FLOWS ? "max-flows" : "max-findings",
					  optarg, 1u << 26);
				rc = EXIT_USAGE;
				goto out;
			}
			*(c == OPT_MAX_FLOWS ? &so.max_flows : &so.max_findings) = v;
			break;
		default:
			rc = cli_usage_error(argv[0], usage);
			goto out;
		}
	}
	if (common.help) {
		printf("usage: cordon %s %s\n", argv[0], usage);
		rc = EXIT_OK;
		goto out;
	}
	if ((rc = cli_common_finish(&common)))
		goto out;
	if (optind >= argc) {
		rc = cli_usage_error(argv[0], usage);
		goto out;
	}
	if (la.n == 0)
		log_warnx("no --threat-list given: nothing can match");
	sensor = sensor_new(&so);
	if (!sensor) {
		log_warnx("out of memory");
		rc = EXIT_FAIL;
		goto out;
	}
	r.sensor = sensor;
	t0 = util_now_mono_ns();
	/* A classic pcap file is mapped: parse it ahead while the set builds. */
	if (pcapf_open(argv[optind], &first, errbuf, sizeof(errbuf)) == 0 &&
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
	while (!atomic_load_explicit(&job.done, memory_order_acquire))
		nanosleep(&(struct timespec){ .tv_nsec = 100000 }, NULL);
	lists = job.lists;
	tset = job.tset;
	if (job.rc) {
		if (*job.err)
			log_warnx("%s", job.err);
		rc = job.rc;
		goto out;
	}
	sensor_set_tset(sensor, tset);
	for (int i = optind; i < argc; i++) {
		int frc = replay_file(&r, argv[i], i == optind ? first : NULL,
				      i == optind && first ? &ps : NULL);

		if (i == optind)
			first = NULL; /* closed */
		if (frc && !rc)
			rc = frc;
	}
	t2 = util_now_mono_ns();
	print_set_summary(tset, lists_entries(&ls), job.t_loaded - job.t_start,
			  job.t_built - job.t_loaded);
	print_summary(sensor, t2 - t0, ps.n);
	c = print_findings(sensor, instance_id);
	if (c && !rc)
		rc = c;
out:
	if (threaded)
		pthread_join(th, NULL);
	pcapf_close(first);
	free(ps.pre);
	free(ps.kind);
	sensor_free(sensor);
	tset_free(tset);
	free(lists);
	lists_free(&ls);
	list_args_free(&la);
	return rc;
}

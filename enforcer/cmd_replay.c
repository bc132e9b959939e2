/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_ctx.h"
#include "lists_load.h"
#include "log.h"
#include "pcapfile.h"
#include "sensor.h"

enum {
	OPT_INSTANCE = CMD_OPT_OWN,
	OPT_MAX_FLOWS,
	OPT_MAX_FINDINGS,
};

static const struct cmd_spec spec = {
	.usage = "[--instance-id ID] [--max-flows N] [--max-findings N] PCAP...",
	.opts = (const struct option[]){
		{ "instance-id", required_argument, NULL, OPT_INSTANCE },
		{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
		{ "max-findings", required_argument, NULL, OPT_MAX_FINDINGS },
		{ NULL, 0, NULL, 0 },
	},
	.ext = { &cmd_opt_lists },
	.flags = CMD_OPERANDS,
};

struct replay {
	struct sensor *sensor;
	int dlt;
};

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

/* 0, or EXIT_USAGE for a capture that cannot be read. */
static int replay_file(struct replay *r, const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct pcapf *pf;
	pcap_t *p;
	int rc = 0;

	rc = pcapf_open(path, &pf, errbuf, sizeof(errbuf));
	if (rc == 0) {
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
		char *json = finding_to_json(f, &ctx);

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

static void print_summary(struct sensor *s, uint64_t ns)
{
	const struct sensor_stats *st = sensor_get_stats(s);
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
	if (st->lost)
		fprintf(stderr, "replay: %llu matched packets not tracked "
				"(flow or finding table full)\n",
			(unsigned long long)st->lost);
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
	const char *instance_id = NULL;
	struct sensor *sensor = NULL;
	struct list **lists = NULL;
	struct tset *tset = NULL;
	struct lists ls = { 0 };
	struct sensor_opts so;
	struct cmd_ctx cx;
	struct replay r;
	size_t nlists = 0;
	char err[ERRLEN];
	uint64_t t0, t1, t2, v;
	int opt, rc;

	sensor_opts_default(&so);
	cmd_ctx_init(&cx, &spec, argv[0]);
	while ((opt = cmd_ctx_getopt(&cx, argc, argv)) != -1) {
		if (opt == OPT_INSTANCE) {
			instance_id = optarg;
		} else if (util_parse_u64(optarg, 16, 1u << 26, &v)) {
			log_warnx("--%s: '%s' is not a number in 16..%u",
				  opt == OPT_MAX_FLOWS ? "max-flows" : "max-findings",
				  optarg, 1u << 26);
			rc = EXIT_USAGE;
			goto out;
		} else {
			*(opt == OPT_MAX_FLOWS ? &so.max_flows : &so.max_findings) = v;
		}
	}
	if ((rc = cmd_ctx_load(&cx, argc, argv)) != CMD_GO)
		goto out;
	if (cx.lists.n == 0)
		log_warnx("no --threat-list given: nothing can match");
	t0 = util_now_mono_ns();
	if ((rc = cmd_opt_lists_load(&cx.lists, &ls, &lists, &nlists, false)))
		goto out;
	t1 = util_now_mono_ns();
	tset = tset_build(lists, nlists, err, sizeof(err));
	sensor = sensor_new(&so);
	if (!tset || !sensor) {
		log_warnx("%s", tset ? "out of memory" : err);
		rc = EXIT_FAIL;
		goto out;
	}
	t2 = util_now_mono_ns();
	sensor_set_tset(sensor, tset);
	r.sensor = sensor;
	for (int i = 0; i < cx.n_operands; i++) {
		int frc = replay_file(&r, cx.operands[i]);

		if (frc && !rc)
			rc = frc;
	}
	print_set_summary(tset, lists_entries(&ls), t1 - t0, t2 - t1);
	print_summary(sensor, util_now_mono_ns() - t2);
	opt = print_findings(sensor, instance_id);
	if (opt && !rc)
		rc = opt; /* the first failure's status */
out:
	sensor_free(sensor);
	tset_free(tset);
	free(lists);
	lists_free(&ls);
	cmd_ctx_free(&cx);
	return rc;
}

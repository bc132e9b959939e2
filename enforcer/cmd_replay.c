/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd_ctx.h"
#include "findings_out.h"
#include "lists_load.h"
#include "log.h"
#include "replay.h"
#include "sensor.h"

enum {
	OPT_INSTANCE = CMD_OPT_OWN,
	OPT_MAX_FLOWS,
	OPT_MAX_FINDINGS,
	OPT_NOISE_HOLD,
};

static const struct cmd_spec spec = {
	.usage = "[--instance-id ID] [--max-flows N] [--max-findings N] "
		 "[--noise-hold SECONDS] PCAP...",
	.opts = (const struct option[]){
		{ "instance-id", required_argument, NULL, OPT_INSTANCE },
		{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
		{ "max-findings", required_argument, NULL, OPT_MAX_FINDINGS },
		{ "noise-hold", required_argument, NULL, OPT_NOISE_HOLD },
		{ NULL, 0, NULL, 0 },
	},
	.ext = { &cmd_opt_lists },
	.flags = CMD_OPERANDS,
};

struct lists_job {
	const struct cmd_lists *l;
	struct lists *ls;
};

/* On replay's loader thread (sensor/replay.h). */
static int load_lists(void *arg, struct list ***lists, size_t *n)
{
	struct lists_job *j = arg;

	return cmd_opt_lists_load(j->l, j->ls, lists, n, false);
}

static int print_findings(struct sensor *s, const char *instance_id)
{
	struct finding_ctx ctx = { .instance_id = instance_id };
	int ret;

	/* Nothing is buffered there yet; the findings go out with write(2). */
	if (fflush(stdout) == EOF) {
		log_warn("stdout");
		return EXIT_FAIL;
	}
	ret = findings_out_write(s, &ctx, STDOUT_FILENO);
	if (ret == -ENOMEM) {
		log_warnx("out of memory writing findings");
		return EXIT_FAIL;
	}
	if (ret) {
		errno = -ret;
		log_warn("stdout");
		return EXIT_FAIL;
	}
	return 0;
}

static void print_summary(struct sensor *s, uint64_t ns, size_t ahead,
			  uint64_t hold_ns)
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
	if (fst.held)
		fprintf(stderr, "replay: %llu new unanswered inbound contacts "
				"not recorded: the table was full of ones updated "
				"in the last %llu s\n",
			(unsigned long long)fst.held,
			(unsigned long long)(hold_ns / 1000000000ull));
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
	struct lists ls = { 0 };
	struct lists_job job = { .ls = &ls };
	struct replay_set set = { .load = load_lists, .arg = &job };
	struct sensor_opts so;
	struct cmd_ctx cx;
	size_t ahead = 0;
	uint64_t t0, v;
	int opt, rc;

	sensor_opts_default(&so);
	cmd_ctx_init(&cx, &spec, argv[0]);
	while ((opt = cmd_ctx_getopt(&cx, argc, argv)) != -1) {
		if (opt == OPT_INSTANCE) {
			instance_id = optarg;
		} else if (opt == OPT_NOISE_HOLD) {
			if (util_parse_u64(optarg, 0, 3600, &v)) {
				log_warnx("--noise-hold: '%s' is not a number of "
					  "seconds in 0..3600", optarg);
				rc = EXIT_USAGE;
				goto out;
			}
			so.noise_hold_ns = v * 1000000000ull;
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
	replay_prepare();
	sensor = sensor_new(&so);
	if (!sensor) {
		log_warnx("out of memory");
		rc = EXIT_FAIL;
		goto out;
	}
	job.l = &cx.lists;
	t0 = util_now_mono_ns();
	/* The set is made on the other core while the first capture is read. */
	rc = replay_run(sensor, cx.operands, (size_t)cx.n_operands, &set, &ahead);
	if (!set.tset)
		goto out;
	print_set_summary(set.tset, lists_entries(&ls), set.load_ns, set.build_ns);
	print_summary(sensor, util_now_mono_ns() - t0, ahead, so.noise_hold_ns);
	opt = print_findings(sensor, instance_id);
	if (opt && !rc)
		rc = opt; /* the first failure's status */
out:
	sensor_free(sensor);
	tset_free(set.tset);
	free(set.lists);
	lists_free(&ls);
	cmd_ctx_free(&cx);
	return rc;
}

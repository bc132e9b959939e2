/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "evidence.h"
#include "list.h"
#include "log.h"
#include "privsep.h"
#include "sensor.h"
#include "sensord.h"

struct sensord {
	int sock;
	struct cap **caps;
	size_t ncaps;
	struct sensor *sensor;
	struct tset *tset;
	struct list **lists;
	size_t nlists;
	uint64_t last_sweep_ns;
	bool busy;                  /* the socket to the parent is full */
	uint64_t deferred;          /* finding reports that had to wait */
	struct evidence_ring *ring; /* headers of the last seconds, for evidence */
	union {
		struct ipc_hdr h;
		char raw[IPC_MAX];
	} in;
};

static const struct ipc_spec sensord_in[] = {
	{ IPC_S_LISTS, sizeof(struct ipc_s_lists) },
	{ IPC_S_DUMP, sizeof(struct ipc_s_dump) },
	{ IPC_S_REARM, sizeof(struct ipc_s_rearm) },
};

/*
 * Replies the parent asked for (hello, lists loaded, ring dumped) must
 * arrive: wait for room in the socket. Findings and stats never wait
 * (report() and sweep()), so a busy parent cannot stall the capture.
 */
static void sd_send(struct sensord *sd, uint32_t type, void *msg, size_t len)
{
	for (;;) {
		struct pollfd p = { .fd = sd->sock, .events = POLLOUT };
		int rc = ipc_send(sd->sock, type, msg, len);

		if (rc != -EAGAIN) {
			/* The parent gone is the only failure; it notices our exit. */
			if (rc == -EPIPE)
				_exit(0);
			return;
		}
		if (poll(&p, 1, 1000) < 0 && errno != EINTR)
			_exit(1);
	}
}

enum { F_BLOCKED = 1, F_ANSWERED = 2, F_ESTABLISHED = 4 };

static uint8_t finding_flags(const struct finding *f)
{
	return (uint8_t)((f->blocked ? F_BLOCKED : 0) | (f->answered ? F_ANSWERED : 0) |
			 (f->established ? F_ESTABLISHED : 0));
}

/* Something about f the parent has not heard yet. */
static bool owed(const struct finding *f)
{
	return f->report_new || finding_flags(f) != f->reported_flags ||
	       f->last_ns != f->reported_ns;
}

/*
 * Send f as it is now. When the parent's socket is full the report is
 * owed instead (the finding itself remembers what), and flush_owed()
 * sends it once there is room: updates coalesce, nothing blocks.
 */
static void report(struct sensord *sd, struct finding *f, bool is_new,
		   uint64_t trigger_ns)
{
	struct ipc_s_finding m;
	int rc;

	f->report_new |= is_new;
	if (sd->busy) {
		sd->deferred++;
		return;
	}
	memset(&m, 0, sizeof(m));
	finding_rec_of(f, &m.f);
	m.is_new = f->report_new;
	m.trigger_ns = trigger_ns;
	rc = ipc_send(sd->sock, IPC_S_FINDING, &m, sizeof(m));
	if (rc == -EPIPE)
		_exit(0);
	if (rc) {
		sd->busy = rc == -EAGAIN;
		sd->deferred++;
		return;
	}
	f->reported_ns = f->last_ns;
	f->reported_flags = finding_flags(f);
	f->report_new = false;
	f->report_next = false;
}

/* The socket has room again: every finding with a report owed. */
static void flush_owed(struct sensord *sd)
{
	sd->busy = false;
	for (struct finding *f = findings_first(sensor_findings(sd->sensor)); f && !sd->busy;
	     f = findings_next(f))
		if (owed(f))
			report(sd, f, false, f->report_new ? f->first_ns : f->last_ns);
}

static void on_packet(void *arg, int dlt, const uint8_t *buf, uint32_t caplen,
		      uint32_t len, uint64_t ts_ns)
{
	struct sensord *sd = arg;
	struct sensor_event ev;

	if (sd->ring)
		evidence_ring_add(sd->ring, ts_ns, dlt, buf, caplen, len);
	if (!sensor_packet(sd->sensor, dlt, buf, caplen, ts_ns, &ev))
		return;
	/* New findings and changes the incident policy cares about go now. */
	if (ev.new_finding || ev.finding->report_new || ev.finding->report_next ||
	    finding_flags(ev.finding) != ev.finding->reported_flags)
		report(sd, ev.finding, ev.new_finding, ts_ns);
}

/* Once a second: counters of findings that moved, and capture stats. */
static void sweep(struct sensord *sd)
{
	const struct sensor_stats *st = sensor_get_stats(sd->sensor);
	struct ipc_s_stats m;
	struct flow_stats fst;
	struct finding *f;

	for (f = findings_first(sensor_findings(sd->sensor)); f && !sd->busy;
	     f = findings_next(f))
		if (owed(f))
			report(sd, f, false, 0);
	memset(&m, 0, sizeof(m));
	for (size_t i = 0; i < sd->ncaps; i++) {
		struct capture_stats cs;

		capture_get_stats(sd->caps[i], &cs);
		m.received += cs.received;
		m.dropped += cs.dropped;
		m.if_dropped += cs.if_dropped;
	}
	m.packets = st->packets;
	m.ip = st->ip;
	m.matched = st->matched;
	m.trusted = st->trusted;
	m.skipped = st->skipped;
	m.truncated = st->truncated;
	m.malformed = st->malformed;
	m.lost = st->lost;
	m.findings = findings_count(sensor_findings(sd->sensor));
	flow_table_stats(sensor_flows(sd->sensor), &fst);
	m.flows = fst.active;
	m.deferred = sd->deferred;
	/* Counters only: a full socket skips this second's. */
	if (!sd->busy && ipc_send(sd->sock, IPC_S_STATS, &m, sizeof(m)) == -EPIPE)
		_exit(0);
}

static void free_lists(struct list **lists, size_t n)
{
	for (size_t i = 0; i < n; i++)
		list_free(lists[i]);
	free(lists);
}

/*
 * Load the list files the parent names and swap the new set in. Any
 * failure keeps the set in force and says why.
 */
static void load_lists(struct sensord *sd, const struct ipc_s_lists *m)
{
	struct ipc_s_lists_done r;
	struct list_limits lim;
	struct list **lists;
	struct tset *t;
	size_t n = 0;
	int rc = 0;

	memset(&r, 0, sizeof(r));
	list_limits_default(&lim);
	lim.floor_v4 = 0; /* the parent validated these copies already */
	lim.floor_v6 = 0;
	if (m->n > SENSORD_MAX_LISTS) {
		r.rc = -EINVAL;
		util_strlcpy(r.err, "too many lists", sizeof(r.err));
		goto out;
	}
	lists = calloc(m->n + 1, sizeof(*lists));
	if (!lists) {
		r.rc = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < m->n; i++) {
		struct list_spec spec;
		char err[ERRLEN];
		char *name;

		memset(&spec, 0, sizeof(spec));
		spec.kind = m->l[i].kind ? LIST_TRUSTED : LIST_THREAT;
		spec.fmt = m->l[i].fmt < LIST_FMT__COUNT ? m->l[i].fmt : LIST_FMT_TXT;
		memcpy(spec.location, m->l[i].path, sizeof(m->l[i].path));
		spec.location[sizeof(m->l[i].path) - 1] = '\0';
		rc = list_load_file(&spec, &lim, &lists[n], err, sizeof(err));
		if (rc) {
			r.rc = rc;
			util_strlcpy(r.err, err, sizeof(r.err));
			free_lists(lists, n);
			goto out;
		}
		name = strndup(m->l[i].name, sizeof(m->l[i].name) - 1);
		if (name && *name) {
			free(lists[n]->name);
			lists[n]->name = name;
		} else {
			free(name);
		}
		r.entries += lists[n]->n;
		n++;
	}
	t = tset_build(lists, n, r.err, sizeof(r.err));
	if (!t) {
		r.rc = -ENOMEM;
		free_lists(lists, n);
		goto out;
	}
	sensor_set_tset(sd->sensor, t);
	tset_free(sd->tset);
	free_lists(sd->lists, sd->nlists);
	sd->tset = t;
	sd->lists = lists;
	sd->nlists = n;
out:
	sd_send(sd, IPC_S_LISTS_DONE, &r, sizeof(r));
}

static void handle_parent(struct sensord *sd)
{
	int fd = -1;
	ssize_t n = ipc_recv(sd->sock, sd->in.raw, sensord_in,
			     ARRAY_SIZE(sensord_in), &fd);

	if (n == -EAGAIN)
		return;
	if (n <= 0)
		_exit(n == 0 ? 0 : 2); /* parent gone, or talking nonsense */
	switch (sd->in.h.type) {
	case IPC_S_LISTS:
		load_lists(sd, (const void *)sd->in.raw);
		break;
	case IPC_S_REARM:
		/*
		 * An incident was released: the next packet of any finding goes
		 * to the parent at once, with its capture time, so that a new
		 * incident is decided (and timed) from that packet.
		 */
		for (struct finding *f = findings_first(sensor_findings(sd->sensor)); f;
		     f = findings_next(f))
			f->report_next = true;
		break;
	case IPC_S_DUMP: {
		const struct ipc_s_dump *m = (const void *)sd->in.raw;
		struct ipc_s_dump_done r;

		/* The parent made the file; we only write(2) into it. */
		memset(&r, 0, sizeof(r));
		r.dlt = m->dlt;
		if (fd < 0)
			r.rc = -EBADF;
		else if (!sd->ring)
			r.rc = -ENODATA;
		else
			r.rc = evidence_ring_dump_fd(sd->ring, fd, m->dlt, r.err, sizeof(r.err));
		if (fd >= 0)
			close(fd);
		sd_send(sd, IPC_S_DUMP_DONE, &r, sizeof(r));
		break;
	}
	}
}

void sensord_main(int sock, struct cap **caps, size_t ncaps,
		  const struct sensord_opts *o)
{
	struct sensord *sd = calloc(1, sizeof(*sd));
	struct pollfd pfd[SENSORD_MAX_CAPS + 1];
	struct sensor_opts so;
	struct ipc_s_hello hello;
	char err[ERRLEN];

	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if (!sd || ncaps > SENSORD_MAX_CAPS)
		_exit(3);
	sd->sock = sock;
	sd->caps = caps;
	sd->ncaps = ncaps;
	sensor_opts_default(&so);
	if (o->max_flows > 0)
		so.max_flows = (size_t)o->max_flows;
	if (o->max_findings > 0)
		so.max_findings = (size_t)o->max_findings;
	sd->sensor = sensor_new(&so);
	if (!sd->sensor)
		fatalx("sensor: out of memory");
	if (o->evidence_seconds) {
		struct evidence_ring_opts ro = {
			.seconds = o->evidence_seconds,
			.max_bytes = o->evidence_bytes ? o->evidence_bytes : EVID_RING_BYTES,
			.snaplen = EVID_RING_SNAPLEN,
		};

		/* All its memory is taken now: adding a packet never allocates. */
		if (evidence_ring_new(&ro, &sd->ring))
			log_warnx("sensor: no evidence ring (out of memory)");
	}
	/*
	 * Findings never wait for the parent: a full socket makes them owed
	 * (report()). A larger buffer makes that rare (best effort: capped
	 * by net.core.wmem_max).
	 */
	if (fcntl(sock, F_SETFL, fcntl(sock, F_GETFL) | O_NONBLOCK) < 0)
		fatal("sensor: O_NONBLOCK");
	(void)setsockopt(sock, SOL_SOCKET, SO_SNDBUF, &(int){ 4 << 20 }, sizeof(int));
	/* From here on: no capabilities, no new privileges, few syscalls. */
	if (privsep_drop(PRIVSEP_SENSOR, o->user, err, sizeof(err)))
		fatalx("sensor: %s", err);
	memset(&hello, 0, sizeof(hello));
	hello.pid = (int32_t)getpid();
	privsep_describe(hello.caps, sizeof(hello.caps));
	if (!o->no_seccomp && privsep_seccomp_sensor(err, sizeof(err)))
		fatalx("sensor: %s", err);
	util_strlcpy(hello.caps + strlen(hello.caps), o->no_seccomp ? "" : ", seccomp",
		     sizeof(hello.caps) - strlen(hello.caps));
	sd_send(sd, IPC_S_HELLO, &hello, sizeof(hello));

	for (;;) {
		uint64_t now;
		int n;

		for (size_t i = 0; i < ncaps; i++) {
			pfd[i].fd = capture_fd(caps[i]);
			pfd[i].events = POLLIN;
		}
		pfd[ncaps].fd = sock;
		pfd[ncaps].events = (short)(POLLIN | (sd->busy ? POLLOUT : 0));
		/* Our own timeout: an idle link never blocks the sweep. */
		n = poll(pfd, ncaps + 1, 100);
		if (n < 0 && errno != EINTR)
			fatal("sensor: poll");
		for (size_t i = 0; n > 0 && i < ncaps; i++)
			if (pfd[i].revents & (POLLIN | POLLERR)) {
				if (capture_dispatch(caps[i], 512, on_packet, sd, err,
						 sizeof(err)) < 0)
					fatalx("sensor: %s", err);
			}
		if (n > 0 && (pfd[ncaps].revents & (POLLIN | POLLHUP | POLLERR)))
			handle_parent(sd);
		if (n > 0 && sd->busy && (pfd[ncaps].revents & POLLOUT))
			flush_owed(sd);
		now = util_now_mono_ns();
		if (now - sd->last_sweep_ns >= 1000000000ull) {
			sd->last_sweep_ns = now;
			sweep(sd);
		}
	}
}

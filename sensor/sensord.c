/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

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
	/* Reports of noise findings (inbound, unanswered): a token bucket. */
	uint64_t noise_tokens_milli, noise_ns;
	uint64_t unreported;        /* new noise findings over that rate */
	struct evidence_ring *ring; /* headers of the last seconds, for evidence */
	int out_slot;               /* where a dump file lands; writable (seccomp) */
	union {
		struct ipc_hdr h;
		char raw[IPC_MAX];
	} in;
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
	/* Made on first use: most findings of a scan are evicted unseen. */
	sensor_explain(sd->sensor, f);
	findings_id(f);
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

/*
 * Under a scan every packet can be a new inbound finding; sending each to
 * the parent (which writes at most fout's rate anyway) would stall this
 * process behind it and the kernel would drop packets. Findings the
 * incident policy reads (OUTBOUND, answered, established) always go;
 * noise goes within SENSORD_NOISE_RATE a second, the rest is counted
 * (findingsUnreported) and may still go with a later sweep.
 */
#define SENSORD_NOISE_RATE 1000u
#define SENSORD_NOISE_BURST 2000u

static bool is_noise(const struct finding *f)
{
	return f->key.dir == FINDING_INBOUND && !f->answered && !f->established;
}

static bool noise_budget(struct sensord *sd)
{
	uint64_t now = util_now_mono_ns(), cap = SENSORD_NOISE_BURST * 1000ull;

	if (now > sd->noise_ns) {
		uint64_t dt = now - sd->noise_ns > 10000000000ull ? 10000000000ull :
								    now - sd->noise_ns;
		uint64_t add = dt * SENSORD_NOISE_RATE / 1000000;

		sd->noise_tokens_milli = cap - sd->noise_tokens_milli < add ?
						 cap : sd->noise_tokens_milli + add;
		sd->noise_ns = now;
	}
	if (sd->noise_tokens_milli < 1000)
		return false;
	sd->noise_tokens_milli -= 1000;
	return true;
}

static bool may_report(struct sensord *sd, const struct finding *f)
{
	return !is_noise(f) || noise_budget(sd);
}

/*
 * When an owed report happened: a new finding or a change of its flags
 * keeps its packet's time; counters alone are a sweep's (0), which the
 * parent writes as a routine update.
 */
static uint64_t owed_trigger(const struct finding *f)
{
	return f->report_new ? f->first_ns :
	       finding_flags(f) != f->reported_flags ? f->last_ns : 0;
}

/* The socket has room again: every finding with a report owed (noise within its rate). */
static void flush_owed(struct sensord *sd)
{
	sd->busy = false;
	for (struct finding *f = findings_first(sensor_findings(sd->sensor)); f && !sd->busy;
	     f = findings_next(f))
		if (owed(f) && may_report(sd, f))
			report(sd, f, false, owed_trigger(f));
}

/* A finding about to make room for a newer one: what it owes first. */
static void on_evict(struct finding *f, void *arg)
{
	struct sensord *sd = arg;

	if (owed(f) && may_report(sd, f))
		report(sd, f, false, owed_trigger(f));
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
	    finding_flags(ev.finding) != ev.finding->reported_flags) {
		if (is_noise(ev.finding) && !noise_budget(sd)) {
			/* Owed: a later sweep may still send it, within the rate. */
			ev.finding->report_new |= ev.new_finding;
			sd->unreported += ev.new_finding;
			return;
		}
		report(sd, ev.finding, ev.new_finding, ts_ns);
	}
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
		if (owed(f) && may_report(sd, f))
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
	m.findings_evicted = st->evicted;
	m.findings_held = st->held;
	m.findings_unreported = sd->unreported;
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

/* All of fd (a list file the parent opened), at most cap bytes. */
static int read_fd(int fd, size_t cap, char **out, size_t *len)
{
	size_t size = 64 * 1024, n = 0;
	struct stat st;
	char *buf, *p;
	int rc = 0;

	/* One byte more than the file, so that EOF comes without a realloc. */
	if (fstat(fd, &st) == 0 && st.st_size > 0 && (uint64_t)st.st_size <= cap)
		size = (size_t)st.st_size + 1;
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t r;

		if (n == size) {
			if (n > cap) {
				rc = -EFBIG;
				goto out;
			}
			size = size > cap / 2 ? cap + 1 : size * 2;
			p = realloc(buf, size);
			if (!p) {
				rc = -ENOMEM;
				goto out;
			}
			buf = p;
		}
		r = read(fd, buf + n, size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > cap)
		rc = -EFBIG;
out:
	if (rc) {
		free(buf);
		return rc;
	}
	*out = buf;
	*len = n;
	return 0;
}

static int load_one(const struct ipc_s_lists *m, uint32_t i, int fd,
		    const struct list_limits *lim, struct list **out, char *err,
		    size_t errlen)
{
	enum list_kind kind = m->l[i].kind ? LIST_TRUSTED : LIST_THREAT;
	char *buf, *name;
	size_t len;
	int rc;

	rc = read_fd(fd, lim->max_bytes, &buf, &len);
	if (rc)
		return util_err(err, errlen, "%s: %s", m->l[i].path, strerror(-rc)), rc;
	rc = list_parse(m->l[i].path, (enum list_format)m->l[i].fmt, kind, buf, len, lim,
			out, err, errlen);
	free(buf);
	if (rc)
		return rc;
	name = strdup(m->l[i].name);
	if (name && *name) {
		free((*out)->name);
		(*out)->name = name;
	} else {
		free(name);
	}
	return 0;
}

/*
 * Load the lists the parent hands over (one open file each: the sensor
 * cannot open files) and swap the new set in. Any failure keeps the set
 * in force and says why.
 */
static void load_lists(struct sensord *sd, const struct ipc_s_lists *m,
		       const struct ipc_in *in)
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
	lists = calloc(m->n + 1, sizeof(*lists));
	if (!lists) {
		r.rc = -ENOMEM;
		goto out;
	}
	/* ipc_check() made sure: n <= SENSORD_MAX_LISTS, one fd per list. */
	for (uint32_t i = 0; i < m->n; i++) {
		char err[ERRLEN];

		rc = load_one(m, i, in->fds[i], &lim, &lists[n], err, sizeof(err));
		if (rc) {
			r.rc = rc;
			util_strlcpy(r.err, err, sizeof(r.err));
			free_lists(lists, n);
			goto out;
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
	struct ipc_in in;
	ssize_t n = ipc_recv(sd->sock, sd->in.raw, &sensord_ipc_to_sensor, &in);
	int fd;

	if (n == -EAGAIN)
		return;
	if (n <= 0)
		_exit(n == 0 ? 0 : 2); /* parent gone, or talking nonsense */
	fd = in.nfds ? in.fds[0] : -1;
	switch (sd->in.h.type) {
	case IPC_S_LISTS:
		load_lists(sd, (const void *)sd->in.raw, &in);
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

		/*
		 * The parent made the file; we only write(2) into it, and only
		 * in the one slot the filter lets us write to.
		 */
		memset(&r, 0, sizeof(r));
		r.dlt = m->dlt;
		if (fd != sd->out_slot) {
			r.rc = -EBADF;
			snprintf(r.err, sizeof(r.err), "ring dump: file in fd %d, not in slot %d",
				 fd, sd->out_slot);
		} else if (!sd->ring) {
			r.rc = -ENODATA;
		} else {
			r.rc = evidence_ring_dump_fd(sd->ring, fd, m->dlt, r.err, sizeof(r.err));
		}
		sd_send(sd, IPC_S_DUMP_DONE, &r, sizeof(r));
		break;
	}
	}
	ipc_in_close(&in);
}

/*
 * The lowest free descriptor: where the next one the parent hands over
 * lands (SCM_RIGHTS takes the lowest). Standard descriptors a shell left
 * closed get /dev/null first, so that nothing else lands in 0-2.
 */
static int lowest_free_fd(void)
{
	int fd;

	for (int i = 0; i <= STDERR_FILENO; i++)
		if (fcntl(i, F_GETFD) < 0 && open("/dev/null", O_RDWR) != i)
			return -1;
	fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 0);
	if (fd >= 0)
		close(fd);
	return fd;
}

/* Nothing of the environment (credentials, say) stays in our memory. */
static void wipe_environment(void)
{
	extern char **environ;

	for (char **e = environ; e && *e; e++)
		explicit_bzero(*e, strlen(*e));
	clearenv();
}

/*
 * From here on: its own uid, no capabilities, no new privileges, not
 * dumpable, and only the syscalls (and descriptors) sensor work needs.
 * Exits rather than run unconfined.
 */
static void confine(struct sensord *sd, const struct sensord_opts *o, char *caps,
		    size_t capslen)
{
	struct privsep_sensor_fds f;
	char err[ERRLEN];

	/*
	 * OpenSSL reads its config and fetches a digest on first use (finding
	 * ids): do that now, while a file can still be opened.
	 */
	{
		uint8_t md[EVP_MAX_MD_SIZE];
		unsigned mdlen;

		if (!EVP_Digest("", 0, md, &mdlen, EVP_sha256(), NULL))
			fatalx("sensor: OpenSSL: no SHA-256");
	}
	/* A capture socket in 0-2 would be written to as stderr. */
	for (size_t i = 0; i < sd->ncaps; i++)
		if (capture_fd(sd->caps[i]) <= STDERR_FILENO)
			_exit(3);
	wipe_environment();
	if (privsep_drop(PRIVSEP_SENSOR, o->user, NULL, err, sizeof(err)))
		fatalx("sensor: %s", err);
	privsep_describe(caps, capslen);
	/* Last: the user lookup may have left a descriptor open. */
	sd->out_slot = lowest_free_fd();
	if (sd->out_slot < 0)
		fatalx("sensor: no descriptor for the dump slot");
	f.sock = sd->sock;
	f.out = sd->out_slot;
	if (!o->no_seccomp && privsep_seccomp_sensor(&f, err, sizeof(err)))
		fatalx("sensor: %s", err);
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
	so.noise_hold_ns = o->noise_hold_ms * 1000000ull;
	sd->sensor = sensor_new(&so);
	if (!sd->sensor)
		fatalx("sensor: out of memory");
	findings_set_evict_cb(sensor_findings(sd->sensor), on_evict, sd);
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
	memset(&hello, 0, sizeof(hello));
	hello.pid = (int32_t)getpid();
	confine(sd, o, hello.caps, sizeof(hello.caps));
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

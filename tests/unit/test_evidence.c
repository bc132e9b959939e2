/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <pcap/pcap.h>

#include "evidence_impl.h"
#include "privsep.h"
#include "tmpdir_testlib.h"

struct fx {
	char dir[64];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || tmpdir_new(f->dir, sizeof(f->dir), "/tmp/cordon-evid.XXXXXX"))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (tmpdir_remove(f->dir))
		return -1;
	free(f);
	return 0;
}

static char *pathf(const struct fx *f, const char *name)
{
	return tmpdir_path(f->dir, name);
}

/* Ethernet + IPv4 + UDP, 198.51.100.1 -> 203.0.113.7, tagged with n. */
static size_t make_pkt(uint8_t *b, size_t len, uint32_t n)
{
	static const uint8_t head[] = {
		0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00,
		0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0,
		198, 51, 100, 1, 203, 0, 113, 7,
		0x9c, 0x40, 0x00, 0x35, 0, 0, 0, 0,
	};
	size_t iplen = len - 14;

	memset(b, 0, len);
	memcpy(b, head, sizeof(head));
	b[16] = (uint8_t)(iplen >> 8);
	b[17] = (uint8_t)iplen;
	b[38] = (uint8_t)((iplen - 20) >> 8);
	b[39] = (uint8_t)(iplen - 20);
	memcpy(b + 42, &n, sizeof(n));
	return len;
}

struct got {
	int n;
	uint32_t first_tag, last_tag;
	uint64_t first_ts, last_ts;
	uint32_t max_caplen, max_len;
	int dlt;
};

static void read_pcap(const char *path, struct got *g)
{
	char e[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path,
		PCAP_TSTAMP_PRECISION_NANO, e);

	memset(g, 0, sizeof(*g));
	if (!p)
		fail_msg("%s: %s", path, e);
	g->dlt = pcap_datalink(p);
	while (pcap_next_ex(p, &h, &d) == 1) {
		uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000ull +
			      (uint64_t)h->ts.tv_usec;
		uint32_t tag = 0;

		if (h->caplen >= 46)
			memcpy(&tag, d + 42, 4);
		if (!g->n) {
			g->first_tag = tag;
			g->first_ts = ts;
		}
		g->last_tag = tag;
		g->last_ts = ts;
		if (h->caplen > g->max_caplen)
			g->max_caplen = h->caplen;
		if (h->len > g->max_len)
			g->max_len = h->len;
		g->n++;
	}
	pcap_close(p);
}

static void test_ring_wrap(void **state)
{
	struct fx *f = *state;
	struct evidence_ring_opts o = { .seconds = 30, .snaplen = 64 };
	struct evidence_ring *r;
	char err[ERRLEN];
	uint8_t pkt[100];
	struct got g;

	/* slot: 16-byte header + 64 bytes: room for exactly ten */
	o.max_bytes = 10 * 80 + 79;
	assert_int_equal(evidence_ring_new(&o, &r), 0);
	for (uint32_t i = 0; i < 25; i++) {
		make_pkt(pkt, sizeof(pkt), i);
		evidence_ring_add(r, 1700000000ull * 1000000000ull + i * 1000000ull + 7,
			      DLT_EN10MB, pkt, sizeof(pkt), sizeof(pkt));
		assert_int_equal(evidence_ring_count(r), i < 10 ? i + 1 : 10);
	}
	assert_int_equal(evidence_ring_dump(r, pathf(f, "ring.pcap"), err, sizeof(err)), 10);
	read_pcap(pathf(f, "ring.pcap"), &g);
	assert_int_equal(g.n, 10);
	assert_int_equal(g.first_tag, 15);
	assert_int_equal(g.last_tag, 24);
	/* nanoseconds survive */
	assert_int_equal(g.first_ts, 1700000000ull * 1000000000ull + 15000000ull + 7);
	assert_int_equal(g.max_caplen, 64);
	assert_int_equal(g.max_len, 100);
	assert_int_equal(g.dlt, DLT_EN10MB);
	/* a dump never overwrites */
	assert_int_equal(evidence_ring_dump(r, pathf(f, "ring.pcap"), err, sizeof(err)), -EEXIST);
	evidence_ring_free(r);
	evidence_ring_free(NULL);
	o.max_bytes = 10;
	assert_int_equal(evidence_ring_new(&o, &r), -EINVAL);
}

static void test_ring_window(void **state)
{
	struct fx *f = *state;
	struct evidence_ring_opts o = { .seconds = 2, .max_bytes = 1 << 20, .snaplen = 128 };
	struct evidence_ring *r;
	char err[ERRLEN];
	uint8_t pkt[60];
	struct got g;

	assert_int_equal(evidence_ring_new(&o, &r), 0);
	for (uint32_t s = 0; s < 10; s++) {
		make_pkt(pkt, sizeof(pkt), s);
		evidence_ring_add(r, (1000ull + s) * 1000000000ull, DLT_EN10MB, pkt,
			      sizeof(pkt), sizeof(pkt));
	}
	/* newest at 1009 s: the window keeps 1007, 1008, 1009 */
	assert_int_equal(evidence_ring_dump(r, pathf(f, "w.pcap"), err, sizeof(err)), 3);
	read_pcap(pathf(f, "w.pcap"), &g);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.first_tag, 7);
	evidence_ring_free(r);
}

static void test_ring_byte_cap(void **state)
{
	struct fx *f = *state;
	struct evidence_ring *r;
	char err[ERRLEN];
	uint8_t pkt[1500];
	size_t slots = EVID_RING_BYTES / ((16 + EVID_RING_SNAPLEN + 7) & ~7u);
	struct got g;

	(void)f;
	assert_int_equal(evidence_ring_new(NULL, &r), 0);
	make_pkt(pkt, sizeof(pkt), 1);
	for (size_t i = 0; i < slots + 5000; i++)
		evidence_ring_add(r, 1000000000ull + i, DLT_EN10MB, pkt, sizeof(pkt),
			      sizeof(pkt));
	/* the 16 MiB cap holds this many 128-byte headers, no more */
	assert_int_equal(evidence_ring_count(r), slots);
	assert_true(slots * (16 + EVID_RING_SNAPLEN) <= EVID_RING_BYTES);
	assert_int_equal(evidence_ring_dump(r, pathf(f, "cap.pcap"), err, sizeof(err)), (int)slots);
	read_pcap(pathf(f, "cap.pcap"), &g);
	assert_int_equal(g.n, (int)slots);
	assert_int_equal(g.max_caplen, EVID_RING_SNAPLEN);
	assert_int_equal(g.max_len, 1500);
	evidence_ring_free(r);
}

static void test_ring_dlts_and_tcpdump(void **state)
{
	struct fx *f = *state;
	struct evidence_ring *r;
	char err[ERRLEN], cmd[PATH_MAX + 64];
	uint8_t pkt[80];
	struct got g;
	FILE *p;
	int lines = 0, c;

	assert_int_equal(evidence_ring_new(NULL, &r), 0);
	for (uint32_t i = 0; i < 6; i++) {
		make_pkt(pkt, sizeof(pkt), i);
		if (i % 3 == 2) /* the IP packet alone, as raw IP */
			evidence_ring_add(r, 5000000000ull + i, DLT_RAW, pkt + 14,
				      sizeof(pkt) - 14, sizeof(pkt) - 14);
		else
			evidence_ring_add(r, 5000000000ull + i, DLT_EN10MB, pkt,
				      sizeof(pkt), sizeof(pkt));
	}
	assert_int_equal(evidence_ring_dump(r, pathf(f, "m.pcap"), err, sizeof(err)), 6);
	read_pcap(pathf(f, "m.pcap"), &g);
	assert_int_equal(g.n, 4);
	assert_int_equal(g.dlt, DLT_EN10MB);
	snprintf(cmd, sizeof(cmd), "m.dlt%d.pcap", DLT_RAW);
	read_pcap(pathf(f, cmd), &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.dlt, DLT_RAW);
	evidence_ring_free(r);
	if (access("/usr/bin/tcpdump", X_OK) && access("/usr/sbin/tcpdump", X_OK)) {
		print_message("# tcpdump not installed: skipped its read\n");
		return;
	}
	snprintf(cmd, sizeof(cmd), "PATH=/usr/sbin:/usr/bin tcpdump -nn -r '%s' 2>/dev/null",
		 pathf(f, "m.pcap"));
	p = popen(cmd, "r");
	assert_non_null(p);
	while ((c = fgetc(p)) != EOF)
		lines += c == '\n';
	assert_int_equal(pclose(p), 0);
	assert_int_equal(lines, 4);
}

/* The sensor's own seccomp filter allows the fd dump (no open, no fsync). */
static void test_ring_dump_fd_seccomp(void **state)
{
	struct fx *f = *state;
	int dlts[4], status, fd;
	struct evidence_ring *r;
	uint8_t pkt[90];
	struct got g;
	pid_t pid;

	assert_int_equal(evidence_ring_new(NULL, &r), 0);
	for (uint32_t i = 0; i < 7; i++) {
		make_pkt(pkt, sizeof(pkt), i);
		evidence_ring_add(r, 9000000000ull + i, DLT_EN10MB, pkt, sizeof(pkt),
			      sizeof(pkt));
	}
	assert_int_equal(evidence_ring_dlts(r, dlts, 4), 1);
	assert_int_equal(dlts[0], DLT_EN10MB);
	fd = evidence_file_create(pathf(f, "sensor.pcap"));
	assert_true(fd >= 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct privsep_sensor_fds pf = { .sock = -1, .out = fd };
		char err[ERRLEN];

		if (privsep_seccomp_sensor(&pf, err, sizeof(err)))
			_exit(3);
		_exit(evidence_ring_dump_fd(r, fd, DLT_EN10MB, err, sizeof(err)) == 7 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("dump under seccomp killed by signal %d", WTERMSIG(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(fd);
	read_pcap(pathf(f, "sensor.pcap"), &g);
	assert_int_equal(g.n, 7);
	assert_int_equal(g.last_tag, 6);
	/* control: the path dump (open O_CREAT, fsync) is what the filter refuses */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct privsep_sensor_fds pf = { .sock = -1, .out = fd };
		char err[ERRLEN];

		if (privsep_seccomp_sensor(&pf, err, sizeof(err)))
			_exit(3);
		_exit(evidence_ring_dump(r, pathf(f, "nope.pcap"), err, sizeof(err)) >= 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) || WEXITSTATUS(status) == 1);
	evidence_ring_free(r);
}

static cJSON *find_sock(const char *path, const char *proto, const char *local,
			unsigned port)
{
	char line[8192];
	FILE *fp = fopen(path, "r");
	cJSON *hit = NULL;

	assert_non_null(fp);
	while (!hit && fgets(line, sizeof(line), fp)) {
		cJSON *o = cJSON_Parse(line);

		assert_non_null(o); /* every line is JSON */
		if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(o, "proto")) ?: "", proto) &&
		    !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(o, "local")) ?: "", local) &&
		    cJSON_GetNumberValue(cJSON_GetObjectItem(o, "lport")) == port)
			hit = o;
		else
			cJSON_Delete(o);
	}
	fclose(fp);
	return hit;
}

static void test_sockets_live(void **state)
{
	struct fx *f = *state;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	struct evidence_sock_stats st;
	char err[ERRLEN];
	const cJSON *p;
	bool mine = false;
	cJSON *o;
	int s = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(s >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s, 1), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &sl), 0);
	assert_int_equal(evidence_sockets_snapshot(pathf(f, "sockets.jsonl"), &st, err,
					       sizeof(err)), 0);
	assert_true(st.sockets >= 1);
	assert_true(st.procs >= 1);
	o = find_sock(pathf(f, "sockets.jsonl"), "tcp", "127.0.0.1", ntohs(sa.sin_port));
	assert_non_null(o);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(o, "state")), "LISTEN");
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(o, "procs"))
		if (cJSON_GetNumberValue(cJSON_GetObjectItem(p, "pid")) == getpid()) {
			mine = true;
			assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(p, "comm")),
					    "test_evidence");
			assert_non_null(strstr(cJSON_GetStringValue(
				cJSON_GetObjectItem(p, "cmdline")), "test_evidence"));
			assert_non_null(strstr(cJSON_GetStringValue(
				cJSON_GetObjectItem(p, "exe")), "/test_evidence"));
			assert_int_equal(cJSON_GetNumberValue(cJSON_GetObjectItem(p, "uid")),
					 geteuid());
		}
	assert_true(mine);
	cJSON_Delete(o);
	close(s);
	/* never over an existing file */
	assert_int_equal(evidence_sockets_snapshot(pathf(f, "sockets.jsonl"), NULL, err,
					       sizeof(err)), -EEXIST);
}

static void put(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void put_bin(const char *path, const char *data, size_t len)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	fclose(fp);
}

static const char TCP_TABLE[] =
	"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	"   0: 0A6433C6:0016 077100CB:D431 01 00000000:00000000 02:000A7F1B 00000000     0        0 777 4 0000000000000000 20 4 1 10 -1\n"
	"   1: junk line\n";
static const char UDP6_TABLE[] =
	"  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
	"  5: 00000000000000000000000001000000:0035 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 888 2 0000000000000000 0\n";

/* A procfs tree: self/net/ tables, process 4242 with comm, cmdline, status. */
static void fake_proc(struct fx *f)
{
	assert_int_equal(mkdir(pathf(f, "proc"), 0700), 0);
	assert_int_equal(mkdir(pathf(f, "proc/self"), 0700), 0);
	assert_int_equal(mkdir(pathf(f, "proc/self/net"), 0700), 0);
	assert_int_equal(mkdir(pathf(f, "proc/4242"), 0700), 0);
	put(pathf(f, "proc/4242/comm"), "fakeproc\n");
	put_bin(pathf(f, "proc/4242/cmdline"), "fakeproc\0--flag\0", 16);
	put(pathf(f, "proc/4242/status"), "Name:\tfakeproc\nUmask:\t0022\nState:\tS (sleeping)\n"
	    "Tgid:\t4242\nPid:\t4242\nPPid:\t1\nTracerPid:\t0\nUid:\t1000\t4321\t1000\t1000\n"
	    "Gid:\t1000\t1000\t1000\t1000\n");
	assert_int_equal(symlink("/usr/bin/fakeproc", pathf(f, "proc/4242/exe")), 0);
	/* a PID entry that leads out of proc is not followed */
	assert_int_equal(symlink("/etc", pathf(f, "proc/99")), 0);
	put(pathf(f, "proc/self/net/tcp"), TCP_TABLE);
	put(pathf(f, "proc/self/net/udp6"), UDP6_TABLE);
}

static void check_fake_owner(const struct fx *f, const char *file)
{
	const cJSON *procs, *p;
	cJSON *o;

	o = find_sock(pathf(f, file), "tcp", "198.51.100.10", 22);
	assert_non_null(o);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(o, "remote")), "203.0.113.7");
	assert_int_equal(cJSON_GetNumberValue(cJSON_GetObjectItem(o, "rport")), 0xd431);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(o, "state")), "ESTABLISHED");
	procs = cJSON_GetObjectItem(o, "procs");
	assert_int_equal(cJSON_GetArraySize(procs), 1);
	p = cJSON_GetArrayItem(procs, 0);
	assert_int_equal(cJSON_GetNumberValue(cJSON_GetObjectItem(p, "pid")), 4242);
	assert_int_equal(cJSON_GetNumberValue(cJSON_GetObjectItem(p, "uid")), 4321); /* effective */
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(p, "comm")), "fakeproc");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(p, "exe")), "/usr/bin/fakeproc");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(p, "cmdline")),
			    "fakeproc --flag");
	cJSON_Delete(o);
	o = find_sock(pathf(f, file), "udp6", "::1", 53);
	assert_non_null(o);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(o, "state")), "UNCONN");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "procs")), 0);
	cJSON_Delete(o);
}

/* The summary line of a snapshot file. */
static cJSON *summary(const struct fx *f, const char *file)
{
	char line[8192];
	FILE *fp = fopen(pathf(f, file), "r");
	cJSON *last = NULL;

	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		cJSON_Delete(last);
		last = cJSON_Parse(line);
		assert_non_null(last);
	}
	fclose(fp);
	assert_non_null(cJSON_GetObjectItem(last, "summary"));
	return last;
}

static void test_sockets_fake_proc(void **state)
{
	struct fx *f = *state;
	struct evidence_sock_stats st;
	char err[ERRLEN];
	cJSON *sum;

	fake_proc(f);
	/* links in fd/, as a process that may read them sees them */
	assert_int_equal(mkdir(pathf(f, "proc/4242/fd"), 0700), 0);
	assert_int_equal(symlink("socket:[777]", pathf(f, "proc/4242/fd/5")), 0);
	assert_int_equal(symlink("/etc/passwd", pathf(f, "proc/4242/fd/6")), 0);
	assert_int_equal(symlink("pipe:[12]", pathf(f, "proc/4242/fd/7")), 0);
	assert_int_equal(evidence_sockets_snapshot_at(pathf(f, "proc"), pathf(f, "s.jsonl"),
						  &st, err, sizeof(err)), 0);
	assert_int_equal(st.procs, 1);
	assert_int_equal(st.fds, 3);
	assert_int_equal(st.sockets, 3);
	check_fake_owner(f, "s.jsonl");
	sum = summary(f, "s.jsonl");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(
		cJSON_GetObjectItem(sum, "summary"), "ownersBy")), "agent");
	cJSON_Delete(sum);
	/* no procfs root at all: a clear error */
	assert_int_equal(evidence_sockets_snapshot_at("/nonexistent", pathf(f, "x"), NULL,
						  err, sizeof(err)), -ENOENT);
}

struct owners_got {
	struct evidence_proc p[4];
	uint64_t ino[4][8];
	size_t n[4], calls;
};

static int got_cb(void *arg, const struct evidence_proc *p, const uint64_t *inodes, size_t n)
{
	struct owners_got *g = arg;

	assert_true(g->calls < 4 && n <= 8);
	g->p[g->calls] = *p;
	memcpy(g->ino[g->calls], inodes, n * sizeof(*inodes));
	g->n[g->calls++] = n;
	return 0;
}

static int add_owner_cb(void *arg, const struct evidence_proc *p, const uint64_t *inodes,
			size_t n)
{
	return evidence_socks_add_owner(arg, p, inodes, n);
}

/*
 * What the procs helper sees of another user's process: no fd/ it may
 * list, but fdinfo/ (ptrace access). Only descriptors on sockfs's mount
 * (here 10) whose inode was asked for count: a file on another mount with
 * the same inode number does not.
 */
static void test_owners_fdinfo(void **state)
{
	struct fx *f = *state;
	static const uint64_t want[] = { 777, 888, 9999 };
	struct evidence_sock_stats st = { 0 };
	struct evidence_socks *s;
	struct owners_got g = { 0 };
	char err[ERRLEN];
	const uint64_t *inodes;
	size_t n;
	int procfd;

	fake_proc(f);
	assert_int_equal(mkdir(pathf(f, "proc/4242/fdinfo"), 0700), 0);
	put(pathf(f, "proc/4242/fdinfo/3"), "pos:\t0\nflags:\t02\nmnt_id:\t10\nino:\t777\n");
	put(pathf(f, "proc/4242/fdinfo/4"), "pos:\t0\nflags:\t02\nmnt_id:\t27\nino:\t888\n");
	put(pathf(f, "proc/4242/fdinfo/9"), "pos:\t0\nflags:\t02\nmnt_id:\t10\nino:\t123\n");
	put(pathf(f, "proc/4242/fdinfo/12"), "pos:\t0\nflags:\t02\nmnt_id:\t10\n"); /* < 5.14 */
	procfd = evidence_proc_open(pathf(f, "proc"), err, sizeof(err));
	assert_true(procfd >= 0);
	/* no sockfs mount known here: fdinfo can't be trusted, nothing named */
	assert_int_equal(evidence_sockfs_mnt(procfd), -ENOENT);
	assert_int_equal(evidence_owners_scan(procfd, -1, want, 3, got_cb, &g, &st), 0);
	assert_int_equal(g.calls, 0);
	memset(&st, 0, sizeof(st));
	assert_int_equal(evidence_owners_scan(procfd, 10, want, 3, got_cb, &g, &st), 0);
	assert_int_equal(st.procs, 1);
	assert_int_equal(st.fds, 4);
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.n[0], 1);
	assert_int_equal(g.ino[0][0], 777);
	assert_int_equal(g.p[0].pid, 4242);
	assert_int_equal(g.p[0].uid, 4321);
	assert_string_equal(g.p[0].exe, "/usr/bin/fakeproc");
	/* through the table: the same file as with links */
	assert_int_equal(evidence_socks_read(procfd, &s, err, sizeof(err)), 0);
	inodes = evidence_socks_inodes(s, &n);
	assert_int_equal(n, 2);
	assert_int_equal(inodes[0], 777);
	assert_int_equal(inodes[1], 888);
	memset(&st, 0, sizeof(st));
	assert_int_equal(evidence_owners_scan(procfd, 10, inodes, n, add_owner_cb, s, &st), 0);
	evidence_socks_owners_by(s, "helper", &st, NULL);
	assert_int_equal(evidence_socks_write(s, pathf(f, "h.jsonl"), NULL, err, sizeof(err)), 0);
	evidence_socks_free(s);
	close(procfd);
	check_fake_owner(f, "h.jsonl");
}

/* Owners added from outside (the helper's answers): checked against the table. */
static void test_socks_add_owner(void **state)
{
	struct fx *f = *state;
	struct evidence_proc p = { .pid = 7, .uid = 0, .comm = "a", .exe = "/a", .cmdline = "a" };
	static const uint64_t batch1[] = { 777, 5, 777 }, batch2[] = { 888 };
	struct evidence_socks *s;
	char err[ERRLEN];
	const cJSON *procs;
	cJSON *o;
	int procfd;

	fake_proc(f);
	procfd = evidence_proc_open(pathf(f, "proc"), err, sizeof(err));
	assert_true(procfd >= 0);
	assert_int_equal(evidence_socks_read(procfd, &s, err, sizeof(err)), 0);
	close(procfd);
	/* two batches of one process: one entry; 5 is not in the table */
	assert_int_equal(evidence_socks_add_owner(s, &p, batch1, 3), 0);
	assert_int_equal(evidence_socks_add_owner(s, &p, batch2, 1), 0);
	p.pid = 8;
	p.uid = UINT32_MAX; /* unknown */
	assert_int_equal(evidence_socks_add_owner(s, &p, batch2, 1), 0);
	evidence_socks_owners_by(s, "helper", NULL, NULL);
	assert_int_equal(evidence_socks_write(s, pathf(f, "o.jsonl"), NULL, err, sizeof(err)), 0);
	evidence_socks_free(s);
	o = find_sock(pathf(f, "o.jsonl"), "tcp", "198.51.100.10", 22);
	procs = cJSON_GetObjectItem(o, "procs");
	assert_int_equal(cJSON_GetArraySize(procs), 1); /* held twice, listed once */
	assert_int_equal(cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetArrayItem(procs, 0), "pid")), 7);
	cJSON_Delete(o);
	o = find_sock(pathf(f, "o.jsonl"), "udp6", "::1", 53);
	procs = cJSON_GetObjectItem(o, "procs");
	assert_int_equal(cJSON_GetArraySize(procs), 2);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetArrayItem(procs, 1), "uid")));
	cJSON_Delete(o);
}

static void test_procfs_parsers(void **state)
{
	uint64_t ino;
	uint32_t uid;
	int mnt;

	(void)state;
	assert_int_equal(evidence_fdinfo_parse("pos:\t0\nflags:\t02000002\nmnt_id:\t10\nino:\t590997\n",
					       &ino, &mnt), 0);
	assert_int_equal(ino, 590997);
	assert_int_equal(mnt, 10);
	/* epoll's own lines carry "ino:" inside: only a line's start counts */
	assert_int_equal(evidence_fdinfo_parse("pos:\t0\nmnt_id:\t16\nino:\t1\n"
					       "tfd:        5 events:       19 data: 5  pos:0 ino:999 sdev:8\n",
					       &ino, &mnt), 0);
	assert_int_equal(ino, 1);
	assert_int_equal(evidence_fdinfo_parse("pos:\t0\nflags:\t02\nmnt_id:\t10\n", &ino, &mnt),
			 -ENOENT);
	assert_int_equal(evidence_fdinfo_parse("tfd: 3 ino:5 mnt_id:4\n", &ino, &mnt), -ENOENT);
	assert_int_equal(evidence_fdinfo_parse("mnt_id:\tx\nino:\t5\n", &ino, &mnt), -EINVAL);
	assert_int_equal(evidence_fdinfo_parse("mnt_id:\t4294967296\nino:\t5\n", &ino, &mnt), -EINVAL);
	assert_int_equal(evidence_fdinfo_parse("mnt_id:\t1\nino:\t18446744073709551616\n", &ino, &mnt),
			 -EINVAL);
	assert_int_equal(evidence_fdinfo_parse("mnt_id:\t1\nino:\t18446744073709551615\n", &ino, &mnt), 0);
	assert_true(ino == UINT64_MAX);
	assert_int_equal(evidence_fdinfo_parse("", &ino, &mnt), -ENOENT);
	assert_int_equal(evidence_status_uid("Name:\tx\nUid:\t1000\t0\t1000\t1000\n", &uid), 0);
	assert_int_equal(uid, 0);
	assert_int_equal(evidence_status_uid("Name:\tUid:\t1\t2\nUid:\t7\t8\t9\t9\n", &uid), 0);
	assert_int_equal(uid, 8);
	assert_int_equal(evidence_status_uid("Uid:\t1000\n", &uid), -EINVAL);
	assert_int_equal(evidence_status_uid("Uid:\t1\t4294967296\n", &uid), -EINVAL);
	assert_int_equal(evidence_status_uid("Gid:\t1\t2\n", &uid), -EINVAL);
}

static void test_dir_and_manifest(void **state)
{
	struct fx *f = *state;
	char dir[PATH_MAX], err[ERRLEN], file[PATH_MAX + 32];
	struct stat st;
	FILE *fp;

	assert_int_equal(evidence_dir_create(pathf(f, "state"), "inc-20260101-ab12", dir,
					 sizeof(dir), err, sizeof(err)), 0);
	assert_string_equal(dir, pathf(f, "state/evidence/inc-20260101-ab12"));
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(pathf(f, "state/evidence"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	/* again (a restart): the same directory, fine */
	assert_int_equal(evidence_dir_create(pathf(f, "state"), "inc-20260101-ab12", dir,
					 sizeof(dir), err, sizeof(err)), 0);
	/* bad ids and symlinks are refused */
	assert_int_not_equal(evidence_dir_create(pathf(f, "state"), "../x", dir, sizeof(dir),
					     err, sizeof(err)), 0);
	assert_int_not_equal(evidence_dir_create(pathf(f, "state"), ".hidden", dir, sizeof(dir),
					     err, sizeof(err)), 0);
	assert_int_equal(symlink("/tmp", pathf(f, "state/evidence/inc-link")), 0);
	assert_int_equal(evidence_dir_create(pathf(f, "state"), "inc-link", dir, sizeof(dir),
					 err, sizeof(err)), -ELOOP);
	assert_non_null(strstr(err, "symlink"));

	assert_int_equal(evidence_dir_create(pathf(f, "state"), "inc-1", dir, sizeof(dir),
					 err, sizeof(err)), 0);
	snprintf(file, sizeof(file), "%s/hello.txt", dir);
	put(file, "hello");
	snprintf(file, sizeof(file), "%s/other.bin", dir);
	put(file, "0123456789");
	assert_int_equal(evidence_manifest_write(dir, err, sizeof(err)), 0);
	assert_int_equal(evidence_manifest_verify(dir, err, sizeof(err)), 0);
	{
		char mpath[PATH_MAX + 32], buf[4096];
		size_t n;
		cJSON *m, *e;

		snprintf(mpath, sizeof(mpath), "%s/" EVID_MANIFEST, dir);
		fp = fopen(mpath, "r");
		assert_non_null(fp);
		n = fread(buf, 1, sizeof(buf) - 1, fp);
		buf[n] = '\0';
		fclose(fp);
		m = cJSON_Parse(buf);
		assert_non_null(m);
		assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(m, "incident")), "inc-1");
		assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(m, "files")), 2);
		e = cJSON_GetArrayItem(cJSON_GetObjectItem(m, "files"), 0);
		assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(e, "name")), "hello.txt");
		assert_int_equal(cJSON_GetNumberValue(cJSON_GetObjectItem(e, "size")), 5);
		/* sha256("hello"), as sha256sum prints it */
		assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(e, "sha256")),
				    "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
		cJSON_Delete(m);
		assert_int_equal(stat(mpath, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
	}
	/* tampering shows: same size, other bytes */
	snprintf(file, sizeof(file), "%s/other.bin", dir);
	put(file, "0123456780");
	assert_int_equal(evidence_manifest_verify(dir, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "SHA-256"));
	/* cut short */
	put(file, "01234");
	assert_int_equal(evidence_manifest_verify(dir, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "size"));
	put(file, "0123456789");
	assert_int_equal(evidence_manifest_verify(dir, err, sizeof(err)), 0);
	/* a file added later */
	snprintf(file, sizeof(file), "%s/late.txt", dir);
	put(file, "x");
	assert_int_equal(evidence_manifest_verify(dir, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "manifest lists 2"));
}

static void test_ring_cost(void **state)
{
	struct evidence_ring *r;
	uint8_t pkt[1514];
	const int n = 4000000;
	uint64_t t0, t1;

	(void)state;
	assert_int_equal(evidence_ring_new(NULL, &r), 0);
	make_pkt(pkt, sizeof(pkt), 0);
	t0 = util_now_mono_ns();
	for (int i = 0; i < n; i++)
		evidence_ring_add(r, (uint64_t)i, DLT_EN10MB, pkt, sizeof(pkt), sizeof(pkt));
	t1 = util_now_mono_ns();
	/* a figure, not an assertion (no timing in make check) */
	print_message("# evidence_ring_add: %.1f ns/packet over %d packets\n",
		      (double)(t1 - t0) / n, n);
	evidence_ring_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ring_wrap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ring_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ring_byte_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ring_dlts_and_tcpdump, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ring_dump_fd_seccomp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sockets_live, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sockets_fake_proc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owners_fdinfo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socks_add_owner, setup, teardown),
		cmocka_unit_test(test_procfs_parsers),
		cmocka_unit_test_setup_teardown(test_dir_and_manifest, setup, teardown),
		cmocka_unit_test(test_ring_cost),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * The procs helper: its messages' checks, the real helper naming the
 * holders of other users' sockets, what its confinement leaves it, and
 * the parent's fallback when a helper lies, stalls or is gone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "procsd.h"
#include "procsd_msg.h"
#include "tmpdir_testlib.h"

#define OTHER_UID 4242
#define AGENT_USER "65534"

struct fx {
	char dir[64];
	pid_t victims[3];
	unsigned ports[3]; /* their (first) sockets' local ports (127.0.0.1) */
	int fds[3];        /* and descriptors */
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || tmpdir_new(f->dir, sizeof(f->dir), "/tmp/cordon-procsd.XXXXXX"))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	for (size_t i = 0; i < ARRAY_SIZE(f->victims); i++)
		if (f->victims[i] > 0) {
			kill(f->victims[i], SIGKILL);
			waitpid(f->victims[i], NULL, 0);
		}
	if (tmpdir_remove(f->dir))
		return -1;
	free(f);
	return 0;
}

static char *pathf(const struct fx *f, const char *name)
{
	return tmpdir_path(f->dir, name);
}

/* ---- messages ---- */

static void test_msg_check(void **state)
{
	union procsd_buf b;

	(void)state;
	memset(&b, 0, sizeof(b));
	b.hello.h.type = PROCSD_HELLO;
	b.hello.h.len = sizeof(b.hello);
	b.hello.pid = 7;
	assert_null(procsd_msg_check(&b, sizeof(b.hello), true));
	/* the parent never sends a hello, the helper never asks */
	assert_string_equal(procsd_msg_check(&b, sizeof(b.hello), false), "type");
	assert_string_equal(procsd_msg_check(&b, sizeof(b.hello) - 1, true), "length");
	b.hello.h.len = sizeof(b.hello) + 8;
	assert_string_equal(procsd_msg_check(&b, sizeof(b.hello) + 8, true), "length");
	b.hello.h.len = sizeof(b.hello);
	memset(b.hello.caps, 'a', sizeof(b.hello.caps));
	assert_string_equal(procsd_msg_check(&b, sizeof(b.hello), true),
			    "hello: caps not NUL-terminated");
	b.hello.caps[0] = '\0';
	b.hello.rc = 5;
	assert_string_equal(procsd_msg_check(&b, sizeof(b.hello), true), "hello: rc");
	b.hello.rc = -EPERM;
	b.hello.sock_mnt = -2;
	assert_string_equal(procsd_msg_check(&b, sizeof(b.hello), true), "hello: sock_mnt");
	b.hello.sock_mnt = -1;
	assert_null(procsd_msg_check(&b, sizeof(b.hello), true));
	b.hello.pid = 0;
	assert_string_equal(procsd_msg_check(&b, sizeof(b.hello), true), "hello: pid");

	memset(&b, 0, sizeof(b));
	b.proc.h.type = PROCSD_PROC;
	b.proc.h.len = sizeof(b.proc);
	b.proc.p.pid = 1;
	b.proc.n = EVID_OWNER_BATCH;
	assert_null(procsd_msg_check(&b, sizeof(b.proc), true));
	b.proc.n = EVID_OWNER_BATCH + 1;
	assert_string_equal(procsd_msg_check(&b, sizeof(b.proc), true), "proc: n");
	b.proc.n = 0;
	assert_string_equal(procsd_msg_check(&b, sizeof(b.proc), true), "proc: n");
	b.proc.n = 1;
	memset(b.proc.p.exe, '/', sizeof(b.proc.p.exe));
	assert_string_equal(procsd_msg_check(&b, sizeof(b.proc), true),
			    "proc: exe not NUL-terminated");
	b.proc.p.exe[0] = '\0';
	memset(b.proc.p.comm, 'x', sizeof(b.proc.p.comm));
	assert_string_equal(procsd_msg_check(&b, sizeof(b.proc), true),
			    "proc: comm not NUL-terminated");
	b.proc.p.comm[0] = '\0';
	memset(b.proc.p.cmdline, 'x', sizeof(b.proc.p.cmdline));
	assert_string_equal(procsd_msg_check(&b, sizeof(b.proc), true),
			    "proc: cmdline not NUL-terminated");
	b.proc.p.cmdline[0] = '\0';
	b.proc.p.pid = -3;
	assert_string_equal(procsd_msg_check(&b, sizeof(b.proc), true), "proc: pid");

	memset(&b, 0, sizeof(b));
	b.done.h.type = PROCSD_DONE;
	b.done.h.len = sizeof(b.done);
	assert_null(procsd_msg_check(&b, sizeof(b.done), true));
	b.done.truncated = 2;
	assert_string_equal(procsd_msg_check(&b, sizeof(b.done), true), "done: truncated");
	b.done.truncated = 1;
	memset(b.done.err, 'e', sizeof(b.done.err));
	assert_string_equal(procsd_msg_check(&b, sizeof(b.done), true),
			    "done: err not NUL-terminated");

	memset(&b, 0, sizeof(b));
	b.ask.h.type = PROCSD_ASK;
	b.ask.h.len = sizeof(b.ask);
	b.ask.n = PROCSD_ASK_MAX;
	assert_null(procsd_msg_check(&b, sizeof(b.ask), false));
	assert_string_equal(procsd_msg_check(&b, sizeof(b.ask), true), "type");
	b.ask.n = PROCSD_ASK_MAX + 1;
	assert_string_equal(procsd_msg_check(&b, sizeof(b.ask), false), "ask: n");
	b.go.h.type = PROCSD_GO;
	b.go.h.len = sizeof(b.go);
	assert_null(procsd_msg_check(&b, sizeof(b.go), false));
	b.go.h.type = 99;
	assert_string_equal(procsd_msg_check(&b, sizeof(b.go), false), "type");
	assert_string_equal(procsd_msg_check(&b, 4, false), "length");
}

/* ---- processes that hold sockets ---- */

/*
 * A process holding n UDP sockets on 127.0.0.1: as uid (root: not
 * dumpable, the hardest to read). The first one's port goes to
 * f->ports[i].
 */
static void start_victim(struct fx *f, size_t i, uid_t uid, unsigned n)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int p[2];
	unsigned v[2] = { 0, 0 }; /* port, descriptor */
	pid_t pid;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int s;

		if (uid ? setresgid(uid, uid, uid) || setresuid(uid, uid, uid) :
			  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
			_exit(1);
		s = socket(AF_INET, SOCK_DGRAM, 0);
		if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) ||
		    getsockname(s, (struct sockaddr *)&sa, &sl))
			_exit(1);
		for (unsigned k = 1; k < n; k++) {
			struct sockaddr_in any = { .sin_family = AF_INET };
			int t = socket(AF_INET, SOCK_DGRAM, 0);

			any.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			if (t < 0 || bind(t, (struct sockaddr *)&any, sizeof(any)))
				_exit(1);
		}
		v[0] = ntohs(sa.sin_port);
		v[1] = (unsigned)s;
		if (write(p[1], v, sizeof(v)) != sizeof(v))
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(read(p[0], v, sizeof(v)), sizeof(v));
	close(p[0]);
	f->victims[i] = pid;
	f->ports[i] = v[0];
	f->fds[i] = (int)v[1];
}

static cJSON *udp_line(const char *path, unsigned port)
{
	char line[16384];
	FILE *fp = fopen(path, "r");
	cJSON *hit = NULL;

	assert_non_null(fp);
	while (!hit && fgets(line, sizeof(line), fp)) {
		cJSON *o = cJSON_Parse(line);

		assert_non_null(o);
		if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(o, "proto")) ?: "", "udp") &&
		    !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(o, "local")) ?: "", "127.0.0.1") &&
		    cJSON_GetNumberValue(cJSON_GetObjectItem(o, "lport")) == port)
			hit = o;
		else
			cJSON_Delete(o);
	}
	fclose(fp);
	return hit;
}

static cJSON *summary_of(const char *path)
{
	char line[16384];
	FILE *fp = fopen(path, "r");
	cJSON *last = NULL;

	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		cJSON_Delete(last);
		last = cJSON_Parse(line);
	}
	fclose(fp);
	assert_non_null(last);
	return last;
}

static const char *sum_str(const cJSON *s, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(s, "summary"), key));
}

/* The socket's holders name pid with uid (exe: this test binary, it forked). */
static void assert_holder(const char *path, unsigned port, pid_t pid, uid_t uid)
{
	cJSON *o = udp_line(path, port);
	const cJSON *p, *hit = NULL;

	assert_non_null(o);
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(o, "procs"))
		if (cJSON_GetNumberValue(cJSON_GetObjectItem(p, "pid")) == pid)
			hit = p;
	assert_non_null(hit);
	assert_int_equal(cJSON_GetNumberValue(cJSON_GetObjectItem(hit, "uid")), uid);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(hit, "comm")), "test_procsd");
	assert_non_null(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(hit, "exe")), "/test_procsd"));
	assert_non_null(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(hit, "cmdline")), "test_procsd"));
	cJSON_Delete(o);
}

static void reap(struct procsd *h)
{
	int status;

	procsd_stop(h);
	assert_int_equal(waitpid(h->pid, &status, 0), h->pid);
	assert_true(procsd_reaped(h, h->pid));
	assert_int_equal(h->pid, 0);
}

/* What a status field of pid says ("CapEff" -> "0000000000080000"). */
static void status_field(pid_t pid, const char *field, char *out, size_t len)
{
	char path[64], line[256];
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fp = fopen(path, "r");
	assert_non_null(fp);
	*out = '\0';
	while (fgets(line, sizeof(line), fp))
		if (!strncmp(line, field, strlen(field)) && line[strlen(field)] == ':') {
			char *v = line + strlen(field) + 1;

			v += strspn(v, "\t ");
			v[strcspn(v, "\n")] = '\0';
			util_strlcpy(out, v, len);
		}
	fclose(fp);
}

/*
 * The helper, as the agent's user with CAP_SYS_PTRACE alone, names the
 * holders of another user's socket and of a non-dumpable root process's.
 */
static void test_helper_names_holders(void **state)
{
	struct fx *f = *state;
	struct evidence_sock_stats st;
	struct procsd h;
	char err[ERRLEN], v[64];
	cJSON *sum;

	if (geteuid() != 0)
		skip(); /* other uids need root; tests/run.sh runs as root */
	start_victim(f, 0, OTHER_UID, 1);
	start_victim(f, 1, 0, 1);
	/* enough sockets that qsort() would call sysinfo(2): none in the helper */
	start_victim(f, 2, OTHER_UID, 600);
	procsd_start(&h, AGENT_USER);
	assert_true(h.fd >= 0 && h.pid > 0);
	assert_string_equal(h.caps, "sys_ptrace");
	status_field(h.pid, "Uid", v, sizeof(v));
	assert_string_equal(v, "65534\t65534\t65534\t65534");
	status_field(h.pid, "CapEff", v, sizeof(v));
	assert_string_equal(v, "0000000000080000");
	status_field(h.pid, "CapPrm", v, sizeof(v));
	assert_string_equal(v, "0000000000080000");
	status_field(h.pid, "CapBnd", v, sizeof(v));
	assert_string_equal(v, "0000000000000000");
	status_field(h.pid, "Seccomp", v, sizeof(v));
	assert_string_equal(v, "2");
	status_field(h.pid, "NoNewPrivs", v, sizeof(v));
	assert_string_equal(v, "1");
	assert_int_equal(procsd_snapshot(&h, pathf(f, "s1.json"), &st, err, sizeof(err)), 0);
	assert_holder(pathf(f, "s1.json"), f->ports[0], f->victims[0], OTHER_UID);
	assert_holder(pathf(f, "s1.json"), f->ports[1], f->victims[1], 0);
	assert_holder(pathf(f, "s1.json"), f->ports[2], f->victims[2], OTHER_UID);
	sum = summary_of(pathf(f, "s1.json"));
	assert_string_equal(sum_str(sum, "ownersBy"), "helper");
	assert_null(sum_str(sum, "ownersNote"));
	cJSON_Delete(sum);
	assert_false(st.truncated);
	/* asked again (a second incident): answered again */
	assert_int_equal(procsd_snapshot(&h, pathf(f, "s2.json"), NULL, err, sizeof(err)), 0);
	assert_holder(pathf(f, "s2.json"), f->ports[0], f->victims[0], OTHER_UID);
	reap(&h);
	/* no helper: this process names what it may read (root here: all) */
	assert_int_equal(procsd_snapshot(&h, pathf(f, "s3.json"), NULL, err, sizeof(err)), 0);
	sum = summary_of(pathf(f, "s3.json"));
	assert_string_equal(sum_str(sum, "ownersBy"), "agent");
	assert_string_equal(sum_str(sum, "ownersNote"), "no procs helper");
	cJSON_Delete(sum);
	assert_holder(pathf(f, "s3.json"), f->ports[0], f->victims[0], OTHER_UID);
}

/*
 * What the confinement leaves: another user's fdinfo and exe yes; its
 * environ, a root-only file, the victim's fd/ no; writing, ptrace and
 * process_vm_readv kill the process.
 */
enum probe { PROBE_READS, PROBE_WRITE_OPEN, PROBE_PTRACE, PROBE_VM_READ, PROBE_SOCKET };

static void probe_child(int chan, pid_t victim, int vfd, enum probe what)
{
	struct procsd_confined c;
	char err[ERRLEN], path[64], buf[128];
	int r[5];

	if (procsd_confine(AGENT_USER, chan, &c, err, sizeof(err)))
		_exit(10);
	switch (what) {
	case PROBE_READS:
		snprintf(path, sizeof(path), "%d/fdinfo/%d", (int)victim, vfd);
		r[0] = openat(c.procfd, path, O_RDONLY | O_CLOEXEC) >= 0;
		snprintf(path, sizeof(path), "%d/exe", (int)victim);
		r[1] = readlinkat(c.procfd, path, buf, sizeof(buf)) > 0;
		snprintf(path, sizeof(path), "%d/environ", (int)victim);
		r[2] = openat(c.procfd, path, O_RDONLY | O_CLOEXEC) < 0 && errno == EACCES;
		r[3] = openat(AT_FDCWD, "/etc/shadow", O_RDONLY | O_CLOEXEC) < 0 && errno == EACCES;
		snprintf(path, sizeof(path), "%d/fd", (int)victim);
		r[4] = openat(c.procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) < 0 &&
		       errno == EACCES;
		if (write(chan, r, sizeof(r)) != sizeof(r))
			_exit(11);
		_exit(0);
	case PROBE_WRITE_OPEN:
		(void)!openat(AT_FDCWD, "/dev/null", O_WRONLY | O_CLOEXEC);
		break;
	case PROBE_PTRACE:
		ptrace(PTRACE_ATTACH, victim, NULL, NULL);
		break;
	case PROBE_VM_READ: {
		struct iovec l = { buf, sizeof(buf) }, rv = { (void *)0x1000, sizeof(buf) };

		process_vm_readv(victim, &l, 1, &rv, 1, 0);
		break;
	}
	case PROBE_SOCKET:
		(void)!socket(AF_INET, SOCK_DGRAM, 0);
		break;
	}
	_exit(12); /* the filter should have killed us */
}

static int run_probe(pid_t victim, int vfd, enum probe what, int r[5])
{
	int sv[2], status;
	pid_t pid;

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(sv[0]);
		probe_child(sv[1], victim, vfd, what);
	}
	close(sv[1]);
	if (r)
		assert_int_equal(read(sv[0], r, 5 * sizeof(int)), 5 * sizeof(int));
	close(sv[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void test_confine_limits(void **state)
{
	static const enum probe fatal[] = { PROBE_WRITE_OPEN, PROBE_PTRACE, PROBE_VM_READ,
					    PROBE_SOCKET };
	struct fx *f = *state;
	int r[5], status;

	if (geteuid() != 0)
		skip(); /* other uids need root; tests/run.sh runs as root */
	start_victim(f, 0, 0, 1); /* root, not dumpable */
	status = run_probe(f->victims[0], f->fds[0], PROBE_READS, r);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(r[0]); /* fdinfo: what it is for */
	assert_true(r[1]); /* exe */
	assert_true(r[2]); /* environ: EACCES (no DAC capability) */
	assert_true(r[3]); /* /etc/shadow: EACCES */
	assert_true(r[4]); /* fd/: EACCES */
	for (size_t i = 0; i < ARRAY_SIZE(fatal); i++) {
		status = run_probe(f->victims[0], f->fds[0], fatal[i], NULL);
		assert_true(WIFSIGNALED(status));
		assert_int_equal(WTERMSIG(status), SIGSYS);
	}
}

/* ---- a helper that lies or stalls: the fallback ---- */

enum fake { FAKE_MALFORMED, FAKE_SILENT, FAKE_PARTIAL };

/* Reads the question, then answers as told. */
static void fake_helper(int fd, enum fake how)
{
	union procsd_buf *b = malloc(sizeof(*b));
	uint64_t first = 0;
	uint32_t seq = 0;
	const char *why;

	for (;;) {
		ssize_t n = procsd_msg_recv(fd, b, false, 0, &why);

		if (n <= 0)
			_exit(1);
		seq = b->ask.seq;
		if (b->h.type == PROCSD_ASK && b->ask.n && !first)
			first = b->ask.inodes[0];
		if (b->h.type == PROCSD_GO)
			break;
	}
	memset(b, 0, sizeof(*b));
	b->proc.seq = seq;
	b->proc.n = 1;
	b->proc.inodes[0] = first;
	b->proc.p.pid = 4242;
	strcpy(b->proc.p.comm, "fake");
	if (how == FAKE_MALFORMED)
		memset(b->proc.p.exe, 'A', sizeof(b->proc.p.exe));
	if (how != FAKE_SILENT && ipc_send(fd, PROCSD_PROC, &b->proc, sizeof(b->proc)))
		_exit(2);
	pause();
	_exit(0);
}

static cJSON *fake_run(struct fx *f, enum fake how, const char *file, int *status)
{
	struct procsd h = { .fd = -1, .timeout_ms = 300 };
	char err[ERRLEN];
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	h.pid = fork();
	assert_true(h.pid >= 0);
	if (h.pid == 0) {
		close(sv[0]);
		fake_helper(sv[1], how);
	}
	close(sv[1]);
	h.fd = sv[0];
	assert_int_equal(fcntl(h.fd, F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(procsd_snapshot(&h, pathf(f, file), NULL, err, sizeof(err)), 0);
	if (how == FAKE_MALFORMED) {
		assert_int_equal(h.fd, -1); /* stopped listening */
	} else {
		assert_true(h.fd >= 0);
		procsd_stop(&h);
		kill(h.pid, SIGKILL);
	}
	assert_int_equal(waitpid(h.pid, status, 0), h.pid);
	return summary_of(pathf(f, file));
}

static void test_helper_malformed(void **state)
{
	struct fx *f = *state;
	int status;
	cJSON *sum = fake_run(f, FAKE_MALFORMED, "m.json", &status);

	/* killed, its answer dropped, the agent's own view instead */
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_string_equal(sum_str(sum, "ownersBy"), "agent");
	assert_string_equal(sum_str(sum, "ownersNote"),
			    "procs helper: malformed message (proc: exe not NUL-terminated): stopped");
	cJSON_Delete(sum);
}

static void test_helper_silent(void **state)
{
	struct fx *f = *state;
	int status;
	cJSON *sum = fake_run(f, FAKE_SILENT, "q.json", &status);

	assert_string_equal(sum_str(sum, "ownersBy"), "agent");
	assert_string_equal(sum_str(sum, "ownersNote"), "procs helper: no full answer within 300 ms");
	cJSON_Delete(sum);
}

static void test_helper_partial(void **state)
{
	struct fx *f = *state;
	int status;
	cJSON *sum = fake_run(f, FAKE_PARTIAL, "p.json", &status);
	const cJSON *s = cJSON_GetObjectItem(sum, "summary");

	/* what came is kept, and said to be partial */
	assert_string_equal(sum_str(sum, "ownersBy"), "helper");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(s, "truncated")));
	assert_string_equal(sum_str(sum, "ownersNote"), "procs helper: no full answer within 300 ms");
	cJSON_Delete(sum);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msg_check),
		cmocka_unit_test_setup_teardown(test_helper_names_holders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_confine_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_helper_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_helper_silent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_helper_partial, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
#ifndef CORDON_EVIDENCE_H
#define CORDON_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/*
 * Evidence kept when an incident opens, all of it under
 * STATE_DIR/evidence/INCIDENT_ID/ (0700, files 0600, never through a
 * symlink): the packet headers of the last seconds before it, the
 * socket table with its owners, and a manifest.json written last with
 * every file's size and SHA-256 (the agent adds its findings and the
 * nftables counters).
 * docs/internals/evidence.md says who calls what when.
 */

/* ---- (a) the ring of recent packet headers ---- */

#define EVID_RING_SECONDS 30
#define EVID_RING_BYTES (16u << 20)
#define EVID_RING_SNAPLEN 128
#define EVID_RING_MAX_DLTS 8

struct evidence_ring_opts {
	uint32_t seconds;  /* window kept, counted back from the newest packet */
	size_t max_bytes;  /* all the ring's memory, slots included */
	uint32_t snaplen;  /* bytes kept of each packet (16..65535) */
};

struct evidence_ring;

/* o NULL: the defaults above. All memory is taken (and touched) here. */
__must_check int evidence_ring_new(const struct evidence_ring_opts *o,
			       struct evidence_ring **out);
void evidence_ring_free(struct evidence_ring *r);
/*
 * One packet, for every packet the capture loop sees: a bounded memcpy
 * into a preallocated slot, no syscall, no allocation. When the ring is
 * full the oldest packet goes. Not thread-safe: add and dump from the
 * same thread (the capture loop), or stop adding while dumping.
 */
void evidence_ring_add(struct evidence_ring *r, uint64_t ts_ns, int dlt,
		   const uint8_t *data, uint32_t caplen, uint32_t len);
/* Packets in the ring now (window not applied). */
size_t evidence_ring_count(const struct evidence_ring *r);
/*
 * Write the packets of the last `seconds` (before the newest) as classic
 * pcap with nanosecond timestamps. One file per link type: the first
 * link type in the ring goes to path, any other to path with ".dltN"
 * put before a ".pcap" suffix. Returns the packets written, or -errno.
 */
__must_check int evidence_ring_dump(const struct evidence_ring *r, const char *path,
				char *err, size_t errlen);
/*
 * For a process that may not create files (the sensor under seccomp): the
 * link types in the window (first seen first, up to max), and the dump of
 * one of them into fd, a new file opened by someone else (e.g. passed by
 * the parent over the IPC socket). Only write(2) and fcntl(2) touch fd;
 * no fsync (the owner of the file does that, evidence_manifest_write() too);
 * fd stays open. Returns the packets written, or -errno.
 */
size_t evidence_ring_dlts(const struct evidence_ring *r, int *dlts, size_t max);
__must_check int evidence_ring_dump_fd(const struct evidence_ring *r, int fd, int dlt,
				   char *err, size_t errlen);

/* ---- (b) sockets and their owners ---- */

#define EVID_MAX_PROCS 8192      /* /proc/PID dirs scanned */
#define EVID_MAX_FDS 262144      /* descriptors looked at, all processes together */
#define EVID_MAX_SOCKETS 65536   /* socket lines read from /proc/self/net/ */
#define EVID_MAX_OWNERS 8        /* processes listed per socket */
#define EVID_OWNER_BATCH 64      /* socket inodes per evidence_owner_fn call */

/* A process that holds sockets, as the evidence names it. */
struct evidence_proc {
	int32_t pid;
	uint32_t uid;                /* effective, from /proc/PID/status */
	char comm[32];
	char exe[256];               /* /proc/PID/exe's target, "" if unreadable */
	char cmdline[512];           /* NULs as spaces, cut at 511 bytes */
};

struct evidence_sock_stats {
	size_t sockets, procs, fds;
	bool truncated;              /* a cap was reached */
};

/*
 * The socket table, then who holds what: evidence_socks_read() takes the
 * table, someone scans processes for its inodes (evidence_owners_scan()
 * here, or the procs helper that may read every process's descriptors,
 * enforcer/agent/procsd.c) and adds each holder, evidence_socks_write()
 * writes what `ss -tunap` would show as JSON lines.
 */
struct evidence_socks;

/*
 * procfs root for the functions below: proc NULL is /proc, which must be
 * a procfs; another path (tests) is taken as it is. fd or -errno.
 */
__must_check int evidence_proc_open(const char *proc, char *err, size_t errlen);
/* procfd's self/net/{tcp,tcp6,udp,udp6}: this network namespace's sockets. */
__must_check int evidence_socks_read(int procfd, struct evidence_socks **out,
				     char *err, size_t errlen);
void evidence_socks_free(struct evidence_socks *s);
/* The table's socket inodes, sorted, unique, none 0 (owned by s). */
const uint64_t *evidence_socks_inodes(const struct evidence_socks *s, size_t *n);
/* p holds inodes[0..n); inodes not in the table are ignored. */
__must_check int evidence_socks_add_owner(struct evidence_socks *s,
					  const struct evidence_proc *p,
					  const uint64_t *inodes, size_t n);
/*
 * Who named the owners ("helper", "agent"), the scan's counts, and why
 * the helper did not (note, may be NULL): the summary line says so.
 */
void evidence_socks_owners_by(struct evidence_socks *s, const char *by,
			      const struct evidence_sock_stats *scan, const char *note);
/* The JSON lines, into a new file at path. stats may be NULL. */
__must_check int evidence_socks_write(struct evidence_socks *s, const char *path,
				      struct evidence_sock_stats *stats, char *err,
				      size_t errlen);

/*
 * Every process under procfd that holds one of want[0..nwant) (sorted):
 * cb once per process with the inodes it holds, at most EVID_OWNER_BATCH
 * a call (a process that holds more comes again). A descriptor is read
 * from /proc/PID/fd when that is open to us, else from /proc/PID/fdinfo,
 * whose "ino:" on sockfs's mount (sock_mnt; -1: unknown, links only) is
 * the socket's inode: that needs only ptrace read access to the process,
 * not the right to read its fd directory. What can't be read is skipped.
 * cb's non-zero return stops the scan and is returned.
 */
typedef int evidence_owner_fn(void *arg, const struct evidence_proc *p,
			      const uint64_t *inodes, size_t n);
__must_check int evidence_owners_scan(int procfd, int sock_mnt, const uint64_t *want,
				      size_t nwant, evidence_owner_fn *cb, void *arg,
				      struct evidence_sock_stats *st);
/* sockfs's mount id, from the fdinfo of a socket made for it; or -errno. */
int evidence_sockfs_mnt(int procfd);

/*
 * All of the above in this process (it names the holders it may read):
 * what `ss -tunap` shows, as JSON lines in a new file at path. stats may
 * be NULL.
 */
__must_check int evidence_sockets_snapshot(const char *path,
				       struct evidence_sock_stats *stats,
				       char *err, size_t errlen);
/* The same from another procfs root (tests). */
__must_check int evidence_sockets_snapshot_at(const char *proc, const char *path,
					  struct evidence_sock_stats *stats,
					  char *err, size_t errlen);

/* ---- (c) the directory and its manifest ---- */

#define EVID_ID_LEN 64
#define EVID_MANIFEST "manifest.json"
#define EVID_MAX_FILES 1024

/*
 * STATE_DIR/evidence/INCIDENT_ID/, 0700 (made, or reused after a restart
 * if it is a real directory of ours). incident_id: [A-Za-z0-9._-], not
 * starting with a dot. path gets the directory's path.
 */
__must_check int evidence_dir_create(const char *state_dir, const char *incident_id,
				 char *path, size_t pathlen, char *err,
				 size_t errlen);
/*
 * DIR/manifest.json: every regular file in DIR with its size and SHA-256,
 * written last (temp file, fsync, rename, fsync of DIR).
 */
__must_check int evidence_manifest_write(const char *dir, char *err, size_t errlen);
/* 0 when every file matches; -EBADMSG naming the first one that doesn't. */
__must_check int evidence_manifest_verify(const char *dir, char *err, size_t errlen);
/* A new file in DIR: O_CREAT|O_EXCL|O_NOFOLLOW, 0600. fd or -errno. */
int evidence_file_create(const char *path);

#endif

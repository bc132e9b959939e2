/* SPDX-License-Identifier: MIT */
#ifndef CORDON_SPAWND_H
#define CORDON_SPAWND_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "awsd.h"
#include "capture.h"
#include "ipc.h"
#include "sensord.h"

/*
 * The spawner of `cordon run` (docs/internals/security.md): forked by the
 * parent before it drops privileges, it alone keeps CAP_SETUID/CAP_SETGID
 * (pinned by its seccomp filter to the children's ids) and CAP_NET_RAW.
 * On the parent's word it starts a sensor, with capture handles opened
 * for that sensor alone (a fresh ring: a restarted sensor sees the next
 * packet), or an AWS process, each as its own uid, and signals them. The
 * children become the parent's own (it is a child subreaper), so the
 * parent reaps them and owns their channels as before; the parent keeps
 * no capability but CAP_NET_ADMIN.
 */
enum spawnd_role { SPAWND_SENSOR, SPAWND_AWS, SPAWND__ROLES };

enum {
	SPAWND_START = 500, /* parent -> spawner: start one role's process */
	SPAWND_KILL,        /* parent -> spawner: signal it */
	SPAWND_DONE = 600,  /* spawner -> parent: the answer (START: the channel attached) */
};

struct spawnd_req {
	struct ipc_hdr h;
	uint32_t role;  /* enum spawnd_role */
	int32_t pid;    /* KILL: the process it started last for role */
	int32_t sig;    /* KILL: SIGTERM or SIGKILL */
};

struct spawnd_done {
	struct ipc_hdr h;
	int32_t rc;     /* 0 or -errno */
	int32_t pid;    /* START: the new process */
	uint32_t ndlt;  /* START of a sensor: the link type of each handle */
	int32_t dlt[SENSORD_MAX_CAPS];
	char err[256];
};

extern const struct ipc_chan spawnd_ipc_to_spawner;
extern const struct ipc_chan spawnd_ipc_to_parent;

/* What the spawner needs to start either child, fixed at its start. */
struct spawnd_cfg {
	const char (*ifaces)[32];   /* the interfaces the sensor captures on */
	size_t n_ifaces;
	int snaplen, buffer_bytes;
	const char *nflog_dev;      /* "nflog:N", or NULL: opened once, here */
	const char *user;           /* the spawner's own user (the agent's) */
	uid_t uid[SPAWND__ROLES];   /* each child's ids: all its filter allows */
	gid_t gid[SPAWND__ROLES];
	struct sensord_opts so;
	struct awsd_opts ao;
	bool no_seccomp;
};

struct spawnd {
	pid_t pid;  /* 0: not running */
	int fd;     /* -1: no channel */
};

/*
 * Fork the spawner. In the child, drop_parent(arg) closes what is the
 * parent's first. 0 or -errno.
 */
__must_check int spawnd_start(struct spawnd *s, const struct spawnd_cfg *cfg,
			      void (*drop_parent)(void *), void *arg, char *err,
			      size_t errlen);
/* Start role's process: its pid and our end of its channel. */
__must_check int spawnd_spawn(struct spawnd *s, enum spawnd_role role, pid_t *pid,
			      int *fd, struct spawnd_done *out, char *err,
			      size_t errlen);
/* Signal role's process pid (which the spawner started last). 0 or -errno. */
__must_check int spawnd_kill(struct spawnd *s, enum spawnd_role role, pid_t pid, int sig);
/* The spawner was reaped (pid): true when it was ours. */
bool spawnd_reaped(struct spawnd *s, pid_t pid);
/* Close its channel: it exits. */
void spawnd_stop(struct spawnd *s);

#endif

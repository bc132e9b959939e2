/* SPDX-License-Identifier: MIT */
#include <cjson/cJSON.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "aws_client.h"
#include "aws_imds.h"
#include "buf.h"
#include "cloud.h"
#include "awsd.h"
#include "daemon_ipc.h"
#include "gd.h"
#include "log.h"
#include "notify.h"
#include "privsep.h"
#include "sync.h"

/*
 * The AWS process (awsd.h). A slow API stalls only this process: capture
 * runs in the sensor, nftables in the parent.
 */
static const struct ipc_spec to_aws[] = {
	{ IPC_A_SYNC, sizeof(struct ipc_a_sync) },
	{ IPC_A_IDENTITY, sizeof(struct ipc_a_identity) },
	{ IPC_A_ACTION, sizeof(struct ipc_a_action) },
	{ IPC_A_GD_POLL, sizeof(struct ipc_a_gd_poll) },
};

static void reply(int sock, uint32_t type, void *msg, size_t len)
{
	if (ipc_send(sock, type, msg, len) == -EPIPE)
		_exit(0);
}

static void aws_do_identity(int sock)
{
	struct ipc_a_identity_done r;
	struct aws_imds *m = aws_imds_new();

	memset(&r, 0, sizeof(r));
	if (!m)
		r.rc = -ENOMEM;
	else
		r.rc = aws_imds_identity(m, r.region, sizeof(r.region), r.instance_id,
					 sizeof(r.instance_id), r.err, sizeof(r.err));
	if (!r.rc) {
		/* The account too, for findings and messages (best effort). */
		struct buf b;
		char e[ERRLEN];

		buf_init(&b, 64 * 1024);
		if (!aws_imds_get(m, "/latest/dynamic/instance-identity/document", &b, e,
				  sizeof(e))) {
			cJSON *doc = cJSON_Parse(buf_str(&b));
			const char *acct = cJSON_GetStringValue(cJSON_GetObjectItem(doc, "accountId"));

			if (acct)
				util_strlcpy(r.account, acct, sizeof(r.account));
			cJSON_Delete(doc);
		}
		buf_free(&b);
	}
	aws_imds_free(m);
	reply(sock, IPC_A_IDENTITY_DONE, &r, sizeof(r));
}

static int aws_do_act(struct aws_client *c, const struct ipc_a_action *m,
		      struct ipc_a_action_done *r)
{
	const char *groups[CLOUD_MAX_GROUPS], *keys[IPC_A_TAGS];
	struct cloud_tag tags[IPC_A_TAGS];
	size_t ng = m->n_groups < CLOUD_MAX_GROUPS ? m->n_groups : CLOUD_MAX_GROUPS;
	size_t nt = m->n_tags < IPC_A_TAGS ? m->n_tags : IPC_A_TAGS;

	for (size_t i = 0; i < ng; i++)
		groups[i] = m->groups[i];
	for (size_t i = 0; i < nt; i++) {
		tags[i].key = keys[i] = m->tag_key[i];
		tags[i].value = m->tag_val[i];
	}
	switch (m->act) {
	case PLAN_DESCRIBE:
		return cloud_describe_instance(c, m->target, &r->inst, r->err, sizeof(r->err));
	case PLAN_SET_GROUPS:
		return cloud_set_eni_groups(c, m->target, groups, ng, r->err, sizeof(r->err));
	case PLAN_TAGS:
		return cloud_create_tags(c, m->target, tags, nt, r->err, sizeof(r->err));
	case PLAN_UNTAG:
		return cloud_delete_tags(c, m->target, keys, nt, r->err, sizeof(r->err));
	case PLAN_PROTECT:
		return cloud_protect_instance(c, m->target, m->flag_a, m->flag_b, r->err,
					      sizeof(r->err));
	case PLAN_SNAPSHOT: {
		char snap[CLOUD_SNAP_ID_LEN] = "";
		int rc = cloud_snapshot_volume(c, m->target, m->text, tags, nt, snap,
					       r->err, sizeof(r->err));

		util_strlcpy(r->out_id, snap, sizeof(r->out_id));
		return rc;
	}
	case PLAN_SNS: {
		char id[NOTIFY_MSG_ID_LEN] = "";
		int rc = notify_sns_publish(c, m->target, m->subject, m->text, id, r->err,
					    sizeof(r->err));

		util_strlcpy(r->out_id, id, sizeof(r->out_id));
		return rc;
	}
	case PLAN_EVENTS: {
		char id[NOTIFY_MSG_ID_LEN] = "";
		int rc = notify_events_put(c, m->target, m->text, id, r->err, sizeof(r->err));

		util_strlcpy(r->out_id, id, sizeof(r->out_id));
		return rc;
	}
	case PLAN_SECHUB:
		return notify_securityhub_import(c, m->account, m->region, m->text, r->err,
						 sizeof(r->err));
	}
	util_strlcpy(r->err, "unknown action", sizeof(r->err));
	return -EINVAL;
}

static void aws_do_action(int sock, struct aws_client *c, const struct ipc_a_action *m)
{
	struct ipc_a_action_done *r = calloc(1, sizeof(*r));

	if (!r)
		_exit(3);
	r->act = m->act;
	r->seq = m->seq;
	r->rc = aws_do_act(c, m, r);
	reply(sock, IPC_A_ACTION_DONE, r, sizeof(*r));
	free(r);
}

static void aws_do_gd(int sock, struct aws_client *c, const struct ipc_a_gd_poll *m)
{
	static char ids[GD_MAX_GET][GD_ID_LEN];
	struct ipc_a_gd_done done;
	struct gd_finding *fs = calloc(GD_MAX_GET, sizeof(*fs));
	const char *idp[GD_MAX_GET];
	size_t n = 0, nf = 0;

	memset(&done, 0, sizeof(done));
	util_strlcpy(done.detector, m->detector, sizeof(done.detector));
	if (!fs) {
		done.rc = -ENOMEM;
		goto out;
	}
	if (!*done.detector &&
	    (done.rc = gd_find_detector(c, done.detector, done.err, sizeof(done.err))))
		goto out;
	done.rc = gd_list_findings(c, done.detector, m->instance_id, m->since_ms, ids,
				   GD_MAX_GET, &n, done.err, sizeof(done.err));
	if (done.rc || n == 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		idp[i] = ids[i];
	done.rc = gd_get_findings(c, done.detector, idp, n, fs, &nf, done.err,
				  sizeof(done.err));
	for (size_t i = 0; !done.rc && i < nf; i++) {
		struct ipc_a_gd_finding f;

		memset(&f, 0, sizeof(f));
		f.f = fs[i];
		reply(sock, IPC_A_GD_FINDING, &f, sizeof(f));
		done.n++;
	}
out:
	free(fs);
	reply(sock, IPC_A_GD_DONE, &done, sizeof(done));
}


static void aws_do_sync(int sock, struct aws_client *client, const char *state_dir,
			const struct list_limits *lim, const struct ipc_a_sync *m)
{
	struct sync_opts so = { .state_dir = state_dir, .client = client, .lim = lim };
	struct ipc_a_sync_done r;
	struct sync_status st;
	struct list *l = NULL;

	memset(&r, 0, sizeof(r));
	r.index = m->index;
	r.rc = sync_list(&so, &m->spec, &l, &st);
	list_free(l); /* the parent and the sensor read the stored copy */
	r.res = (uint8_t)st.res;
	r.in_force = st.in_force;
	r.entries = st.entries;
	util_strlcpy(r.etag, st.etag, sizeof(r.etag));
	util_strlcpy(r.reason, st.reason, sizeof(r.reason));
	reply(sock, IPC_A_SYNC_DONE, &r, sizeof(r));
}

void awsd_main(int sock, const struct awsd_opts *o)
{
	union {
		struct ipc_hdr h;
		char raw[IPC_MAX];
	} *in = malloc(sizeof(*in));
	struct aws_client_opts co = { 0 };
	struct aws_client *client = NULL;
	struct ipc_a_hello hello;
	pid_t parent = getppid();
	char err[ERRLEN];

	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if (!in)
		_exit(3);
	if (privsep_drop(PRIVSEP_AWS, o->user, err, sizeof(err)))
		fatalx("aws: %s", err);
	/*
	 * Die with the parent, also in the middle of a slow request: the
	 * credentials must not outlive the daemon in an orphan, and a new
	 * daemon redoes what the journal does not say is done. Set after the
	 * uid change, which clears it; the parent may be gone already.
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) || getppid() != parent)
		_exit(0);
	if (aws_client_new(&co, &client))
		fatalx("aws: out of memory");
	memset(&hello, 0, sizeof(hello));
	hello.pid = (int32_t)getpid();
	privsep_describe(hello.caps, sizeof(hello.caps));
	if (ipc_send(sock, IPC_A_HELLO, &hello, sizeof(hello)))
		_exit(0);
	for (;;) {
		struct pollfd pfd = { .fd = sock, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			_exit(1);
		n = ipc_recv(sock, in->raw, to_aws, ARRAY_SIZE(to_aws), NULL);
		if (n == -EAGAIN)
			continue;
		if (n <= 0)
			_exit(n == 0 ? 0 : 2);
		switch (in->h.type) {
		case IPC_A_SYNC:
			aws_do_sync(sock, client, o->state_dir, &o->lim,
				    (const void *)in->raw);
			break;
		case IPC_A_IDENTITY:
			aws_do_identity(sock);
			break;
		case IPC_A_ACTION:
			aws_do_action(sock, client, (const void *)in->raw);
			break;
		case IPC_A_GD_POLL:
			aws_do_gd(sock, client, (const void *)in->raw);
			break;
		}
	}
}


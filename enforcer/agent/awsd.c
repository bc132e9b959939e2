/* SPDX-License-Identifier: MIT */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aws_client.h"
#include "aws_dns.h"
#include "aws_imds.h"
#include "buf.h"
#include "cloud.h"
#include "cloud_heartbeat.h"
#include "cloud_tags.h"
#include "curl_dl.h"
#include "awsd.h"
#include "daemon_ipc.h"
#include "gd.h"
#include "log.h"
#include "notify.h"
#include "plan.h"
#include "privsep.h"
#include "sync.h"

/*
 * The AWS process (awsd.h). A slow API stalls only this process: capture
 * runs in the sensor, nftables in the parent.
 */
/* The channel closes when the parent is gone, however it ended. */
static void *watch_parent(void *arg)
{
	struct pollfd p = { .fd = *(const int *)arg, .events = 0 };

	for (;;)
		if (poll(&p, 1, -1) > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL)))
			_exit(0);
	return NULL;
}

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

/* The instance the incident's detail names, as an ARN (rules match it); "" if unknown. */
static void instance_arn(const struct ipc_a_action *m, char *out, size_t len)
{
	cJSON *d = cJSON_Parse(m->text);
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "instanceId"));

	out[0] = '\0';
	if (id && *id && *m->region && *m->account)
		snprintf(out, len, "arn:%s:ec2:%s:%s:instance/%s", notify_partition(m->region),
			 m->region, m->account, id);
	cJSON_Delete(d);
}

/* The request as the plan's call (pointers into m), run by the one executor. */
static int aws_do_act(struct aws_client *c, const struct ipc_a_action *m,
		      struct ipc_a_action_done *r)
{
	struct plan_call x;
	char arn[200];

	memset(&x, 0, sizeof(x));
	x.act = (uint8_t)m->act;
	x.target = m->target;
	x.n_groups = m->n_groups < CLOUD_MAX_GROUPS ? m->n_groups : CLOUD_MAX_GROUPS;
	for (size_t i = 0; i < x.n_groups; i++)
		x.groups[i] = m->groups[i];
	x.n_tags = m->n_tags < PLAN_MAX_TAGS ? m->n_tags : PLAN_MAX_TAGS;
	for (size_t i = 0; i < x.n_tags; i++)
		x.tags[i] = (struct cloud_tag){ m->tag_key[i], m->tag_val[i] };
	x.protect = m->flag_a;
	x.stop_on_shutdown = m->flag_b;
	x.subject = m->subject;
	x.text = m->text;
	x.account = m->account;
	x.region = m->region;
	if (m->act == PLAN_EVENTS) {
		/* The agent's one event: its incident, before it isolates. */
		x.detail_type = NOTIFY_INCIDENT_DETAIL_TYPE;
		instance_arn(m, arn, sizeof(arn));
		x.resource = *arn ? arn : NULL;
	}
	return plan_call_run(c, &x, &r->inst, r->out_id, r->err, sizeof(r->err));
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

static void aws_do_heartbeat(int sock, struct aws_client *c, const struct ipc_a_heartbeat *m)
{
	struct ipc_a_heartbeat_done r;

	memset(&r, 0, sizeof(r));
	r.rc = cloud_put_heartbeat(c, m->instance_id, r.err, sizeof(r.err));
	reply(sock, IPC_A_HEARTBEAT_DONE, &r, sizeof(r));
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


/* ---- the instance's tags, read through IMDS by a thread of their own ---- */

struct tags_poll {
	int sock;
	uint32_t interval_ms;
};

#define IMDS_TAGS "/latest/meta-data/tags/instance"

/* The keys of the instance's isolation state (cloud_tags.h). */
static const char *const instance_keys[] = {
	CLOUD_TAG_STATUS, CLOUD_TAG_INCIDENT, CLOUD_TAG_RELEASED, CLOUD_TAG_FINDING,
};

static bool wanted_key(const char *k, size_t n)
{
	for (size_t i = 0; i < ARRAY_SIZE(instance_keys); i++)
		if (strlen(instance_keys[i]) == n && !memcmp(instance_keys[i], k, n))
			return true;
	return false;
}

/*
 * The listing (one key a line; 404 when the instance does not allow tags
 * in its metadata), then the value of each key cordon reads.
 */
static void tags_read(struct aws_imds *m, struct ipc_a_inst_tags *t)
{
	struct cloud_isolation iso;
	struct cloud_tagset ts;
	char path[128], err[ERRLEN];
	struct buf keys, val;
	const char *p, *end;
	int rc;

	memset(&ts, 0, sizeof(ts));
	buf_init(&keys, 64 * 1024);
	buf_init(&val, CLOUD_TAG_VALUE_MAX + 1);
	rc = aws_imds_get(m, IMDS_TAGS, &keys, err, sizeof(err));
	if (rc == -ENOENT && !aws_imds_disabled(m))
		util_strlcpy(err, "instance metadata tags are disabled (IMDS answers 404 for "
			     IMDS_TAGS ")", sizeof(err));
	for (p = buf_str(&keys), end = p + keys.len; !rc && p < end;) {
		size_t n = strcspn(p, "\r\n");

		if (n && wanted_key(p, n)) {
			snprintf(path, sizeof(path), IMDS_TAGS "/%.*s", (int)n, p);
			buf_reset(&val);
			rc = aws_imds_get(m, path, &val, err, sizeof(err));
			if (rc == -ENOENT) {
				rc = 0; /* removed since the listing */
			} else if (!rc) {
				char key[64];

				snprintf(key, sizeof(key), "%.*s", (int)n, p);
				rc = cloud_tags_add(&ts, key, buf_str(&val), err, sizeof(err));
				rc = rc < 0 ? rc : 0;
			}
		}
		p += n;
		p += strspn(p, "\r\n");
	}
	if (!rc)
		rc = cloud_tags_isolation(&ts, &iso, err, sizeof(err));
	t->rc = rc;
	if (rc) {
		util_strlcpy(t->err, err, sizeof(t->err));
	} else {
		util_strlcpy(t->status, cloud_tags_status_name(iso.status), sizeof(t->status));
		util_strlcpy(t->incident, iso.incident, sizeof(t->incident));
		util_strlcpy(t->finding, iso.finding, sizeof(t->finding));
		util_strlcpy(t->released_at, iso.released_at, sizeof(t->released_at));
		util_strlcpy(t->released_incident, iso.released_incident,
			     sizeof(t->released_incident));
	}
	buf_free(&keys);
	buf_free(&val);
}

static void *tags_main(void *arg)
{
	const struct tags_poll *tp = arg;
	struct ipc_a_inst_tags *last = calloc(1, sizeof(*last)), *cur = calloc(1, sizeof(*cur));
	struct aws_imds *m = aws_imds_new();
	bool sent = false;

	if (!last || !cur || !m)
		_exit(3);
	for (;;) {
		struct timespec ts = { .tv_sec = tp->interval_ms / 1000,
				       .tv_nsec = (long)(tp->interval_ms % 1000) * 1000000 };

		memset(cur, 0, sizeof(*cur));
		tags_read(m, cur);
		/* Only a change is news; the parent keeps the last view. */
		if (!sent || memcmp(cur, last, sizeof(*cur))) {
			memcpy(last, cur, sizeof(*cur));
			if (ipc_send(tp->sock, IPC_A_INST_TAGS, cur, sizeof(*cur)) == -EPIPE)
				_exit(0);
			sent = true;
		}
		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
	}
	return NULL;
}

static void tags_start(int sock, uint32_t interval_ms)
{
	static struct tags_poll tp;
	pthread_attr_t a;
	pthread_t t;
	int rc;

	if (!interval_ms)
		return;
	tp.sock = sock;
	tp.interval_ms = interval_ms < 100 ? 100 : interval_ms;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &a, tags_main, &tp);
	pthread_attr_destroy(&a);
	if (rc)
		log_warnx("aws: cannot start reading the instance's tags: %s", strerror(rc));
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
	static struct aws_dns_conf dns;
	struct aws_client_opts co = { .max_attempts = o->max_attempts,
				      .connect_timeout_ms = (long)o->connect_ms,
				      .timeout_ms = (long)o->total_ms };
	struct aws_client *client = NULL;
	struct ipc_a_hello hello;
	char err[ERRLEN];
	int rc;

	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if (!in)
		_exit(3);
	/* Nothing of the parent's but the channel. */
	if (sock > STDERR_FILENO + 1)
		(void)close_range(STDERR_FILENO + 1, (unsigned)sock - 1, 0);
	(void)close_range((unsigned)sock + 1, ~0U, 0);
	/*
	 * Its own uid, in the agent's group: list copies it stores are
	 * group-readable for the parent (lists/ is group-writable for it).
	 */
	umask(027);
	if (privsep_drop(PRIVSEP_AWS, o->user, o->group_of, err, sizeof(err)))
		fatalx("aws: %s", err);
	/* libcurl mapped before the filter (curl_dl.h); its failure is logged. */
	(void)curl_dl_load(NULL, 0);
	/* Before any thread: they inherit it. */
	if (!o->no_seccomp && privsep_seccomp_aws(err, sizeof(err)))
		fatalx("aws: %s", err);
	/*
	 * Die with the parent, also in the middle of a slow request: the
	 * credentials must not outlive the daemon in an orphan, and a new
	 * daemon redoes what the journal does not say is done. Not with
	 * PR_SET_PDEATHSIG: the kernel sends it with the dying parent's right
	 * to signal us, which another uid does not have. A parent gone before
	 * the thread started left a closed channel: the thread sees it.
	 */
	{
		static int watched;
		pthread_t t;

		watched = sock;
		if (pthread_create(&t, NULL, watch_parent, &watched))
			_exit(0);
	}
	/*
	 * Endpoint names through our own resolver, from our own socket: in a
	 * lockdown only the agent's sockets get out, and a local caching
	 * stub's queries are not ours (aws_dns.h).
	 */
	aws_dns_conf_load(&dns, NULL, NULL);
	aws_dns_use(&dns);
	/* Before any thread that calls AWS: libcurl's global state, once. */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if ((rc = aws_client_new(&co, &client)))
		fatalx("aws: %s", strerror(-rc));
	memset(&hello, 0, sizeof(hello));
	hello.pid = (int32_t)getpid();
	privsep_describe(hello.caps, sizeof(hello.caps));
	if (!o->no_seccomp)
		util_strlcpy(hello.caps + strlen(hello.caps), ", seccomp",
			     sizeof(hello.caps) - strlen(hello.caps));
	if (ipc_send(sock, IPC_A_HELLO, &hello, sizeof(hello)))
		_exit(0);
	tags_start(sock, o->tag_poll_ms);
	for (;;) {
		struct pollfd pfd = { .fd = sock, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			_exit(1);
		n = ipc_recv(sock, in->raw, &daemon_ipc_to_aws, NULL);
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
		case IPC_A_HEARTBEAT:
			aws_do_heartbeat(sock, client, (const void *)in->raw);
			break;
		}
	}
}


/* SPDX-License-Identifier: MIT */
/*
 * Test driver for enforcer/cloud/cloud.c, enforcer/notify*.c and feeds/gd.c
 * against the local AWS region (tests/aws/test_cloud.sh,
 * test_guardduty.sh). Not part of cordon: one command per run, results on
 * stdout, errors on stderr, exit 0 / 1, "attempts N" on stderr after
 * every call so that retry tests can count.
 *
 *   cloud_driver describe INSTANCE
 *   cloud_driver set-groups ENI SG...
 *   cloud_driver tag RESOURCE KEY=VALUE...
 *   cloud_driver untag RESOURCE KEY...
 *   cloud_driver protect INSTANCE 0|1 0|1
 *   cloud_driver snapshot VOLUME DESCRIPTION KEY=VALUE...
 *   cloud_driver publish TOPIC SUBJECT FILE
 *   cloud_driver tag-groups ENI SG...        cordon:original-groups[-N] on ENI
 *   cloud_driver untag-groups ENI
 *   cloud_driver read-tags INSTANCE ENI...   what release reads: state, groups
 *   cloud_driver isolate INSTANCE FORENSIC_SG INCIDENT FINDING_FILE TOPIC
 *   cloud_driver events-put BUS FINDING_FILE
 *   cloud_driver sechub-import ACCOUNT REGION FINDING_FILE
 *   cloud_driver gd-detector
 *   cloud_driver gd-list DETECTOR INSTANCE SINCE_MS
 *   cloud_driver gd-get DETECTOR ID...
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_client.h"
#include "cloud.h"
#include "cloud_tags.h"
#include "gd.h"
#include "notify.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	size_t n = 0, cap = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			char *q = realloc(p, cap = (cap ? cap * 2 : 8192));

			if (!q)
				break;
			p = q;
		}
		size_t r = fread(p + n, 1, cap - n - 1, f);

		if (!r)
			break;
		n += r;
	}
	fclose(f);
	if (p)
		p[n] = '\0';
	/* One line of JSON: drop the trailing newline. */
	while (p && n && (p[n - 1] == '\n' || p[n - 1] == '\r'))
		p[--n] = '\0';
	return p;
}

static int split_tags(char **argv, int n, struct cloud_tag *t)
{
	for (int i = 0; i < n; i++) {
		char *eq = strchr(argv[i], '=');

		if (!eq)
			return -EINVAL;
		*eq = '\0';
		t[i].key = argv[i];
		t[i].value = eq + 1;
	}
	return 0;
}

static int describe(struct aws_client *c, const char *id, char *err)
{
	struct cloud_instance in;
	int ret = cloud_describe_instance(c, id, &in, err, ERRLEN);

	if (ret)
		return ret;
	printf("instance %s vpc %s subnet %s state %s\n", in.id, in.vpc_id, in.subnet_id,
	       in.state);
	for (size_t i = 0; i < in.n_eni; i++) {
		const struct cloud_eni *e = &in.eni[i];

		printf("eni %s index %d attachment %s ip %s groups", e->id, e->device_index,
		       *e->attachment_id ? e->attachment_id : "-",
		       *e->private_ip ? e->private_ip : "-");
		for (size_t j = 0; j < e->n_groups; j++)
			printf("%s%s", j ? "," : " ", e->groups[j]);
		printf("\n");
	}
	for (size_t i = 0; i < in.n_volumes; i++)
		printf("volume %s\n", in.volumes[i]);
	return 0;
}

/* "sg-1, sg-2" */
static void join_groups(const struct cloud_eni *e, char *out, size_t len)
{
	out[0] = '\0';
	for (size_t j = 0; j < e->n_groups; j++) {
		size_t l = strlen(out);

		snprintf(out + l, len - l, "%s%s", j ? ", " : "", e->groups[j]);
	}
}

/*
 * What the daemon will do, in small, in the order that survives the cut
 * (DESIGN.md): describe, record each interface's groups on it, tag the
 * instance, publish the readable message (printed to stdout as well,
 * after the subject line), then move the interfaces, primary last.
 */
static int isolate(struct aws_client *c, const char *inst, const char *forensic,
		   const char *incident, const char *finding_file, const char *topic, char *err)
{
	static struct notify_actions a;
	static struct cloud_instance in;
	const char *groups[1] = { forensic };
	char subject[NOTIFY_SUBJECT_MAX + 1], msg_id[NOTIFY_MSG_ID_LEN], tagline[200];
	char *finding = slurp(finding_file);
	struct cloud_tag tags[2];
	struct buf text;
	int ret;

	if (!finding)
		return -errno;
	buf_init(&text, NOTIFY_MESSAGE_MAX);
	memset(&a, 0, sizeof(a));
	util_strlcpy(a.incident_id, incident, sizeof(a.incident_id));
	util_strlcpy(a.mode, "isolate", sizeof(a.mode));
	a.host_locked = true;
	a.lockdown_ms = 4;
	ret = cloud_describe_instance(c, inst, &in, err, ERRLEN);
	if (ret)
		goto out;
	for (size_t i = 0; i < in.n_eni && i < NOTIFY_MAX_ENIS; i++) {
		struct notify_eni *e = &a.eni[a.n_eni++];
		const char *orig[CLOUD_MAX_GROUPS];
		char why[ERRLEN];

		for (size_t k = 0; k < in.eni[i].n_groups; k++)
			orig[k] = in.eni[i].groups[k];
		util_strlcpy(e->id, in.eni[i].id, sizeof(e->id));
		join_groups(&in.eni[i], e->old_groups, sizeof(e->old_groups));
		util_strlcpy(e->new_groups, forensic, sizeof(e->new_groups));
		/* Isolation first: an interface whose tags failed moves all the same. */
		if (cloud_tag_original_groups(c, in.eni[i].id, orig, in.eni[i].n_groups, why,
					      sizeof(why)))
			notify_actions_error(&a, "%s", why);
		e->pending = true;
	}
	snprintf(tagline, sizeof(tagline), "cordon:incident=%s, cordon:status=isolated", incident);
	tags[0] = (struct cloud_tag){ "cordon:incident", incident };
	tags[1] = (struct cloud_tag){ "cordon:status", "isolated" };
	if (cloud_create_tags(c, inst, tags, 2, err, ERRLEN))
		notify_actions_error(&a, "%s", err);
	else
		util_strlcpy(a.tags, tagline, sizeof(a.tags));
	if (getenv("GD_FINDING_ID"))
		util_strlcpy(a.gd_finding_id, getenv("GD_FINDING_ID"), sizeof(a.gd_finding_id));
	ret = notify_incident_text(finding, &a, subject, &text, err, ERRLEN);
	if (ret)
		goto out;
	ret = notify_sns_publish(c, topic, subject, buf_str(&text), msg_id, err, ERRLEN);
	if (ret)
		goto out;
	printf("%s\n%s", subject, buf_str(&text));
	fprintf(stderr, "message %s\n", msg_id);
	/* Secondary interfaces first, the primary (index 0, sorted first) last. */
	for (size_t i = in.n_eni; i-- > 0;) {
		if (!a.eni[i].pending)
			continue;
		ret = cloud_set_eni_groups(c, in.eni[i].id, groups, 1, err, ERRLEN);
		if (ret)
			goto out;
		fprintf(stderr, "moved %s\n", in.eni[i].id);
	}
out:
	buf_free(&text);
	free(finding);
	return ret;
}

/* What `cordon release --instance-id` reads, as it reads it. */
static int read_tags(struct aws_client *c, int n, char **ids, char *err)
{
	static struct cloud_tagset ts[CLOUD_TAGS_MAX_RESOURCES];
	struct cloud_isolation iso;
	int ret;

	if (n < 1 || n > CLOUD_TAGS_MAX_RESOURCES)
		return -EINVAL;
	ret = cloud_describe_tags(c, (const char *const *)ids, (size_t)n, ts, err, ERRLEN);
	if (ret)
		return ret;
	if (cloud_tags_isolation(&ts[0], &iso, err, ERRLEN))
		printf("state %s error: %s\n", ids[0], err);
	else
		printf("state %s status %s incident %s released %s %s\n", ids[0],
		       cloud_tags_status_name(iso.status), *iso.incident ? iso.incident : "-",
		       *iso.released_incident ? iso.released_incident : "-",
		       *iso.released_at ? iso.released_at : "-");
	for (int i = 1; i < n; i++) {
		char g[CLOUD_MAX_GROUPS][CLOUD_ID_LEN];
		size_t ng;

		ret = cloud_tags_join_groups(&ts[i], g, &ng, err, ERRLEN);
		printf("groups %s", ids[i]);
		if (ret == -ENOENT)
			printf(" none");
		else if (ret)
			printf(" error: %s", err);
		for (size_t k = 0; !ret && k < ng; k++)
			printf("%s%s", k ? "," : " ", g[k]);
		printf(" (%zu tags)\n", ts[i].n);
	}
	return 0;
}

static int gd_cmd(struct aws_client *c, int argc, char **argv, char *err)
{
	const char *cmd = argv[1];
	char det[GD_DETECTOR_LEN];
	int ret = -EINVAL;

	if (!strcmp(cmd, "gd-detector") && argc == 2) {
		ret = gd_find_detector(c, det, err, ERRLEN);
		if (!ret)
			printf("%s\n", det);
	} else if (!strcmp(cmd, "gd-list") && argc == 5) {
		static char ids[256][GD_ID_LEN];
		size_t n = 0;
		uint64_t since = strtoull(argv[4], NULL, 10);

		ret = gd_list_findings(c, argv[2], argv[3], since, ids, 256, &n, err, ERRLEN);
		for (size_t i = 0; !ret && i < n; i++)
			printf("%s\n", ids[i]);
	} else if (!strcmp(cmd, "gd-get") && argc >= 4 && argc - 3 <= GD_MAX_GET) {
		static struct gd_finding f[GD_MAX_GET];
		/* cordon.conf's default types; severity 5, GuardDuty's Medium */
		static const char *const types[] = { "*.Custom" };
		const char *ids[GD_MAX_GET];
		size_t n = 0;

		for (int i = 3; i < argc; i++)
			ids[i - 3] = argv[i];
		ret = gd_get_findings(c, argv[2], ids, (size_t)argc - 3, f, &n, err, ERRLEN);
		for (size_t i = 0; !ret && i < n; i++) {
			printf("finding %s type %s severity %g instance %s archived %d "
			       "updated %s match %d remote", f[i].id, f[i].type, f[i].severity,
			       f[i].instance_id, f[i].archived, f[i].updated_at,
			       gd_policy_match(&f[i], types, 1, 5.0));
			for (size_t j = 0; j < f[i].n_remote; j++)
				printf(" %s", f[i].remote[j]);
			printf("\n");
		}
	}
	return ret;
}

static int run_more(struct aws_client *c, int argc, char **argv, char *err)
{
	const char *cmd = argv[1];
	char id[NOTIFY_MSG_ID_LEN];
	char *text;
	int ret = -EINVAL;

	if (!strcmp(cmd, "publish") && argc == 5) {
		if (!(text = slurp(argv[4])))
			return -errno;
		ret = notify_sns_publish(c, argv[2], argv[3], text, id, err, ERRLEN);
		if (!ret)
			printf("%s\n", id);
		free(text);
	} else if (!strcmp(cmd, "tag-groups") && argc >= 4) {
		ret = cloud_tag_original_groups(c, argv[2], (const char *const *)argv + 3,
						(size_t)argc - 3, err, ERRLEN);
	} else if (!strcmp(cmd, "untag-groups") && argc == 3) {
		ret = cloud_untag_original_groups(c, argv[2], err, ERRLEN);
	} else if (!strcmp(cmd, "read-tags") && argc >= 3) {
		ret = read_tags(c, argc - 2, argv + 2, err);
	} else if (!strcmp(cmd, "isolate") && argc == 7) {
		ret = isolate(c, argv[2], argv[3], argv[4], argv[5], argv[6], err);
	} else if (!strcmp(cmd, "events-put") && argc == 4) {
		if (!(text = slurp(argv[3])))
			return -errno;
		ret = notify_events_put(c, argv[2], text, id, err, ERRLEN);
		if (!ret)
			printf("%s\n", id);
		free(text);
	} else if (!strcmp(cmd, "sechub-import") && argc == 5) {
		if (!(text = slurp(argv[4])))
			return -errno;
		ret = notify_securityhub_import(c, argv[2], argv[3], text, err, ERRLEN);
		free(text);
	} else if (!strncmp(cmd, "gd-", 3)) {
		ret = gd_cmd(c, argc, argv, err);
	}
	return ret;
}

static int run(struct aws_client *c, int argc, char **argv, char *err)
{
	const char *cmd = argv[1];
	struct cloud_tag tags[64];
	int ret = -EINVAL;

	if (!strcmp(cmd, "describe") && argc == 3)
		return describe(c, argv[2], err);
	if (!strcmp(cmd, "set-groups") && argc >= 4)
		return cloud_set_eni_groups(c, argv[2], (const char *const *)argv + 3,
					    (size_t)argc - 3, err, ERRLEN);
	if (!strcmp(cmd, "tag") && argc >= 4 && argc - 3 <= 64) {
		if (split_tags(argv + 3, argc - 3, tags))
			return -EINVAL;
		return cloud_create_tags(c, argv[2], tags, (size_t)argc - 3, err, ERRLEN);
	}
	if (!strcmp(cmd, "untag") && argc >= 4)
		return cloud_delete_tags(c, argv[2], (const char *const *)argv + 3,
					 (size_t)argc - 3, err, ERRLEN);
	if (!strcmp(cmd, "protect") && argc == 5)
		return cloud_protect_instance(c, argv[2], atoi(argv[3]), atoi(argv[4]), err,
					      ERRLEN);
	if (!strcmp(cmd, "snapshot") && argc >= 4 && argc - 4 <= 64) {
		char snap[CLOUD_SNAP_ID_LEN];

		if (split_tags(argv + 4, argc - 4, tags))
			return -EINVAL;
		ret = cloud_snapshot_volume(c, argv[2], argv[3], tags, (size_t)argc - 4, snap,
					    err, ERRLEN);
		if (!ret)
			printf("%s\n", snap);
		return ret;
	}
	return run_more(c, argc, argv, err);
}

int main(int argc, char **argv)
{
	struct aws_client *c = NULL;
	char err[ERRLEN] = "";
	int ret;

	if (argc < 2) {
		fprintf(stderr, "usage: cloud_driver COMMAND ARGS... (see the source)\n");
		return 2;
	}
	ret = aws_client_new(&(struct aws_client_opts){ 0 }, &c);
	if (!ret)
		ret = run(c, argc, argv, err);
	if (c)
		fprintf(stderr, "attempts %u\n", aws_client_last_attempts(c));
	if (ret) {
		fprintf(stderr, "error %d: %s\n", ret, *err ? err : "bad usage");
		aws_client_free(c);
		return 1;
	}
	aws_client_free(c);
	return 0;
}

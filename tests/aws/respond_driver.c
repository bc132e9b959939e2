/* SPDX-License-Identifier: MIT */
/*
 * The heartbeat calls for tests/aws/test_respond.sh, with the
 * environment's credentials and endpoints:
 *   respond_driver heartbeat INSTANCE            cloud_put_heartbeat
 *   respond_driver heartbeats WINDOW_S ID...     cloud_get_heartbeats over the
 *                                                last WINDOW_S seconds:
 *                                                "ID TIME" or "ID none"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud_heartbeat.h"

int main(int argc, char **argv)
{
	struct aws_client *c = NULL;
	char err[ERRLEN];
	int ret = 2;

	if (argc < 3 || aws_client_new(NULL, &c))
		goto usage;
	if (!strcmp(argv[1], "heartbeat") && argc == 3) {
		ret = cloud_put_heartbeat(c, argv[2], err, sizeof(err));
	} else if (!strcmp(argv[1], "heartbeats") && argc >= 4) {
		uint64_t now = util_now_real_ns() / 1000000ull, last[64];
		uint64_t window = strtoull(argv[2], NULL, 10) * 1000;
		size_t n = (size_t)argc - 3;

		if (n > 64)
			goto usage;
		ret = cloud_get_heartbeats(c, (const char *const *)(argv + 3), n, now - window, now,
					   60, last, err, sizeof(err));
		for (size_t i = 0; !ret && i < n; i++) {
			char t[UTIL_TIMESTAMP_LEN];

			cloud_time_format(last[i], t);
			printf("%s %s\n", argv[3 + i], last[i] ? t : "none");
		}
	} else {
		goto usage;
	}
	if (ret)
		fprintf(stderr, "%s\n", err);
	aws_client_free(c);
	return ret ? 1 : 0;
usage:
	aws_client_free(c);
	fprintf(stderr, "usage: respond_driver heartbeat INSTANCE | heartbeats WINDOW_S ID...\n");
	return 2;
}

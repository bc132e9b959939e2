/* SPDX-License-Identifier: MIT */
/*
 * The heartbeat calls for tests/aws/test_respond.sh, with the
 * environment's credentials and endpoints:
 *   respond_driver heartbeat INSTANCE            cloud_put_heartbeat
 *   respond_driver heartbeats WINDOW_S ID...     cloud_get_heartbeats over the
 *                                                last WINDOW_S seconds:
 *                                                "ID TIME" or "ID none"
 *   respond_driver incident-event INCIDENT INSTANCE FINDING_FILE
 *                                                the agent's "cordon Incident" on
 *                                                the default bus (respond_incident_detail,
 *                                                notify_events_put_detail): the event id
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud_heartbeat.h"
#include "notify.h"
#include "respond_event.h"

static char *slurp(const char *path)
{
	static char buf[200 * 1024];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

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
		/* As the responder asks: EndTime (exclusive) a minute ahead. */
		ret = cloud_get_heartbeats(c, (const char *const *)(argv + 3), n, now - window, now + 60000,
					   60, last, err, sizeof(err));
		for (size_t i = 0; !ret && i < n; i++) {
			char t[UTIL_TIMESTAMP_LEN];

			cloud_time_format(last[i], t);
			printf("%s %s\n", argv[3 + i], last[i] ? t : "none");
		}
	} else if (!strcmp(argv[1], "incident-event") && argc == 5) {
		char id[NOTIFY_MSG_ID_LEN], *detail;
		const char *finding = slurp(argv[4]);

		detail = respond_incident_detail(argv[2], argv[3], util_now_real_ns() / 1000000ull,
						 finding, err, sizeof(err));
		ret = detail ? notify_events_put_detail(c, NULL, "cordon Incident", detail, NULL, id,
						       err, sizeof(err)) : -1;
		if (!ret)
			printf("%s\n", id);
		free(detail);
	} else {
		goto usage;
	}
	if (ret)
		fprintf(stderr, "%s\n", err);
	aws_client_free(c);
	return ret ? 1 : 0;
usage:
	aws_client_free(c);
	fprintf(stderr, "usage: respond_driver heartbeat INSTANCE | heartbeats WINDOW_S ID... | "
		"incident-event INCIDENT INSTANCE FINDING_FILE\n");
	return 2;
}

/* SPDX-License-Identifier: MIT */
/*
 * cordon status: what is in force. Mode (absent, block, lockdown), the
 * entries of every set, the drop counters, and the lockdown as recorded
 * in the state directory (reason, since) next to what the kernel does.
 */
#include <errno.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applied.h"
#include "cmd.h"
#include "cmd_ctx.h"
#include "enforce_impl.h"
#include "log.h"
#include "status_daemon.h"

enum { OPT_JSON = CMD_OPT_OWN };

static const struct cmd_spec spec = {
	.usage = "[--json]",
	.opts = (const struct option[]){
		{ "json", no_argument, NULL, OPT_JSON },
		{ NULL, 0, NULL, 0 },
	},
};

struct status {
	bool table, kernel_locked, tripped, from_cache;
	size_t n[NS__COUNT];
	struct nft_counter ctr[NFT_COUNTERS];
	struct enforce_state st;
};

static int gather(struct status *s, const char *state_dir, char *err,
		  size_t errlen)
{
	struct mnl_socket *nl = NULL;
	struct nset_vec v = { 0 };
	struct nset_all cache;
	uint64_t content = 0;
	size_t gates = 0;
	int rc;

	rc = state_load(state_dir, &s->st, err, errlen);
	if (rc)
		return rc;
	rc = nft_open(&nl, err, errlen);
	if (rc)
		return rc;
	rc = nft_read_table(nl, err, errlen);
	if (rc <= 0)
		goto out;
	s->table = true;
	rc = nft_read_content(nl, &content, err, errlen);
	if (rc)
		goto out;
	nset_all_init(&cache);
	/* Dumping a million-element set takes the kernel tens of seconds;
	 * the file of the last commit says the same when its hash matches. */
	if (applied_load(state_dir, content, &cache) == 0) {
		for (int i = 0; i < NS__COUNT; i++)
			s->n[i] = cache.s[i].n;
		s->from_cache = true;
	}
	nset_all_free(&cache);
	for (int i = 0; i < NS__COUNT && !s->from_cache; i++) {
		v.w = nset_klen(i) * (nset_defs[i].interval ? 2 : 1);
		rc = nft_read_set(nl, i, &v, err, errlen);
		if (rc)
			goto out;
		s->n[i] = v.n;
	}
	for (int i = 0; i < NFT_COUNTERS; i++) {
		s->ctr[i].name = nft_counter_names[i];
		rc = nft_read_counter(nl, &s->ctr[i], err, errlen);
		if (rc == -ENOENT)
			rc = 0;
		if (rc)
			goto out;
	}
	rc = nft_read_rule_count(nl, "gate_in", &gates, err, errlen);
	if (rc == -ENOENT)
		rc = 0;
	s->kernel_locked = gates > 0;
	if (!rc) {
		rc = nft_read_trip(nl, err, errlen);
		s->tripped = rc > 0;
		rc = rc < 0 ? rc : 0;
	}
out:
	free(v.v);
	nft_close(nl);
	return rc;
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static const char *mode_of(const struct status *s)
{
	return !s->table ? "absent" :
	       s->kernel_locked || s->tripped ? "lockdown" : "block";
}

static void print_json(const struct status *s, const char *state_dir)
{
	cJSON *dj = status_daemon_json(state_dir);
	char *ds = dj ? cJSON_PrintUnformatted(dj) : NULL;

	char ts[UTIL_TIMESTAMP_LEN] = "";

	if (s->st.locked)
		util_iso8601_ms(s->st.since_ns, ts);
	printf("{\"table\":%s,\"mode\":\"%s\",\"lockdown\":{\"active\":%s,"
	       "\"tripped\":%s,\"recorded\":%s", s->table ? "true" : "false",
	       mode_of(s), s->kernel_locked || s->tripped ? "true" : "false",
	       s->tripped ? "true" : "false", s->st.locked ? "true" : "false");
	if (s->st.locked) {
		printf(",\"since\":\"%s\",\"reason\":", ts);
		json_str(s->st.reason);
	}
	printf("},\"sets\":{");
	for (int i = 0; i < NS__COUNT; i++)
		printf("%s\"%s\":%zu", i ? "," : "", nset_defs[i].name, s->n[i]);
	printf("},\"counters\":{");
	for (int i = 0; i < NFT_COUNTERS; i++)
		printf("%s\"%s\":{\"packets\":%llu,\"bytes\":%llu}", i ? "," : "",
		       nft_counter_names[i],
		       (unsigned long long)s->ctr[i].packets,
		       (unsigned long long)s->ctr[i].bytes);
	/* The running agent (daemon.json) and the open incident's actions. */
	printf("},\"agent\":%s}\n", ds ? ds : "null");
	free(ds);
	cJSON_Delete(dj);
}

static void print_text(const struct status *s)
{
	char ts[UTIL_TIMESTAMP_LEN] = "";

	printf("table inet cordon: %s\nmode: %s\n",
	       s->table ? "present" : "absent", mode_of(s));
	if (s->st.locked) {
		util_iso8601_ms(s->st.since_ns, ts);
		printf("lockdown: recorded since %s, reason: %s%s\n", ts,
		       s->st.reason, s->kernel_locked ? "" :
		       " (NOT in force: run cordon enforce or lockdown)");
	} else if (s->tripped && !s->kernel_locked) {
		printf("lockdown: tripped in the kernel by an outbound packet to a "
		       "listed address, not yet recorded (the agent records it at "
		       "once; without it, cordon lockdown or cordon release)\n");
	} else {
		printf("lockdown: off%s\n", s->kernel_locked ?
		       " (but the kernel holds one: run cordon release)" : "");
	}
	if (!s->table)
		return;
	printf("sets (entries; prefixes merged into ranges):\n");
	for (int i = 0; i < NS__COUNT; i++)
		printf("  %-16s %zu\n", nset_defs[i].name, s->n[i]);
	printf("counters:\n");
	for (int i = 0; i < NFT_COUNTERS; i++)
		printf("  %-16s %llu packets, %llu bytes\n", nft_counter_names[i],
		       (unsigned long long)s->ctr[i].packets,
		       (unsigned long long)s->ctr[i].bytes);
}

int cmd_status(int argc, char **argv)
{
	struct status *s = calloc(1, sizeof(*s));
	struct cmd_ctx cx;
	bool json = false;
	char err[ERRLEN];
	int rc;

	cmd_ctx_init(&cx, &spec, argv[0]);
	while (cmd_ctx_getopt(&cx, argc, argv) != -1)
		json = true;
	if ((rc = cmd_ctx_load(&cx, argc, argv)) != CMD_GO)
		goto out;
	if (!s) {
		log_warnx("out of memory");
		rc = EXIT_FAIL;
		goto out;
	}
	if (gather(s, cx.state_dir, err, sizeof(err))) {
		log_warnx("status: %s", err);
		rc = EXIT_FAIL;
		goto out;
	}
	if (json) {
		print_json(s, cx.state_dir);
	} else {
		print_text(s);
		status_daemon_print(cx.state_dir, stdout);
	}
	rc = fflush(stdout) ? EXIT_FAIL : EXIT_OK;
out:
	cmd_ctx_free(&cx);
	free(s);
	return rc;
}

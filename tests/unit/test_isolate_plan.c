/* SPDX-License-Identifier: MIT */
/*
 * isolate_plan_build(): the order of an isolation (interface tags,
 * instance tags, messages, protection and snapshots, conversion then
 * forensic, secondary interfaces first, the primary last), and what a
 * plan built again leaves out because the resources show it done.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isolate.h"

#define FOR "sg-0f0f0f0f0f0f0f0f0"
#define CONV "sg-0c0c0c0c0c0c0c0c0"
#define WEB "sg-0a0a0a0a0a0a0a0a0"
#define DB "sg-0d0d0d0d0d0d0d0d0"

struct scene {
	struct cloud_instance in;
	struct cloud_tagset tags[CLOUD_TAGS_MAX_RESOURCES];
	struct isolate_plan p;
	char err[ERRLEN];
};

static void eni(struct scene *sc, const char *id, int index, const char *g1, const char *g2)
{
	struct cloud_eni *e = &sc->in.eni[sc->in.n_eni++];

	memset(e, 0, sizeof(*e));
	util_strlcpy(e->id, id, sizeof(e->id));
	e->device_index = index;
	util_strlcpy(e->groups[e->n_groups++], g1, CLOUD_ID_LEN);
	if (g2)
		util_strlcpy(e->groups[e->n_groups++], g2, CLOUD_ID_LEN);
}

static void tag(struct scene *sc, size_t res, const char *k, const char *v)
{
	char why[ERRLEN];

	assert_int_equal(cloud_tags_add(&sc->tags[res], k, v, why, sizeof(why)), 1);
}

/*
 * The instance of the tests: the primary interface (device 0) listed
 * first as EC2 sorts it, in web and db; the second (device 1) in db.
 */
static struct scene *scene(void)
{
	struct scene *sc = calloc(1, sizeof(*sc));

	assert_non_null(sc);
	util_strlcpy(sc->in.id, "i-0123456789abcdef0", sizeof(sc->in.id));
	eni(sc, "eni-00000000000000000", 0, WEB, DB);
	eni(sc, "eni-11111111111111111", 1, DB, NULL);
	util_strlcpy(sc->in.volumes[sc->in.n_volumes++], "vol-0123", CLOUD_ID_LEN);
	return sc;
}

static const struct isolate_cfg full = {
	.forensic_sg = FOR, .conversion_sg = CONV, .tag_instance = true,
	.termination_protection = true, .sns = true,
};

/* The plan as "act:target" words, for one comparison. */
static const char *shape(const struct isolate_plan *p)
{
	static char out[2048];
	size_t off = 0;

	out[0] = '\0';
	for (size_t i = 0; i < p->n; i++)
		off += (size_t)snprintf(out + off, sizeof(out) - off, "%s%s%s%s", i ? " " : "",
					isolate_act_name(p->s[i].act), *p->s[i].target ? ":" : "",
					p->s[i].target);
	return out;
}

static void test_order(void **state)
{
	struct scene *sc = scene();
	struct isolate_plan *p = &sc->p;

	(void)state;
	assert_int_equal(isolate_plan_build(&sc->in, sc->tags, &full, "inc-1", "f00d", p, sc->err,
					    sizeof(sc->err)), 0);
	assert_string_equal(shape(p),
		"ec2_tag_eni:eni-00000000000000000 ec2_tag_eni:eni-11111111111111111 "
		"ec2_tag:i-0123456789abcdef0 sns_publish ec2_protect:i-0123456789abcdef0 "
		"ec2_convert_eni:eni-11111111111111111 ec2_isolate_eni:eni-11111111111111111 "
		"ec2_convert_eni:eni-00000000000000000 ec2_isolate_eni:eni-00000000000000000");
	/* Each interface's own groups go on it; the moves name their group. */
	assert_int_equal(p->s[0].n_groups, 2);
	assert_string_equal(p->s[0].groups[0], WEB);
	assert_string_equal(p->s[0].groups[1], DB);
	assert_int_equal(p->s[1].n_groups, 1);
	assert_string_equal(p->s[1].groups[0], DB);
	assert_string_equal(p->s[5].groups[0], CONV);
	assert_string_equal(p->s[6].groups[0], FOR);
	assert_false(p->s[6].primary);
	assert_true(p->s[8].primary);
	assert_string_equal(p->incident, "inc-1");
	assert_string_equal(p->finding, "f00d");
	assert_string_equal(p->eni[0].orig, WEB ", " DB);
	assert_int_equal(p->n_notes, 0);
	free(sc);
}

/* EC2 lists interfaces in device order; the primary goes last whatever the count. */
static void test_primary_last_of_three(void **state)
{
	struct scene *sc = scene();
	static const struct isolate_cfg c = { .forensic_sg = FOR };

	(void)state;
	eni(sc, "eni-22222222222222222", 2, WEB, NULL);
	assert_int_equal(isolate_plan_build(&sc->in, sc->tags, &c, "inc-1", NULL, &sc->p, sc->err,
					    sizeof(sc->err)), 0);
	assert_string_equal(shape(&sc->p),
		"ec2_tag_eni:eni-00000000000000000 ec2_tag_eni:eni-11111111111111111 "
		"ec2_tag_eni:eni-22222222222222222 "
		"ec2_isolate_eni:eni-11111111111111111 ec2_isolate_eni:eni-22222222222222222 "
		"ec2_isolate_eni:eni-00000000000000000");
	free(sc);
}

/* Messages and snapshots where configured; nothing of the cloud without a group. */
static void test_options(void **state)
{
	struct scene *sc = scene();
	struct isolate_cfg c = full;

	(void)state;
	c.conversion_sg = NULL;
	c.termination_protection = false;
	c.tag_instance = false;
	c.snapshot_volumes = c.events = c.securityhub = true;
	assert_int_equal(isolate_plan_build(&sc->in, sc->tags, &c, "inc-1", NULL, &sc->p, sc->err,
					    sizeof(sc->err)), 0);
	assert_string_equal(shape(&sc->p),
		"ec2_tag_eni:eni-00000000000000000 ec2_tag_eni:eni-11111111111111111 "
		"sns_publish events_put securityhub_import ec2_snapshot:vol-0123 "
		"ec2_isolate_eni:eni-11111111111111111 ec2_isolate_eni:eni-00000000000000000");
	c.forensic_sg = NULL;
	assert_int_equal(isolate_plan_build(&sc->in, sc->tags, &c, "inc-1", NULL, &sc->p, sc->err,
					    sizeof(sc->err)), 0);
	assert_string_equal(shape(&sc->p), "sns_publish events_put securityhub_import");
	free(sc);
}

/* Done: a plan built again (another finding, a retry) has nothing left. */
static void test_done_is_left_out(void **state)
{
	struct scene *sc = scene();
	struct isolate_cfg c = full;

	(void)state;
	sc->in.eni[0].n_groups = sc->in.eni[1].n_groups = 1;
	util_strlcpy(sc->in.eni[0].groups[0], FOR, CLOUD_ID_LEN);
	util_strlcpy(sc->in.eni[1].groups[0], FOR, CLOUD_ID_LEN);
	tag(sc, 0, CLOUD_TAG_STATUS, "isolated");
	tag(sc, 0, CLOUD_TAG_INCIDENT, "inc-first");
	tag(sc, 0, CLOUD_TAG_FINDING, "f1");
	tag(sc, 1, CLOUD_TAG_ORIG, WEB "," DB);
	tag(sc, 2, CLOUD_TAG_ORIG, DB);
	c.finish = true;
	assert_int_equal(isolate_plan_build(&sc->in, sc->tags, &c, "inc-second", "f2", &sc->p,
					    sc->err, sizeof(sc->err)), 0);
	/* Protection is one idempotent call with no mark of its own: always asked. */
	assert_string_equal(shape(&sc->p), "ec2_protect:i-0123456789abcdef0");
	assert_string_equal(sc->p.incident, "inc-first");
	assert_string_equal(sc->p.finding, "f1");
	assert_string_equal(sc->p.eni[0].orig, WEB ", " DB);
	assert_true(sc->p.eni[1].in_forensic);
	c.termination_protection = false;
	assert_int_equal(isolate_plan_build(&sc->in, sc->tags, &c, "inc-second", "f2", &sc->p,
					    sc->err, sizeof(sc->err)), 0);
	assert_int_equal(sc->p.n, 0);
	free(sc);
}

/* Cut after the second interface moved: only the primary is left. */
static void test_resume_after_cut(void **state)
{
	struct scene *sc = scene();
	struct isolate_cfg c = full;

	(void)state;
	c.finish = true;
	c.termination_protection = false;
	sc->in.eni[1].n_groups = 1;
	util_strlcpy(sc->in.eni[1].groups[0], FOR, CLOUD_ID_LEN);
	tag(sc, 0, CLOUD_TAG_STATUS, "isolated");
	tag(sc, 0, CLOUD_TAG_INCIDENT, "inc-agent");
	tag(sc, 1, CLOUD_TAG_ORIG, WEB "," DB);
	tag(sc, 2, CLOUD_TAG_ORIG, DB);
	assert_int_equal(isolate_plan_build(&sc->in, sc->tags, &c, "inc-agent", NULL, &sc->p,
					    sc->err, sizeof(sc->err)), 0);
	assert_string_equal(shape(&sc->p), "ec2_convert_eni:eni-00000000000000000 "
			    "ec2_isolate_eni:eni-00000000000000000");
	assert_string_equal(sc->p.incident, "inc-agent");
	/* Cut between the hops: in the conversion group, only forensic is left. */
	sc->in.eni[0].n_groups = 1;
	util_strlcpy(sc->in.eni[0].groups[0], CONV, CLOUD_ID_LEN);
	assert_int_equal(isolate_plan_build(&sc->in, sc->tags, &c, "inc-agent", NULL, &sc->p,
					    sc->err, sizeof(sc->err)), 0);
	assert_string_equal(shape(&sc->p), "ec2_isolate_eni:eni-00000000000000000");
	free(sc);
}

/* The agent tagged nothing yet: the responder tags, then moves; no messages. */
static void test_finish_untagged(void **state)
{
	struct scene *sc = scene();
	struct isolate_cfg c = full;

	(void)state;
	c.finish = true;
	c.termination_protection = false;
	c.snapshot_volumes = true;
	assert_int_equal(isolate_plan_build(&sc->in, sc->tags, &c, "inc-agent", "f9", &sc->p,
					    sc->err, sizeof(sc->err)), 0);
	assert_string_equal(shape(&sc->p),
		"ec2_tag_eni:eni-00000000000000000 ec2_tag_eni:eni-11111111111111111 "
		"ec2_tag:i-0123456789abcdef0 "
		"ec2_convert_eni:eni-11111111111111111 ec2_isolate_eni:eni-11111111111111111 "
		"ec2_convert_eni:eni-00000000000000000 ec2_isolate_eni:eni-00000000000000000");
	free(sc);
}

/* Never record cordon's own group as an interface's original one. */
static void test_lost_originals(void **state)
{
	struct scene *sc = scene();
	static const struct isolate_cfg c = { .forensic_sg = FOR, .conversion_sg = CONV };

	(void)state;
	sc->in.eni[0].n_groups = sc->in.eni[1].n_groups = 1;
	util_strlcpy(sc->in.eni[0].groups[0], CONV, CLOUD_ID_LEN);
	util_strlcpy(sc->in.eni[1].groups[0], FOR, CLOUD_ID_LEN);
	assert_int_equal(isolate_plan_build(&sc->in, sc->tags, &c, "inc-1", NULL, &sc->p, sc->err,
					    sizeof(sc->err)), 0);
	assert_string_equal(shape(&sc->p), "ec2_isolate_eni:eni-00000000000000000");
	assert_int_equal(sc->p.n_notes, 2);
	assert_string_equal(sc->p.notes[0], "eni-00000000000000000 is in " CONV " without "
			    "cordon:original-groups: its groups from before are not known");
	assert_string_equal(sc->p.eni[0].orig, "");
	free(sc);
}

/* Tags someone broke: noted, left alone, the isolation goes on. */
static void test_broken_tags(void **state)
{
	struct scene *sc = scene();
	static const struct isolate_cfg c = { .forensic_sg = FOR, .tag_instance = true };

	(void)state;
	tag(sc, 0, CLOUD_TAG_STATUS, "quarantined");
	tag(sc, 2, "cordon:original-groups-2", DB);
	assert_int_equal(isolate_plan_build(&sc->in, sc->tags, &c, "inc-1", NULL, &sc->p, sc->err,
					    sizeof(sc->err)), 0);
	assert_string_equal(shape(&sc->p),
		"ec2_tag_eni:eni-00000000000000000 ec2_tag:i-0123456789abcdef0 "
		"ec2_isolate_eni:eni-11111111111111111 ec2_isolate_eni:eni-00000000000000000");
	assert_true(sc->p.tags_unreadable);
	assert_int_equal(sc->p.n_notes, 2);
	assert_non_null(strstr(sc->p.notes[0], "quarantined"));
	assert_non_null(strstr(sc->p.notes[1], "eni-11111111111111111: tag cordon:original-groups "
			       "is missing"));
	free(sc);
}

static void test_bad_input(void **state)
{
	struct scene *sc = scene();

	(void)state;
	assert_int_not_equal(isolate_plan_build(&sc->in, sc->tags, &full, "", NULL, &sc->p,
						sc->err, sizeof(sc->err)), 0);
	assert_string_equal(sc->err, "isolation plan i-0123456789abcdef0: no incident id");
	sc->in.id[0] = '\0';
	assert_int_not_equal(isolate_plan_build(&sc->in, sc->tags, &full, "inc-1", NULL, &sc->p,
						sc->err, sizeof(sc->err)), 0);
	free(sc);
}

/* The message from the plan's states: pending, done, failed. */
static void test_message(void **state)
{
	static const char finding[] = "{\"id\":\"f00d\",\"type\":\"UnauthorizedAccess:EC2/"
		"MaliciousIPCaller.Custom\",\"severity\":8,\"region\":\"us-east-1\","
		"\"resource\":{\"instanceDetails\":{\"instanceId\":\"i-0123456789abcdef0\"}},"
		"\"service\":{\"action\":{\"networkConnectionAction\":{\"connectionDirection\":"
		"\"OUTBOUND\",\"protocol\":\"TCP\",\"remoteIpDetails\":{\"ipAddressV4\":"
		"\"203.0.113.7\"},\"remotePortDetails\":{\"port\":443}}}}}";
	static const struct isolate_msg m = { .off_host = true, .lockdown_ms = -1 };
	struct scene *sc = scene();
	char subject[NOTIFY_SUBJECT_MAX + 1];
	struct notify_actions a;
	struct buf text;

	(void)state;
	assert_int_equal(isolate_plan_build(&sc->in, sc->tags, &full, "inc-1", "f00d", &sc->p,
					    sc->err, sizeof(sc->err)), 0);
	sc->p.s[0].state = sc->p.s[1].state = sc->p.s[2].state = ISO_DONE;
	buf_init(&text, NOTIFY_MESSAGE_MAX);
	assert_int_equal(isolate_message(&sc->p, finding, &m, subject, &text, sc->err,
					 sizeof(sc->err)), 0);
	assert_string_equal(subject, "cordon: i-0123456789abcdef0 being isolated - TCP to 203.0.113.7");
	assert_non_null(strstr(buf_str(&text), "Moving network interface eni-11111111111111111 "
			       "from security groups " DB " to " FOR " right after this message"));
	assert_non_null(strstr(buf_str(&text), "Acted from outside the instance (cordon respond)"));
	assert_non_null(strstr(buf_str(&text), "Tagged the instance: cordon:incident=inc-1, "
			       "cordon:status=isolated"));
	assert_non_null(strstr(buf_str(&text), "cordon release --instance-id i-0123456789abcdef0 "
			       "--region us-east-1"));
	buf_free(&text);
	/* Afterwards: the second moved, the primary failed. */
	sc->p.s[6].state = ISO_DONE;
	sc->p.s[8].state = ISO_FAILED;
	util_strlcpy(sc->p.s[8].error, "EC2 ModifyNetworkInterfaceAttribute: denied",
		     sizeof(sc->p.s[8].error));
	sc->p.s[4].state = ISO_FAILED;
	util_strlcpy(sc->p.s[4].error, "denied too", sizeof(sc->p.s[4].error));
	isolate_actions(&sc->p, &m, &a);
	assert_int_equal(a.n_eni, 2);
	assert_true(a.eni[1].done);
	assert_false(a.eni[0].done || a.eni[0].pending);
	assert_string_equal(a.eni[0].error, "EC2 ModifyNetworkInterfaceAttribute: denied");
	assert_int_equal(a.n_errors, 1);
	assert_string_equal(a.errors[0], "ec2_protect i-0123456789abcdef0: denied too");
	free(sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_primary_last_of_three),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_done_is_left_out),
		cmocka_unit_test(test_resume_after_cut),
		cmocka_unit_test(test_finish_untagged),
		cmocka_unit_test(test_lost_originals),
		cmocka_unit_test(test_broken_tags),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

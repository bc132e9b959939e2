/* SPDX-License-Identifier: MIT */
/*
 * plan_build(), the one isolation plan of the agent and the off-host
 * responder: the order (interface tags, instance tags, messages,
 * protection and snapshots, conversion then forensic, secondary
 * interfaces first, the primary last), what a plan built again leaves
 * out because the resources show it done, each step's call, the intent
 * params, and the message from the steps' states.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "plan.h"

#define INST "i-0123456789abcdef0"
#define ENI0 "eni-00000000000000000"
#define ENI1 "eni-11111111111111111"
#define FOR "sg-0f0f0f0f0f0f0f0f0"
#define CONV "sg-0c0c0c0c0c0c0c0c0"
#define WEB "sg-0a0a0a0a0a0a0a0a0"
#define DB "sg-0d0d0d0d0d0d0d0d0"
#define TOPIC "arn:aws:sns:us-east-1:123456789012:t"

struct scene {
	struct cloud_instance in;
	struct cloud_tagset tags[CLOUD_TAGS_MAX_RESOURCES];
	struct plan p;
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

static void only(struct scene *sc, size_t i, const char *group)
{
	sc->in.eni[i].n_groups = 1;
	util_strlcpy(sc->in.eni[i].groups[0], group, CLOUD_ID_LEN);
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
	util_strlcpy(sc->in.id, INST, sizeof(sc->in.id));
	eni(sc, ENI0, 0, WEB, DB);
	eni(sc, ENI1, 1, DB, NULL);
	util_strlcpy(sc->in.volumes[sc->in.n_volumes++], "vol-0123", CLOUD_ID_LEN);
	return sc;
}

/* The agent's configuration as daemon_cloud.c makes it (everything on). */
static const struct plan_cfg full = {
	.instance_id = INST, .incident = "inc-1", .finding_id = "f00d",
	.forensic_sg = FOR, .conversion_sg = CONV, .sns_topic = TOPIC, .events_bus = "default",
	.securityhub = true, .tag_instance = true, .termination_protection = true,
	.snapshot_volumes = true,
};

/* The plan as "action:target" words, for one comparison. */
static const char *shape(const struct plan *p)
{
	static char out[4096];
	size_t off = 0;

	out[0] = '\0';
	for (size_t i = 0; i < p->n; i++)
		off += (size_t)snprintf(out + off, sizeof(out) - off, "%s%s%s%s", i ? " " : "",
					p->s[i].action, *p->s[i].target ? ":" : "",
					p->s[i].target);
	return out;
}

static void build(struct scene *sc, const struct plan_cfg *c, bool with_tags)
{
	assert_int_equal(plan_build(c, &sc->in, with_tags ? sc->tags : NULL, &sc->p, sc->err,
				    sizeof(sc->err)), 0);
}

/* Before the description only the describe: the rest acts on what it finds. */
static void test_before_describe(void **state)
{
	struct plan_cfg c = full;
	struct scene *sc = scene();

	(void)state;
	assert_int_equal(plan_build(&c, NULL, NULL, &sc->p, sc->err, sizeof(sc->err)), 0);
	assert_string_equal(shape(&sc->p), "ec2_describe:" INST);
	assert_false(sc->p.complete);
	assert_int_equal(sc->p.s[0].act, PLAN_DESCRIBE);
	/* the instance id not known yet: the describe waits with an empty target */
	c.instance_id = "";
	assert_int_equal(plan_build(&c, NULL, NULL, &sc->p, sc->err, sizeof(sc->err)), 0);
	assert_string_equal(shape(&sc->p), "ec2_describe");
	free(sc);
}

/*
 * The order that survives the host's own cut: original groups on each
 * interface, instance tags, the messages, protection and snapshots, the
 * secondary interface, the primary interface last. The agent (no tags
 * read) and the responder (tags read, none of cordon's) get the same plan.
 */
static void test_order(void **state)
{
	struct scene *sc = scene();
	struct plan *p = &sc->p, *q = malloc(sizeof(*q));

	(void)state;
	assert_non_null(q);
	build(sc, &full, false);
	assert_true(p->complete);
	assert_string_equal(shape(p),
		"ec2_tag_eni:" ENI0 " ec2_tag_eni:" ENI1 " ec2_tag:" INST " sns_publish:" TOPIC
		" events_put:default securityhub_import:f00d ec2_protect:" INST
		" ec2_snapshot:vol-0123 ec2_convert_eni:" ENI1 " ec2_isolate_eni:" ENI1
		" ec2_convert_eni:" ENI0 " ec2_isolate_eni:" ENI0);
	assert_int_equal(p->s[0].act, PLAN_TAG_ENI);
	assert_int_equal(p->s[0].eni, 0);
	assert_int_equal(p->s[1].eni, 1);
	assert_int_equal(p->s[8].act, PLAN_SET_GROUPS);
	assert_true(p->s[8].convert);
	assert_string_equal(p->s[8].group, CONV);
	assert_false(p->s[9].convert || p->s[9].primary);
	assert_string_equal(p->s[9].group, FOR);
	assert_int_equal(p->s[9].eni, 1);
	assert_true(p->s[10].primary && p->s[10].convert);
	assert_true(p->s[11].primary);
	assert_int_equal(p->s[11].eni, 0);
	assert_int_equal(plan_last_primary(p), 11);
	assert_string_equal(p->incident, "inc-1");
	assert_string_equal(p->finding, "f00d");
	assert_string_equal(p->orig[0], WEB ", " DB);
	assert_int_equal(p->n_notes, 0);
	assert_true(plan_act_tells(PLAN_SNS) && plan_act_tells(PLAN_EVENTS) &&
		    plan_act_tells(PLAN_SECHUB));
	assert_false(plan_act_tells(PLAN_SET_GROUPS) || plan_act_tells(PLAN_DESCRIBE) ||
		     plan_act_tells(PLAN_TAG_ENI));
	/* pure: the same inputs, the same plan; tags read and empty: the same too */
	assert_int_equal(plan_build(&full, &sc->in, NULL, q, sc->err, sizeof(sc->err)), 0);
	assert_memory_equal(p, q, sizeof(*p));
	assert_int_equal(plan_build(&full, &sc->in, sc->tags, q, sc->err, sizeof(sc->err)), 0);
	assert_string_equal(shape(q), shape(p));
	free(q);
	free(sc);
}

/* EC2 lists interfaces in device order, but the device index decides. */
static void test_primary_last(void **state)
{
	static const struct plan_cfg c = { .incident = "inc-1", .forensic_sg = FOR };
	struct scene *sc = scene();

	(void)state;
	eni(sc, "eni-22222222222222222", 2, WEB, NULL);
	build(sc, &c, true);
	assert_string_equal(shape(&sc->p),
		"ec2_tag_eni:" ENI0 " ec2_tag_eni:" ENI1 " ec2_tag_eni:eni-22222222222222222 "
		"ec2_isolate_eni:" ENI1 " ec2_isolate_eni:eni-22222222222222222 "
		"ec2_isolate_eni:" ENI0);
	/* the primary listed last by EC2 (a test swap): still moved last */
	{
		struct cloud_eni t = sc->in.eni[0];

		sc->in.eni[0] = sc->in.eni[1];
		sc->in.eni[1] = t;
	}
	build(sc, &c, false);
	assert_string_equal(sc->p.s[plan_last_primary(&sc->p)].target, ENI0);
	assert_int_equal(plan_last_primary(&sc->p), (int)sc->p.n - 1);
	/* no interface at device index 0 (a detached primary): no primary step */
	sc->in.eni[1].device_index = 3;
	build(sc, &c, false);
	assert_int_equal(plan_last_primary(&sc->p), -1);
	free(sc);
}

/* Without EC2 isolation: the messages only, no describe to wait for. */
static void test_tell_only(void **state)
{
	struct plan_cfg c = full;
	struct scene *sc = scene();

	(void)state;
	c.forensic_sg = "";
	assert_int_equal(plan_build(&c, NULL, NULL, &sc->p, sc->err, sizeof(sc->err)), 0);
	assert_true(sc->p.complete);
	assert_string_equal(shape(&sc->p), "sns_publish:" TOPIC " events_put:default "
			    "securityhub_import:f00d");
	assert_int_equal(plan_last_primary(&sc->p), -1);
	c.sns_topic = NULL;
	c.events_bus = NULL;
	c.securityhub = false;
	assert_int_equal(plan_build(&c, NULL, NULL, &sc->p, sc->err, sizeof(sc->err)), 0);
	assert_int_equal(sc->p.n, 0);
	free(sc);
}

/*
 * 16 groups of 20 characters are 335 with their commas: the interface's
 * tag step carries them all (cloud_tag_original_groups splits them into
 * cordon:original-groups and -2), and once both tags are on it the plan
 * built again reads them back whole and does not tag it again.
 */
static void test_original_groups_spill(void **state)
{
	static const struct plan_cfg c = { .incident = "inc-1", .forensic_sg = FOR };
	struct scene *sc = scene();
	struct cloud_orig_tags ot;
	struct plan_call x;
	cJSON *o;

	(void)state;
	for (size_t k = 0; k < CLOUD_MAX_GROUPS; k++)
		snprintf(sc->in.eni[1].groups[k], CLOUD_ID_LEN, "sg-%017zx", k + 1);
	sc->in.eni[1].n_groups = CLOUD_MAX_GROUPS;
	build(sc, &c, true);
	assert_string_equal(shape(&sc->p), "ec2_tag_eni:" ENI0 " ec2_tag_eni:" ENI1
			    " ec2_isolate_eni:" ENI1 " ec2_isolate_eni:" ENI0);
	assert_true(plan_call_of(&sc->p, &sc->p.s[1], &x));
	assert_int_equal(x.n_groups, CLOUD_MAX_GROUPS);
	assert_string_equal(x.groups[15], "sg-00000000000000010");
	assert_int_equal(cloud_tags_split_groups(x.groups, x.n_groups, &ot, sc->err,
						 sizeof(sc->err)), 0);
	assert_int_equal(ot.n, 2);
	assert_string_equal(ot.key[1], "cordon:original-groups-2");
	assert_true(strlen(ot.value[0]) <= CLOUD_TAG_VALUE_MAX);
	/* the move's intent keeps all 16 for release */
	o = plan_step_params(&sc->p, &sc->p.s[2]);
	assert_non_null(o);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "original_groups")), 16);
	cJSON_Delete(o);
	/* tagged (both keys) and moved: nothing is left for it */
	for (size_t k = 0; k < ot.n; k++)
		tag(sc, 2, ot.key[k], ot.value[k]);
	only(sc, 1, FOR);
	build(sc, &c, true);
	assert_string_equal(shape(&sc->p), "ec2_tag_eni:" ENI0 " ec2_isolate_eni:" ENI0);
	assert_int_equal(sc->p.n_notes, 0);
	assert_int_equal(strncmp(sc->p.orig[1], "sg-00000000000000001, sg-00000000000000002",
				 42), 0);
	/* the first tag alone, its continuation lost: a note, never a partial list */
	memset(&sc->tags[2], 0, sizeof(sc->tags[2]));
	tag(sc, 2, ot.key[1], ot.value[1]);
	build(sc, &c, true);
	assert_string_equal(shape(&sc->p), "ec2_tag_eni:" ENI0 " ec2_isolate_eni:" ENI0);
	assert_int_equal(sc->p.n_notes, 1);
	assert_string_equal(sc->p.orig[1], "");
	free(sc);
}

/* Done: a plan built again (another finding, a retry) has nothing left. */
static void test_done_is_left_out(void **state)
{
	struct plan_cfg c = full;
	struct scene *sc = scene();

	(void)state;
	only(sc, 0, FOR);
	only(sc, 1, FOR);
	tag(sc, 0, CLOUD_TAG_STATUS, "isolated");
	tag(sc, 0, CLOUD_TAG_INCIDENT, "inc-first");
	tag(sc, 0, CLOUD_TAG_FINDING, "f1");
	tag(sc, 1, CLOUD_TAG_ORIG, WEB "," DB);
	tag(sc, 2, CLOUD_TAG_ORIG, DB);
	c.incident = "inc-second";
	c.finding_id = "f2";
	c.finish = true;
	build(sc, &c, true);
	/* Protection is one idempotent call with no mark of its own: always asked. */
	assert_string_equal(shape(&sc->p), "ec2_protect:" INST);
	assert_string_equal(sc->p.incident, "inc-first");
	assert_string_equal(sc->p.finding, "f1");
	assert_string_equal(sc->p.orig[0], WEB ", " DB);
	c.termination_protection = false;
	build(sc, &c, true);
	assert_int_equal(sc->p.n, 0);
	/* not finishing (a new finding's messages): only the messages are left */
	c.finish = false;
	c.snapshot_volumes = false;
	build(sc, &c, true);
	assert_string_equal(shape(&sc->p), "sns_publish:" TOPIC " events_put:default "
			    "securityhub_import:f1");
	free(sc);
}

/* Cut after the second interface moved: only the primary is left. */
static void test_resume_after_cut(void **state)
{
	struct plan_cfg c = full;
	struct scene *sc = scene();

	(void)state;
	c.finish = true;
	c.termination_protection = false;
	c.incident = "inc-agent";
	only(sc, 1, FOR);
	tag(sc, 0, CLOUD_TAG_STATUS, "isolated");
	tag(sc, 0, CLOUD_TAG_INCIDENT, "inc-agent");
	tag(sc, 1, CLOUD_TAG_ORIG, WEB "," DB);
	tag(sc, 2, CLOUD_TAG_ORIG, DB);
	build(sc, &c, true);
	assert_string_equal(shape(&sc->p), "ec2_convert_eni:" ENI0 " ec2_isolate_eni:" ENI0);
	assert_string_equal(sc->p.incident, "inc-agent");
	/* cut between the hops: in the conversion group, only forensic is left */
	only(sc, 0, CONV);
	build(sc, &c, true);
	assert_string_equal(shape(&sc->p), "ec2_isolate_eni:" ENI0);
	free(sc);
}

/* The agent tagged nothing yet: the responder tags, then moves; no messages. */
static void test_finish_untagged(void **state)
{
	struct plan_cfg c = full;
	struct scene *sc = scene();

	(void)state;
	c.finish = true;
	c.termination_protection = false;
	build(sc, &c, true);
	assert_string_equal(shape(&sc->p),
		"ec2_tag_eni:" ENI0 " ec2_tag_eni:" ENI1 " ec2_tag:" INST " "
		"ec2_convert_eni:" ENI1 " ec2_isolate_eni:" ENI1 " "
		"ec2_convert_eni:" ENI0 " ec2_isolate_eni:" ENI0);
	free(sc);
}

/*
 * Interfaces in cordon's groups when described (the responder, or an
 * earlier incident, got there first). Never record cordon's own group as
 * an interface's original one; one in the forensic group is not moved.
 * With the tags read, the loss is a note; the agent reads none.
 */
static void test_in_cordons_groups(void **state)
{
	static const struct plan_cfg c = { .incident = "inc-1", .forensic_sg = FOR,
					   .conversion_sg = CONV };
	struct scene *sc = scene();
	cJSON *o;

	(void)state;
	only(sc, 0, CONV);
	only(sc, 1, FOR);
	build(sc, &c, true);
	assert_string_equal(shape(&sc->p), "ec2_isolate_eni:" ENI0);
	assert_int_equal(sc->p.n_notes, 2);
	assert_string_equal(sc->p.notes[0], ENI0 " is in " CONV " without "
			    "cordon:original-groups: its groups from before are not known");
	assert_string_equal(sc->p.orig[0], "");
	build(sc, &c, false);
	assert_string_equal(shape(&sc->p), "ec2_isolate_eni:" ENI0);
	assert_int_equal(sc->p.n_notes, 0);
	/* its intent records nothing to restore */
	assert_true(sc->p.s[0].cordons);
	o = plan_step_params(&sc->p, &sc->p.s[0]);
	assert_non_null(o);
	assert_null(cJSON_GetObjectItem(o, "original_groups"));
	assert_string_equal(cJSON_GetObjectItem(o, "groups")->valuestring, FOR);
	cJSON_Delete(o);
	free(sc);
}

/* Tags someone broke: noted, left alone, the isolation goes on. */
static void test_broken_tags(void **state)
{
	static const struct plan_cfg c = { .incident = "inc-1", .forensic_sg = FOR,
					   .tag_instance = true };
	struct scene *sc = scene();

	(void)state;
	tag(sc, 0, CLOUD_TAG_STATUS, "quarantined");
	tag(sc, 2, "cordon:original-groups-2", DB);
	build(sc, &c, true);
	/* not moved yet: its groups now are the truth, written again */
	assert_string_equal(shape(&sc->p),
		"ec2_tag_eni:" ENI0 " ec2_tag_eni:" ENI1 " ec2_tag:" INST " "
		"ec2_isolate_eni:" ENI1 " ec2_isolate_eni:" ENI0);
	assert_int_equal(sc->p.n_notes, 2);
	assert_non_null(strstr(sc->p.notes[0], "quarantined"));
	assert_non_null(strstr(sc->p.notes[1], ENI1 ": tag cordon:original-groups is missing"));
	assert_false(sc->p.s[0].clear);
	assert_true(sc->p.s[1].clear);
	assert_string_equal(sc->p.orig[1], DB);
	/* moved already: broken tags are left for a person */
	only(sc, 1, FOR);
	build(sc, &c, true);
	assert_string_equal(shape(&sc->p), "ec2_tag_eni:" ENI0 " ec2_tag:" INST " "
			    "ec2_isolate_eni:" ENI0);
	assert_non_null(strstr(sc->p.notes[1], "its tags are left as they are"));
	free(sc);
}

/*
 * cordon:original-groups written before the isolation by whoever may tag
 * the interface (the host itself): naming a group of the attacker's, a
 * release would put the interface there. Not in cordon's groups, the
 * interface's groups now are the truth: the tag is written again and
 * the spill keys it does not fill are deleted. A tag that says what the
 * groups are now (an isolation cut between tag and move) is believed.
 */
static void test_forged_original_groups(void **state)
{
	static const struct plan_cfg c = { .incident = "inc-1", .forensic_sg = FOR };
	struct scene *sc = scene();
	struct plan_call x;
	cJSON *o;

	(void)state;
	tag(sc, 1, CLOUD_TAG_ORIG, "sg-0e0e0e0e0e0e0e0e0");
	tag(sc, 2, CLOUD_TAG_ORIG, DB);
	tag(sc, 2, "cordon:original-groups-2", "sg-0e0e0e0e0e0e0e0e0");
	build(sc, &c, true);
	assert_string_equal(shape(&sc->p), "ec2_tag_eni:" ENI0 " ec2_tag_eni:" ENI1
			    " ec2_isolate_eni:" ENI1 " ec2_isolate_eni:" ENI0);
	assert_string_equal(sc->p.orig[0], WEB ", " DB);
	assert_string_equal(sc->p.orig[1], DB);
	assert_int_equal(sc->p.n_notes, 2);
	assert_string_equal(sc->p.notes[0], ENI0 ": cordon:original-groups says "
			    "sg-0e0e0e0e0e0e0e0e0 while it is in " WEB ", " DB
			    ": not believed, written again");
	assert_true(sc->p.s[0].clear && sc->p.s[1].clear);
	assert_true(plan_call_of(&sc->p, &sc->p.s[1], &x));
	assert_true(x.clear);
	assert_int_equal(x.n_groups, 1);
	assert_string_equal(x.groups[0], DB);
	/* the move's intent records its groups now, for release */
	o = plan_step_params(&sc->p, &sc->p.s[2]);
	assert_non_null(o);
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "original_groups"), 0)
			    ->valuestring, DB);
	cJSON_Delete(o);
	/* the tags say its groups now, in another order: believed, nothing written */
	memset(&sc->tags[1], 0, sizeof(sc->tags[1]));
	memset(&sc->tags[2], 0, sizeof(sc->tags[2]));
	tag(sc, 1, CLOUD_TAG_ORIG, DB "," WEB);
	tag(sc, 2, CLOUD_TAG_ORIG, DB);
	build(sc, &c, true);
	assert_string_equal(shape(&sc->p), "ec2_isolate_eni:" ENI1 " ec2_isolate_eni:" ENI0);
	assert_int_equal(sc->p.n_notes, 0);
	assert_string_equal(sc->p.orig[0], DB ", " WEB);
	/* no tags read (the agent): written, nothing to clear */
	build(sc, &c, false);
	assert_false(sc->p.s[0].clear);
	free(sc);
}

static void test_bad_input(void **state)
{
	struct plan_cfg c = full;
	struct scene *sc = scene();

	(void)state;
	c.incident = "";
	assert_int_equal(plan_build(&c, &sc->in, NULL, &sc->p, sc->err, sizeof(sc->err)),
			 -EINVAL);
	assert_string_equal(sc->err, "isolation plan " INST ": no incident id");
	assert_int_equal(sc->p.n, 0);
	c.incident = "inc 1";
	assert_int_not_equal(plan_build(&c, NULL, NULL, &sc->p, sc->err, sizeof(sc->err)), 0);
	c.incident = "inc-1";
	c.finding_id = "f,1";
	assert_int_not_equal(plan_build(&c, &sc->in, NULL, &sc->p, sc->err, sizeof(sc->err)), 0);
	c.finding_id = "f1";
	sc->in.id[0] = '\0';
	assert_int_not_equal(plan_build(&c, &sc->in, NULL, &sc->p, sc->err, sizeof(sc->err)), 0);
	free(sc);
}

/* Each step's one call, the same wherever it runs. */
static void test_calls(void **state)
{
	struct plan_cfg c = full;
	struct scene *sc = scene();
	struct plan_call x;

	(void)state;
	build(sc, &c, false);
	/* ec2_tag_eni: the interface's own groups */
	assert_true(plan_call_of(&sc->p, &sc->p.s[0], &x));
	assert_int_equal(x.act, PLAN_TAG_ENI);
	assert_string_equal(x.target, ENI0);
	assert_int_equal(x.n_groups, 2);
	assert_string_equal(x.groups[1], DB);
	/* ec2_tag: incident, status, finding */
	assert_true(plan_call_of(&sc->p, &sc->p.s[2], &x));
	assert_int_equal(x.n_tags, 3);
	assert_string_equal(x.tags[0].key, "cordon:incident");
	assert_string_equal(x.tags[0].value, "inc-1");
	assert_string_equal(x.tags[1].key, "cordon:status");
	assert_string_equal(x.tags[1].value, "isolated");
	assert_string_equal(x.tags[2].value, "f00d");
	/* messages: the runner gives the text */
	assert_true(plan_call_of(&sc->p, &sc->p.s[3], &x));
	assert_string_equal(x.target, TOPIC);
	assert_null(x.text);
	/* protection: termination, and shutdown stops */
	assert_true(plan_call_of(&sc->p, &sc->p.s[6], &x));
	assert_true(x.protect && x.stop_on_shutdown);
	/* snapshot: tagged with the incident and the instance, described */
	assert_true(plan_call_of(&sc->p, &sc->p.s[7], &x));
	assert_int_equal(x.n_tags, 2);
	assert_string_equal(x.tags[1].key, "cordon:instance");
	assert_string_equal(x.tags[1].value, INST);
	assert_string_equal(x.text, "cordon evidence, incident inc-1, instance " INST);
	/* a move: its one group */
	assert_true(plan_call_of(&sc->p, &sc->p.s[11], &x));
	assert_int_equal(x.n_groups, 1);
	assert_string_equal(x.groups[0], FOR);
	/* no finding: no empty cordon:finding tag */
	c.finding_id = "";
	c.securityhub = false;
	build(sc, &c, false);
	assert_true(plan_call_of(&sc->p, &sc->p.s[2], &x));
	assert_int_equal(x.n_tags, 2);
	/* an interface without groups has nothing to record */
	sc->in.eni[0].n_groups = 0;
	build(sc, &c, false);
	assert_string_equal(sc->p.s[0].target, ENI1);
	sc->p.s[0].eni = 0;
	assert_false(plan_call_of(&sc->p, &sc->p.s[0], &x));
	free(sc);
}

/* The primary's move and the interface's tag: what release restores. */
static void test_params(void **state)
{
	struct scene *sc = scene();
	cJSON *o;

	(void)state;
	build(sc, &full, false);
	o = plan_step_params(&sc->p, &sc->p.s[11]);
	assert_non_null(o);
	assert_string_equal(cJSON_GetObjectItem(o, "groups")->valuestring, FOR);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "original_groups")), 2);
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "original_groups"), 1)
				    ->valuestring, DB);
	cJSON_Delete(o);
	/* the conversion hop restores nothing */
	o = plan_step_params(&sc->p, &sc->p.s[10]);
	assert_null(cJSON_GetObjectItem(o, "original_groups"));
	assert_string_equal(cJSON_GetObjectItem(o, "groups")->valuestring, CONV);
	cJSON_Delete(o);
	o = plan_step_params(&sc->p, &sc->p.s[0]);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "original_groups")), 2);
	assert_null(cJSON_GetObjectItem(o, "groups"));
	cJSON_Delete(o);
	o = plan_step_params(&sc->p, &sc->p.s[2]);
	assert_non_null(o);
	assert_null(o->child);
	cJSON_Delete(o);
	free(sc);
}

static void test_instance_json(void **state)
{
	struct scene *sc = scene();
	struct cloud_instance back;
	cJSON *o, *e;

	(void)state;
	o = plan_instance_json(&sc->in);
	assert_non_null(o);
	assert_true(plan_instance_from_json(o, &back));
	assert_string_equal(back.id, INST);
	assert_int_equal(back.n_eni, 2);
	assert_string_equal(back.eni[0].groups[1], DB);
	assert_int_equal(back.eni[1].device_index, 1);
	assert_int_equal(back.n_volumes, 1);
	assert_string_equal(back.volumes[0], "vol-0123");
	/* never a partial view: a bad group refuses the whole description */
	e = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "interfaces"), 1);
	cJSON_AddItemToArray(cJSON_GetObjectItem(e, "groups"), cJSON_CreateNumber(7));
	assert_false(plan_instance_from_json(o, &back));
	assert_int_equal(back.n_eni, 0);
	assert_string_equal(back.id, "");
	cJSON_Delete(o);
	/* more interfaces than an instance can have */
	o = cJSON_Parse("{\"instance\":\"i-1\",\"interfaces\":[]}");
	for (int i = 0; i <= CLOUD_MAX_ENIS; i++)
		cJSON_AddItemToArray(cJSON_GetObjectItem(o, "interfaces"),
				     cJSON_Parse("{\"id\":\"eni-x\",\"groups\":[]}"));
	assert_false(plan_instance_from_json(o, &back));
	cJSON_Delete(o);
	o = cJSON_Parse("{\"interfaces\":[]}");
	assert_false(plan_instance_from_json(o, &back));
	cJSON_Delete(o);
	free(sc);
}

static const char finding[] = "{\"id\":\"f00d\",\"type\":\"UnauthorizedAccess:EC2/"
	"MaliciousIPCaller.Custom\",\"severity\":8,\"region\":\"us-east-1\","
	"\"resource\":{\"instanceDetails\":{\"instanceId\":\"" INST "\"}},"
	"\"service\":{\"action\":{\"networkConnectionAction\":{\"connectionDirection\":"
	"\"OUTBOUND\",\"protocol\":\"TCP\",\"remoteIpDetails\":{\"ipAddressV4\":"
	"\"203.0.113.7\"},\"remotePortDetails\":{\"port\":443}}}}}";

/* The message from the plan's states: pending, done, failed. */
static void test_message(void **state)
{
	static const struct plan_msg m = { .off_host = true, .lockdown_ms = -1 };
	static const struct plan_cfg c = { .incident = "inc-1", .finding_id = "f00d",
					   .forensic_sg = FOR, .conversion_sg = CONV,
					   .sns_topic = TOPIC, .tag_instance = true,
					   .termination_protection = true };
	struct scene *sc = scene();
	char subject[NOTIFY_SUBJECT_MAX + 1];
	struct notify_actions a;
	struct buf text;

	(void)state;
	build(sc, &c, true);
	assert_string_equal(sc->p.s[3].action, "sns_publish");
	sc->p.s[0].state = sc->p.s[1].state = sc->p.s[2].state = PLAN_DONE;
	buf_init(&text, NOTIFY_MESSAGE_MAX);
	assert_int_equal(plan_message(&sc->p, finding, &m, subject, &text, sc->err,
				      sizeof(sc->err)), 0);
	assert_string_equal(subject, "cordon: " INST " being isolated - TCP to 203.0.113.7");
	assert_non_null(strstr(buf_str(&text), "Moving network interface " ENI1 " "
			       "from security groups " DB " to " FOR " right after this message"));
	assert_non_null(strstr(buf_str(&text), "Acted from outside the instance (cordon respond)"));
	assert_non_null(strstr(buf_str(&text), "Tagged the instance: cordon:incident=inc-1, "
			       "cordon:status=isolated"));
	assert_non_null(strstr(buf_str(&text), "cordon release --instance-id " INST
			       " --region us-east-1"));
	buf_free(&text);
	/* afterwards: the second moved, the primary failed, protection failed */
	sc->p.s[6].state = PLAN_DONE;
	sc->p.s[8].state = PLAN_FAILED;
	util_strlcpy(sc->p.s[8].error, "EC2 ModifyNetworkInterfaceAttribute: denied",
		     sizeof(sc->p.s[8].error));
	sc->p.s[4].state = PLAN_FAILED;
	util_strlcpy(sc->p.s[4].error, "denied too", sizeof(sc->p.s[4].error));
	plan_actions(&sc->p, &m, &a);
	assert_int_equal(a.n_eni, 2);
	assert_string_equal(a.eni[1].id, ENI1);
	assert_true(a.eni[1].done);
	assert_false(a.eni[0].done || a.eni[0].pending);
	assert_string_equal(a.eni[0].error, "EC2 ModifyNetworkInterfaceAttribute: denied");
	assert_int_equal(a.n_errors, 1);
	assert_string_equal(a.errors[0], "ec2_protect " INST ": denied too");
	free(sc);
}

/* The agent's message: its lockdown, and a plan still waiting for the describe. */
static void test_message_agent(void **state)
{
	static const struct plan_msg m = { .mode = "isolate", .lockdown_ms = -1,
					   .lockdown_error = "nft: busy" };
	struct scene *sc = scene();
	struct notify_actions a;

	(void)state;
	assert_int_equal(plan_build(&full, NULL, NULL, &sc->p, sc->err, sizeof(sc->err)), 0);
	plan_actions(&sc->p, &m, &a);
	assert_int_equal(a.n_eni, 0);
	assert_false(a.host_locked);
	assert_int_equal(a.n_errors, 2);
	assert_string_equal(a.errors[0], "local lockdown failed: nft: busy");
	assert_string_equal(a.errors[1], "cloud isolation: the instance could not be described");
	/* described: the interfaces and the groups they had, nothing moved yet */
	build(sc, &full, false);
	plan_actions(&sc->p, &m, &a);
	assert_int_equal(a.n_eni, 2);
	assert_string_equal(a.eni[0].old_groups, WEB ", " DB);
	assert_true(a.eni[0].pending && a.eni[1].pending);
	assert_int_equal(a.n_errors, 1);
	free(sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_before_describe),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_primary_last),
		cmocka_unit_test(test_tell_only),
		cmocka_unit_test(test_original_groups_spill),
		cmocka_unit_test(test_forged_original_groups),
		cmocka_unit_test(test_done_is_left_out),
		cmocka_unit_test(test_resume_after_cut),
		cmocka_unit_test(test_finish_untagged),
		cmocka_unit_test(test_in_cordons_groups),
		cmocka_unit_test(test_broken_tags),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_calls),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_instance_json),
		cmocka_unit_test(test_message),
		cmocka_unit_test(test_message_agent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

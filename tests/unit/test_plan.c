/* SPDX-License-Identifier: MIT */
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

static void two_enis(struct cloud_instance *in)
{
	memset(in, 0, sizeof(*in));
	strcpy(in->id, "i-0abc");
	strcpy(in->vpc_id, "vpc-1");
	strcpy(in->eni[0].id, "eni-0");
	in->eni[0].device_index = 0;
	strcpy(in->eni[0].groups[0], "sg-web");
	strcpy(in->eni[0].groups[1], "sg-db");
	in->eni[0].n_groups = 2;
	strcpy(in->eni[1].id, "eni-1");
	in->eni[1].device_index = 1;
	strcpy(in->eni[1].groups[0], "sg-db");
	in->eni[1].n_groups = 1;
	in->n_eni = 2;
	strcpy(in->volumes[0], "vol-1");
	in->n_volumes = 1;
}

static struct plan_cfg cfg(void)
{
	return (struct plan_cfg){
		.instance_id = "i-0abc", .forensic_sg = "sg-for", .conversion_sg = "",
		.sns_topic = "arn:aws:sns:us-east-1:1:t", .events_bus = NULL,
		.finding_id = "f1", .tag_instance = true, .termination_protection = true,
	};
}

static void expect(const struct plan *p, size_t i, uint8_t act, const char *action,
		   const char *target, const char *group)
{
	assert_true(i < p->n);
	assert_int_equal(p->s[i].act, act);
	assert_string_equal(p->s[i].action, action);
	assert_string_equal(p->s[i].target, target);
	assert_string_equal(p->s[i].group, group);
}

/* Before the description only the describe: the rest acts on what it finds. */
static void test_before_describe(void **state)
{
	struct plan_cfg c = cfg();
	struct plan p;

	(void)state;
	plan_build(&c, NULL, &p);
	assert_int_equal(p.n, 1);
	assert_false(p.complete);
	expect(&p, 0, PLAN_DESCRIBE, "ec2_describe", "i-0abc", "");
	/* the instance id not known yet: the describe waits with an empty target */
	c.instance_id = "";
	plan_build(&c, NULL, &p);
	expect(&p, 0, PLAN_DESCRIBE, "ec2_describe", "", "");
}

static void test_order(void **state)
{
	struct plan_cfg c = cfg();
	struct cloud_instance in;
	struct plan p;
	size_t i = 0;

	(void)state;
	two_enis(&in);
	c.conversion_sg = "sg-conv";
	c.events_bus = "default";
	c.snapshot_volumes = true;
	c.securityhub = true;
	plan_build(&c, &in, &p);
	assert_true(p.complete);
	expect(&p, i++, PLAN_DESCRIBE, "ec2_describe", "i-0abc", "");
	expect(&p, i, PLAN_SET_GROUPS, "ec2_convert_eni", "eni-0", "sg-conv");
	assert_int_equal(p.s[i++].eni, 0);
	expect(&p, i, PLAN_SET_GROUPS, "ec2_isolate_eni", "eni-0", "sg-for");
	assert_false(p.s[i++].convert);
	expect(&p, i++, PLAN_SET_GROUPS, "ec2_convert_eni", "eni-1", "sg-conv");
	expect(&p, i, PLAN_SET_GROUPS, "ec2_isolate_eni", "eni-1", "sg-for");
	assert_int_equal(p.s[i++].eni, 1);
	expect(&p, i++, PLAN_TAGS, "ec2_tag", "i-0abc", "");
	expect(&p, i++, PLAN_PROTECT, "ec2_protect", "i-0abc", "");
	expect(&p, i++, PLAN_SNAPSHOT, "ec2_snapshot", "vol-1", "");
	expect(&p, i++, PLAN_SNS, "sns_publish", "arn:aws:sns:us-east-1:1:t", "");
	expect(&p, i++, PLAN_EVENTS, "events_put", "default", "");
	expect(&p, i++, PLAN_SECHUB, "securityhub_import", "f1", "");
	assert_int_equal(p.n, i);
	assert_true(plan_act_tells(PLAN_SNS) && plan_act_tells(PLAN_EVENTS) &&
		    plan_act_tells(PLAN_SECHUB));
	assert_false(plan_act_tells(PLAN_SET_GROUPS) || plan_act_tells(PLAN_DESCRIBE));
	/* pure: the same inputs, the same plan */
	{
		struct plan q;

		plan_build(&c, &in, &q);
		assert_memory_equal(&p, &q, sizeof(p));
	}
}

/* Without EC2 isolation: the messages only, no describe to wait for. */
static void test_tell_only(void **state)
{
	struct plan_cfg c = cfg();
	struct plan p;

	(void)state;
	c.forensic_sg = "";
	c.events_bus = "bus";
	plan_build(&c, NULL, &p);
	assert_true(p.complete);
	assert_int_equal(p.n, 2);
	expect(&p, 0, PLAN_SNS, "sns_publish", "arn:aws:sns:us-east-1:1:t", "");
	expect(&p, 1, PLAN_EVENTS, "events_put", "bus", "");
	c.sns_topic = "";
	c.events_bus = NULL;
	plan_build(&c, NULL, &p);
	assert_int_equal(p.n, 0);
}

static void test_instance_json(void **state)
{
	struct cloud_instance in, back;
	cJSON *o, *e;

	(void)state;
	two_enis(&in);
	o = plan_instance_json(&in);
	assert_non_null(o);
	assert_true(plan_instance_from_json(o, &back));
	assert_string_equal(back.id, "i-0abc");
	assert_int_equal(back.n_eni, 2);
	assert_string_equal(back.eni[0].groups[1], "sg-db");
	assert_int_equal(back.eni[1].device_index, 1);
	assert_int_equal(back.n_volumes, 1);
	assert_string_equal(back.volumes[0], "vol-1");
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
}

/* The same tags, description and intent params wherever a step runs. */
static void test_step_details(void **state)
{
	struct plan_cfg c = cfg();
	struct cloud_tag t[PLAN_MAX_TAGS];
	struct cloud_instance in;
	char desc[80];
	struct plan p;
	cJSON *o;

	(void)state;
	two_enis(&in);
	c.snapshot_volumes = true;
	plan_build(&c, &in, &p);
	/* describe, isolate eni-0, isolate eni-1, tag, protect, snapshot, sns */
	assert_int_equal(plan_tags(&p.s[3], "inc-1", "f1", t), 3);
	assert_string_equal(t[0].key, "cordon:incident");
	assert_string_equal(t[0].value, "inc-1");
	assert_string_equal(t[1].key, "cordon:status");
	assert_string_equal(t[1].value, "isolated");
	assert_string_equal(t[2].value, "f1");
	assert_int_equal(plan_tags(&p.s[5], "inc-1", "f1", t), 1);
	assert_int_equal(plan_tags(&p.s[1], "inc-1", "f1", t), 0);
	plan_snapshot_description("inc-1", desc, sizeof(desc));
	assert_string_equal(desc, "cordon evidence, incident inc-1");
	o = plan_step_params(&p.s[1], &in);
	assert_non_null(o);
	assert_string_equal(cJSON_GetObjectItem(o, "groups")->valuestring, "sg-for");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "original_groups")), 2);
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "original_groups"), 1)
				    ->valuestring, "sg-db");
	cJSON_Delete(o);
	o = plan_step_params(&p.s[3], &in);
	assert_non_null(o);
	assert_null(o->child);
	cJSON_Delete(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_before_describe),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_tell_only),
		cmocka_unit_test(test_instance_json),
		cmocka_unit_test(test_step_details),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

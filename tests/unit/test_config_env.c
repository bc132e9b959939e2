/* SPDX-License-Identifier: MIT */
/*
 * config_apply_env(): the cordon.conf options as CORDON_<SECTION>_<KEY>
 * variables over a loaded config, through the same table and checks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static char err[ERRLEN];

/* The file text, then the variables over it. */
static int load(struct cordon_config *c, const char *file, char *const *env)
{
	int rc;

	err[0] = '\0';
	rc = config_load_mem(c, "cordon.conf", file, strlen(file), err, sizeof(err));
	if (!rc)
		rc = config_apply_env(c, env, err, sizeof(err));
	return rc;
}

static void test_overlay(void **state)
{
	char *env[] = {
		"PATH=/usr/bin",
		"CORDON=/usr/sbin/cordon",              /* not an option: ignored */
		"CORDON_TEST_WHATEVER=1",               /* no such section: ignored */
		"CORDON_CLOUD_FORENSIC_SECURITY_GROUP=sg-0123456789abcdef0",
		"CORDON_CLOUD_SNS_TOPIC_ARN=arn:aws:sns:us-east-1:123456789012:GuardDuty-Example",
		"CORDON_CLOUD_TAG_INSTANCE=false",
		"CORDON_INCIDENT_GUARDDUTY_TYPES=UnauthorizedAccess:EC2/*,Backdoor:EC2/*",
		"CORDON_GUARDDUTY_MIN_SEVERITY=5",
		"CORDON_INCIDENT_GUARDDUTY_MIN_SEVERITY=5.5",
		"CORDON_RESPOND_DEAD_AGENT_ACTION=isolate",
		"CORDON_RESPOND_INCIDENT_GRACE=1500ms",
		"CORDON_AGENT_HEARTBEAT_INTERVAL=2m",
		NULL,
	};
	struct cordon_config c;

	(void)state;
	assert_int_equal(load(&c, "[cloud]\nforensic_security_group = sg-11111111\n"
			       "termination_protection = true\n[incident]\n"
			       "guardduty_types = Recon:*\n", env), 0);
	/* The variable wins over the file; what it does not name stays. */
	assert_string_equal(c.cloud.forensic_security_group, "sg-0123456789abcdef0");
	assert_true(c.cloud.termination_protection);
	assert_false(c.cloud.tag_instance);
	assert_string_equal(c.cloud.sns_topic_arn,
			    "arn:aws:sns:us-east-1:123456789012:GuardDuty-Example");
	/* A list is replaced whole, not appended to the file's. */
	assert_int_equal(c.incident.guardduty_types.n, 2);
	assert_string_equal(c.incident.guardduty_types.v[0], "UnauthorizedAccess:EC2/*");
	assert_string_equal(c.incident.guardduty_types.v[1], "Backdoor:EC2/*");
	assert_true(c.incident.guardduty_min_severity == 5.5);
	assert_int_equal(c.respond.dead_agent_action, CONFIG_DEAD_ISOLATE);
	assert_int_equal(c.respond.incident_grace_ms, 1500);
	assert_int_equal(c.agent.heartbeat_interval_ms, 120000);
	config_free(&c);
}

static void test_defaults_and_empty(void **state)
{
	char *none[] = { NULL };
	char *empty[] = { "CORDON_INCIDENT_GUARDDUTY_TYPES=", "CORDON_CLOUD_SNS_TOPIC_ARN=", NULL };
	struct cordon_config c;

	(void)state;
	assert_int_equal(load(&c, "", none), 0);
	assert_int_equal(c.agent.heartbeat_interval_ms, 60000);
	assert_int_equal(c.respond.dead_agent_after_ms, 0);
	assert_int_equal(c.respond.dead_agent_action, CONFIG_DEAD_NOTIFY);
	assert_int_equal(c.respond.incident_grace_ms, 20000);
	assert_int_equal(c.incident.guardduty_types.n, 1);
	config_free(&c);
	assert_int_equal(load(&c, "[cloud]\nsns_topic_arn = arn:aws:sns:us-east-1:123456789012:t\n",
			      empty), 0);
	assert_int_equal(c.incident.guardduty_types.n, 0);
	assert_null(c.cloud.sns_topic_arn);
	config_free(&c);
}

/* Each bad variable: the file's message, prefixed by the variable's name. */
static void test_errors(void **state)
{
	static const struct {
		const char *var, *want;
	} cases[] = {
		{ "CORDON_AGENT_MODE=isolte",
		  "CORDON_AGENT_MODE: [agent] mode: 'isolte' is not one of monitor, block, isolate" },
		{ "CORDON_CLOUD_FORENSIC_SECURITY_GROUP=sg-xyz",
		  "CORDON_CLOUD_FORENSIC_SECURITY_GROUP: [cloud] forensic_security_group: 'sg-xyz' is "
		  "not a security group id (sg- and 8 to 17 lowercase hex digits)" },
		{ "CORDON_CLOUD_FORENSIC_SECURITY_GRUOP=sg-01234567",
		  "CORDON_CLOUD_FORENSIC_SECURITY_GRUOP: unknown option in [cloud] (cordon.conf(5) "
		  "lists them)" },
		{ "CORDON_INCIDENT_GUARDDUTY_MIN_SEVERITY=11",
		  "CORDON_INCIDENT_GUARDDUTY_MIN_SEVERITY: [incident] guardduty_min_severity: 11 is "
		  "out of range (1.0 to 8.9)" },
		{ "CORDON_INCIDENT_GUARDDUTY_TYPES=a,a",
		  "CORDON_INCIDENT_GUARDDUTY_TYPES: [incident] guardduty_types: 'a' is listed twice" },
		{ "CORDON_RESPOND_DEAD_AGENT_ACTION=isolate",
		  "environment: [respond] dead_agent_action: isolate needs [cloud] "
		  "forensic_security_group" },
		{ "CORDON_RESPOND_DEAD_AGENT_AFTER=90",
		  "environment: [respond] dead_agent_after: is shorter than twice [agent] "
		  "heartbeat_interval" },
		{ "CORDON_CLOUD_TAG_INSTANCE=\x01",
		  "CORDON_CLOUD_TAG_INSTANCE: [cloud] tag_instance: control character 0x01 in value" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char var[256], *env[] = { var, NULL };
		struct cordon_config c;

		snprintf(var, sizeof(var), "%s", cases[i].var);
		assert_int_not_equal(load(&c, "", env), 0);
		assert_string_equal(err, cases[i].want);
		config_free(&c);
	}
}

/* With env NULL, the process's own environment. */
static void test_process_env(void **state)
{
	struct cordon_config c;

	(void)state;
	setenv("CORDON_EVENTS_EVENTBRIDGE", "true", 1);
	assert_int_equal(load(&c, "", NULL), 0);
	assert_true(c.events.eventbridge);
	config_free(&c);
	unsetenv("CORDON_EVENTS_EVENTBRIDGE");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_overlay),
		cmocka_unit_test(test_defaults_and_empty),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_process_env),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

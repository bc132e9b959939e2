UNIT_TESTS += plan
test_plan_SRCS := enforcer/respond/plan_build.c enforcer/respond/plan_json.c \
	enforcer/respond/plan_msg.c enforcer/respond/plan_call.c \
	enforcer/cloud/cloud_tags.c enforcer/cloud/notify_text.c enforcer/cloud/notify_finding.c \
	enforcer/cloud/notify_link.c enforcer/cloud/notify_json.c common/buf.c common/util.c

UNIT_TESTS += isolate_plan
test_isolate_plan_SRCS := enforcer/respond/isolate_plan.c enforcer/respond/isolate_msg.c \
	enforcer/cloud/cloud_tags.c enforcer/cloud/notify_text.c enforcer/cloud/notify_finding.c \
	enforcer/cloud/notify_link.c enforcer/cloud/notify_json.c common/buf.c common/util.c

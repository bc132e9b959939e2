UNIT_TESTS += cloud_notify
test_cloud_notify_SRCS := enforcer/notify_text.c enforcer/notify_finding.c enforcer/notify_json.c \
	common/buf.c common/util.c

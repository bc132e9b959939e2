UNIT_TESTS += cloud_notify
test_cloud_notify_SRCS := enforcer/cloud/notify_text.c enforcer/cloud/notify_finding.c enforcer/cloud/notify_json.c \
	common/buf.c common/util.c

UNIT_TESTS += notify
test_notify_SRCS := enforcer/cloud/notify_text.c enforcer/cloud/notify_finding.c enforcer/cloud/notify_json.c \
	enforcer/cloud/notify_link.c enforcer/cloud/notify_release.c common/buf.c common/util.c

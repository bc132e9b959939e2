FUZZERS += notify_json
fuzz_notify_json_SRCS := enforcer/cloud/notify_text.c enforcer/cloud/notify_finding.c enforcer/cloud/notify_json.c \
	enforcer/cloud/notify_link.c common/buf.c common/util.c

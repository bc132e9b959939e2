FUZZERS += notify_json
fuzz_notify_json_SRCS := enforcer/notify_text.c enforcer/notify_finding.c enforcer/notify_json.c \
	common/buf.c common/util.c

FUZZERS += respond_event
fuzz_respond_event_SRCS := enforcer/respond/respond_event.c enforcer/cloud/cloud_time.c common/util.c

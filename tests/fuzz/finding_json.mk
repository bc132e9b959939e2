FUZZERS += finding_json
fuzz_finding_json_SRCS := sensor/finding_json.c common/buf.c common/addr.c common/util.c

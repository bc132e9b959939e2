UNIT_TESTS += flow
test_flow_SRCS := sensor/flow.c sensor/finding.c sensor/finding_json.c common/addr.c common/util.c

UNIT_TESTS += flow
test_flow_SRCS := sensor/flow.c sensor/findings.c sensor/hidx.c sensor/finding_json.c common/buf.c common/addr.c common/util.c

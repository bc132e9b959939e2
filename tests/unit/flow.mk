UNIT_TESTS += flow
test_flow_SRCS := sensor/flow.c sensor/finding.c sensor/findings.c common/addr.c common/util.c

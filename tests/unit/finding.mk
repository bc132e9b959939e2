UNIT_TESTS += finding
test_finding_SRCS := sensor/finding.c sensor/finding_json.c common/addr.c common/util.c

UNIT_TESTS += plan
test_plan_SRCS := enforcer/respond/plan.c common/util.c

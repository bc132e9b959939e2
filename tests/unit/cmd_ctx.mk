UNIT_TESTS += cmd_ctx
test_cmd_ctx_SRCS = $(sort enforcer/cmd_ctx.c common/log.c $(test_config_SRCS))

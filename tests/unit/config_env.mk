UNIT_TESTS += config_env
test_config_env_SRCS := common/config_env.c common/config.c common/config_load.c common/config_table.c \
	common/allow.c feeds/list.c common/listspec.c feeds/list_lst.c feeds/list_txt.c \
	feeds/list_stix.c feeds/list_csv.c common/addr.c common/xmlsafe.c common/util.c

UNIT_TESTS += config
test_config_SRCS := common/config.c common/config_load.c common/config_table.c \
	common/allow.c feeds/list.c common/listspec.c feeds/list_lst.c feeds/list_txt.c \
	feeds/list_stix.c feeds/list_csv.c common/addr.c common/xmlsafe.c common/util.c

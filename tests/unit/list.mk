UNIT_TESTS += list
LIST_UT_SRCS := feeds/list.c common/listspec.c feeds/list_lst.c feeds/list_file.c feeds/list_txt.c \
	feeds/list_stix.c feeds/list_csv.c feeds/lists_load.c common/addr.c common/xmlsafe.c common/fileio.c common/util.c
test_list_SRCS := $(LIST_UT_SRCS)
UNIT_TESTS += list_stix list_csv
test_list_stix_SRCS := $(LIST_UT_SRCS)
test_list_csv_SRCS := $(LIST_UT_SRCS)

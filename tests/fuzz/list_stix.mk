FUZZERS += list_stix
fuzz_list_stix_SRCS := feeds/list.c common/listspec.c feeds/list_lst.c feeds/list_file.c feeds/list_txt.c \
	feeds/list_stix.c feeds/list_csv.c feeds/lists_load.c common/addr.c common/xmlsafe.c common/fileio.c common/util.c

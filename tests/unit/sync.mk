UNIT_TESTS += sync
test_sync_SRCS := feeds/sync.c feeds/s3url.c feeds/list.c feeds/list_lst.c feeds/list_file.c \
	feeds/list_txt.c feeds/list_stix.c feeds/list_csv.c feeds/lists_load.c common/addr.c \
	common/aws_client.c common/aws_s3.c common/aws_checksum.c common/aws_sigv4.c \
	common/aws_http.c common/aws_creds.c common/aws_profile.c common/aws_imds.c \
	common/aws_endpoint.c common/aws_retry.c common/aws_err.c common/aws_xml.c \
	common/buf.c common/util.c

UNIT_TESTS += sync
test_sync_SRCS := feeds/sync.c feeds/s3url.c feeds/list.c common/listspec.c feeds/list_lst.c feeds/list_file.c \
	feeds/list_txt.c feeds/list_stix.c feeds/list_csv.c feeds/lists_load.c common/addr.c \
	common/aws/aws_client.c common/aws/aws_dns.c feeds/aws_s3.c common/aws/aws_checksum.c common/aws/aws_sigv4.c \
	common/aws/aws_http.c common/aws/curl_dl.c common/aws/aws_creds.c common/aws/aws_credp.c common/aws/aws_profile.c common/log.c common/aws/aws_imds.c \
	common/aws/aws_endpoint.c common/aws/aws_retry.c common/aws/aws_err.c common/aws/aws_xml.c \
	common/buf.c common/fileio.c common/xmlsafe.c common/util.c

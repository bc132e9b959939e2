UNIT_TESTS += aws_xml
test_aws_xml_SRCS := common/aws_xml.c common/aws_err.c common/buf.c common/util.c

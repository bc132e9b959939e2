FUZZERS += aws_xml
fuzz_aws_xml_SRCS := common/aws/aws_xml.c common/aws/aws_err.c common/buf.c common/xmlsafe.c common/util.c

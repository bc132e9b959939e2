FUZZERS += cloud_xml
fuzz_cloud_xml_SRCS := enforcer/cloud/cloud_xml.c common/xmlsafe.c common/util.c

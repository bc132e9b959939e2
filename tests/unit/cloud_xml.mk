UNIT_TESTS += cloud_xml
test_cloud_xml_SRCS := enforcer/cloud/cloud_xml.c common/xmlsafe.c common/util.c

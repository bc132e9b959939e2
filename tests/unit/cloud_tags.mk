UNIT_TESTS += cloud_tags
test_cloud_tags_SRCS := enforcer/cloud/cloud_tags.c enforcer/cloud/cloud_tags_xml.c common/xmlsafe.c common/util.c

UNIT_TESTS += xmlsafe
test_xmlsafe_SRCS := common/xmlsafe.c common/util.c

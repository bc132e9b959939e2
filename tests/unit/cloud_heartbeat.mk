UNIT_TESTS += cloud_heartbeat
test_cloud_heartbeat_SRCS := enforcer/cloud/cloud_heartbeat_xml.c enforcer/cloud/cloud_list.c \
	enforcer/cloud/cloud_time.c common/aws/aws_xml.c common/xmlsafe.c common/buf.c common/util.c

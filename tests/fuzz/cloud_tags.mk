FUZZERS += cloud_tags
fuzz_cloud_tags_SRCS := enforcer/cloud/cloud_tags.c enforcer/cloud/cloud_tags_xml.c common/xmlsafe.c common/util.c \
	enforcer/respond/plan_build.c

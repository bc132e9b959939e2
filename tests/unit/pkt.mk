UNIT_TESTS += pkt
test_pkt_SRCS := sensor/pkt_link.c sensor/pkt_ip.c common/addr.c common/util.c

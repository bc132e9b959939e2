FUZZERS += pkt
fuzz_pkt_SRCS := sensor/pkt_link.c sensor/pkt_ip.c

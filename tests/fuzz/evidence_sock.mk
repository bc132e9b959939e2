FUZZERS += evidence_sock
fuzz_evidence_sock_SRCS := sensor/evidence_sock.c sensor/evidence_owners.c sensor/evidence.c common/fileio.c common/util.c

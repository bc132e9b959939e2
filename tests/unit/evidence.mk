UNIT_TESTS += evidence
# privsep.c: only for the sensor's seccomp filter, to prove the fd dump runs under it.
test_evidence_SRCS := sensor/evidence.c sensor/evidence_ring.c sensor/evidence_sock.c sensor/evidence_owners.c common/privsep.c common/log.c common/fileio.c common/util.c

FUZZERS += evidence_procfs
fuzz_evidence_procfs_SRCS := sensor/evidence_owners.c common/util.c

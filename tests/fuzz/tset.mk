FUZZERS += tset
fuzz_tset_SRCS := sensor/tset.c sensor/tset_build.c sensor/tset_dir.c common/addr.c common/util.c

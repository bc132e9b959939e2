FUZZERS += pcapfile
fuzz_pcapfile_SRCS := sensor/pcapfile.c common/util.c

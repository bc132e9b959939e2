FUZZERS += pcapfile
fuzz_pcapfile_SRCS := sensor/pcapfile.c common/fileio.c common/util.c

UNIT_TESTS += replay
test_replay_SRCS := sensor/replay.c sensor/pcapfile.c sensor/sensor.c sensor/findings.c sensor/hidx.c \
	sensor/finding_json.c common/buf.c sensor/flow.c sensor/frag.c sensor/pkt_link.c sensor/pkt_ip.c \
	sensor/tset.c sensor/tset_build.c sensor/tset_dir.c common/addr.c common/fileio.c common/util.c \
	common/log.c

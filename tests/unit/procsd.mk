UNIT_TESTS += procsd
test_procsd_SRCS := enforcer/agent/procsd.c enforcer/agent/procsd_serve.c enforcer/agent/procsd_confine.c enforcer/agent/procsd_msg.c sensor/evidence_sock.c sensor/evidence_owners.c sensor/evidence.c common/ipc.c common/privsep.c common/fileio.c common/log.c common/util.c

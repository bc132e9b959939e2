FUZZERS += ipc
fuzz_ipc_SRCS := common/ipc.c sensor/sensord_ipc.c enforcer/agent/daemon_ipc.c common/util.c

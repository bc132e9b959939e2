FUZZERS += ipc
fuzz_ipc_SRCS := common/ipc.c sensor/sensord_ipc.c sensor/finding_json.c common/buf.c enforcer/agent/daemon_ipc.c enforcer/agent/spawnd_ipc.c common/addr.c common/util.c

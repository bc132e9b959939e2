UNIT_TESTS += ipc
# The envelope and both channels' validators (sensor, AWS process).
test_ipc_SRCS := common/ipc.c sensor/sensord_ipc.c enforcer/agent/daemon_ipc.c common/util.c

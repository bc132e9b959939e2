FUZZERS += procsd_msg
fuzz_procsd_msg_SRCS := enforcer/agent/procsd_msg.c

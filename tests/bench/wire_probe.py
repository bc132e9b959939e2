#!/usr/bin/python3
"""Helpers of bench_wire.sh, run inside the bench's namespaces.

  flood DST PORT SECONDS      send small UDP datagrams to DST:PORT as fast
                              as one Python loop can, for SECONDS
  sink ADDR PORT OUTFILE      receive on ADDR:PORT; on SIGTERM write the
                              kernel receive time (SO_TIMESTAMPNS, ns, wall
                              clock) of the last datagram to OUTFILE
  trigger DST OUTFILE         write the wall clock (ns), then send one UDP
                              datagram to DST:53 (the listed address)

All times are CLOCK_REALTIME on the same machine, so the sink's last
receive time minus the trigger's send time is how long a clean host's
stream kept getting through the protected host's firewall.
"""
import signal
import socket
import struct
import sys
import time

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)


def flood(dst, port, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    end = time.monotonic() + float(seconds)
    payload = b"x" * 32
    n = 0
    while True:
        for _ in range(256):
            try:
                s.sendto(payload, (dst, int(port)))
            except OSError:
                pass
        n += 256
        if time.monotonic() > end:
            break
    print(n)


def sink(addr, port, out):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    s.bind((addr, int(port)))
    last = [0]

    def done(*_):
        with open(out, "w", encoding="ascii") as f:
            f.write(f"{last[0]}\n")
        sys.exit(0)

    signal.signal(signal.SIGTERM, done)
    while True:
        _, anc, _, _ = s.recvmsg(64, 256)
        for level, typ, data in anc:
            if level == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS and len(data) >= 16:
                sec, nsec = struct.unpack("qq", data[:16])
                last[0] = sec * 1_000_000_000 + nsec


def trigger(dst, out):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    t = time.time_ns()
    try:
        s.sendto(b"trigger", (dst, 53))
    except OSError:
        pass
    with open(out, "w", encoding="ascii") as f:
        f.write(f"{t}\n")


if __name__ == "__main__":
    {"flood": flood, "sink": sink, "trigger": trigger}[sys.argv[1]](*sys.argv[2:])

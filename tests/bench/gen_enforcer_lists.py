#!/usr/bin/python3
"""Generate threat lists for the enforcer benchmark and atomicity test.

gen_enforcer_lists.py OUTDIR [--hosts4 N] [--nets4 N] [--hosts6 N]
                             [--nets6 N] [--seed S] [--delta-pct P]

Writes OUTDIR/hosts4.txt (N random unique IPv4 /32), nets4.txt (random
IPv4 prefixes /16-/28), hosts6.txt and nets6.txt (random IPv6 /128 and
/48-/64 inside 2001:db8::/32), all.txt (everything), and with
--delta-pct, all_delta.txt and hosts4_delta.txt: P% of the /32s replaced;
with --peers, bench.nft (nft -f) and bench.ipset (ipset restore) of the
same content.
These are set elements only: no packet is ever sent to them.
"""
import argparse
import ipaddress
import os
import random
import socket
import struct


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--hosts4", type=int, default=1000000)
    ap.add_argument("--nets4", type=int, default=100000)
    ap.add_argument("--hosts6", type=int, default=100000)
    ap.add_argument("--nets6", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--delta-pct", type=float, default=0)
    ap.add_argument("--peers", action="store_true",
                    help="also write bench.nft and bench.ipset")
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    pack = struct.Struct("!I").pack

    hosts = set()
    while len(hosts) < a.hosts4:
        hosts.add(rnd.getrandbits(32))
    hosts = sorted(hosts)
    rnd.shuffle(hosts)
    h4 = [socket.inet_ntoa(pack(h)) for h in hosts]
    n4 = []
    for _ in range(a.nets4):
        ln = rnd.randint(16, 28)
        v = rnd.getrandbits(32) & ((0xFFFFFFFF << (32 - ln)) & 0xFFFFFFFF)
        n4.append("%s/%d" % (socket.inet_ntoa(pack(v)), ln))
    base6 = int(ipaddress.IPv6Address("2001:db8::"))
    h6 = set()
    while len(h6) < a.hosts6:
        h6.add(str(ipaddress.IPv6Address(base6 | rnd.getrandbits(96))))
    h6 = list(h6)
    n6 = []
    for _ in range(a.nets6):
        ln = rnd.randint(48, 64)
        v = (base6 | rnd.getrandbits(96)) & (((1 << 128) - 1) << (128 - ln))
        n6.append("%s/%d" % (ipaddress.IPv6Address(v), ln))

    def write(name, lines):
        with open(os.path.join(a.out, name), "w") as f:
            f.write("\n".join(lines))
            f.write("\n")

    write("hosts4.txt", h4)
    write("nets4.txt", n4)
    write("hosts6.txt", h6)
    write("nets6.txt", n6)
    write("all.txt", h4 + n4 + h6 + n6)
    if a.delta_pct:
        k = int(len(h4) * a.delta_pct / 100)
        seen = set(hosts)
        repl = []
        while len(repl) < k:
            v = rnd.getrandbits(32)
            if v not in seen:
                seen.add(v)
                repl.append(socket.inet_ntoa(pack(v)))
        write("all_delta.txt", repl + h4[k:] + n4 + h6 + n6)
        write("hosts4_delta.txt", repl + h4[k:])
    if a.peers:
        # The same content for the peers: nft -f (interval sets with
        # auto-merge, as an admin would write it) and ipset restore.
        with open(os.path.join(a.out, "bench.nft"), "w") as f:
            f.write("table inet bench {\n")
            for name, typ, elems in (("b4", "ipv4_addr", h4 + n4),
                                     ("b6", "ipv6_addr", h6 + n6)):
                f.write("  set %s {\n    type %s\n    flags interval\n"
                        "    auto-merge\n    elements = {\n" % (name, typ))
                f.write(",\n".join(elems))
                f.write("\n    }\n  }\n")
            f.write("}\n")
        with open(os.path.join(a.out, "bench.ipset"), "w") as f:
            f.write("create b4 hash:net family inet hashsize 1048576 maxelem 4000000\n")
            f.write("create b6 hash:net family inet6 hashsize 262144 maxelem 1000000\n")
            for e in h4 + n4:
                f.write("add b4 %s\n" % e)
            for e in h6 + n6:
                f.write("add b6 %s\n" % e)


if __name__ == "__main__":
    main()

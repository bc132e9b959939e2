#!/usr/bin/python3
"""Golden captures for `cordon replay`, with the findings they must give.

One scenario of IP packets (outbound/inbound TCP, UDP, ICMP, ICMPv6, IPv6
extension chains, fragments, mid-stream TCP, trusted overrides, clean
traffic, truncated and malformed packets) is written under every link type
cordon reads. The expected findings are written by hand below, next to the
packets that make them: the test does not re-derive them with cordon's
algorithm.

usage: gen.py OUTDIR   (writes *.pcap and cases.json)
"""
import json
import os
import struct
import sys

from scapy.all import (IP, IPv6, TCP, UDP, ICMP, ICMPv6EchoRequest,
                       ICMPv6EchoReply, ICMPv6DestUnreach, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrDestOpt, IPv6ExtHdrRouting,
                       IPv6ExtHdrFragment, IPOption_RR, Raw, fragment)

T0 = 1767225600  # 2026-01-01T00:00:00Z
LOCAL4, LOCAL6 = "192.0.2.10", "2001:db8:1::10"

packets = []  # (ts_ns, ip_bytes)
expected = []  # findings, field by field
clock = [0]


def at(ms):
    return T0 * 10**9 + ms * 10**6


def iso(ns):
    import datetime
    t = datetime.datetime.fromtimestamp(ns // 10**9, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (ns // 10**6 % 1000)


def emit(pkts, step_ms=1):
    """Append packets 1 ms apart; return (first_ns, last_ns, bytes)."""
    first = None
    total = 0
    for p in pkts:
        clock[0] += step_ms
        raw = bytes(p)
        ts = at(clock[0])
        packets.append((ts, raw))
        first = first if first is not None else ts
        total += len(raw)
    return first, at(clock[0]), total


def expect(direction, proto, local, remote, lport, rport, count, npk, nbytes,
           first, last, entry):
    expected.append({
        "direction": direction, "protocol": proto, "local": local,
        "remote": remote, "localPort": lport, "remotePort": rport,
        "count": count, "packets": npk, "bytes": nbytes,
        "firstSeen": iso(first), "lastSeen": iso(last), "entry": entry,
    })


def tcp_flow(a, b, sport, dport, v6=False, data=b"x" * 100, reset=False):
    L3 = IPv6 if v6 else IP
    s = [L3(src=a, dst=b) / TCP(sport=sport, dport=dport, flags="S", seq=1000)]
    if reset:
        s.append(L3(src=b, dst=a) / TCP(sport=dport, dport=sport, flags="RA",
                                        seq=0, ack=1001))
        return s
    s += [L3(src=b, dst=a) / TCP(sport=dport, dport=sport, flags="SA", seq=5000, ack=1001),
          L3(src=a, dst=b) / TCP(sport=sport, dport=dport, flags="A", seq=1001, ack=5001),
          L3(src=a, dst=b) / TCP(sport=sport, dport=dport, flags="PA", seq=1001, ack=5001) / Raw(data),
          L3(src=b, dst=a) / TCP(sport=dport, dport=sport, flags="A", seq=5001, ack=1101),
          L3(src=a, dst=b) / TCP(sport=sport, dport=dport, flags="FA", seq=1101, ack=5001)]
    return s


# 1. Outbound TCP to a listed host: two flows, one refused -> count 2.
f1, l1, b1 = emit(tcp_flow(LOCAL4, "203.0.113.7", 40000, 443))
f2, l2, b2 = emit(tcp_flow(LOCAL4, "203.0.113.7", 40001, 443, reset=True))
expect("OUTBOUND", "TCP", LOCAL4, "203.0.113.7", 40000, 443, 2, 8, b1 + b2, f1, l2, "203.0.113.7")

# 2. Inbound scan from a listed prefix: port 22 refused (the host's RST is
#    counted with the SYN it refuses: no answer, no flow), port 23 silent.
f, l, b = emit([IP(src="198.51.100.9", dst=LOCAL4) / TCP(sport=5555, dport=22, flags="S"),
                IP(src=LOCAL4, dst="198.51.100.9") / TCP(sport=22, dport=5555, flags="RA")])
expect("INBOUND", "TCP", LOCAL4, "198.51.100.9", 22, 5555, 1, 2, b, f, l, "198.51.100.0/25")
f, l, b = emit([IP(src="198.51.100.9", dst=LOCAL4) / TCP(sport=5556, dport=23, flags="S")])
expect("INBOUND", "TCP", LOCAL4, "198.51.100.9", 23, 5556, 1, 1, b, f, l, "198.51.100.0/25")

# 3. Outbound UDP (DNS-like) with a reply.
f, l, b = emit([IP(src=LOCAL4, dst="198.51.100.100") / UDP(sport=53000, dport=53) / Raw(b"q" * 30),
                IP(src="198.51.100.100", dst=LOCAL4) / UDP(sport=53, dport=53000) / Raw(b"a" * 60)])
expect("OUTBOUND", "UDP", LOCAL4, "198.51.100.100", 53000, 53, 1, 2, b, f, l, "198.51.100.0/25")

# 4. ICMP echo to a listed host: no ports.
f, l, b = emit([IP(src=LOCAL4, dst="203.0.113.7") / ICMP(type=8, id=7, seq=1),
                IP(src="203.0.113.7", dst=LOCAL4) / ICMP(type=0, id=7, seq=1)])
expect("OUTBOUND", "ICMP", LOCAL4, "203.0.113.7", None, None, 1, 2, b, f, l, "203.0.113.7")

# 5. IPv6 TCP to a listed host, ICMPv6 echo into a listed /48.
f, l, b = emit(tcp_flow(LOCAL6, "2001:db8:bad::1", 41000, 80, v6=True))
expect("OUTBOUND", "TCP", LOCAL6, "2001:db8:bad::1", 41000, 80, 1, 6, b, f, l, "2001:db8:bad::1")
f, l, b = emit([IPv6(src=LOCAL6, dst="2001:db8:c0::5") / ICMPv6EchoRequest(id=1, seq=1),
                IPv6(src="2001:db8:c0::5", dst=LOCAL6) / ICMPv6EchoReply(id=1, seq=1)])
expect("OUTBOUND", "ICMPV6", LOCAL6, "2001:db8:c0::5", None, None, 1, 2, b, f, l, "2001:db8:c0::/48")

# 6. A TCP flow seen mid-stream: its first captured packet names the
#    initiator (the listed host), so it is INBOUND on the local port.
f, l, b = emit([IP(src="203.0.113.7", dst=LOCAL4) / TCP(sport=443, dport=40500, flags="PA") / Raw(b"z" * 20),
                IP(src=LOCAL4, dst="203.0.113.7") / TCP(sport=40500, dport=443, flags="A")])
expect("INBOUND", "TCP", LOCAL4, "203.0.113.7", 40500, 443, 1, 2, b, f, l, "203.0.113.7")

# 7. Trusted wins over threat (trusted.txt holds these, inside threat prefixes).
n0 = len(packets)
emit(tcp_flow(LOCAL4, "198.51.100.66", 40100, 443))
emit([IPv6(src=LOCAL6, dst="2001:db8:c0::66") / UDP(sport=1000, dport=2000)])
N_TRUSTED = len(packets) - n0

# 8. Clean traffic never produces findings.
emit(tcp_flow(LOCAL4, "192.0.2.20", 40200, 80))
emit([IPv6(src=LOCAL6, dst="2001:db8:2::20") / UDP(sport=1, dport=2)])

# 9. A fragmented UDP datagram into the listed 192.0.2.200/29 range:
#    later fragments join the first one's flow.
frags = fragment(IP(src=LOCAL4, dst="192.0.2.201", id=4242) / UDP(sport=5000, dport=9999) / Raw(b"F" * 3000), fragsize=1200)
assert len(frags) == 3
f, l, b = emit(frags)
expect("OUTBOUND", "UDP", LOCAL4, "192.0.2.201", 5000, 9999, 1, 3, b, f, l, "192.0.2.200/29")

# 10. IPv6 extension chain (hop-by-hop, destination options, routing) to a
#     listed host on UDP 5353, then an IPv6 fragment pair on UDP 6000.
f, l, b = emit([IPv6(src=LOCAL6, dst="2001:db8:bad::1") / IPv6ExtHdrHopByHop() /
                IPv6ExtHdrDestOpt() / IPv6ExtHdrRouting(addresses=[]) /
                UDP(sport=7000, dport=5353) / Raw(b"m" * 10)])
expect("OUTBOUND", "UDP", LOCAL6, "2001:db8:bad::1", 7000, 5353, 1, 1, b, f, l, "2001:db8:bad::1")
big = IPv6(src=LOCAL6, dst="2001:db8:bad::1") / IPv6ExtHdrFragment(id=99) / UDP(sport=7001, dport=6000) / Raw(b"G" * 2000)
from scapy.all import fragment6
f6 = fragment6(big, 1280)
assert len(f6) == 2
f, l, b = emit(f6)
expect("OUTBOUND", "UDP", LOCAL6, "2001:db8:bad::1", 7001, 6000, 1, 2, b, f, l, "2001:db8:bad::1")

# 11. IPv4 with options, outbound TCP to a listed host.
f, l, b = emit([IP(src=LOCAL4, dst="203.0.113.7", options=[IPOption_RR()]) / TCP(sport=40300, dport=8443, flags="S")])
expect("OUTBOUND", "TCP", LOCAL4, "203.0.113.7", 40300, 8443, 1, 1, b, f, l, "203.0.113.7")

# 13. A blind spoofer (sensor.md, "Spoofed contacts"). The reviewer's
#     reproduction: a UDP packet from a listed source to a closed port; the
#     kernel's port unreachable quotes it. Counted with the UDP contact
#     (INBOUND, the quoted 5-tuple), never an OUTBOUND ICMP finding.
q = IP(src="198.51.100.20", dst=LOCAL4) / UDP(sport=5000, dport=9) / Raw(b"s" * 12)
f, l, b = emit([q, IP(src=LOCAL4, dst="198.51.100.20") / ICMP(type=3, code=3) / Raw(bytes(q))])
expect("INBOUND", "UDP", LOCAL4, "198.51.100.20", 9, 5000, 1, 2, b, f, l, "198.51.100.0/25")
#     An error whose probe is gone (a flood pushed it out), RFC 792's 8
#     bytes of TCP quoted: the quote still names the contact.
q = IP(src="198.51.100.24", dst=LOCAL4) / TCP(sport=6000, dport=8080, flags="S")
f, l, b = emit([IP(src=LOCAL4, dst="198.51.100.24") / ICMP(type=3, code=13) / Raw(bytes(q)[:28])])
expect("INBOUND", "TCP", LOCAL4, "198.51.100.24", 8080, 6000, 1, 1, b, f, l, "198.51.100.0/25")
#     A quote naming another remote (a lie, or a router's error), and a
#     cut one: the remote's INBOUND ICMP finding, nothing OUTBOUND.
q = IP(src="198.51.100.99", dst=LOCAL4) / UDP(sport=5000, dport=9)
f, l, b = emit([IP(src=LOCAL4, dst="198.51.100.21") / ICMP(type=3, code=1) / Raw(bytes(q)),
                IP(src=LOCAL4, dst="198.51.100.21") / ICMP(type=11, code=0) / Raw(bytes(q)[:10])])
expect("INBOUND", "ICMP", LOCAL4, "198.51.100.21", None, None, 1, 2, b, f, l, "198.51.100.0/25")
#     ICMPv6 port unreachable quoting the UDP packet it is about.
q = IPv6(src="2001:db8:c0::21", dst=LOCAL6) / UDP(sport=5000, dport=9)
f, l, b = emit([q, IPv6(src=LOCAL6, dst="2001:db8:c0::21") / ICMPv6DestUnreach(code=4) / Raw(bytes(q))])
expect("INBOUND", "UDP", LOCAL6, "2001:db8:c0::21", 9, 5000, 1, 2, b, f, l, "2001:db8:c0::/48")
#     The host's RST with no probe (a spoofed ACK or FIN to a closed port
#     whose probe is gone): the remote's INBOUND contact, not OUTBOUND.
f, l, b = emit([IP(src=LOCAL4, dst="198.51.100.22") / TCP(sport=25, dport=40001, flags="R")])
expect("INBOUND", "TCP", LOCAL4, "198.51.100.22", 25, 40001, 1, 1, b, f, l, "198.51.100.0/25")

#     The kernel's echo reply whose request's probe is gone: an answer
#     (INBOUND), not the host pinging out.
f, l, b = emit([IP(src=LOCAL4, dst="198.51.100.25") / ICMP(type=0, id=9, seq=1)])
expect("INBOUND", "ICMP", LOCAL4, "198.51.100.25", None, None, 1, 1, b, f, l, "198.51.100.0/25")

# 12. Damaged packets: counted, never matched, never fatal.
good = bytes(IP(src=LOCAL4, dst="203.0.113.7") / TCP(sport=1, dport=2))
clock[0] += 1
packets.append((at(clock[0]), good[:12]))          # truncated IP header
bad_ihl = bytearray(good)
bad_ihl[0] = 0x44                                   # IHL 4 < 5
clock[0] += 1
packets.append((at(clock[0]), bytes(bad_ihl)))
N_DAMAGED = 2


# ---- link layers -------------------------------------------------------
MAC_L, MAC_R = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")


def ethertype(ip):
    return 0x86DD if ip[0] >> 4 == 6 else 0x0800


def eth(ip):
    return MAC_R + MAC_L + struct.pack("!H", ethertype(ip)) + ip


def vlan(ip):
    return MAC_R + MAC_L + struct.pack("!HHH", 0x8100, 42, ethertype(ip)) + ip


def qinq(ip):
    return MAC_R + MAC_L + struct.pack("!HHHHH", 0x88A8, 100, 0x8100, 42, ethertype(ip)) + ip


def sll(ip):
    return struct.pack("!HHH", 4, 1, 6) + MAC_L + b"\0\0" + struct.pack("!H", ethertype(ip)) + ip


def sll2(ip):
    return struct.pack("!HHIHBB", ethertype(ip), 0, 2, 1, 4, 6) + MAC_L + b"\0\0" + ip


def raw(ip):
    return ip


def nflog(ip):
    def tlv(t, v):
        pad = (-len(v)) % 4
        return struct.pack("<HH", 4 + len(v), t) + v + b"\0" * pad
    fam = 10 if ip[0] >> 4 == 6 else 2
    hdr = struct.pack("!BBH", fam, 0, 5)
    return hdr + tlv(1, struct.pack("!HBB", ethertype(ip), 3, 0)) + \
        tlv(10, b"cordon-drop\0") + tlv(9, ip)


LINKS = {  # name: (linktype in the file, framing)
    "eth": (1, eth), "vlan": (1, vlan), "qinq": (1, qinq),
    "sll": (113, sll), "sll2": (276, sll2), "raw": (101, raw),
    "nflog": (239, nflog),
}


def write_pcap(path, linktype, frame, snaplen=65535):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, snaplen, linktype))
        for ts, ip in packets:
            data = frame(ip)
            cap = data[:snaplen]
            f.write(struct.pack("<IIII", ts // 10**9, ts % 10**9, len(cap), len(data)))
            f.write(cap)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    cases = []
    for name, (lt, frame) in LINKS.items():
        path = os.path.join(out, name + ".pcap")
        write_pcap(path, lt, frame)
        cases.append({"name": name, "pcap": path, "blocked": name == "nflog"})
    # A short snaplen: headers only, bytes still from the IP header.
    path = os.path.join(out, "eth-snap128.pcap")
    write_pcap(path, 1, eth, snaplen=128)
    cases.append({"name": "eth-snap128", "pcap": path, "blocked": False})
    json.dump({"cases": cases, "findings": expected, "packets": len(packets),
               "damaged": N_DAMAGED, "trusted": N_TRUSTED}, open(os.path.join(out, "cases.json"), "w"), indent=1)


main()

#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Seed corpus for tests/fuzz/fuzz_pkt.c: one small file per case, the
first byte an index into fuzz_pkt.c's dlts[] (keep the two in step), the
rest a packet built with scapy. Documentation addresses only.

    /usr/bin/python3 tests/fuzz/gen_pkt_corpus.py tests/fuzz/corpus/pkt
"""
import os
import struct
import sys

from scapy.all import (AH, ARP, ESP, Dot1AD, Dot1Q, Ether, ICMP, IP, IPv6,
                       CookedLinux, CookedLinuxV2, ICMPv6DestUnreach,
                       ICMPv6EchoRequest,
                       IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, TCP, UDP, raw)

EN10MB, SLL, SLL2, RAW, IPV4, IPV6, NFLOG = range(7)

A4, B4 = "192.0.2.1", "198.51.100.2"
A6, B6 = "2001:db8::1", "2001:db8:1::2"


def Eth():
    """Explicit MACs: left blank, scapy would ARP for a gateway."""
    return Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")


def nflog(family, group, payload):
    """NFLOG: big-endian header, TLVs in host byte order, 4-byte padded."""
    def tlv(t, v):
        b = struct.pack("=HH", len(v) + 4, t) + v
        return b + b"\0" * (-len(b) % 4)
    return (struct.pack(">BBH", family, 0, group) +
            tlv(1, b"\x08\x00\x01\x00") + tlv(10, b"cordon\0") +
            tlv(9, payload))


def seeds():
    tcp = TCP(sport=40000, dport=443, flags="S")
    v4 = IP(src=A4, dst=B4)
    v6 = IPv6(src=A6, dst=B6)
    yield "eth_ip4_tcp", EN10MB, Eth() / v4 / tcp
    yield "eth_vlan_ip4_udp", EN10MB, Eth() / Dot1Q(vlan=7) / v4 / UDP(dport=53)
    yield "eth_qinq_ip6_tcp", EN10MB, Eth() / Dot1AD(vlan=10) / Dot1Q(vlan=20) / v6 / tcp
    yield "eth_arp", EN10MB, Eth() / ARP(psrc=A4, pdst=B4, hwdst="00:00:00:00:00:00")
    yield "eth_ip4_opts_icmp", EN10MB, Eth() / IP(src=A4, dst=B4, options=b"\x01" * 8) / ICMP(type=3, code=13)
    yield "eth_ip4_frag1", EN10MB, Eth() / IP(src=A4, dst=B4, flags="MF", id=7) / UDP(dport=53) / (b"x" * 16)
    yield "eth_ip4_frag2", EN10MB, Eth() / IP(src=A4, dst=B4, frag=3, proto=17, id=7) / (b"x" * 24)
    yield "eth_ip6_chain", EN10MB, (Eth() / v6 / IPv6ExtHdrHopByHop() / IPv6ExtHdrRouting() /
                                    IPv6ExtHdrDestOpt() / IPv6ExtHdrFragment(m=1, id=9) / tcp)
    yield "sll_ip4_udp", SLL, CookedLinux(proto=0x0800) / v4 / UDP(sport=5353, dport=53)
    yield "sll2_ip6_icmp6", SLL2, CookedLinuxV2(proto=0x86dd) / v6 / ICMPv6EchoRequest()
    yield "raw_ip6_ah_tcp", RAW, v6 / AH(nh=6, payloadlen=4, icv=b"\0" * 12) / tcp
    yield "raw_ip6_esp", RAW, v6 / ESP(spi=1, data=b"\0" * 16)
    yield "ipv4_tcp", IPV4, v4 / TCP(sport=1025, dport=22, flags="PA") / b"hello"
    yield "ipv6_nonext", IPV6, IPv6(src=A6, dst=B6, nh=59)
    yield "nflog_ip4_tcp", NFLOG, nflog(2, 5, raw(v4 / tcp))
    yield "nflog_ip6_udp", NFLOG, nflog(10, 65535, raw(v6 / UDP(dport=53)))
    # ICMP errors quoting the packet they are about (pkt_quote()).
    q4 = IP(src=B4, dst=A4) / UDP(sport=5000, dport=9)
    yield "raw_ip4_icmp_unreach", RAW, IP(src=A4, dst=B4) / ICMP(type=3, code=3) / raw(q4)
    yield "eth_ip4_icmp_ttl_tcp8", EN10MB, (Eth() / IP(src=A4, dst=B4) / ICMP(type=11) /
                                            raw(IP(src=B4, dst=A4) / tcp)[:28])
    yield "raw_ip6_icmp6_unreach", RAW, (v6 / ICMPv6DestUnreach(code=4) /
                                         raw(IPv6(src=B6, dst=A6) / IPv6ExtHdrHopByHop() /
                                             UDP(sport=5000, dport=9)))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/fuzz/corpus/pkt"
    os.makedirs(out, exist_ok=True)
    for name, dlt, pkt in seeds():
        data = pkt if isinstance(pkt, bytes) else raw(pkt)
        with open(os.path.join(out, name), "wb") as f:
            f.write(bytes([dlt]) + data)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Point lookups in an nftables set, straight over netlink.

enforcer_nlget.py TABLE SET ADDR...   prints how many ADDRs the set holds.

`nft get element` first loads the whole set into its cache, which for a
million elements takes minutes; the kernel's GETSETELEM on one key is a
hash lookup. Independent of cordon's own code on purpose.
"""
import ipaddress
import os
import socket
import struct
import sys

NETLINK_NETFILTER = 12
NFNL_SUBSYS_NFTABLES = 10
NFT_MSG_GETSETELEM = 13
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2
NFPROTO_INET = 1
NLA_F_NESTED = 0x8000


def attr(t, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, t) + payload + b"\0" * ((4 - n % 4) % 4)


def lookup(sock, seq, table, setname, key):
    elem = attr(1 | NLA_F_NESTED, attr(1 | NLA_F_NESTED, attr(1, key)))
    body = struct.pack("=BBH", NFPROTO_INET, 0, 0)
    body += attr(1, table.encode() + b"\0") + attr(2, setname.encode() + b"\0")
    body += attr(3 | NLA_F_NESTED, elem)
    hdr = struct.pack("=IHHII", 16 + len(body),
                      (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETSETELEM,
                      NLM_F_REQUEST | NLM_F_ACK, seq, 0)
    sock.send(hdr + body)
    found = False
    while True:
        data = sock.recv(65536)
        off = 0
        while off + 16 <= len(data):
            ln, typ, _, s, _ = struct.unpack_from("=IHHII", data, off)
            if s == seq:
                if typ == NLMSG_ERROR:
                    err = struct.unpack_from("=i", data, off + 16)[0]
                    if err == 0:
                        return found
                    if err == -2:  # ENOENT: not in the set
                        return False
                    raise OSError(-err, os.strerror(-err))
                found = True
            off += (ln + 3) & ~3


def main():
    table, setname = sys.argv[1], sys.argv[2]
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    sock.bind((0, 0))
    n = 0
    for i, a in enumerate(sys.argv[3:]):
        if lookup(sock, 1000 + i, table, setname, ipaddress.ip_address(a).packed):
            n += 1
    print(n)


if __name__ == "__main__":
    main()

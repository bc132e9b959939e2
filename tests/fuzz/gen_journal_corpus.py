#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Seed corpus for fuzz_journal (docs/internals/journal.md has the format).
Byte 0 even: a journal file follows; odd: newline-separated JSON payloads."""
import json
import os
import struct
import sys


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def record(seq, obj):
    payload = json.dumps(obj, separators=(",", ":")).encode()
    head = b"\xc0\xdeJR" + struct.pack("<BBHIQ", 1, 0, 0, len(payload), seq)
    return head + struct.pack("<I", crc32c(payload, crc32c(head))) + payload


RECS = [
    {"type": "incident_open", "incident": "inc-1", "at": "2026-01-01T00:00:00.000Z",
     "reason": "threat 203.0.113.7", "finding": {"id": "0" * 32, "severity": 8}},
    {"type": "incident_status", "incident": "inc-1", "status": "isolating"},
    {"type": "action", "incident": "inc-1", "action": "ec2_modify_eni", "key": "eni-0abc",
     "state": "intent", "params": {"groups": ["sg-0aaa", "sg-0bbb"]}},
    {"type": "action", "incident": "inc-1", "action": "ec2_modify_eni", "key": "eni-0abc",
     "state": "failed", "error": "RequestLimitExceeded", "attempt": 2},
    {"type": "action", "incident": "inc-1", "action": "ec2_modify_eni", "key": "eni-0abc",
     "state": "done", "result": {"ok": True}},
    {"type": "action", "incident": "inc-1", "action": "sns_publish", "key": "topic",
     "state": "intent"},
    {"type": "incident_close", "incident": "inc-1", "reason": "released"},
]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/fuzz/corpus/journal"
    os.makedirs(out, exist_ok=True)
    recs = [record(i + 1, r) for i, r in enumerate(RECS)]
    whole = b"".join(recs)
    seeds = {
        "file_good": whole,
        "file_torn": whole[:-7],
        "file_flip": whole[:60] + bytes([whole[60] ^ 4]) + whole[61:],
        "file_garbage_mid": recs[0] + b"junk" * 5 + b"".join(recs[1:]),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(b"\x00" + data)
    with open(os.path.join(out, "payloads"), "wb") as f:
        f.write(b"\x01" + b"\n".join(json.dumps(r).encode() for r in RECS))


if __name__ == "__main__":
    main()

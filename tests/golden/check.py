#!/usr/bin/python3
"""Run `cordon replay` / `cordon check` on the golden captures; print TAP.

usage: check.py CORDON GOLDEN_DIR (made by gen.py)
"""
import json
import os
import re
import socket
import struct
import subprocess
import sys

CORDON, GOLD = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
LISTS = os.path.join(HERE, "..", "data", "lists")
TRUSTED = os.path.join(HERE, "trusted.txt")
META = json.load(open(os.path.join(GOLD, "cases.json")))
FORMATS = [("txt", "threat.txt"), ("stix", "threat.stix.xml"),
           ("otx_csv", "threat.otx.csv"), ("alien_vault", "threat.alienvault.txt"),
           ("proof_point", "threat.proofpoint.csv"), ("fire_eye", "threat.fireeye.csv")]
n = 0
failed = 0


def tap(ok, what, detail=""):
    global n, failed
    n += 1
    if not ok:
        failed += 1
        print("not ok %d - %s" % (n, what))
        for line in detail.splitlines():
            print("# " + line)
    else:
        print("ok %d - %s" % (n, what))


def run(*args):
    p = subprocess.run([CORDON] + list(args), capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def key(f):
    nca = f["service"]["action"]["networkConnectionAction"]
    ip = lambda d: d.get("ipAddressV4") or d.get("ipAddressV6")
    port = nca.get("localPortDetails" if nca["connectionDirection"] == "INBOUND"
                   else "remotePortDetails", {}).get("port")
    return (nca["connectionDirection"], nca["protocol"], ip(nca["localIpDetails"]),
            ip(nca["remoteIpDetails"]), port)


def check_finding(got, exp, listname, blocked):
    """Field by field; returns a list of differences."""
    d = []
    nca = got["service"]["action"]["networkConnectionAction"]

    def eq(what, a, b):
        if a != b:
            d.append("%s: got %r, want %r" % (what, a, b))
    eq("schemaVersion", got.get("schemaVersion"), "2.0")
    eq("type", got.get("type"), "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom")
    eq("severity", got.get("severity"), 5)
    if not re.fullmatch(r"[0-9a-f]{32}", got.get("id", "")):
        d.append("id %r is not 32 lowercase hex" % got.get("id"))
    eq("resourceType", got["resource"]["resourceType"], "Instance")
    eq("instanceId", got["resource"]["instanceDetails"]["instanceId"], "i-0123456789abcdef0")
    eq("serviceName", got["service"]["serviceName"], "cordon")
    eq("count", got["service"]["count"], exp["count"])
    eq("eventFirstSeen", got["service"]["eventFirstSeen"], exp["firstSeen"])
    eq("eventLastSeen", got["service"]["eventLastSeen"], exp["lastSeen"])
    eq("createdAt", got["createdAt"], exp["firstSeen"])
    eq("updatedAt", got["updatedAt"], exp["lastSeen"])
    eq("actionType", got["service"]["action"]["actionType"], "NETWORK_CONNECTION")
    eq("blocked", nca["blocked"], blocked)
    v = "ipAddressV6" if ":" in exp["local"] else "ipAddressV4"
    eq("localIpDetails", nca["localIpDetails"], {v: exp["local"]})
    eq("remoteIpDetails", nca["remoteIpDetails"], {v: exp["remote"]})
    if exp["localPort"] is None:
        eq("localPortDetails", "localPortDetails" in nca, False)
        eq("remotePortDetails", "remotePortDetails" in nca, False)
    else:
        eq("localPort", nca.get("localPortDetails", {}).get("port"), exp["localPort"])
        eq("remotePort", nca.get("remotePortDetails", {}).get("port"), exp["remotePort"])
    info = got["service"]["additionalInfo"]
    eq("threatListName", info.get("threatListName"), listname)
    eq("packets", info.get("packets"), exp["packets"])
    eq("bytes", info.get("bytes"), exp["bytes"])
    eq("threatListEntry", info.get("threatListEntry"), exp["entry"])
    return d


def exp_key(e):
    port = e["localPort"] if e["direction"] == "INBOUND" else e["remotePort"]
    return (e["direction"], e["protocol"], e["local"], e["remote"], port)


def compare(what, out, listname, blocked, expected):
    try:
        got = [json.loads(l) for l in out.splitlines() if l.strip()]
    except ValueError as e:
        tap(False, what, "output is not JSON lines: %s" % e)
        return None
    bykey = {}
    for f in got:
        bykey.setdefault(key(f), []).append(f)
    diffs = []
    for k, fs in bykey.items():
        if len(fs) > 1:
            diffs.append("%d findings for one key %r" % (len(fs), k))
    for e in expected:
        fs = bykey.pop(exp_key(e), None)
        if not fs:
            diffs.append("missing finding %r" % (exp_key(e),))
            continue
        for x in check_finding(fs[0], e, listname, blocked):
            diffs.append("%r: %s" % (exp_key(e), x))
    for k in bykey:
        diffs.append("unexpected finding %r" % (k,))
    tap(not diffs, what, "\n".join(diffs))
    return got


def replay(pcap, *lists):
    args = ["replay", "--instance-id", "i-0123456789abcdef0"]
    for kind, spec in lists:
        args += ["--%s-list" % kind, spec]
    return run(*(args + [pcap]))


exp = META["findings"]
ids = {}
for case in META["cases"]:
    rc, out, err = replay(case["pcap"], ("threat", os.path.join(LISTS, "threat.txt")),
                          ("trusted", TRUSTED))
    if rc != 0:
        tap(False, "replay %s exits 0" % case["name"], err)
        continue
    got = compare("replay %s: %d findings field by field" % (case["name"], len(exp)),
                  out, "threat.txt", case["blocked"], exp)
    m = re.search(r"(\d+) packets, .* (\d+) trusted, .* (\d+) truncated, (\d+) malformed", err)
    tap(m and int(m.group(1)) == META["packets"] and int(m.group(2)) == META["trusted"] and
        int(m.group(3)) + int(m.group(4)) == META["damaged"],
        "replay %s: summary counts %d packets, %d trusted, %d damaged" % (
            case["name"], META["packets"], META["trusted"], META["damaged"]), err)
    for f in got or []:
        ids.setdefault(key(f), set()).add(f["id"])
tap(all(len(v) == 1 for v in ids.values()) and
    len(set(next(iter(v)) for v in ids.values())) == len(ids),
    "finding ids: same key -> same id across captures, distinct keys -> distinct ids")

eth = os.path.join(GOLD, "eth.pcap")
for fmt, name in FORMATS:
    rc, out, err = replay(eth, ("threat", "%s:%s" % (fmt.upper() if fmt == "stix" else fmt,
                                                     os.path.join(LISTS, name))),
                          ("trusted", TRUSTED))
    if rc != 0:
        tap(False, "replay with %s list exits 0" % fmt, err)
        continue
    compare("list format %s gives the same findings" % fmt, out, name, False, exp)

# Without the trusted list the two trusted hosts become findings.
rc, out, err = replay(eth, ("threat", os.path.join(LISTS, "threat.txt")))
keys = {key(json.loads(l)) for l in out.splitlines()}
tap(rc == 0 and len(keys) == len(exp) + 2 and
    ("OUTBOUND", "TCP", "192.0.2.10", "198.51.100.66", 443) in keys and
    ("OUTBOUND", "UDP", "2001:db8:1::10", "2001:db8:c0::66", 2000) in keys,
    "without the trusted list, trusted hosts are findings (trusted wins otherwise)", out + err)

# The libpcap path (a pipe is not mapped) gives the same findings.
with open(eth, "rb") as f:
    p = subprocess.run([CORDON, "replay", "--instance-id", "i-0123456789abcdef0",
                        "--threat-list", os.path.join(LISTS, "threat.txt"),
                        "--trusted-list", TRUSTED, "/dev/stdin"],
                       stdin=f, capture_output=True, text=True)
if p.returncode == 0:
    compare("replay from a pipe (libpcap reader) gives the same findings",
            p.stdout, "threat.txt", False, exp)
else:
    tap(False, "replay from a pipe exits 0", p.stderr)

# A capture cut short: the packets before the cut still count, exit 2.
cut = os.path.join(GOLD, "cut.pcap")
data = open(eth, "rb").read()
open(cut, "wb").write(data[:len(data) - 30])
for label, path in [("mapped", cut), ("libpcap", "/dev/stdin")]:
    with open(cut, "rb") as f:
        p = subprocess.run([CORDON, "replay", "--threat-list", os.path.join(LISTS, "threat.txt"),
                            path], stdin=f, capture_output=True, text=True)
    lines = [l for l in p.stderr.splitlines() if "truncated" in l.lower() or "damaged" in l.lower()]
    tap(p.returncode == 2 and len(p.stdout.splitlines()) >= len(exp) and lines,
        "truncated capture (%s reader): exit 2, names the damage, keeps earlier findings" % label,
        "rc=%d\n%s" % (p.returncode, p.stderr))

# Issue 11 item 1: 70 000 UDP probes from a listed /25 to distinct ports
# fill the findings table; the host's own SYN to a listed C2 afterwards
# must still be a finding (it was not: the table was blind once full).
def ip4(src, dst, proto, sp, dp, flags=0):
    l4 = struct.pack("!HHIIBBHHH", sp, dp, 0, 0, 5 << 4, flags, 0, 0, 0) if proto == 6 \
        else struct.pack("!HHHH", sp, dp, 8, 0)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0, 64, proto, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    return hdr + l4


scan = os.path.join(GOLD, "scan.pcap")
with open(scan, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 101))
    recs = [ip4("198.51.100.%d" % (1 + i % 60), "192.0.2.10", 17, 40000, 1 + i % 65535)
            for i in range(70000)]
    recs.append(ip4("192.0.2.10", "203.0.113.7", 6, 45000, 443, 0x02))
    for i, r in enumerate(recs):
        f.write(struct.pack("<IIII", 1767225600, i * 1000, len(r), len(r)) + r)
rc, out, err = replay(scan, ("threat", os.path.join(LISTS, "threat.txt")))
try:
    got = [json.loads(l) for l in out.splitlines()]
except ValueError:
    got = []
c2 = [k for k in map(key, got) if k[0] == "OUTBOUND"]
tap(rc == 0 and c2 == [("OUTBOUND", "TCP", "192.0.2.10", "203.0.113.7", 443)] and
    0 < len(got) <= 65536 and "not tracked" not in err,
    "scan of 70000 ports, then a SYN to a listed C2: the C2 is still a finding",
    "rc=%d outbound=%r findings=%d\n%s" % (rc, c2, len(got), err))
tap(rc == 0 and len(got) == 60 * 17 + 1,
    "scan: each remote keeps 16 per-port findings and one many-ports finding",
    "findings=%d" % len(got))
many = [f["description"] for f in got if "many" in f["description"]]
tap(len(many) == 60 and all(" on many UDP ports, " in d for d in many) and
    not any("port 0" in f["description"] for f in got),
    "scan: a many-ports finding says so (never 'port 0')",
    "many=%d %r" % (len(many), many[:1]))

# A full table (--max-findings 100) under the same scan: with the default
# hold the first findings stay and later noise is held out and counted;
# the host's own SYN to the C2 still finds room. --noise-hold 0: every new
# noise key evicts one, and what stays is the latest.
def first_ports(out):
    return [json.loads(l)["service"]["action"]["networkConnectionAction"]["localPortDetails"]["port"]
            for l in out.splitlines()
            if json.loads(l)["service"]["action"]["networkConnectionAction"]["connectionDirection"] == "INBOUND"]


TL = ["--threat-list", os.path.join(LISTS, "threat.txt")]
rc, out, err = run("replay", "--max-findings", "100", *TL, scan)
c2 = [k for k in map(key, [json.loads(l) for l in out.splitlines()]) if k[0] == "OUTBOUND"]
held = re.search(r"replay: (\d+) new unanswered inbound contacts not recorded: the table was "
                 r"full of ones updated in the last 60 s", err)
ports = first_ports(out)
tap(rc == 0 and len(out.splitlines()) == 100 and c2 and held and int(held.group(1)) > 60000 and
    "evicted" in err and max(ports) < 200,
    "full table, default hold: the first findings stay, later noise is held out and counted, "
    "the C2 still finds room", "rc=%d findings=%d c2=%r ports=%r\n%s" % (
        rc, len(out.splitlines()), c2, ports[-3:], err))
rc, out, err = run("replay", "--max-findings", "100", "--noise-hold", "0", *TL, scan)
ev = re.search(r"replay: (\d+) findings evicted to make room", err)
ports = first_ports(out)
tap(rc == 0 and len(out.splitlines()) == 100 and ev and int(ev.group(1)) > 60000 and
    "held" not in err and "not recorded" not in err and
    all(4300 <= p <= 4465 for p in ports),  # packet i: port 1 + i % 65535
    "full table, --noise-hold 0: each new noise key evicts one, the latest stay",
    "rc=%d findings=%d ports=%r\n%s" % (rc, len(out.splitlines()), ports[:3], err))

# cordon check
T = ["--threat-list", os.path.join(LISTS, "threat.txt"), "--trusted-list", TRUSTED]
rc, out, err = run("check", *T, "203.0.113.7", "198.51.100.66", "192.0.2.20", "2001:db8:c0::1")
want = ["203.0.113.7 threat threat.txt 203.0.113.7 (line 4)",
        "198.51.100.66 trusted trusted.txt 198.51.100.66 (line 2)",
        "192.0.2.20 clean",
        "2001:db8:c0::1 threat threat.txt 2001:db8:c0::/48 (line 7)"]
tap(rc == 0 and out.splitlines() == want, "check: text verdicts with list and entry",
    "got:\n" + out + err + "\nwant:\n" + "\n".join(want))
rc, out, err = run("check", *T, "--json", "198.51.100.1", "2001:db8::1")
try:
    objs = [json.loads(l) for l in out.splitlines()]
except ValueError:
    objs = []
tap(rc == 0 and objs == [
    {"ip": "198.51.100.1", "verdict": "threat", "list": "threat.txt", "entry": "198.51.100.0/25", "line": 5},
    {"ip": "2001:db8::1", "verdict": "clean", "list": None, "entry": None}],
    "check --json: keys ip, verdict, list, entry", out + err)

# Bad input: exit 2 with one line naming what is wrong.
for what, args, needle in [
        ("missing list", ["replay", "--threat-list", "/nonexistent/x.txt", eth], "/nonexistent/x.txt"),
        ("unknown format", ["replay", "--threat-list", "foo:/x.txt", eth], "foo"),
        ("unreadable capture", ["replay", "--threat-list", os.path.join(LISTS, "threat.txt"), "/nonexistent.pcap"], "/nonexistent.pcap"),
        ("not a capture", ["replay", "--threat-list", os.path.join(LISTS, "threat.txt"), TRUSTED], TRUSTED),
        ("bad address", ["check", "--threat-list", os.path.join(LISTS, "threat.txt"), "300.1.2.3"], "300.1.2.3"),
        ("missing -c file", ["check", "-c", "/nonexistent.conf", "192.0.2.1"], "/nonexistent.conf"),
        ("no capture", ["replay"], "usage"),
        ("hold over an hour", ["replay", "--noise-hold", "3601", eth], "--noise-hold")]:
    rc, out, err = run(*args)
    lines = [l for l in err.splitlines() if l.strip()]
    tap(rc == 2 and len(lines) >= 1 and needle in lines[0],
        "bad input (%s): exit 2, first stderr line names it" % what, "rc=%d\n%s" % (rc, err))

print("1..%d" % n)
sys.exit(1 if failed else 0)

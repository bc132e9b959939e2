#!/usr/bin/env python3
"""The lab VPC's security groups, enforced (docs/internals/lab.md, "The VPC").

Run with the Python that has boto3 (pyenv's), inside the lab's region
namespace (where moto listens). It reads the lab's EC2
(DescribeInstances, DescribeSecurityGroups) within --interval seconds of
a change (--hint) or every --interval seconds, and:

- renders the groups of each instance port's network interface as one
  nftables table (`inet vpc`) for the fabric namespace (the lab's VPC
  router) and, when it differs from what is in force, loads it with one
  `nft -f` (one transaction): AWS's model, stateful, tracked and
  untracked flows (see render());
- writes each instance's tags and its InstanceMetadataTags option to
  DIR/imds.json for the metadata service (tests/aws/fake_imds.py
  --tags-file), so tags show up there within one poll, as on Nitro.

  vpc_sg.py --endpoint URL --ca CA --fabric NETNS --ports FILE --dir DIR
            [--interval S] [--hint FILE [--idle S]] [--no-enforce]

--ports FILE: one instance port a line, "PORT ENI ADDR[,ADDR...]", re-read
when it changes; ENI "-" is a port whose interface is not known yet (it
passes nothing). Credentials come from the environment (the lab's
administrator). DIR gets log (one line per change), events.jsonl (one
JSON object per port change, for the demo's timeline), imds.json,
ruleset.nft (what is in force), ready (after the first load) and polls
("COUNT HINT": polls completed since, and the --hint count read before
the last one began; a test's barrier).

--hint FILE (tests/aws/moto_hint.py's change count): read EC2 within
--interval of the count moving, and every --idle seconds regardless;
without it, every --interval.
"""
import argparse
import datetime
import ipaddress
import json
import os
import subprocess
import sys
import time

import boto3
import botocore.config
import botocore.exceptions

IMDS_PORT = "smd"  # the fabric's port to the metadata service's namespace
ALL4, ALL6 = "0.0.0.0/0", "::/0"
BIT = {"init": "0x00000001", "resp": "0x00000002"}  # ct mark: tracked at the initiator's / responder's ENI
CLEAR = {"init": "0xfffffffe", "resp": "0xfffffffd"}


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Log:
    def __init__(self, d):
        self.txt = open(os.path.join(d, "log"), "a", buffering=1, encoding="utf-8")
        self.ev = open(os.path.join(d, "events.jsonl"), "a", buffering=1, encoding="utf-8")

    def say(self, msg):
        self.txt.write(f"{now_iso()} {msg}\n")

    def event(self, obj):
        obj = dict(at=now_iso(), ms=int(time.time() * 1000), **obj)
        self.ev.write(json.dumps(obj, sort_keys=True) + "\n")


def read_ports(path):
    """[(port, eni or None, [addresses])] from the ports file."""
    out = []
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                w = line.split()
                if len(w) != 3 or line.startswith("#"):
                    continue
                addrs = [a for a in w[2].split(",") if a]
                for a in addrs:
                    ipaddress.ip_address(a)
                out.append((w[0], None if w[1] == "-" else w[1], addrs))
    except FileNotFoundError:
        pass
    return out


# ---- AWS's rules, as nftables expressions ------------------------------------


def proto_of(p):
    """IpProtocol as a name or number string: '-1', 'tcp', 'udp', 'icmp', 'icmpv6', or 'N'."""
    v = str(p.get("IpProtocol", "-1")).lower()
    return {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "all": "-1"}.get(v, v)


def all_ports(p):
    fp, tp = p.get("FromPort"), p.get("ToPort")
    return fp is None or tp is None or (fp in (0, -1) and tp in (65535, -1))


def l4_expr(p, fam):
    """The protocol and port part, or None when the rule cannot match this family."""
    pr = proto_of(p)
    fp, tp = p.get("FromPort"), p.get("ToPort")
    if pr == "-1":
        return ""
    if pr in ("tcp", "udp"):
        if all_ports(p):
            return f"meta l4proto {pr}"
        return f"{pr} dport {fp}" if fp == tp else f"{pr} dport {fp}-{tp}"
    if pr in ("icmp", "icmpv6"):
        if (pr == "icmp") != (fam == 4):
            return None
        e = f"meta l4proto {'icmp' if fam == 4 else 'ipv6-icmp'}"
        if fp is not None and fp != -1:
            e += f" {pr} type {fp}"
            if tp is not None and tp != -1:
                e += f" {pr} code {tp}"
        return e
    if pr.isdigit():
        return f"meta l4proto {int(pr)}"
    return None


def peers(p, fam, addrs_of_group):
    """The CIDRs a permission names for one family (groups as their ENIs' addresses)."""
    out = []
    if fam == 4:
        out += [r["CidrIp"] for r in p.get("IpRanges", [])]
    else:
        out += [r["CidrIpv6"] for r in p.get("Ipv6Ranges", [])]
    for pair in p.get("UserIdGroupPairs", []):
        for a in addrs_of_group.get(pair.get("GroupId"), []):
            if ipaddress.ip_address(a).version == fam:
                out.append(a)
    return out


def open_all(perms, fam, proto):
    """A rule for all of `proto` (all ports) from/to everywhere of this family."""
    every = ALL4 if fam == 4 else ALL6
    for p in perms:
        pr = proto_of(p)
        if (pr == "-1" or (pr == proto and all_ports(p))) and every in peers(p, fam, {}):
            return True
    return False


def side_chain(name, side, perms, other_perms, addrs, addrs_of_group, enforce):
    """One ENI's chain for one direction ('egress': packets leaving the
    instance, matched on their destination; 'ingress': packets to it,
    matched on their source). It returns when the packet may pass, drops
    otherwise.

    AWS's model (EC2 User Guide, "Security group connection tracking"):
    - a flow allowed by a rule is tracked: its packets pass both ways for
      as long as the flow lives, whatever the rules become; the ct mark
      bit of this ENI's end (initiator or responder) says so;
    - a TCP or UDP flow allowed by an all-open rule (0.0.0.0/0 or ::/0)
      while the other direction has an all-open rule for all ports is
      not tracked: every packet of it is checked against the rules in
      force, so it is cut as soon as they no longer allow it;
    - an ENI open both ways for all of TCP (UDP) turns the tracked TCP
      (UDP) flows that cross it into untracked ones (what a conversion
      group is for);
    - ICMP and the other protocols are always tracked;
    - a group with no rules allows nothing; the rules of several groups add up.
    """
    ct_end = {"egress": ("init", "resp"), "ingress": ("resp", "init")}[side]
    addr_kw = "daddr" if side == "egress" else "saddr"
    lines = []
    if side == "egress":
        # EC2's source/destination check: an instance sends only from its own addresses.
        for fam, kw in ((4, "ip"), (6, "ip6")):
            mine = [a for a in addrs if ipaddress.ip_address(a).version == fam]
            nf = "ipv4" if fam == 4 else "ipv6"
            if mine:
                lines.append(f"meta nfproto {nf} {kw} saddr != {{ {', '.join(mine)} }} drop")
            else:
                lines.append(f"meta nfproto {nf} drop")
    if not enforce:
        lines.append("return")
        return f"\tchain {name} {{\n" + "".join(f"\t\t{l}\n" for l in lines) + "\t}\n"
    for fam in (4, 6):
        nf = "ipv4" if fam == 4 else "ipv6"
        for pr in ("tcp", "udp"):
            if open_all(perms, fam, pr) and open_all(other_perms, fam, pr):
                for d, end in zip(("original", "reply"), ct_end):
                    lines.append(f"meta nfproto {nf} meta l4proto {pr} ct direction {d} "
                                 f"ct mark set ct mark and {CLEAR[end]}")
    for d, end in zip(("original", "reply"), ct_end):
        lines.append(f"ct direction {d} ct mark and {BIT[end]} == {BIT[end]} return")
    untracked, tracked = [], []
    for p in perms:
        for fam in (4, 6):
            l4 = l4_expr(p, fam)
            if l4 is None:
                continue
            nf = "ipv4" if fam == 4 else "ipv6"
            kw = "ip" if fam == 4 else "ip6"
            every = ALL4 if fam == 4 else ALL6
            for cidr in peers(p, fam, addrs_of_group):
                m = f"meta nfproto {nf}" if cidr == every else f"{kw} {addr_kw} {cidr}"
                m += f" {l4}" if l4 else ""
                if cidr == every:
                    pr = proto_of(p)
                    for u in ("tcp", "udp"):
                        if pr in ("-1", u) and open_all(other_perms, fam, u):
                            extra = "" if pr == u else f" meta l4proto {u}"
                            untracked.append(f"{m}{extra} return")
                tracked.append(f"{m} goto {name}_track")
    lines += untracked + tracked + ["drop"]
    track = [f"ct direction {d} ct mark set ct mark or {BIT[end]}" for d, end in zip(("original", "reply"), ct_end)]
    return (f"\tchain {name} {{\n" + "".join(f"\t\t{l}\n" for l in lines) + "\t}\n"
            f"\tchain {name}_track {{\n" + "".join(f"\t\t{l}\n" for l in track) + "\t}\n")


def render(ports, enis, sgs, enforce):
    """The fabric's whole table, and a per-port summary (for the log)."""
    addrs_of_group = {}
    for port, eni, addrs in ports:
        for g in (enis.get(eni) or {}).get("Groups", []):
            addrs_of_group.setdefault(g["GroupId"], []).extend(addrs)
    inst = [p for p, _, _ in ports]
    out = ["table inet vpc {"]
    out.append(f"\tset inst {{\n\t\ttype ifname\n" +
               (f"\t\telements = {{ {', '.join(json.dumps(p) for p in inst)} }}\n" if inst else "") + "\t}")
    out.append("\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n\t}")
    fwd = ["type filter hook forward priority filter; policy drop;",
           # The metadata service: an instance's own link-local service,
           # before any security group (the hypervisor answers it on AWS).
           f'iifname "{IMDS_PORT}" oifname @inst ct state established,related accept',
           f'iifname "{IMDS_PORT}" drop',
           f'oifname "{IMDS_PORT}" iifname @inst ip daddr 169.254.169.254 accept',
           f'oifname "{IMDS_PORT}" drop']
    chains, summary = [], {}
    for port, eni, addrs in ports:
        e = enis.get(eni) if eni else None
        groups = [g["GroupId"] for g in (e or {}).get("Groups", [])]
        eg, ing = [], []
        for g in groups:
            sg = sgs.get(g) or {}
            eg += sg.get("IpPermissionsEgress", [])
            ing += sg.get("IpPermissions", [])
        cid = port.replace("-", "_")
        chains.append(side_chain(f"eg_{cid}", "egress", eg, ing, addrs, addrs_of_group, enforce))
        chains.append(side_chain(f"in_{cid}", "ingress", ing, eg, addrs, addrs_of_group, enforce))
        fwd.append(f'iifname "{port}" jump eg_{cid}')
        fwd.append(f'oifname "{port}" jump in_{cid}')
        summary[port] = dict(port=port, eni=eni, addresses=addrs, groups=groups,
                             group_names=[(sgs.get(g) or {}).get("GroupName", "?") for g in groups],
                             egress=describe(eg), ingress=describe(ing),
                             passes_nothing=enforce and not eg and not ing,
                             conversion=any(open_all(eg, 4, p) and open_all(ing, 4, p) for p in ("tcp", "udp")),
                             enforced=enforce)
    fwd.append("accept")
    out.append("\tchain forward {\n" + "".join(f"\t\t{l}\n" for l in fwd) + "\t}")
    out += [c.rstrip("\n") for c in chains]
    out.append("}")
    return "\n".join(out) + "\n", summary


def describe(perms):
    """Rules in a few words: 'tcp 443 198.51.100.0/24', 'all 0.0.0.0/0'."""
    out = []
    for p in perms:
        pr = proto_of(p)
        what = "all" if pr == "-1" else pr
        if pr in ("tcp", "udp") and not all_ports(p):
            fp, tp = p["FromPort"], p["ToPort"]
            what += f" {fp}" if fp == tp else f" {fp}-{tp}"
        where = [r["CidrIp"] for r in p.get("IpRanges", [])] + [r["CidrIpv6"] for r in p.get("Ipv6Ranges", [])]
        where += [g.get("GroupId", "?") for g in p.get("UserIdGroupPairs", [])]
        out.append(f"{what} {','.join(where) or '-'}")
    return list(dict.fromkeys(out))  # two groups may say the same


# ---- the loop -------------------------------------------------------------------


def poll(ec2):
    """The interfaces (of instances: a detached one is connected to
    nothing), the groups, each instance's tags and metadata options: two
    calls."""
    enis, inst = {}, {}
    for r in ec2.describe_instances()["Reservations"]:
        for i in r["Instances"]:
            inst[i["InstanceId"]] = {
                "tags": {t["Key"]: t["Value"] for t in i.get("Tags", [])},
                "metadata_tags": (i.get("MetadataOptions") or {}).get("InstanceMetadataTags") or "disabled"}
            for e in i.get("NetworkInterfaces", []):
                enis[e["NetworkInterfaceId"]] = e
    sgs = {g["GroupId"]: g for g in ec2.describe_security_groups()["SecurityGroups"]}
    return enis, sgs, inst


def read_hint(path):
    try:
        with open(path, encoding="ascii") as f:
            return int(f.read().strip() or 0)
    except (OSError, ValueError):
        return 0


def write_atomic(path, text):
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def load(fabric, d, text):
    """Replace the table in one transaction (the old one or the new one, never half)."""
    path = os.path.join(d, "ruleset.next")
    with open(path, "w", encoding="utf-8") as f:
        f.write("table inet vpc\ndelete table inet vpc\n" + text)
    r = subprocess.run(["ip", "netns", "exec", fabric, "nft", "-f", path],
                       capture_output=True, text=True, check=False)
    if r.returncode:
        return r.stderr.strip()
    os.replace(path, os.path.join(d, "ruleset.nft"))
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--fabric", required=True)
    ap.add_argument("--ports", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--interval", type=float, default=0.15)
    ap.add_argument("--hint")
    ap.add_argument("--idle", type=float, default=2.0)
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--no-enforce", dest="enforce", action="store_false")
    a = ap.parse_args()
    log = Log(a.dir)
    ec2 = boto3.client("ec2", endpoint_url=a.endpoint, verify=a.ca, region_name=a.region,
                       config=botocore.config.Config(retries={"max_attempts": 1}, connect_timeout=2,
                                                     read_timeout=10))
    log.say(f"vpc: polling {a.endpoint} " +
            (f"within {a.interval:.3f} s of a change ({a.hint}), every {a.idle:.1f} s regardless"
             if a.hint else f"every {a.interval:.3f} s") + "; security groups "
            f"{'enforced' if a.enforce else 'NOT enforced (LAB_ENFORCE_SG=0)'} in {a.fabric}")
    in_force, last_sum, last_imds, last_err, ready, polls, took = None, {}, None, None, False, 0, 0.0
    last_hint, last_poll = None, 0.0
    while True:
        t0 = time.monotonic()
        hint = read_hint(a.hint) if a.hint else 0
        if a.hint and hint == last_hint and t0 - last_poll < a.idle:
            time.sleep(a.interval)
            continue
        last_poll = t0
        try:
            enis, sgs, inst = poll(ec2)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            if str(e) != last_err:
                log.say(f"vpc: polling EC2 failed, rules in force kept: {e}")
                last_err = str(e)
            time.sleep(a.interval)
            continue
        last_err = None
        last_hint = hint
        polls += 1
        imds = json.dumps(inst, sort_keys=True, indent=1)
        if imds != last_imds:
            write_atomic(os.path.join(a.dir, "imds.json"), imds)
            old = json.loads(last_imds) if last_imds else {}
            for iid, v in inst.items():
                if old.get(iid) != v:
                    log.say(f"vpc: metadata of {iid}: tags {'shown' if v['metadata_tags'] == 'enabled' else 'NOT shown'}"
                            f" ({'; '.join(f'{k}={x}' for k, x in sorted(v['tags'].items())) or 'none'})")
            last_imds = imds
        ports = read_ports(a.ports)
        text, summary = render(ports, enis, sgs, a.enforce)
        if text != in_force:
            err = load(a.fabric, a.dir, text)
            if err:
                log.say(f"vpc: nft refused the ruleset (kept the one in force): {err}")
                last_hint = None
                time.sleep(a.interval)
                continue
            in_force = text
            if not ready:
                write_atomic(os.path.join(a.dir, "ready"), now_iso() + "\n")
                ready = True
        # Logged on any change of groups, even one that leaves the table
        # as it was (two groups with no rules look the same to nft).
        for port, s in summary.items():
            if last_sum.get(port) != s:
                log.event(s)
                what = "passes nothing new (tracked flows go on)" if s["passes_nothing"] else \
                    f"egress {'; '.join(s['egress']) or 'none'}, ingress {'; '.join(s['ingress']) or 'none'}"
                log.say(f"vpc: applied {port} ({s['eni'] or 'no interface'}): groups "
                        f"{','.join(f'{g}({n})' for g, n in zip(s['groups'], s['group_names'])) or 'none'}: {what}")
        last_sum = summary
        took += time.monotonic() - t0
        if polls % 500 == 0:
            log.say(f"vpc: {polls} polls of EC2, the last 500 took {1000 * took / 500:.0f} ms each on average")
            took = 0.0
        if ready:
            write_atomic(os.path.join(a.dir, "polls"), f"{polls} {hint}\n")
        time.sleep(max(0.0, a.interval - (time.monotonic() - t0)))


if __name__ == "__main__":
    sys.exit(main())

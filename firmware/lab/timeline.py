#!/usr/bin/python3
"""The lab's timeline (firmware/lab/demo.sh), read from cordon's own
outputs and the AWS CLI's, never guessed:

  daemon.lockdown.json  STATE_DIR/daemon.json during the incident (lists
                        with ETag and result, incident, lockdownLatencyMs)
  state/findings.json   the findings file (first packet = eventFirstSeen)
  journal.json          `cordon journal --json` after release
  run.log               `cordon run -v` stderr
  enis.before/.after/.restored, mail.json, tags.after   the AWS CLI
  evidence.list, manifest.json   the evidence directory
  vpc/events.jsonl      the lab VPC's controller: when each interface's
                        groups took effect (tests/aws/vpc_sg.py)

timeline.py WORK T_ATTACK_MS T_RELEASE_MS T_RESTORED_MS FACTS CLOUD RESTORED INCIDENT
Prints the timeline; writes key=value facts to FACTS (for the TAP test).
Exit 0 when the local part (finding, lockdown, evidence, release) held.
"""
import datetime
import json
import os
import signal
import sys

# Ctrl-C kills us as it would any Unix tool (a KeyboardInterrupt that
# exits 1 would make the lab's bash ignore the interrupt and go on).
signal.signal(signal.SIGINT, signal.SIG_DFL)

work, t_attack, t_release, t_restored = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
facts_path, cloud_done, restored, inc_id = sys.argv[5], sys.argv[6] == "1", sys.argv[7] == "1", sys.argv[8]
BOLD, DIM, OFF = ("\033[1m", "\033[2m", "\033[0m") if sys.stdout.isatty() else ("", "", "")
facts = open(facts_path, "a", encoding="utf-8")


def fact(k, v):
    facts.write(f"{k}={v}\n")


def load(name, default=None):
    try:
        with open(os.path.join(work, name), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def lines(name):
    try:
        with open(os.path.join(work, name), encoding="utf-8") as f:
            return [l.rstrip("\n") for l in f if l.strip()]
    except OSError:
        return []


def ms(iso):
    """ISO 8601 UTC (cordon's and AWS's) to Unix ms."""
    if not iso:
        return None
    s = iso.replace("Z", "+00:00")
    try:
        return int(datetime.datetime.fromisoformat(s).timestamp() * 1000)
    except ValueError:
        return None


status = load("daemon.lockdown.json", {}) or {}
after = load("daemon.after.json", {}) or {}
findings = [json.loads(l) for l in lines("state/findings.json")]
records = []
for l in lines("journal.json"):
    try:
        r = json.loads(l).get("record")
    except ValueError:
        continue
    if r and (not inc_id or r.get("incident") == inc_id):
        records.append(r)

# ---- the facts -------------------------------------------------------------
events = []  # (ms, what, detail lines)
lst = (status.get("lists") or [{}])[0]
fact("list_location", lst.get("location", ""))
fact("list_etag", lst.get("etag", "").strip('"'))
fact("list_entries", lst.get("entries", 0))
fact("list_result", lst.get("result", ""))
if lst.get("lastSync"):
    events.append((ms(lst["lastSync"]), "threat list synced",
                   [f"{lst.get('location')}: {lst.get('result')}, {lst.get('entries')} entries, "
                    f"ETag {lst.get('etag')}"]))

events.append((t_attack, "the attack: the lab starts a process on the host",
               ["it connects from 192.0.2.10 to 203.0.113.66 port 443"]))

evil = [f for f in findings if f["service"]["action"]["networkConnectionAction"]
        ["remoteIpDetails"].get("ipAddressV4") == "203.0.113.66"]
t0 = None
if evil:
    f = evil[0]
    a = f["service"]["action"]["networkConnectionAction"]
    t0 = ms(f["service"]["eventFirstSeen"])
    port = a.get("remotePortDetails", {}).get("port", "-")
    events.append((t0, "first packet", [f"{a['protocol']} {a['localIpDetails'].get('ipAddressV4')} -> "
                                        f"203.0.113.66 port {port} (packet timestamp)"]))
    fact("finding_id", f["id"])
    fact("finding_type", f["type"])
    fact("finding_direction", a["connectionDirection"])
    fact("finding_protocol", a["protocol"])
    fact("finding_remote", "203.0.113.66")
    fact("finding_port", port)
    fact("finding_list", f["service"]["additionalInfo"].get("threatListName", ""))
    fact("finding_blocked_seen", str(any(x["service"]["action"]["networkConnectionAction"]["blocked"]
                                         for x in evil)).lower())
fact("findings_evil", len(evil))
if t0 is None:
    t0 = t_attack

inc = status.get("incident") or {}
lat = inc.get("lockdownLatencyMs")
fact("incident", inc.get("id", ""))
fact("lockdown", str(bool(inc.get("lockdown"))).lower())
fact("lockdown_latency_ms", "" if lat is None else f"{lat:.3f}")
if inc.get("openedAt"):
    events.append((ms(inc["openedAt"]), "finding -> incident opened",
                   [inc.get("reason", ""), f"incident {inc.get('id')}; the finding is in the findings file"]))
if lat is not None:
    how = ""
    for l in lines("run.log"):
        if f"incident {inc.get('id')}: host locked down" in l and "(" in l:
            how = l[l.index("(") + 1:l.index(")")]
            break
    events.append((t0 + round(lat), "host locked down (nftables, one transaction)",
                   [f"{lat:.3f} ms after the first packet" + (f": {how}" if how else ""),
                    "from now on only the responder 198.51.100.10:22 and cordon's own calls pass"]))

# Actions: the first intent has the original state, done has the result.
first_intent, done = {}, {}
for r in records:
    if r.get("type") != "action":
        continue
    k = (r["action"], r.get("key", ""))
    if r.get("state") == "intent" and k not in first_intent:
        first_intent[k] = r
    if r.get("state") == "done":
        done[k] = r
isolated = []
failed_seen = set()
for r in records:
    if r.get("type") == "action" and r.get("state") == "failed" and (r["action"], r["key"]) not in failed_seen:
        failed_seen.add((r["action"], r["key"]))
        events.append((ms(r["at"]), f"{r['action']} {r['key']} failed",
                       [r.get("error", "")[:160]]))
for (act, key), r in sorted(done.items(), key=lambda kv: ms(kv[1]["at"]) or 0):
    p = (first_intent.get((act, key)) or {}).get("params") or {}
    res = r.get("result") or {}
    orig = ", ".join(p.get("original_groups") or []) or "?"
    if act == "ec2_isolate_eni":
        isolated.append(key)
        fact(f"isolated_{key}", f"{','.join(p.get('original_groups') or [])}->{p.get('groups', '')}")
        events.append((ms(r["at"]), f"security groups swapped: {key}",
                       [f"{orig} -> {p.get('groups', '?')} (the original groups are in the journal)"]))
    elif act == "ec2_restore_eni":
        events.append((ms(r["at"]), f"security groups restored: {key}", [f"back in {orig}"]))
    elif act == "sns_publish":
        events.append((ms(r["at"]), "SNS message published", [f"topic {key}, message id {res.get('id', '?')}"]))
    elif act == "ec2_tag":
        events.append((ms(r["at"]), "instance tagged", [f"{key}: cordon:incident, cordon:status=isolated"]))
    elif act == "ec2_describe":
        events.append((ms(r["at"]), "instance described (EC2 DescribeInstances)",
                       [f"{key}: {len(res.get('interfaces') or [])} network interfaces and their groups"]))
    elif act == "evidence":
        events.append((ms(r["at"]), "evidence kept", [res.get("dir", key)]))
    elif act == "ec2_untag":
        events.append((ms(r["at"]), "incident tags taken off the instance", [key]))
    elif act == "lockdown":
        continue  # shown above, with its latency
    else:
        events.append((ms(r["at"]), f"{act} done", [key]))
fact("isolate_actions", len(isolated))
fact("cloud_attempted", "yes" if any(r.get("type") == "action" and r["action"].startswith(("ec2_", "sns_"))
                                     for r in records) else "no")

# The VPC: each interface's groups as they took effect on the wire (the
# controller logs it when it loads them, before EC2 answers the change).
vpc_cut = None
vpc_enforced = False
for l in lines("vpc/events.jsonl"):
    try:
        e = json.loads(l)
    except ValueError:
        continue
    if e.get("ms") is None or e["ms"] < t_attack:
        continue
    port = e.get("port", "?")
    ifn = "eth" + port[len("shost"):] if port.startswith("shost") else port
    names = ", ".join(e.get("group_names") or []) or "no group"
    where = f"{ifn} ({e.get('eni') or '?'}, {', '.join(e.get('addresses') or [])})"
    vpc_enforced = vpc_enforced or bool(e.get("enforced"))
    rules = f"out: {'; '.join(e.get('egress') or []) or 'nothing'}; in: {'; '.join(e.get('ingress') or []) or 'nothing'}"
    if not e.get("enforced"):
        events.append((e["ms"], f"VPC: {ifn} now in {names}",
                       [f"{where}: {rules} (NOT enforced: LAB_ENFORCE_SG=0)"]))
    elif not e.get("egress") and ifn == "eth0" and vpc_cut is None:
        vpc_cut = e["ms"]
        events.append((e["ms"], f"the VPC cut the host off: {ifn} now in {names}",
                       [f"{where}: {rules}",
                        "no new connection out of the instance's primary interface: from here cordon's "
                        "calls to AWS (EC2, SNS, S3) are dropped"]))
    else:
        events.append((e["ms"], f"VPC: {ifn} now in {names}", [f"{where}: {rules}"]))
fact("vpc_enforced", "yes" if vpc_enforced else "no")
fact("vpc_cut", "yes" if vpc_cut is not None else "no")
fact("sns_done", str(any(a == "sns_publish" for a, _ in done)).lower())
fact("cloud", "done" if cloud_done else "not done")

ev = lines("evidence.list")
fact("evidence_files", ",".join(l.split()[0] for l in ev))
runs = [l for l in lines("release.out") if l.startswith("release:")]
events.append((t_release, "cordon release", [l for l in lines("release.out")
                                              if "run release again" in l] + runs[:1]))
closed = [r for r in records if r.get("type") == "incident_close"]
if closed:
    events.append((ms(closed[-1]["at"]), "incident closed", [closed[-1].get("reason", "")]))
fact("incident_closed", str(bool(closed)).lower())
fact("released", str(not (after.get("incident") or {}).get("lockdown", False)).lower())
fact("restored", "yes" if restored else "no")
events.append((t_restored, "groups restored" if restored else "groups NOT restored",
               ["aws ec2 describe-network-interfaces shows the original groups again" if restored
                else "the interfaces do not show their original groups"]))

# ---- the telling --------------------------------------------------------------
print(f"\n{BOLD}== timeline (ms relative to the first packet){OFF}")
for t, what, det in sorted((e for e in events if e[0] is not None), key=lambda e: e[0]):
    print(f"   {t - t0:+10.1f} ms  {what}")
    for d in det:
        if d:
            print(f"   {'':13}  {DIM}{d}{OFF}")


def show(title, name):
    print(f"\n{BOLD}== {title}{OFF}")
    got = lines(name)
    for l in got or ["(nothing)"]:
        print(f"   {l}")


show("interfaces before (ENI, device, address, groups)", "enis.before")
show("interfaces after the incident", "enis.after")
show("interfaces after cordon release", "enis.restored")
after_enis = lines("enis.after")
forensic_only = bool(after_enis) and all(len(l.split()[3].split(",")) == 1 and "lab-forensic" in l.split()[3]
                                         for l in after_enis if len(l.split()) >= 4)
fact("enis_after_forensic_only", "yes" if forensic_only else "no")
fact("enis_after_count", len(after_enis))
tags = lines("tags.after")
fact("tags_after", ";".join(tags))

print(f"\n{BOLD}== the SNS message, as the subscriber got it (aws sqs receive-message){OFF}")
mails = [json.loads(l) for l in lines("mail.json")]
fact("mail_count", len(mails))
if mails:
    m = mails[0]
    fact("mail_subject", m["Subject"])
    fact("mail_names_both_enis", "yes" if all(e.split()[0] in m["Message"] for e in lines("enis.before")) else "no")
    print(f"   Subject: {m['Subject']}")
    for l in m["Message"].splitlines():
        print(f"   | {l}")
else:
    print("   (no message)")

rel = [json.loads(l) for l in lines("mail.release.json")]
fact("mail_release_count", len(rel))
if rel:
    print(f"\n{BOLD}== the SNS message after cordon release{OFF}")
    print(f"   Subject: {rel[-1]['Subject']}")
    for l in rel[-1]["Message"].splitlines()[:12]:
        print(f"   | {l}")

print(f"\n{BOLD}== evidence kept in STATE_DIR/evidence/{inc.get('id', '?')}/{OFF}")
for l in ev or ["(nothing)"]:
    name, _, size = l.partition(" ")
    print(f"   {name:28} {size:>9} bytes")
man = load("manifest.json")
if man:
    fact("manifest", "yes")
    print(f"   {DIM}manifest.json lists each file's size and SHA-256{OFF}")

if not cloud_done:
    print(f"\n   cloud isolation: not done (the journal shows no ec2_*eni and sns_publish "
          f"actions done; this cordon may not have cloud isolation yet)")
# What must hold for the lab to count as played; the cloud part only
# when this cordon does cloud isolation at all.
musts = [("a finding for 203.0.113.66", bool(evil)), ("the lockdown", bool(inc.get("lockdown"))),
         ("evidence", bool(ev)), ("the lockdown lifted by release", os.environ.get("LAB_AFTER_WEB") == "reachable")]
if cloud_done:
    musts += [("both interfaces in the forensic group", forensic_only), ("the SNS message", bool(mails)),
              ("the original groups restored", restored)]
missing = [what for what, held in musts if not held]
if missing:
    print(f"\n{BOLD}== the lab did NOT run as it should: no {', no '.join(missing)}{OFF}")
else:
    print(f"\n{BOLD}== the lab ran to the end{OFF}")
sys.exit(1 if missing else 0)

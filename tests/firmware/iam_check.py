#!/usr/bin/python3
"""Hold the IAM policies against the AWS calls cordon makes. TAP.

Two policies, both Terraform templatefile()s:
  firmware/iam-policy.json        the instance role (the agent on the host)
  firmware/responder-policy.json  the off-host responder's Lambda role

The calls come from the code itself (docs/internals/firmware.md, "IAM"):
  - every struct aws_call initializer under common/ sensor/ feeds/
    enforcer/ (sub-folders included) that names .svc = AWS_SVC_X and
    .op = "Operation" is one call of X:Operation, X being the service's
    SigV4 signing name from the table in common/aws/aws_endpoint.c (the
    same as its IAM prefix for every service cordon uses);
  - an initializer whose .op is not a string literal (a helper that takes
    the operation as an argument) must sit in a file that lists what its
    callers pass with AWS_ACTION(prefix:Operation) markers;
  - firmware/*.sh (user-data) lists the calls it makes through the AWS CLI
    with the same markers.

The instance policy grants exactly what the code calls, except the
actions in iam-host-denied.txt (the responder's alone: the host must not
have them). Actions it grants ahead of the code are in iam-pending.txt
with the reason; that list can only shrink: an entry the code now calls
fails. It must also keep the properties that assume a compromised host
(issue 9): only its own instance, only into the isolation groups, only
cordon: tags and never status=released, no Release events.

The responder policy grants nothing the code does not call, except what
responder-pending.txt lists with a reason.

    iam_check.py [--list]     TAP, or just the actions the code calls
"""
import glob
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tftemplate  # noqa: E402

# IAM_CHECK_ROOT: another tree to check (the test's planted faults).
ROOT = os.path.abspath(os.environ.get("IAM_CHECK_ROOT") or
                       os.path.join(os.path.dirname(__file__), "..", ".."))
POLICY = "firmware/iam-policy.json"
PENDING = "tests/firmware/iam-pending.txt"
HOST_DENIED = "tests/firmware/iam-host-denied.txt"
RESPONDER = "firmware/responder-policy.json"
RESPONDER_PENDING = "tests/firmware/responder-pending.txt"
C_DIRS = ("common", "sensor", "feeds", "enforcer")
MARKER = re.compile(r"AWS_ACTION\(\s*\"?([a-z0-9-]+):([A-Za-z0-9]+)\"?\s*\)")
SVC = re.compile(r"\.svc\s*=\s*AWS_SVC_([A-Z0-9_]+)")
OP = re.compile(r"\.op\s*=\s*(\"(?:[^\"\\]|\\.)*\"|[^,}\s]+)")
# Actions AWS does not allow to scope to a resource: only these may have
# "Resource": "*" (Service Authorization Reference, "Resource types" empty).
NO_RESOURCE_LEVEL = {
    "ec2:DescribeInstances", "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeVolumes", "ec2:DescribeSecurityGroups", "ec2:DescribeTags",
    "guardduty:ListDetectors", "sts:GetCallerIdentity",
    "cloudwatch:PutMetricData", "cloudwatch:GetMetricData",
}


def rel(path):
    return os.path.relpath(path, ROOT)


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


def strip_comments(src):
    """Blank out C comments and string contents' line structure kept."""
    def blank(m):
        return re.sub(r"[^\n]", " ", m.group(0))
    return re.sub(r"/\*.*?\*/|//[^\n]*", blank, src, flags=re.S)


def enclosing_block(text, pos):
    depth, start = 0, None
    for i in range(pos, -1, -1):
        c = text[i]
        if c == "}":
            depth += 1
        elif c == "{":
            if depth == 0:
                start = i
                break
            depth -= 1
    if start is None:
        return None
    depth = 0
    for j in range(start, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return start, j + 1
    return None


def signing_names():
    path = os.path.join(ROOT, "common/aws/aws_endpoint.c")
    with open(path, encoding="utf-8") as f:
        src = f.read()
    table = {}
    for m in re.finditer(r"\[AWS_SVC_([A-Z0-9_]+)\]\s*=\s*\{\s*\"[^\"]*\"\s*,\s*\"([^\"]+)\"", src):
        table[m.group(1)] = m.group(2)
    return table


# Where a service's IAM prefix is not its SigV4 signing name.
IAM_PREFIX = {"monitoring": "cloudwatch"}


def code_actions():
    """{action: [where, ...]}, [errors]"""
    names = {svc: IAM_PREFIX.get(n, n) for svc, n in signing_names().items()}
    actions, errors = {}, []
    files = sorted(f for d in C_DIRS for f in glob.glob(os.path.join(ROOT, d, "**", "*.c"), recursive=True))
    files += sorted(glob.glob(os.path.join(ROOT, "firmware", "*.sh")))
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as f:
            raw = f.read()
        markers = set()
        for m in MARKER.finditer(raw):
            act = "%s:%s" % (m.group(1), m.group(2))
            markers.add(m.group(1))
            actions.setdefault(act, []).append("%s:%d (marker)" % (rel(path), line_of(raw, m.start())))
        if not path.endswith(".c"):
            continue
        src = strip_comments(raw)
        seen_ops = set()
        for m in SVC.finditer(src):
            svc = m.group(1)
            where = "%s:%d" % (rel(path), line_of(src, m.start()))
            if svc not in names:
                errors.append("%s: AWS_SVC_%s is not in common/aws/aws_endpoint.c's table" % (where, svc))
                continue
            blk = enclosing_block(src, m.start())
            if not blk:
                errors.append("%s: .svc outside a braced initializer" % where)
                continue
            ops = list(OP.finditer(src, blk[0], blk[1]))
            if not ops:
                errors.append("%s: initializer names .svc but no .op" % where)
                continue
            for o in ops:
                seen_ops.add(o.start())
                val = o.group(1)
                if val.startswith('"'):
                    op = val[1:-1]
                    if not re.match(r"^[A-Z][A-Za-z0-9]+$", op):
                        errors.append("%s: .op \"%s\" is not an API operation name" % (where, op))
                        continue
                    actions.setdefault("%s:%s" % (names[svc], op), []).append(where)
                elif names[svc] not in markers:
                    errors.append("%s: .op = %s is not a string literal and the file has no "
                                  "AWS_ACTION(%s:Operation) marker for its callers' operations"
                                  % (where, val, names[svc]))
        for o in OP.finditer(src):
            if o.start() not in seen_ops:
                errors.append("%s:%d: .op without .svc in the same initializer"
                              % (rel(path), line_of(src, o.start())))
    return actions, errors


def policy_dummies(names):
    vals = {n: ("arn:aws:dummy:us-east-1:123456789012:DUMMY-%s" if n.endswith("_arn") else "DUMMY-%s") % n
            for n in names}
    vals.update(partition="aws", region="us-east-1", account_id="123456789012",
                sns_topic_arn="arn:aws:sns:us-east-1:123456789012:cordon-alerts")
    return vals


def load_policy(rel_path=POLICY):
    with open(os.path.join(ROOT, rel_path), encoding="utf-8") as f:
        text = f.read()
    names = tftemplate.placeholders(text, rel_path)
    return json.loads(tftemplate.render(text, policy_dummies(names), rel_path)), names


def load_pending(rel_path=PENDING):
    pending = {}
    path = os.path.join(ROOT, rel_path)
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                line = line.split("#", 1)[0].strip()
                if line:
                    act, _, why = line.partition(" ")
                    pending[act] = (why.strip() or "no reason given", n)
    return pending


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, what, diag=()):
        self.n += 1
        if not cond:
            self.failed += 1
        print("%sok %d - %s" % ("" if cond else "not ", self.n, what))
        for d in diag:
            print("# %s" % d)

    def skip(self, what):
        self.n += 1
        print("ok %d - %s # SKIP" % (self.n, what))


def as_list(v):
    return v if isinstance(v, list) else [v]


def statements_check(policy):
    """{action: [sid]}, [problems]: the rules every cordon policy keeps."""
    granted, problems, sids = {}, [], set()
    for i, st in enumerate(policy.get("Statement", [])):
        sid = st.get("Sid", "#%d" % i)
        if sid in sids:
            problems.append("duplicate Sid %s" % sid)
        sids.add(sid)
        if st.get("Effect") != "Allow":
            problems.append("%s: only Allow statements (a Deny would hide a missing grant)" % sid)
        for k in ("NotAction", "NotResource", "Principal", "NotPrincipal"):
            if k in st:
                problems.append("%s: %s is not used in cordon's policies" % (sid, k))
        acts = as_list(st.get("Action", []))
        res = as_list(st.get("Resource", []))
        for a in acts:
            if "*" in a or "?" in a:
                problems.append("%s: wildcard action %s" % (sid, a))
            granted.setdefault(a, []).append(sid)
            if "*" in res and a not in NO_RESOURCE_LEVEL:
                problems.append("%s: %s on Resource \"*\", but AWS scopes it to resources" % (sid, a))
        for r in res:
            # IAM refuses a policy variable as a whole Resource ("must be
            # in ARN format"): it can only fill in part of an ARN.
            if r != "*" and not r.startswith("arn:"):
                problems.append("%s: Resource %s is not an ARN" % (sid, r))
        if "*" in res and "Condition" not in st:
            problems.append("%s: Resource \"*\" without any condition" % sid)
        if not res:
            problems.append("%s: no Resource" % sid)
    return granted, problems


SELF = "ec2:SourceInstanceARN"
SELF_VALUE = re.compile(r"^arn:[^:]+:ec2:[^:]*:[^:]*:instance/\$\{ec2:InstanceID\}$")
EC2_WRITES = {"ec2:ModifyNetworkInterfaceAttribute", "ec2:ModifyInstanceAttribute",
              "ec2:CreateTags", "ec2:DeleteTags"}


def cond(st, op, key):
    return (st.get("Condition", {}).get(op) or {}).get(key)


def host_invariants(policy):
    """[(what, [problems])]: what a compromised host must still not do."""
    sts = policy.get("Statement", [])
    out = []

    p = []
    for st in sts:
        acts = set(as_list(st.get("Action", [])))
        for r in as_list(st.get("Resource", [])):
            if ":instance/" in r and acts & EC2_WRITES:
                v = cond(st, "ArnEquals", SELF)
                if not v or not SELF_VALUE.match(v):
                    p.append("%s: %s on %s without ArnEquals %s = ...:instance/${ec2:InstanceID}"
                             % (st.get("Sid"), sorted(acts & EC2_WRITES), r, SELF))
    out.append(("only its own instance: every EC2 write on instance/* carries the %s condition" % SELF, p))

    p = []
    for st in sts:
        if "ec2:ModifyNetworkInterfaceAttribute" not in as_list(st.get("Action", [])):
            continue
        for r in as_list(st.get("Resource", [])):
            if ":security-group/" in r and not re.search(
                    r"/DUMMY-(forensic|conversion)_security_group$", r):
                p.append("%s: moves interfaces into %s" % (st.get("Sid"), r))
    sg = [r for st in sts if "ec2:ModifyNetworkInterfaceAttribute" in as_list(st.get("Action", []))
          for r in as_list(st.get("Resource", [])) if ":security-group/" in r]
    if not sg:
        p.append("no statement names the isolation groups: the host could not isolate itself")
    out.append(("only into the forensic and conversion groups: restoring is not the host's right", p))

    p = []
    for st in sts:
        acts = set(as_list(st.get("Action", []))) & {"ec2:CreateTags", "ec2:DeleteTags"}
        if not acts or cond(st, "StringEquals", "ec2:CreateAction"):
            continue
        keys = (cond(st, "ForAllValues:StringLike", "aws:TagKeys") or
                cond(st, "ForAllValues:StringEquals", "aws:TagKeys"))
        if not keys or not all(k.startswith("cordon:") for k in as_list(keys)):
            p.append("%s: tag keys not limited to cordon: (%s)" % (st.get("Sid"), keys))
        if cond(st, "Null", "aws:TagKeys") != "false":
            p.append("%s: Null aws:TagKeys = false missing (DeleteTags without keys deletes every tag)"
                     % st.get("Sid"))
        if "ec2:DeleteTags" in acts and keys and any(k in ("cordon:status", "cordon:*") for k in as_list(keys)):
            p.append("%s: may delete cordon:status (and hide from the dead-agent check)" % st.get("Sid"))
        if "ec2:CreateTags" in acts and any(":instance/" in r for r in as_list(st.get("Resource", []))):
            st_vals = cond(st, "StringEqualsIfExists", "aws:RequestTag/cordon:status")
            if not st_vals or "released" in as_list(st_vals):
                p.append("%s: may set cordon:status=released (only installed, isolated)" % st.get("Sid"))
    out.append(("only cordon: tags, never cordon:status=released, never without keys", p))

    p = []
    for st in sts:
        if "events:PutEvents" in as_list(st.get("Action", [])):
            dt = cond(st, "StringEquals", "events:detail-type")
            if cond(st, "StringEquals", "events:source") != "cordon" or not dt or "cordon Release" in as_list(dt):
                p.append("%s: PutEvents not limited to source cordon and the agent's detail-types "
                         "(a host must not send cordon Release)" % st.get("Sid"))
        if "cloudwatch:PutMetricData" in as_list(st.get("Action", [])):
            if cond(st, "StringEquals", "cloudwatch:namespace") != "cordon":
                p.append("%s: PutMetricData outside the cordon namespace" % st.get("Sid"))
    out.append(("events only as source cordon without Release; metrics only in namespace cordon", p))
    return out


def check_instance(t, code):
    try:
        policy, names = load_policy(POLICY)
    except (ValueError, tftemplate.TemplateError) as e:
        t.ok(False, "%s renders to valid JSON" % POLICY, [str(e)])
        return
    t.ok(True, "%s renders to valid JSON (placeholders: %s)" % (POLICY, ", ".join(sorted(names))))
    granted, problems = statements_check(policy)
    t.ok(policy.get("Version") == "2012-10-17", "policy language version 2012-10-17")
    t.ok(not problems, "statements: Allow only, ARNs, no wildcard actions, \"*\" only where AWS allows nothing narrower",
         problems)
    for what, p in host_invariants(policy):
        t.ok(not p, "host policy: %s" % what, p)

    pending = load_pending(PENDING)
    denied = load_pending(HOST_DENIED)
    for act in sorted(set(code) | set(granted) | set(pending) | set(denied)):
        where = ", ".join(code.get(act, []))
        if act in denied:
            t.ok(act not in granted and act not in pending,
                 "%s is the responder's, not the host's (%s)%s"
                 % (act, denied[act][0], ": but the instance policy grants it" if act in granted else ""))
        elif act in code and act in pending:
            t.ok(False, "%s is called (%s): remove it from %s line %d"
                 % (act, where, PENDING, pending[act][1]))
        elif act in code:
            t.ok(act in granted, "%s called by %s is granted%s"
                 % (act, where, " (Sid %s)" % ", ".join(granted[act]) if act in granted else ""))
        elif act in pending:
            if act in granted:
                t.skip("%s granted ahead of the code: %s" % (act, pending[act][0]))
            else:
                t.ok(False, "%s is in %s but not in the policy" % (act, PENDING))
        else:
            t.ok(False, "%s is granted (Sid %s) but nothing calls it: remove it, or add it to %s with a reason"
                 % (act, ", ".join(granted[act]), PENDING))


def check_responder(t, code):
    try:
        policy, names = load_policy(RESPONDER)
    except (ValueError, tftemplate.TemplateError, OSError) as e:
        t.ok(False, "%s renders to valid JSON" % RESPONDER, [str(e)])
        return
    t.ok(True, "%s renders to valid JSON (placeholders: %s)" % (RESPONDER, ", ".join(sorted(names))))
    granted, problems = statements_check(policy)
    t.ok(not problems, "responder statements: Allow only, ARNs, no wildcard actions, \"*\" only where needed",
         problems)
    pending = load_pending(RESPONDER_PENDING)
    for act in sorted(set(granted) | set(pending)):
        where = ", ".join(code.get(act, []))
        if act in code and act in pending:
            t.ok(False, "responder: %s is called (%s): remove it from %s line %d"
                 % (act, where, RESPONDER_PENDING, pending[act][1]))
        elif act in code:
            t.ok(True, "responder: %s (Sid %s) is called by %s" % (act, ", ".join(granted[act]), where))
        elif act in pending:
            if act in granted:
                t.skip("responder: %s granted ahead of the code: %s" % (act, pending[act][0]))
            else:
                t.ok(False, "responder: %s is in %s but not in the policy" % (act, RESPONDER_PENDING))
        else:
            t.ok(False, "responder: %s is granted (Sid %s) but nothing calls it: remove it, or add it to %s"
                 % (act, ", ".join(granted[act]), RESPONDER_PENDING))


def main(argv):
    code, errors = code_actions()
    if "--list" in argv:
        for act in sorted(code):
            print("%s\t%s" % (act, ", ".join(code[act])))
        return 1 if errors else 0
    t = Tap()
    t.ok(not errors, "the code's AWS calls are all readable (%d actions)" % len(code), errors)
    check_instance(t, code)
    check_responder(t, code)
    print("1..%d" % t.n)
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

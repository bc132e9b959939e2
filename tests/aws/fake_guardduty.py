#!/usr/bin/python3
"""A small, faithful GuardDuty for the tests: ListDetectors, ListFindings
(findingCriteria, sortCriteria-free, maxResults/nextToken) and GetFindings;
ThreatIntelSets and IPSets (Create, List with maxResults/nextToken, Get,
Update, Delete; shapes and bounds as botocore's guardduty model says);
REST-JSON over HTTPS on 127.0.0.1.

An Update with "activate": true is what makes GuardDuty read a set's
file again: the fake writes "ACTIVATE threatintelset ID LOCATION" (or
ipset) to the log for it, so a test can tell a re-activation from a
mere read.

Every request must carry a SigV4 signature that botocore's own SigV4Auth,
run over the request as received, computes identically (service
"guardduty", the region of the credential scope), with a known access key
(--key AKID:SECRET, repeatable) and an X-Amz-Date within 5 minutes.
Otherwise: 403 UnrecognizedClientException / InvalidSignatureException,
as GuardDuty answers. Requests are logged to --log ("METHOD PATH STATUS").
"""
import argparse
import datetime
import http.server
import json
import re
import ssl
import sys
import threading
import urllib.parse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

LOCK = threading.RLock()
DETECTOR = "12abc34d567e8fa901bc2d34e56789f0"


def finding(i, sev, ftype, iid, ip, archived=False):
    t = f"2026-01-0{1 + i % 9}T00:00:00.000Z"
    return {
        "AccountId": "123456789012", "Arn": f"arn:aws:guardduty:us-east-1:123456789012:detector/{DETECTOR}/finding/f{i:031x}",
        "CreatedAt": t, "UpdatedAt": t, "Id": f"f{i:031x}", "Partition": "aws",
        "Region": "us-east-1", "SchemaVersion": "2.0", "Severity": sev, "Type": ftype,
        "Title": f"{ftype} on {iid}", "Description": "test finding",
        "Resource": {"ResourceType": "Instance", "InstanceDetails": {"InstanceId": iid}},
        "Service": {"ServiceName": "guardduty", "DetectorId": DETECTOR, "Count": 1,
                    "Archived": archived,
                    "Action": {"ActionType": "NETWORK_CONNECTION", "NetworkConnectionAction": {
                        "ConnectionDirection": "OUTBOUND", "Protocol": "TCP", "Blocked": False,
                        "RemoteIpDetails": {"IpAddressV4": ip}}}},
    }


FINDINGS = [
    finding(1, 8.0, "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom", "i-0123456789abcdef0", "203.0.113.7"),
    finding(2, 5.0, "Recon:EC2/PortProbeUnprotectedPort", "i-0123456789abcdef0", "198.51.100.9"),
    finding(3, 8.0, "Backdoor:EC2/C&CActivity.B", "i-0fedcba9876543210", "203.0.113.8"),
    finding(4, 2.0, "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom", "i-0123456789abcdef0", "203.0.113.9"),
    finding(5, 7.5, "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom", "i-0aaaaaaaaaaaaaaa0", "203.0.113.10", True),
]
FIELDS = {
    "severity": lambda f: f["Severity"],
    "type": lambda f: f["Type"],
    "id": lambda f: f["Id"],
    "updatedAt": lambda f: f["UpdatedAt"],
    "service.archived": lambda f: str(f["Service"]["Archived"]).lower(),
    "resource.instanceDetails.instanceId": lambda f: f["Resource"]["InstanceDetails"]["InstanceId"],
}


def matches(f, criterion):
    for field, cond in criterion.items():
        get = FIELDS.get(field)
        if get is None:
            raise ValueError(f"unsupported criterion field {field}")
        v = get(f)
        for op, arg in cond.items():
            if op in ("eq", "equals") and v not in [type(v)(a) if not isinstance(v, str) else a for a in arg]:
                return False
            if op in ("neq", "notEquals") and v in arg:
                return False
            if op in ("gt", "greaterThan") and not v > arg:
                return False
            if op in ("gte", "greaterThanOrEqual") and not v >= arg:
                return False
            if op in ("lt", "lessThan") and not v < arg:
                return False
            if op in ("lte", "lessThanOrEqual") and not v <= arg:
                return False
    return True


# ThreatIntelSets and IPSets by kind ("threatintelset", "ipset"): id -> set.
SETS = {"threatintelset": {}, "ipset": {}}
SET_ID_FIELD = {"threatintelset": "threatIntelSetId", "ipset": "ipSetId"}
SET_IDS_FIELD = {"threatintelset": "threatIntelSetIds", "ipset": "ipSetIds"}
FORMATS = ("TXT", "STIX", "OTX_CSV", "ALIEN_VAULT", "PROOF_POINT", "FIRE_EYE")
SET_SEQ = [0]


class BadRequest(Exception):
    pass


def check_str(req, key, required):
    """Name and Location: strings of 1 to 300 characters (the model's bounds)."""
    v = req.get(key)
    if v is None:
        if required:
            raise BadRequest(f"{key} is required")
        return None
    if not isinstance(v, str) or not 1 <= len(v) <= 300:
        raise BadRequest(f"{key}: a string of 1 to 300 characters")
    return v


def check_bool(req, key, required):
    v = req.get(key)
    if v is None and not required:
        return None
    if not isinstance(v, bool):
        raise BadRequest(f"{key}: a boolean is required")
    return v


def set_op(handler, kind, method, set_id, query, req):
    """One ThreatIntelSet/IPSet call; returns (status, body) or raises BadRequest."""
    sets = SETS[kind]
    if set_id is None and method == "POST":  # Create
        name = check_str(req, "name", True)
        fmt = req.get("format")
        if fmt not in FORMATS:
            raise BadRequest(f"format: one of {', '.join(FORMATS)}")
        loc = check_str(req, "location", True)
        act = check_bool(req, "activate", True)
        if any(s["name"] == name for s in sets.values()):
            raise BadRequest(f"name {name} is in use")
        SET_SEQ[0] += 1
        sid = f"{SET_SEQ[0]:032x}"[::-1]
        sets[sid] = {"name": name, "format": fmt, "location": loc,
                     "status": "ACTIVE" if act else "INACTIVE", "tags": req.get("tags") or {}}
        return 200, {SET_ID_FIELD[kind]: sid}
    if set_id is None and method == "GET":  # List
        try:
            size = int(query.get("maxResults", ["50"])[0])
            start = int(query.get("nextToken", ["0"])[0] or 0)
        except ValueError:
            raise BadRequest("maxResults and nextToken must be numbers here") from None
        if not 1 <= size <= 50:
            raise BadRequest("maxResults: 1 to 50")
        ids = sorted(sets)
        out = {SET_IDS_FIELD[kind]: ids[start:start + size]}
        if start + size < len(ids):
            out["nextToken"] = str(start + size)
        return 200, out
    if set_id not in sets:
        raise BadRequest(f"The request is rejected because the input {SET_ID_FIELD[kind]} "
                         f"{set_id} is not owned by the current account.")
    st = sets[set_id]
    if method == "GET":
        out = {k: st[k] for k in ("name", "format", "location", "status")}
        if st["tags"]:
            out["tags"] = st["tags"]
        return 200, out
    if method == "DELETE":
        del sets[set_id]
        return 200, {}
    # Update: name, location, activate (all optional).
    name = check_str(req, "name", False)
    loc = check_str(req, "location", False)
    act = check_bool(req, "activate", False)
    if name is not None:
        st["name"] = name
    if loc is not None:
        st["location"] = loc
    if act is not None:
        st["status"] = "ACTIVE" if act else "INACTIVE"
        if act:
            with LOCK, open(handler.server.args.log, "a", encoding="utf-8") as f:
                f.write(f"ACTIVATE {kind} {set_id} {st['location']}\n")
    return 200, {}


def lower_first(o):
    """GuardDuty's wire format is camelCase: what the API models call Id is id."""
    if isinstance(o, dict):
        return {k[0].lower() + k[1:]: lower_first(v) for k, v in o.items()}
    if isinstance(o, list):
        return [lower_first(v) for v in o]
    return o


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, obj, errtype=None):
        body = json.dumps(obj).encode()
        with LOCK, open(self.server.args.log, "a", encoding="utf-8") as f:
            f.write(f"{self.command} {self.path} {code}\n")
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", "fake-gd")
        if errtype:
            self.send_header("x-amzn-ErrorType", errtype)
        self.end_headers()
        self.wfile.write(body)

    def deny(self, errtype, message):
        self.reply(403, {"message": message, "__type": errtype}, errtype)

    def check_sigv4(self, body):
        auth = self.headers.get("Authorization", "")
        m = re.match(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
                     r"SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$", auth)
        if not m:
            return self.deny("MissingAuthenticationTokenException", "Missing Authentication Token")
        akid, day, region, service, signed, sig = m.groups()
        secret = self.server.keys.get(akid)
        if secret is None:
            return self.deny("UnrecognizedClientException", "The security token included in the request is invalid.")
        date = self.headers.get("X-Amz-Date", "")
        try:
            when = datetime.datetime.strptime(date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            return self.deny("InvalidSignatureException", "X-Amz-Date missing or malformed")
        skew = abs((datetime.datetime.now(datetime.timezone.utc) - when).total_seconds())
        if skew > 300 or day != date[:8] or service != "guardduty":
            return self.deny("InvalidSignatureException", "Signature expired or wrong scope")
        names = signed.split(";")
        if "host" not in names or "x-amz-date" not in names:
            return self.deny("InvalidSignatureException", "host and x-amz-date must be signed")
        req = AWSRequest(method=self.command, url=f"https://{self.headers['Host']}{self.path}", data=body)
        for name in names:
            for value in self.headers.get_all(name) or []:
                req.headers[name] = value
        req.context["timestamp"] = date
        signer = SigV4Auth(Credentials(akid, secret, self.headers.get("X-Amz-Security-Token")),
                           service, region)
        creq = signer.canonical_request(req)
        want = signer.signature(signer.string_to_sign(req, creq), req)
        if want != sig:
            return self.deny("InvalidSignatureException",
                             "The request signature we calculated does not match the signature you provided.")
        return True

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        if self.check_sigv4(body) is not True:
            return
        path = self.path.split("?", 1)[0]
        try:
            req = json.loads(body) if body else {}
        except ValueError:
            return self.reply(400, {"message": "body is not JSON", "__type": "BadRequestException"},
                              "BadRequestException")
        if self.command == "GET" and path == "/detector":
            return self.reply(200, {"detectorIds": [DETECTOR]})
        m = re.fullmatch(r"/detector/([^/]+)/(threatintelset|ipset)(?:/([^/]+))?", path)
        if m and self.command in ("GET", "POST", "DELETE"):
            if m.group(1) != DETECTOR:
                return self.reply(400, {"message": "The request is rejected because the input detectorId is not owned by the current account.",
                                        "__type": "BadRequestException"}, "BadRequestException")
            query = urllib.parse.parse_qs(self.path.split("?", 1)[1]) if "?" in self.path else {}
            try:
                with LOCK:
                    code, out = set_op(self, m.group(2), self.command, m.group(3), query, req)
            except BadRequest as e:
                return self.reply(400, {"message": str(e), "__type": "BadRequestException"},
                                  "BadRequestException")
            return self.reply(code, out)
        m = re.fullmatch(r"/detector/([^/]+)/findings(/get)?", path)
        if self.command != "POST" or not m:
            return self.reply(404, {"message": "no such operation", "__type": "BadRequestException"},
                              "BadRequestException")
        if m.group(1) != DETECTOR:
            return self.reply(400, {"message": "The request is rejected because the input detectorId is not owned by the current account.",
                                    "__type": "BadRequestException"}, "BadRequestException")
        if m.group(2):  # GetFindings
            ids = req.get("findingIds")
            if not isinstance(ids, list) or not ids or len(ids) > 50:
                return self.reply(400, {"message": "findingIds: 1 to 50 ids", "__type": "BadRequestException"},
                                  "BadRequestException")
            return self.reply(200, {"findings": [lower_first(f) for f in FINDINGS if f["Id"] in ids]})
        crit = (req.get("findingCriteria") or {}).get("criterion") or {}
        try:
            hits = [f["Id"] for f in FINDINGS if matches(f, crit)]
        except ValueError as e:
            return self.reply(400, {"message": str(e), "__type": "BadRequestException"}, "BadRequestException")
        start = int(req.get("nextToken") or 0)
        size = int(req.get("maxResults") or 50)
        if not 1 <= size <= 50:
            return self.reply(400, {"message": "maxResults: 1 to 50", "__type": "BadRequestException"},
                              "BadRequestException")
        page = hits[start:start + size]
        out = {"findingIds": page}
        if start + size < len(hits):
            out["nextToken"] = str(start + size)
        return self.reply(200, out)

    do_GET = do_POST = do_DELETE = handle_any


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key-file", required=True)
    ap.add_argument("--key", action="append", default=[], help="AKID:SECRET")
    ap.add_argument("--log", required=True)
    args = ap.parse_args()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    srv.args = args
    srv.keys = dict(k.split(":", 1) for k in args.key)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key_file)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""A small, faithful IMDSv2 for the tests (plain HTTP on 127.0.0.1).

- PUT /latest/api/token needs X-aws-ec2-metadata-token-ttl-seconds in
  [1, 21600] and refuses X-Forwarded-For, as the real service does.
- Every GET needs a live token (X-aws-ec2-metadata-token), else 401.
  --token-uses N makes a token die after N GETs (an expired token).
- /latest/meta-data/iam/security-credentials/ lists the role; .../ROLE
  hands out the credential sets of --creds (a JSON list of objects with
  AccessKeyId, SecretAccessKey, Token and "ttl" seconds), the next one on
  each fetch, staying on the last; Expiration is now + ttl.
- /latest/dynamic/instance-identity/document: region and instance id.
Each request is logged to --log as "METHOD PATH STATUS".
"""
import argparse
import datetime
import http.server
import json
import secrets
import sys
import threading
import time

LOCK = threading.Lock()


class State:
    tokens = {}   # token -> [expires (monotonic), uses left]
    served = 0    # credential fetches


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, body=b"", ctype="text/plain"):
        if isinstance(body, str):
            body = body.encode()
        with LOCK, open(self.server.args.log, "a", encoding="utf-8") as f:
            f.write(f"{self.command} {self.path} {code}\n")
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        if self.path != "/latest/api/token":
            return self.reply(404)
        if "X-Forwarded-For" in self.headers:
            return self.reply(403)
        try:
            ttl = int(self.headers.get("X-aws-ec2-metadata-token-ttl-seconds", ""))
        except ValueError:
            return self.reply(400)
        if not 1 <= ttl <= 21600:
            return self.reply(400)
        tok = secrets.token_urlsafe(32)
        with LOCK:
            State.tokens[tok] = [time.monotonic() + ttl, self.server.args.token_uses]
        self.reply(200, tok)

    def token_ok(self):
        tok = self.headers.get("X-aws-ec2-metadata-token")
        with LOCK:
            t = State.tokens.get(tok)
            if not t or time.monotonic() > t[0] or t[1] == 0:
                return False
            t[1] -= 1
            return True

    def do_GET(self):
        a = self.server.args
        if not self.token_ok():
            return self.reply(401)
        base = "/latest/meta-data/iam/security-credentials/"
        if self.path == base:
            return self.reply(200, a.role)
        if self.path == base + a.role:
            with open(a.creds, encoding="utf-8") as f:
                sets = json.load(f)
            with LOCK:
                c = dict(sets[min(State.served, len(sets) - 1)])
                State.served += 1
            exp = datetime.datetime.now(datetime.timezone.utc) + \
                datetime.timedelta(seconds=c.pop("ttl", 21600))
            c.update(Code="Success", Type="AWS-HMAC",
                     LastUpdated=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                     Expiration=exp.strftime("%Y-%m-%dT%H:%M:%SZ"))
            return self.reply(200, json.dumps(c), "application/json")
        if self.path == "/latest/dynamic/instance-identity/document":
            doc = {"region": a.region, "instanceId": "i-0123456789abcdef0",
                   "accountId": "123456789012", "availabilityZone": a.region + "a",
                   "architecture": "x86_64", "imageId": "ami-0123456789abcdef0",
                   "instanceType": "t3.micro", "privateIp": "192.0.2.10"}
            return self.reply(200, json.dumps(doc), "application/json")
        if self.path == "/latest/meta-data/instance-id":
            return self.reply(200, "i-0123456789abcdef0")
        if self.path in ("/latest/meta-data/placement/region", "/latest/meta-data/placement/availability-zone"):
            return self.reply(200, a.region if self.path.endswith("region") else a.region + "a")
        return self.reply(404)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--creds", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--role", default="cordon-instance")
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--token-uses", type=int, default=-1)
    args = ap.parse_args()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    srv.args = args
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())

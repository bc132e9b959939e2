#!/usr/bin/python3
"""A small, faithful IMDSv2 for the tests and the lab (plain HTTP).

- PUT /latest/api/token needs X-aws-ec2-metadata-token-ttl-seconds in
  [1, 21600] and refuses X-Forwarded-For, as the real service does.
- Every GET needs a live token (X-aws-ec2-metadata-token), else 401.
  --token-uses N makes a token die after N GETs (an expired token).
- /latest/meta-data/iam/security-credentials/ lists the role; .../ROLE
  hands out the credential sets of --creds (a JSON list of objects with
  AccessKeyId, SecretAccessKey, Token and "ttl" seconds), the next one on
  each fetch, staying on the last; Expiration is now + ttl.
- /latest/dynamic/instance-identity/document, meta-data/instance-id,
  local-ipv4, placement/region and availability-zone: --instance-id,
  --account, --image-id, --private-ip, --region.
- Instance tags (EC2 User Guide, "Work with instance tags in instance
  metadata"): /latest/meta-data/tags/instance lists the tag keys, one a
  line; .../tags/instance/KEY is the value; only when the instance allows
  tags in its metadata (InstanceMetadataTags=enabled), else 404 Not Found,
  as EC2 answers. Both come from --tags-file, a JSON object
  {INSTANCE_ID: {"tags": {...}, "metadata_tags": "enabled"|"disabled"}}
  that tests/aws/vpc_sg.py rewrites from the lab's EC2 on every poll; no
  file, or no entry for the instance, means disabled. Keys that instance
  metadata cannot carry (EC2 refuses them while the option is on: only
  letters, digits and + - = . , _ : @; not ".", ".." or "_index") are left out.
- Listings (a path ending in /) are the entries, one a line.
Each request is logged to --log as "METHOD PATH STATUS".
"""
import argparse
import datetime
import http.server
import json
import re
import secrets
import sys
import threading
import time

LOCK = threading.Lock()
TAG_KEY = re.compile(r"^[A-Za-z0-9+\-=.,_:@]{1,128}$")


class State:
    tokens = {}   # token -> [expires (monotonic), uses left]
    served = 0    # credential fetches


def instance_tags(a):
    """This instance's tags as IMDS shows them, or None when not allowed."""
    if not a.tags_file:
        return None
    try:
        with open(a.tags_file, encoding="utf-8") as f:
            me = json.load(f).get(a.instance_id) or {}
    except (OSError, ValueError):
        return None
    if me.get("metadata_tags") != "enabled":
        return None
    return {k: v for k, v in (me.get("tags") or {}).items()
            if TAG_KEY.match(k) and k not in (".", "..", "_index")}


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

    def credentials(self):
        a = self.server.args
        with open(a.creds, encoding="utf-8") as f:
            sets = json.load(f)
        with LOCK:
            c = dict(sets[min(State.served, len(sets) - 1)])
            State.served += 1
        now = datetime.datetime.now(datetime.timezone.utc)
        exp = now + datetime.timedelta(seconds=c.pop("ttl", 21600))
        c.update(Code="Success", Type="AWS-HMAC", LastUpdated=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                 Expiration=exp.strftime("%Y-%m-%dT%H:%M:%SZ"))
        return json.dumps(c)

    def do_GET(self):
        a = self.server.args
        if not self.token_ok():
            return self.reply(401)
        md = "/latest/meta-data/"
        creds = md + "iam/security-credentials/"
        path = self.path.split("?", 1)[0]
        if path == creds:
            return self.reply(200, a.role)
        if path == creds + a.role:
            return self.reply(200, self.credentials(), "application/json")
        if path == "/latest/dynamic/instance-identity/document":
            doc = {"region": a.region, "instanceId": a.instance_id, "accountId": a.account,
                   "availabilityZone": a.region + "a", "architecture": "x86_64",
                   "imageId": a.image_id, "instanceType": "t3.micro", "privateIp": a.private_ip}
            return self.reply(200, json.dumps(doc), "application/json")
        leaves = {"instance-id": a.instance_id, "local-ipv4": a.private_ip, "ami-id": a.image_id,
                  "placement/region": a.region, "placement/availability-zone": a.region + "a"}
        if path.startswith(md) and path[len(md):] in leaves:
            return self.reply(200, leaves[path[len(md):]])
        tags = instance_tags(a)
        if path == md:
            top = ["ami-id", "iam/", "instance-id", "local-ipv4", "placement/"] + (["tags/"] if tags is not None else [])
            return self.reply(200, "\n".join(top))
        if path.startswith(md + "tags/"):
            if tags is None:
                return self.reply(404)
            rest = path[len(md + "tags/"):]
            if rest == "":
                return self.reply(200, "instance")
            if rest in ("instance", "instance/"):
                return self.reply(200, "\n".join(sorted(tags)))
            key = rest[len("instance/"):] if rest.startswith("instance/") else None
            if key is not None and key in tags:
                return self.reply(200, tags[key])
        return self.reply(404)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--creds", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--role", default="cordon-instance")
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--instance-id", default="i-0123456789abcdef0")
    ap.add_argument("--account", default="123456789012")
    ap.add_argument("--image-id", default="ami-0123456789abcdef0")
    ap.add_argument("--private-ip", default="192.0.2.10")
    ap.add_argument("--tags-file")
    ap.add_argument("--token-uses", type=int, default=-1)
    args = ap.parse_args()
    srv = http.server.ThreadingHTTPServer((args.addr, args.port), Handler)
    srv.daemon_threads = True
    srv.args = args
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""The lab's instance metadata service: tests/aws/fake_imds.py (IMDSv2,
tokens, role credentials) with the lab instance's own id and addresses,
listening where EC2's does (169.254.169.254:80, inside the lab's cloud
namespace).

lab_imds.py --addr A --port P --instance-id I --private-ip IP --creds F --log L [--region R]
"""
import argparse
import http.server
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "aws"))
import fake_imds  # noqa: E402


class Handler(fake_imds.Handler):
    def do_GET(self):
        a = self.server.args
        ident = "/latest/dynamic/instance-identity/document"
        if self.path not in (ident, "/latest/meta-data/instance-id",
                             "/latest/meta-data/local-ipv4"):
            return super().do_GET()
        if not self.token_ok():
            return self.reply(401)
        if self.path == ident:
            doc = {"region": a.region, "instanceId": a.instance_id, "accountId": a.account,
                   "availabilityZone": a.region + "a", "architecture": "x86_64",
                   "imageId": a.image_id, "instanceType": "t3.micro", "privateIp": a.private_ip}
            return self.reply(200, json.dumps(doc), "application/json")
        if self.path.endswith("instance-id"):
            return self.reply(200, a.instance_id)
        return self.reply(200, a.private_ip)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", default="169.254.169.254")
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--creds", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--instance-id", required=True)
    ap.add_argument("--private-ip", default="192.0.2.10")
    ap.add_argument("--account", default="123456789012")
    ap.add_argument("--image-id", default="ami-0123456789abcdef0")
    ap.add_argument("--role", default="cordon-instance")
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--token-uses", type=int, default=-1)
    args = ap.parse_args()
    srv = http.server.ThreadingHTTPServer((args.addr, args.port), Handler)
    srv.daemon_threads = True
    srv.args = args
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Run one of the test servers of tests/aws/ on another address.

fake_imds.py, faultproxy.py and gd_seeded.py (fake_guardduty.py) listen on
127.0.0.1, which a network namespace cannot reach from another one. The
daemon tests run them inside their `cloud` namespace on a documentation
address (or 169.254.169.254), unchanged: this wrapper swaps the address
the script binds and runs it as __main__.

  daemon_cloud_srv.py ADDR SCRIPT [--instance-id ID] ARGS...

--instance-id (fake_imds.py only): the id the identity document and
meta-data/instance-id give, moto's instance instead of the fixed one.
"""
import http.server
import json
import os
import runpy
import sys

addr, script, args = sys.argv[1], sys.argv[2], sys.argv[3:]
instance_id = None
if "--instance-id" in args:
    i = args.index("--instance-id")
    instance_id = args[i + 1]
    del args[i:i + 2]


class Rebound(http.server.ThreadingHTTPServer):
    def __init__(self, server_address, handler, *a, **kw):
        if server_address[0] == "127.0.0.1":
            server_address = (addr,) + tuple(server_address[1:])
        super().__init__(server_address, handler, *a, **kw)


http.server.ThreadingHTTPServer = Rebound
sys.argv = [script] + args
sys.path.insert(0, os.path.dirname(os.path.abspath(script)))

if instance_id:
    import fake_imds  # noqa: E402

    base = fake_imds.Handler.do_GET

    def do_get(self):
        ident = "/latest/dynamic/instance-identity/document"
        if self.path not in (ident, "/latest/meta-data/instance-id"):
            return base(self)
        if not self.token_ok():
            return self.reply(401)
        if self.path == ident:
            r = self.server.args.region
            doc = {"region": r, "instanceId": instance_id, "accountId": "123456789012",
                   "availabilityZone": r + "a", "architecture": "x86_64",
                   "imageId": "ami-0123456789abcdef0", "instanceType": "t3.micro",
                   "privateIp": "192.0.2.10"}
            return self.reply(200, json.dumps(doc), "application/json")
        return self.reply(200, instance_id)

    fake_imds.Handler.do_GET = do_get
    sys.exit(fake_imds.main())

runpy.run_path(script, run_name="__main__")

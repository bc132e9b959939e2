#!/usr/bin/python3
"""Run one of the test servers of tests/aws/ on another address.

faultproxy.py and gd_seeded.py (fake_guardduty.py) listen on 127.0.0.1,
which a network namespace cannot reach from another one. The daemon tests
run them inside their `cloud` namespace on a documentation address,
unchanged: this wrapper swaps the address the script binds and runs it as
__main__. (fake_imds.py takes --addr itself.)

  daemon_cloud_srv.py ADDR SCRIPT ARGS...
"""
import http.server
import os
import runpy
import sys

addr, script, args = sys.argv[1], sys.argv[2], sys.argv[3:]


class Rebound(http.server.ThreadingHTTPServer):
    def __init__(self, server_address, handler, *a, **kw):
        if server_address[0] == "127.0.0.1":
            server_address = (addr,) + tuple(server_address[1:])
        super().__init__(server_address, handler, *a, **kw)


http.server.ThreadingHTTPServer = Rebound
sys.argv = [script] + args
sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
runpy.run_path(script, run_name="__main__")

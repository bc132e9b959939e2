#!/usr/bin/python3
"""A TLS reverse proxy in front of moto that injects faults on request.

Faults live in a JSON file, re-read on every request: a list of rules
  {"match": REGEX on "METHOD PATH", "action": A, "times": N, ...}
The first rule that matches and has times left is applied and counted
down. Actions:
  status    answer CODE with an AWS XML error ERROR (not forwarded)
  delay     sleep SECONDS, then forward
  truncate  forward, then send the headers and only half of the body
  badsum    forward, with every x-amz-checksum-* value replaced
  skew      answer 403 RequestTimeTooSkewed with a Date SECONDS ahead
  region    answer 301 PermanentRedirect, x-amz-bucket-region: REGION
Every request is logged to --log as
"METHOD PATH STATUS ACTION x-amz-date signing-region"; a delayed request
is forwarded even when its client has gone (as AWS executes a request that
reached it), and its answer is logged again as "done METHOD PATH STATUS ...".
Listens on 127.0.0.1 only.
"""
import argparse
import base64
import email.utils
import hashlib
import http.client
import http.server
import json
import re
import socket
import ssl
import sys
import threading
import time

LOCK = threading.Lock()
HOP = {"connection", "transfer-encoding", "keep-alive"}


def take_fault(path, line):
    with LOCK:
        try:
            with open(path, encoding="utf-8") as f:
                rules = json.load(f)
        except (OSError, ValueError):
            return None
        for r in rules:
            if r.get("times", 1) > 0 and re.search(r.get("match", ""), line):
                r["times"] = r.get("times", 1) - 1
                with open(path, "w", encoding="utf-8") as f:
                    json.dump(rules, f)
                return dict(r)
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def note(self, status, action, prefix=""):
        with LOCK, open(self.server.args.log, "a", encoding="utf-8") as f:
            m = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/", self.headers.get("Authorization", ""))
            f.write(f"{prefix}{self.command} {self.path} {status} {action or '-'} "
                    f"{self.headers.get('X-Amz-Date', '-')} {m.group(1) if m else '-'}\n")

    def aws_error(self, code, error, date=None, extra=()):
        body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{error}</Code>"
                f"<Message>injected {error}</Message><RequestId>fault</RequestId></Error>").encode()
        self.send_response_only(code)
        self.send_header("Date", date or email.utils.formatdate(usegmt=True))
        self.send_header("Content-Type", "application/xml")
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        if self.path == "/__ping":
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        args = self.server.args
        fault = take_fault(args.faults, f"{self.command} {self.path}")
        action = fault.get("action") if fault else None
        if action == "status":
            self.note(fault.get("code", 500), "status")
            return self.aws_error(fault.get("code", 500), fault.get("error", "InternalError"))
        if action == "skew":
            ahead = email.utils.formatdate(time.time() + fault.get("seconds", 3600), usegmt=True)
            self.note(403, "skew")
            return self.aws_error(403, "RequestTimeTooSkewed", ahead)
        if action == "region":
            self.note(301, "region")
            return self.aws_error(301, "PermanentRedirect", None,
                                  [("x-amz-bucket-region", fault.get("region", "us-west-2"))])
        if action == "delay":  # logged now: the client may be gone later
            self.note("delayed", action)
            time.sleep(fault.get("seconds", 5))
        host, port = args.upstream.rsplit(":", 1)
        conn = http.client.HTTPSConnection(host, int(port), context=self.server.up_ctx, timeout=30)
        conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for k, v in self.headers.items():
            if k.lower() not in HOP:
                conn.putheader(k, v)
        if body or self.command in ("POST", "PUT"):
            if "Content-Length" not in self.headers:
                conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body or None)
        up = conn.getresponse()
        data = up.read()
        headers = [(k, v) for k, v in up.getheaders() if k.lower() not in HOP]
        conn.close()
        if action == "badsum":
            wrong = base64.b64encode(hashlib.sha256(b"wrong").digest()).decode()
            headers = [(k, wrong if k.lower().startswith("x-amz-checksum-")
                        and k.lower() != "x-amz-checksum-type" else v) for k, v in headers]
        if action != "delay":
            self.note(up.status, action)
        else:  # "done ..." so that counts of "^METHOD " lines stay per request
            self.note(up.status, action, prefix="done ")
        self.send_response_only(up.status, up.reason)
        have_len = False
        for k, v in headers:
            if k.lower() == "content-length":
                have_len = True
                v = str(len(data)) if up.status != 304 and self.command != "HEAD" else v
            self.send_header(k, v)
        if not have_len and up.status != 304:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if action == "truncate":
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = handle_any


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--faults", required=True)
    ap.add_argument("--log", required=True)
    args = ap.parse_args()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    srv.args = args
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.up_ctx = ssl.create_default_context(cafile=args.ca)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""A fake AWS Lambda Runtime API (2018-06-01) on 127.0.0.1, for a custom
runtime under test (`cordon respond` with AWS_LAMBDA_RUNTIME_API set).

  GET  /2018-06-01/runtime/invocation/next        the next event, with the
       Lambda-Runtime-Aws-Request-Id, -Deadline-Ms, -Invoked-Function-Arn
       and -Trace-Id headers
  POST /2018-06-01/runtime/invocation/ID/response 202, recorded
  POST /2018-06-01/runtime/invocation/ID/error    202, recorded with the
       Lambda-Runtime-Function-Error-Type header
  POST /2018-06-01/runtime/init/error             202, recorded

As Lambda does, it refuses an answer for an id that is not the
invocation in flight (400 InvalidRequestID) and a second answer (403
InvalidStateTransition), and a next while an invocation is unanswered
(400). When the events run out, next answers 500 ("Container error.
Non-recoverable state. Runtime should exit promptly.") so that the
runtime under test exits.

--events FILE: a JSON list of {"body": "RAW TEXT"} or {"body_file": PATH},
  each with optional "deadline_ms" (from when it is handed out; default
  30000) and "trace".
--out FILE: one JSON line per answer: {"id", "kind": "response" | "error" |
  "init-error", "body", "error_type", "ms_before_deadline"}.
"""
import argparse
import http.server
import json
import sys
import threading
import time
import uuid

LOCK = threading.Lock()
API = "/2018-06-01"


class State:
    def __init__(self, events, out):
        self.events = list(events)
        self.out = out
        self.current = None      # (id, deadline_ms) in flight
        self.answered = set()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send(self, code, obj, headers=()):
        body = json.dumps(obj).encode() if not isinstance(obj, bytes) else obj
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def record(self, **kw):
        with open(self.server.state.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(kw) + "\n")

    def do_GET(self):
        st = self.server.state
        if self.path != API + "/runtime/invocation/next":
            return self.send(404, {"errorMessage": "no such path", "errorType": "NotFound"})
        with LOCK:
            if st.current and st.current[0] not in st.answered:
                return self.send(400, {"errorMessage": "the invocation in flight is unanswered",
                                       "errorType": "InvalidStateTransition"})
            if not st.events:
                return self.send(500, {"errorMessage": "Container error. Non-recoverable state.",
                                       "errorType": "Runtime.ExitError"})
            ev = st.events.pop(0)
            rid = str(uuid.uuid4())
            deadline = int(time.time() * 1000) + int(ev.get("deadline_ms", 30000))
            st.current = (rid, deadline)
        if "body_file" in ev:
            with open(ev["body_file"], "rb") as f:
                body = f.read()
        else:
            body = ev["body"].encode()
        hdrs = [("Lambda-Runtime-Aws-Request-Id", rid),
                ("Lambda-Runtime-Deadline-Ms", str(deadline)),
                ("Lambda-Runtime-Invoked-Function-Arn",
                 "arn:aws:lambda:us-east-1:123456789012:function:cordon-respond")]
        if ev.get("trace"):
            hdrs.append(("Lambda-Runtime-Trace-Id", ev["trace"]))
        return self.send(200, body, hdrs)

    def do_POST(self):
        st = self.server.state
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace")
        if self.path == API + "/runtime/init/error":
            self.record(id=None, kind="init-error", body=body,
                        error_type=self.headers.get("Lambda-Runtime-Function-Error-Type"))
            return self.send(202, {"status": "OK"})
        parts = self.path[len(API):].split("/")
        # ['', 'runtime', 'invocation', ID, 'response'|'error']
        if len(parts) != 5 or parts[1:3] != ["runtime", "invocation"] or parts[4] not in ("response", "error"):
            return self.send(404, {"errorMessage": "no such path", "errorType": "NotFound"})
        rid, kind = parts[3], parts[4]
        with LOCK:
            if not st.current or rid != st.current[0]:
                return self.send(400, {"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"})
            if rid in st.answered:
                return self.send(403, {"errorMessage": "Invalid state transition", "errorType": "InvalidStateTransition"})
            st.answered.add(rid)
            left = st.current[1] - int(time.time() * 1000)
        self.record(id=rid, kind=kind, body=body, ms_before_deadline=left,
                    error_type=self.headers.get("Lambda-Runtime-Function-Error-Type"))
        return self.send(202, {"status": "OK"})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--events", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    with open(args.events, encoding="utf-8") as f:
        events = json.load(f)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    srv.state = State(events, args.out)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())

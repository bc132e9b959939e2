#!/usr/bin/env python3
"""moto_server with a change counter, for the lab VPC's controller
(tests/aws/vpc_sg.py --hint).

  moto_hint.py --hint FILE [--ack FILE [--wait S]] MOTO_SERVER_ARGS...

Exactly `python -m moto.server MOTO_SERVER_ARGS...`, except that after
every EC2 request that may change something (an action whose name does not
begin with Describe or Get) the --hint FILE holds one more: the controller
reads EC2 as soon as the count moves instead of every 150 ms, which costs
moto and the machine nothing while nothing changes. It is a hint only: the
controller still reads everything through the EC2 API, and regardless of
the count every few seconds.

With --ack FILE (the controller's "polls" file, "COUNT HINT"), once it
exists, such a request is answered only when the controller has read EC2
after it and loaded what follows (HINT at least this request's count), or
after --wait seconds (2): a change is in force in the lab's VPC when EC2
answers it. AWS is eventually consistent; the lab is never later than its
answer, so an agent cannot outrun its own cut here and pass by luck.
"""
import io
import os
import re
import sys
import threading
import time

import moto.server as server

ACTION = re.compile(rb"(?:^|&)Action=([A-Za-z0-9]+)")


def main():
    argv = sys.argv[1:]
    opt = {"--hint": None, "--ack": None, "--wait": "2"}
    while argv and argv[0] in opt and len(argv) > 1:
        opt[argv[0]], argv = argv[1], argv[2:]
    hint, ack, wait = opt["--hint"], opt["--ack"], float(opt["--wait"])
    if not hint:
        sys.exit("usage: moto_hint.py --hint FILE [--ack FILE [--wait S]] MOTO_SERVER_ARGS...")
    lock = threading.Lock()
    count = [0]

    def bump():
        with lock:
            count[0] += 1
            n = count[0]
            with open(hint + ".tmp", "w", encoding="ascii") as f:
                f.write(f"{n}\n")
            os.replace(hint + ".tmp", hint)
        return n

    def acked(n):
        try:
            with open(ack, encoding="ascii") as f:
                return int(f.read().split()[1]) >= n
        except (OSError, ValueError, IndexError):
            return False

    def settle(n):
        """Until the controller has loaded what follows change n."""
        if not ack or not os.path.exists(ack):
            return
        end = time.monotonic() + wait
        while not acked(n) and time.monotonic() < end:
            time.sleep(0.005)

    def wrap(app):
        def hinted(environ, start_response):
            change = False
            if environ.get("REQUEST_METHOD") == "POST" and \
                    "/ec2/aws4_request" in environ.get("HTTP_AUTHORIZATION", ""):
                try:
                    n = int(environ.get("CONTENT_LENGTH") or 0)
                except ValueError:
                    n = -1
                if n > 0:
                    body = environ["wsgi.input"].read(n)
                    environ["wsgi.input"] = io.BytesIO(body)
                    m = ACTION.search(body)
                    change = not m or not m.group(1).startswith((b"Describe", b"Get"))
                else:
                    change = n < 0
            out = app(environ, start_response)  # moto has answered: the change is made
            if change:
                settle(bump())
            return out
        return hinted

    run_simple = server.run_simple
    server.run_simple = lambda host, port, app, **kw: run_simple(host, port, wrap(app), **kw)
    bump()
    server.main(argv)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Small TCP peers for the enforcer netns tests.

serve ADDR PORT LOG   listen; a "probe" line gets "pong"; a "session" line
                      starts a long session: every line received is logged
                      to LOG, and a "tick N" line is sent every 0.2 s.
probe ADDR PORT       new connection, "probe" -> "pong" within 1 s, or exit 1.
session ADDR PORT LOG long session: log every line received to LOG, send a
                      line every 0.2 s; exits when the connection dies.
"""
import socket
import sys
import threading
import time


def log_lines(sock, path):
    with open(path, "a", buffering=1) as log:
        buf = b""
        while True:
            try:
                data = sock.recv(4096)
            except OSError:
                return
            if not data:
                return
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                log.write(line.decode(errors="replace") + "\n")


def ticker(sock, word):
    n = 0
    while True:
        try:
            sock.sendall(b"%s %d\n" % (word, n))
        except OSError:
            return
        n += 1
        time.sleep(0.2)


def handle(conn, log):
    conn.settimeout(None)
    first = b""
    while not first.endswith(b"\n"):
        d = conn.recv(1)
        if not d:
            return
        first += d
    if first.strip() == b"probe":
        conn.sendall(b"pong\n")
        conn.close()
        return
    threading.Thread(target=log_lines, args=(conn, log), daemon=True).start()
    ticker(conn, b"tick")


def serve(addr, port, log):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind((addr, port))
    s.listen(16)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=handle, args=(conn, log), daemon=True).start()


def probe(addr, port):
    try:
        s = socket.create_connection((addr, port), timeout=1)
        s.sendall(b"probe\n")
        return 0 if s.recv(16).startswith(b"pong") else 1
    except OSError:
        return 1


def session(addr, port, log):
    s = socket.create_connection((addr, port), timeout=2)
    s.settimeout(None)
    s.sendall(b"session\n")
    threading.Thread(target=log_lines, args=(s, log), daemon=True).start()
    ticker(s, b"line")
    return 1


def main():
    cmd = sys.argv[1]
    if cmd == "serve":
        serve(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif cmd == "probe":
        sys.exit(probe(sys.argv[2], int(sys.argv[3])))
    elif cmd == "session":
        sys.exit(session(sys.argv[2], int(sys.argv[3]), sys.argv[4]))
    sys.exit(2)


if __name__ == "__main__":
    main()

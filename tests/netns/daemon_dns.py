#!/usr/bin/python3
"""DNS and S3 stand-ins for tests/netns/daemon_dns.sh (no third-party module).

  daemon_dns.py dns ADDR NAME=IP[,NAME=IP...] LOG
      An authoritative server on UDP ADDR:53: A records for the names
      given (TTL 1 s), no AAAA, NXDOMAIN for anything else. Logs one line
      a query: "QNAME QTYPE from SRCADDR".
  daemon_dns.py stub UPSTREAM UID LOG
      A caching stub's stand-in (systemd-resolved's role) on
      127.0.0.53:53: binds as root, then runs as UID and forwards every
      query to UPSTREAM:53 from its own socket, relaying the answer.
  daemon_dns.py query SERVER NAME
      One A query; exit 0 when an answer with an address comes within 2 s.
  daemon_dns.py s3 ADDR DIR CERT KEY LOG
      HTTPS on ADDR:443: GET /BUCKET/KEY serves DIR/BUCKET/KEY with an
      ETag (path style, what cordon asks with AWS_ENDPOINT_URL); 404
      otherwise. Signatures are not checked.
"""
import hashlib
import http.server
import os
import socket
import ssl
import struct
import sys
import urllib.parse


def qname(msg, off):
    labels = []
    while True:
        n = msg[off]
        off += 1
        if n == 0:
            return ".".join(labels).lower(), off
        labels.append(msg[off:off + n].decode("ascii", "replace"))
        off += n


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def dns(addr, records, log):
    table = {}
    for r in records.split(","):
        n, ip = r.split("=")
        table[n.lower()] = socket.inet_aton(ip)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 53))
    while True:
        msg, src = s.recvfrom(2048)
        if len(msg) < 17:
            continue
        qid, flags = struct.unpack(">HH", msg[:4])
        name, off = qname(msg, 12)
        qtype, _ = struct.unpack(">HH", msg[off:off + 4])
        question = msg[12:off + 4]
        with open(log, "a") as f:
            f.write(f"{name} {qtype} from {src[0]}\n")
        rcode, answers = 0, b""
        if name not in table:
            rcode = 3
        elif qtype == 1:
            answers = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 1, 4) + table[name]
        hdr = struct.pack(">HHHHHH", qid, 0x8180 | (flags & 0x0100) | rcode, 1,
                          1 if answers else 0, 0, 0)
        s.sendto(hdr + question + answers, src)


def stub(upstream, uid, log):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.53", 53))
    out = open(log, "a", buffering=1)  # opened as root, written as UID
    os.setgroups([])
    os.setgid(int(uid))
    os.setuid(int(uid))
    while True:
        msg, src = s.recvfrom(2048)
        up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        up.settimeout(1.5)
        try:
            up.sendto(msg, (upstream, 53))
            ans, _ = up.recvfrom(2048)
            s.sendto(ans, src)
            res = "answered"
        except OSError as e:
            res = f"no answer ({e})"
        finally:
            up.close()
        out.write(f"forwarded for {src[0]}:{src[1]}: {res}\n")


def query(server, name):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    q = struct.pack(">HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0) + encode_name(name) + \
        struct.pack(">HH", 1, 1)
    try:
        s.sendto(q, (server, 53))
        ans, _ = s.recvfrom(2048)
    except OSError:
        return 1
    return 0 if len(ans) > 12 and struct.unpack(">H", ans[6:8])[0] > 0 else 1


def s3(addr, top, cert, key, log):
    top = os.path.realpath(top)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            with open(log, "a") as f:
                f.write("%s\n" % (fmt % args))

        def do_GET(self):
            path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
            full = os.path.realpath(os.path.join(top, path.lstrip("/")))
            if not full.startswith(top + os.sep) or not os.path.isfile(full):
                body, code = b"<Error><Code>NoSuchKey</Code></Error>", 404
            else:
                with open(full, "rb") as f:
                    body, code = f.read(), 200
            self.send_response(code)
            if code == 200:
                self.send_header("ETag", '"%s"' % hashlib.md5(body).hexdigest())
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    srv = http.server.ThreadingHTTPServer((addr, 443), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.serve_forever()


def main(argv):
    cmds = {"dns": (dns, 3), "stub": (stub, 3), "query": (query, 2), "s3": (s3, 5)}
    if len(argv) < 2 or argv[1] not in cmds or len(argv) - 2 != cmds[argv[1]][1]:
        sys.stderr.write(__doc__)
        return 2
    return cmds[argv[1]][0](*argv[2:]) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/python3
"""A minimal HTTPS stand-in for S3 GetObject, for the firmware tests.

Serves DIR/BUCKET/KEY for GET /BUCKET/KEY (path style, what cordon asks
when AWS_ENDPOINT_URL is set) with an ETag and a length; anything else is
404. Signatures are not checked: this server only proves that cordon found
a CA bundle to verify it with. Listens on 127.0.0.1 (inside the test's own
network namespace), prints its port, logs one line a request.

    tls_s3.py DIR CERT KEY LOG
"""
import hashlib
import http.server
import os
import ssl
import sys
import urllib.parse


def main(argv):
    if len(argv) != 5:
        sys.stderr.write(__doc__)
        return 2
    top, cert, key, log = argv[1:]
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
                body = b"<Error><Code>NoSuchKey</Code></Error>"
                self.send_response(404)
                self.send_header("Content-Type", "application/xml")
            else:
                with open(full, "rb") as f:
                    body = f.read()
                self.send_response(200)
                self.send_header("ETag", '"%s"' % hashlib.md5(body).hexdigest())
                self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print(srv.server_address[1], flush=True)
    srv.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/python3
# Print botocore's canonical request, string to sign and signature for each
# vector in a JSON file, in the format `test_aws_sigv4 --vectors` prints.
import json
import sys
from urllib.parse import quote

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        vectors = json.load(f)
    for v in vectors:
        url = "https://" + v["host"] + quote(v["path"], safe="/~")
        req = AWSRequest(method=v["method"], url=url,
                         data=v.get("body", "").encode("utf-8"))
        for name, value in v.get("headers", []):
            req.headers[name] = value  # appends: repeated headers stay
        if v.get("query"):
            req.params = [tuple(p) for p in v["query"]]
        req.context["timestamp"] = v["date"]
        creds = Credentials(v["akid"], v["secret"], v.get("token"))
        cls = S3SigV4Auth if v.get("s3") else SigV4Auth
        auth = cls(creds, v["service"], v["region"])
        auth._modify_request_before_signing(req)
        creq = auth.canonical_request(req)
        sts = auth.string_to_sign(req, creq)
        sig = auth.signature(sts, req)
        auth._inject_signature_to_request(req, sig)
        print("== " + v["name"])
        print("CREQ\n" + creq)
        print("STS\n" + sts)
        print("SIG " + sig)
        print("AUTH " + req.headers["Authorization"])


if __name__ == "__main__":
    main()

# S3 chores for the tests, as the IAM user from moto_setup.py (signed).
#   moto_s3.py URL CA mb BUCKET
#   moto_s3.py URL CA put BUCKET KEY FILE [SHA256|CRC32|...]
#   moto_s3.py URL CA key ACCESS SECRET      -> a second key for a user
import os
import sys

import boto3

url, ca, cmd, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
s3 = boto3.client("s3", endpoint_url=url, verify=ca, region_name="us-east-1")
if cmd == "mb":
    s3.create_bucket(Bucket=args[0])
elif cmd == "put":
    extra = {"ChecksumAlgorithm": args[3]} if len(args) > 3 else {}
    with open(args[2], "rb") as f:
        s3.put_object(Bucket=args[0], Key=args[1], Body=f.read(), **extra)
elif cmd == "rm":
    s3.delete_object(Bucket=args[0], Key=args[1])
else:
    sys.exit(f"unknown command {cmd}")

# S3 chores for the tests, as the IAM user from moto_setup.py (signed).
#   moto_s3.py URL CA mb BUCKET
#   moto_s3.py URL CA put BUCKET KEY FILE [SHA256|CRC32|...]
#   moto_s3.py URL CA role TTL...            -> role credential sets (JSON)
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
elif cmd == "role":
    # An instance role and N sets of its temporary credentials (STS
    # AssumeRole, so moto checks the session token), as JSON for fake_imds.
    import json
    iam = boto3.client("iam", endpoint_url=url, verify=ca, region_name="us-east-1")
    sts = boto3.client("sts", endpoint_url=url, verify=ca, region_name="us-east-1")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
             "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}
    try:
        arn = iam.get_role(RoleName="cordon-instance")["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        arn = iam.create_role(RoleName="cordon-instance",
                              AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName="cordon-instance", PolicyName="read", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    ttls = [int(t) for t in args]
    sets = []
    for i, ttl in enumerate(ttls):
        c = sts.assume_role(RoleArn=arn, RoleSessionName=f"i-{i}")["Credentials"]
        sets.append({"AccessKeyId": c["AccessKeyId"], "SecretAccessKey": c["SecretAccessKey"],
                     "Token": c["SessionToken"], "ttl": ttl})
    print(json.dumps(sets))
elif cmd == "rm":
    s3.delete_object(Bucket=args[0], Key=args[1])
else:
    sys.exit(f"unknown command {cmd}")

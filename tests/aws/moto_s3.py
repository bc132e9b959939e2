# S3 and IAM chores for the tests, as the IAM user from moto_setup.py
# (signed). Several commands may go in one call, separated by "--": each
# Python start costs seconds on a loaded machine.
#   moto_s3.py URL CA mb BUCKET
#   moto_s3.py URL CA put BUCKET KEY FILE [SHA256|CRC32|...]
#   moto_s3.py URL CA rm BUCKET KEY
#   moto_s3.py URL CA role FILE TTL...   -> role credential sets (JSON) in FILE
import json
import sys

import boto3

url, ca = sys.argv[1], sys.argv[2]
s3 = boto3.client("s3", endpoint_url=url, verify=ca, region_name="us-east-1")


def role(path, ttls):
    # An instance role and one set of its temporary credentials per TTL
    # (STS AssumeRole, so moto checks the session token), for fake_imds.py.
    iam = boto3.client("iam", endpoint_url=url, verify=ca, region_name="us-east-1")
    sts = boto3.client("sts", endpoint_url=url, verify=ca, region_name="us-east-1")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
             "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}
    try:
        arn = iam.get_role(RoleName="cordon-instance")["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        arn = iam.create_role(RoleName="cordon-instance",
                              AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        iam.put_role_policy(RoleName="cordon-instance", PolicyName="all", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    sets = []
    for i, ttl in enumerate(ttls):
        c = sts.assume_role(RoleArn=arn, RoleSessionName=f"i-{i}")["Credentials"]
        sets.append({"AccessKeyId": c["AccessKeyId"], "SecretAccessKey": c["SecretAccessKey"],
                     "Token": c["SessionToken"], "ttl": int(ttl)})
    with open(path, "w", encoding="utf-8") as f:
        json.dump(sets, f)


def run(cmd, args):
    if cmd == "mb":
        s3.create_bucket(Bucket=args[0])
    elif cmd == "put":
        extra = {"ChecksumAlgorithm": args[3]} if len(args) > 3 else {}
        with open(args[2], "rb") as f:
            s3.put_object(Bucket=args[0], Key=args[1], Body=f.read(), **extra)
    elif cmd == "rm":
        s3.delete_object(Bucket=args[0], Key=args[1])
    elif cmd == "role":
        role(args[0], args[1:])
    else:
        sys.exit(f"unknown command {cmd}")


cmd = []
for a in sys.argv[3:] + ["--"]:
    if a == "--":
        if cmd:
            run(cmd[0], cmd[1:])
        cmd = []
    else:
        cmd.append(a)

# The lab's AWS side, through the AWS CLI (run in-process: one Python
# start instead of one per command, which costs seconds each on a loaded
# machine). Run with the Python that has moto's client side and awscli
# (pyenv's), inside the lab's `cloud` namespace. Every command line it
# runs is written to the transcript (--log), as a person would type it.
#
#   cloud.py URL CA setup BUCKET THREATFILE ROLEFILE  -> shell assignments
#   cloud.py URL CA enis INSTANCE      -> "ENI INDEX IP GROUPID(NAME),..." per line
#   cloud.py URL CA mail QUEUE_URL     -> each SNS message on the queue (JSON)
#   cloud.py URL CA tags INSTANCE      -> "KEY=VALUE" per line
#   cloud.py URL CA many CMD:ARG:FILE...  -> those, each into its FILE
# Credentials: setup makes them (IAM bootstrap, moto's first unsigned
# calls); the other commands take AWS_ACCESS_KEY_ID/SECRET from the env.
import contextlib
import io
import json
import os
import signal
import shlex
import sys
import time

from awscli.clidriver import create_clidriver

# Ctrl-C kills us as it would any Unix tool (a KeyboardInterrupt that
# exits 1 would make the lab's bash ignore the interrupt and go on).
signal.signal(signal.SIGINT, signal.SIG_DFL)

URL, CA, CMD, ARGS = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
REGION = os.environ.get("LAB_REGION", "us-east-1")
LOG = open(os.environ.get("LAB_AWS_LOG", os.devnull), "a", encoding="utf-8")


def aws(*args, quiet=False):
    """One AWS CLI command; its JSON output parsed."""
    args = [str(a) for a in args]
    if not quiet:
        LOG.write("$ aws " + " ".join(shlex.quote(a) for a in args) + "\n")
        LOG.flush()
    t = time.monotonic()
    full = ["--endpoint-url", URL, "--ca-bundle", CA, "--region", REGION,
            "--output", "json"] + args
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = create_clidriver().main(full)
    if rc:
        sys.exit(f"aws {' '.join(args)}: exit status {rc}")
    if os.environ.get("LAB_DEBUG"):
        print(f"{time.monotonic() - t:.2f} s: aws {' '.join(args[:2])}", file=sys.stderr)
    text = out.getvalue()
    return json.loads(text) if text.strip() else {}


def use_key(akid, secret, token=None):
    os.environ["AWS_ACCESS_KEY_ID"] = akid
    os.environ["AWS_SECRET_ACCESS_KEY"] = secret
    os.environ.pop("AWS_SESSION_TOKEN", None)
    if token:
        os.environ["AWS_SESSION_TOKEN"] = token


def setup(bucket, threat_file, role_file):
    # The administrator: moto lets exactly three unsigned calls make it.
    use_key("AKIDBOOTSTRAP0000000", "bootstrap")
    account = aws("iam", "create-user", "--user-name", "lab-admin")["User"]["Arn"].split(":")[4]
    aws("iam", "put-user-policy", "--user-name", "lab-admin", "--policy-name", "all",
        "--policy-document", json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    key = aws("iam", "create-access-key", "--user-name", "lab-admin")["AccessKey"]
    use_key(key["AccessKeyId"], key["SecretAccessKey"])

    # The tutorial's S3 threat list.
    aws("s3api", "create-bucket", "--bucket", bucket)
    etag = aws("s3api", "put-object", "--bucket", bucket, "--key", "threat.txt",
               "--body", threat_file)["ETag"]

    # The network: a VPC on a documentation prefix, the host's groups, and
    # a forensic group with no rule but the responder's SSH (its default
    # egress rule goes). The lab's VPC enforces them
    # (firmware/lab/vpc.bash); web and admin keep the all-open outbound rule
    # a new group gets.
    vpc = aws("ec2", "create-vpc", "--cidr-block", "192.0.2.0/24")["Vpc"]["VpcId"]
    sub = aws("ec2", "create-subnet", "--vpc-id", vpc, "--cidr-block", "192.0.2.0/24")["Subnet"]["SubnetId"]
    sg = {}
    for name, what in (("lab-web", "web server"), ("lab-admin", "administration"),
                       ("lab-forensic", "forensic isolation, the responder SSH only")):
        sg[name] = aws("ec2", "create-security-group", "--vpc-id", vpc, "--group-name", name,
                       "--description", what)["GroupId"]
    aws("ec2", "authorize-security-group-ingress", "--group-id", sg["lab-web"],
        "--protocol", "tcp", "--port", "80", "--cidr", "198.51.100.0/24")
    aws("ec2", "authorize-security-group-ingress", "--group-id", sg["lab-admin"],
        "--protocol", "tcp", "--port", "22", "--cidr", "198.51.100.10/32")
    aws("ec2", "revoke-security-group-egress", "--group-id", sg["lab-forensic"],
        "--ip-permissions", json.dumps([{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]))
    # One exception to "no rules": the responder's SSH, so that a person can
    # still work on the isolated host (firmware/terraform's forensic group
    # has none; an operator who wants hands-on access adds it there too).
    aws("ec2", "authorize-security-group-ingress", "--group-id", sg["lab-forensic"],
        "--protocol", "tcp", "--port", "22", "--cidr", "198.51.100.10/32")

    # Two interfaces first, each with its own groups, then the instance
    # on them (launched with --security-group-ids, moto would merge the
    # groups into the primary interface).
    eni0 = aws("ec2", "create-network-interface", "--subnet-id", sub, "--private-ip-address", "192.0.2.10",
               "--groups", sg["lab-web"], sg["lab-admin"], "--description", "eth0")
    eni1 = aws("ec2", "create-network-interface", "--subnet-id", sub, "--private-ip-address", "192.0.2.11",
               "--groups", sg["lab-admin"], "--description", "eth1")
    e0 = eni0["NetworkInterface"]["NetworkInterfaceId"]
    e1 = eni1["NetworkInterface"]["NetworkInterfaceId"]
    ami = aws("ec2", "describe-images", "--owners", "amazon", "--query", "Images[0].ImageId", quiet=True)
    inst = aws("ec2", "run-instances", "--image-id", ami, "--instance-type", "t3.micro",
               "--network-interfaces", f"DeviceIndex=0,NetworkInterfaceId={e0}",
               f"DeviceIndex=1,NetworkInterfaceId={e1}",
               "--tag-specifications", "ResourceType=instance,Tags=[{Key=Name,Value=lab-compromised}]",
               "--metadata-options", "HttpTokens=required,InstanceMetadataTags=enabled")
    iid = inst["Instances"][0]["InstanceId"]

    # The tutorial's SNS topic; an SQS queue subscribed reads the e-mail back.
    topic = aws("sns", "create-topic", "--name", "GuardDuty-Example")["TopicArn"]
    q = aws("sqs", "create-queue", "--queue-name", "lab-mail")["QueueUrl"]
    qarn = aws("sqs", "get-queue-attributes", "--queue-url", q, "--attribute-names", "QueueArn",
               quiet=True)["Attributes"]["QueueArn"]
    aws("sns", "subscribe", "--topic-arn", topic, "--protocol", "sqs", "--notification-endpoint", qarn)

    # The instance role; the metadata service hands out its credentials.
    # The lab assumes the role in EC2's place, so any principal may (moto
    # 5.2 fails on a trust policy whose only principal is a Service).
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"AWS": "*"}}]}
    arn = aws("iam", "create-role", "--role-name", "cordon-instance",
              "--assume-role-policy-document", json.dumps(trust))["Role"]["Arn"]
    aws("iam", "put-role-policy", "--role-name", "cordon-instance", "--policy-name", "cordon",
        "--policy-document", open(os.environ["LAB_IAM_POLICY"]).read()
        if os.environ.get("LAB_IAM_POLICY") else json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    c = aws("sts", "assume-role", "--role-arn", arn, "--role-session-name", iid)["Credentials"]
    with open(role_file, "w", encoding="utf-8") as f:
        json.dump([{"AccessKeyId": c["AccessKeyId"], "SecretAccessKey": c["SecretAccessKey"],
                    "Token": c["SessionToken"], "ttl": 21600}], f)

    for k, v in dict(ACCOUNT=account, ETAG=etag.strip('"'), VPC=vpc, SUBNET=sub, SG_WEB=sg["lab-web"],
                     SG_ADMIN=sg["lab-admin"], SG_FORENSIC=sg["lab-forensic"], ENI0=e0, ENI1=e1,
                     INST=iid, AMI=ami, TOPIC=topic, QUEUE=q, ROLE_ARN=arn,
                     ADMIN_KEY=key["AccessKeyId"], ADMIN_SECRET=key["SecretAccessKey"]).items():
        print(f"{k}={shlex.quote(v)}")


def enis(iid):
    got = aws("ec2", "describe-network-interfaces", "--filters", f"Name=attachment.instance-id,Values={iid}")
    for e in sorted(got["NetworkInterfaces"], key=lambda e: e["Attachment"]["DeviceIndex"]):
        print(e["NetworkInterfaceId"], e["Attachment"]["DeviceIndex"], e["PrivateIpAddress"],
              ",".join(f"{g['GroupId']}({g.get('GroupName', '?')})"
                       for g in e["Groups"]))


def mail(q):
    got = aws("sqs", "receive-message", "--queue-url", q, "--max-number-of-messages", "10",
              "--wait-time-seconds", "0")
    for m in got.get("Messages", []):
        body = json.loads(m["Body"])
        print(json.dumps({"Subject": body.get("Subject", ""), "Message": body.get("Message", ""),
                          "Timestamp": body.get("Timestamp", "")}))
        aws("sqs", "delete-message", "--queue-url", q, "--receipt-handle", m["ReceiptHandle"], quiet=True)


def tags(iid):
    got = aws("ec2", "describe-tags", "--filters", f"Name=resource-id,Values={iid}")
    for t in sorted(got["Tags"], key=lambda t: t["Key"]):
        print(f"{t['Key']}={t['Value']}")


def many(jobs):
    """CMD:ARG:FILE...: several commands, one Python start."""
    for job in jobs:
        # ARG may hold ':' (an SQS URL): FILE is after the last one.
        cmd, rest = job.split(":", 1)
        arg, path = rest.rsplit(":", 1)
        with open(path, "w", encoding="utf-8") as f, contextlib.redirect_stdout(f):
            {"enis": enis, "mail": mail, "tags": tags}[cmd](arg)


def main():
    if CMD == "many":
        many(ARGS)
    elif CMD == "setup":
        setup(*ARGS)
    elif CMD == "enis":
        enis(*ARGS)
    elif CMD == "mail":
        mail(*ARGS)
    elif CMD == "tags":
        tags(*ARGS)
    else:
        sys.exit(f"cloud.py: unknown command {CMD}")


main()

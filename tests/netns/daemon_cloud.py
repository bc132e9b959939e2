# The AWS side of tests/netns/daemon_cloud*.sh, with boto3 (run with the
# Python that has it: pyenv's), inside the test's `cloud` namespace. One
# process per call: boto3 takes seconds to start on a loaded machine.
#
#   daemon_cloud.py URL CA setup WORKDIR BUCKET THREATFILE
#       IAM bootstrap (the three unsigned calls moto allows), the threat
#       list in S3, the instance role and its credentials (WORKDIR/role.json
#       for the fake IMDS), the tutorial's scene: a VPC on 192.0.2.0/24,
#       groups web, db, forensic (no rules), conversion (open both ways),
#       two interfaces (192.0.2.10, .11) made first and an instance
#       launched on them with instance metadata tags on (with
#       --security-group-ids moto would merge the instance's groups into
#       the primary interface, which EC2 does not), an SNS topic with an
#       SQS queue subscribed. Prints shell assignments.
#   daemon_cloud.py URL CA state INST QUEUE
#       One JSON object: every interface of INST with its groups, INST's
#       tags and termination protection, and the SNS messages on QUEUE
#       (drained: each is reported once).
#   daemon_cloud.py - - gdseed FILE INST TYPE SEVERITY REMOTE
#       Append a GuardDuty finding about INST (updated now) to FILE, the
#       list gd_seeded.py serves. No boto3.
import datetime
import json
import os
import sys
import uuid


def client(name, url, ca, **kw):
    import boto3

    return boto3.client(name, endpoint_url=url, verify=ca, region_name="us-east-1", **kw)


def setup(url, ca, work, bucket, threat):
    boot = dict(aws_access_key_id="AKIDBOOTSTRAP0000000", aws_secret_access_key="bootstrap")
    iam = client("iam", url, ca, **boot)
    iam.create_user(UserName="cordon-admin")
    iam.put_user_policy(UserName="cordon-admin", PolicyName="all", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="cordon-admin")["AccessKey"]
    os.environ["AWS_ACCESS_KEY_ID"] = key["AccessKeyId"]
    os.environ["AWS_SECRET_ACCESS_KEY"] = key["SecretAccessKey"]

    s3 = client("s3", url, ca)
    s3.create_bucket(Bucket=bucket)
    with open(threat, "rb") as f:
        s3.put_object(Bucket=bucket, Key="threat.txt", Body=f.read())

    # The instance profile: a role, and its temporary credentials (STS, so
    # moto checks the session token) for the fake IMDS to hand out.
    iam = client("iam", url, ca)
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
             "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}
    arn = iam.create_role(RoleName="cordon-instance",
                          AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName="cordon-instance", PolicyName="all", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    c = client("sts", url, ca).assume_role(RoleArn=arn, RoleSessionName="i-cordon")["Credentials"]
    with open(os.path.join(work, "role.json"), "w", encoding="utf-8") as f:
        json.dump([{"AccessKeyId": c["AccessKeyId"], "SecretAccessKey": c["SecretAccessKey"],
                    "Token": c["SessionToken"], "ttl": 21600}], f)

    ec2 = client("ec2", url, ca)
    vpc = ec2.create_vpc(CidrBlock="192.0.2.0/24")["Vpc"]["VpcId"]
    sub = ec2.create_subnet(VpcId=vpc, CidrBlock="192.0.2.0/24")["Subnet"]["SubnetId"]
    sg = {n: ec2.create_security_group(VpcId=vpc, GroupName=n, Description=n)["GroupId"]
          for n in ("web", "db", "forensic", "conversion")}
    # The rules the lab's VPC enforces (firmware/lab/vpc.bash): web and db
    # keep a new group's all-open outbound rule; the forensic group has no
    # rule at all; the conversion group is open both ways (its TCP and UDP
    # flows are untracked, so the forensic group cuts them).
    everything = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    ec2.authorize_security_group_ingress(GroupId=sg["web"], IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    ec2.authorize_security_group_ingress(GroupId=sg["db"], IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": sg["web"]}]}])
    ec2.revoke_security_group_egress(GroupId=sg["forensic"], IpPermissions=everything)
    ec2.authorize_security_group_ingress(GroupId=sg["conversion"], IpPermissions=everything)
    e0 = ec2.create_network_interface(SubnetId=sub, PrivateIpAddress="192.0.2.10", Groups=[sg["web"], sg["db"]])
    e1 = ec2.create_network_interface(SubnetId=sub, PrivateIpAddress="192.0.2.11", Groups=[sg["db"]])
    e0, e1 = e0["NetworkInterface"]["NetworkInterfaceId"], e1["NetworkInterface"]["NetworkInterfaceId"]
    ami = ec2.describe_images()["Images"][0]["ImageId"]
    inst = ec2.run_instances(ImageId=ami, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                             NetworkInterfaces=[{"NetworkInterfaceId": e0, "DeviceIndex": 0},
                                                {"NetworkInterfaceId": e1, "DeviceIndex": 1}],
                             MetadataOptions={"HttpTokens": "required", "InstanceMetadataTags": "enabled"})
    iid = inst["Instances"][0]["InstanceId"]

    sns, sqs = client("sns", url, ca), client("sqs", url, ca)
    topic = sns.create_topic(Name="GuardDuty-Example")["TopicArn"]
    q = sqs.create_queue(QueueName="mail")["QueueUrl"]
    qarn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)
    out = dict(ADMIN_KEY=key["AccessKeyId"], ADMIN_SECRET=key["SecretAccessKey"],
               ROLE_KEY=c["AccessKeyId"], ROLE_SECRET=c["SecretAccessKey"],
               SG_WEB=sg["web"], SG_DB=sg["db"], SG_FOR=sg["forensic"], SG_CONV=sg["conversion"],
               ENI0=e0, ENI1=e1, INST=iid, TOPIC=topic, MAILQ=q)
    for k, v in out.items():
        print(f"{k}={v}")


def state(url, ca, inst, queue):
    ec2, sqs = client("ec2", url, ca), client("sqs", url, ca)
    enis = ec2.describe_network_interfaces(
        Filters=[{"Name": "attachment.instance-id", "Values": [inst]}])["NetworkInterfaces"]
    tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [inst]}])["Tags"]
    term = ec2.describe_instance_attribute(InstanceId=inst, Attribute="disableApiTermination")
    mail = []
    while True:
        got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        if not got.get("Messages"):
            break
        for m in got["Messages"]:
            body = json.loads(m["Body"])
            mail.append({"subject": body.get("Subject", ""), "message": body.get("Message", "")})
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
    print(json.dumps({
        "enis": {e["NetworkInterfaceId"]: [g["GroupId"] for g in e["Groups"]] for e in enis},
        "tags": {t["Key"]: t["Value"] for t in tags},
        "termination_protection": term["DisableApiTermination"]["Value"],
        "mail": mail}))


def gdseed(path, inst, ftype, sev, remote):
    try:
        with open(path, encoding="utf-8") as f:
            fs = json.load(f)
    except (OSError, ValueError):
        fs = []
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    fid = uuid.uuid4().hex
    det = "12abc34d567e8fa901bc2d34e56789f0"
    fs.append({
        "AccountId": "123456789012", "Region": "us-east-1", "SchemaVersion": "2.0", "Id": fid,
        "Arn": f"arn:aws:guardduty:us-east-1:123456789012:detector/{det}/finding/{fid}",
        "Partition": "aws", "Type": ftype, "Severity": float(sev), "Title": f"{ftype} on {inst}",
        "Description": "seeded by the test", "CreatedAt": now, "UpdatedAt": now,
        "Resource": {"ResourceType": "Instance", "InstanceDetails": {"InstanceId": inst}},
        "Service": {"ServiceName": "guardduty", "DetectorId": det, "Count": 1, "Archived": False,
                    "Action": {"ActionType": "NETWORK_CONNECTION", "NetworkConnectionAction": {
                        "ConnectionDirection": "OUTBOUND", "Protocol": "TCP", "Blocked": False,
                        "RemoteIpDetails": {"IpAddressV4": remote},
                        "RemotePortDetails": {"Port": 443}}}}})
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(fs, f)
    os.replace(path + ".tmp", path)
    print(fid)


def main():
    url, ca, cmd, a = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    if cmd == "setup":
        setup(url, ca, *a)
    elif cmd == "state":
        state(url, ca, *a)
    elif cmd == "gdseed":
        gdseed(*a)
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()

# Run with the Python that has boto3 (pyenv). The moto side of
# test_respond.sh: builds the scene and reads back what cordon respond did.
#   respond_moto.py URL CA setup            -> shell assignments
#   respond_moto.py URL CA instance [NAME]  -> a new instance (one interface,
#                                              web group), tagged cordon:status=NAME
#   respond_moto.py URL CA state ID...      -> the groups and tags of each
#                                              instance and its interfaces, sorted:
#       eni INSTANCE ENI GROUP,GROUP
#       tags ID KEY=VALUE;...
#   respond_moto.py URL CA mail QUEUE_URL   -> each message waiting: "SUBJECT\tTEXT-as-JSON"
#   respond_moto.py URL CA events QUEUE_URL -> each event waiting, one JSON a line
#   respond_moto.py URL CA tag ID KEY=VALUE...   / untag ID KEY...
#   respond_moto.py URL CA groups ENI SG...  -> ModifyNetworkInterfaceAttribute
import json
import sys

import boto3

url, ca, cmd, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]


def client(name):
    return boto3.client(name, endpoint_url=url, verify=ca, region_name="us-east-1")


def scene_ids():
    ec2 = client("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "cidr", "Values": ["192.0.2.0/24"]}])["Vpcs"][0]["VpcId"]
    sub = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"][0]["SubnetId"]
    web = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["web"]},
                                                {"Name": "vpc-id", "Values": [vpc]}])
    return ec2, sub, web["SecurityGroups"][0]["GroupId"]


def new_instance(status):
    ec2, sub, web = scene_ids()
    ami = ec2.describe_images()["Images"][0]["ImageId"]
    eni = ec2.create_network_interface(SubnetId=sub, Groups=[web])["NetworkInterface"]["NetworkInterfaceId"]
    iid = ec2.run_instances(ImageId=ami, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                            NetworkInterfaces=[{"NetworkInterfaceId": eni, "DeviceIndex": 0}])["Instances"][0]["InstanceId"]
    if status:
        ec2.create_tags(Resources=[iid], Tags=[{"Key": "cordon:status", "Value": status}])
    return iid, eni


def setup():
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="192.0.2.0/24")["Vpc"]["VpcId"]
    sub = ec2.create_subnet(VpcId=vpc, CidrBlock="192.0.2.0/25")["Subnet"]["SubnetId"]
    sg = {n: ec2.create_security_group(VpcId=vpc, GroupName=n, Description=n)["GroupId"]
          for n in ("web", "db", "forensic", "conversion")}
    # Interfaces first, then the instance on them (EC2 keeps each one's groups).
    e0 = ec2.create_network_interface(SubnetId=sub, Groups=[sg["web"], sg["db"]])["NetworkInterface"]["NetworkInterfaceId"]
    e1 = ec2.create_network_interface(SubnetId=sub, Groups=[sg["db"]])["NetworkInterface"]["NetworkInterfaceId"]
    ami = ec2.describe_images()["Images"][0]["ImageId"]
    inst = ec2.run_instances(ImageId=ami, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                             NetworkInterfaces=[{"NetworkInterfaceId": e0, "DeviceIndex": 0},
                                                {"NetworkInterfaceId": e1, "DeviceIndex": 1}])["Instances"][0]["InstanceId"]
    sns, sqs = client("sns"), client("sqs")
    topic = sns.create_topic(Name="GuardDuty-Example")["TopicArn"]
    q = sqs.create_queue(QueueName="mail")["QueueUrl"]
    qarn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)
    # cordon's own events on the default bus, to a queue: what the agent puts.
    ev = client("events")
    eq = sqs.create_queue(QueueName="events")["QueueUrl"]
    earn = sqs.get_queue_attributes(QueueUrl=eq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    ev.put_rule(Name="cordon-incidents",
                EventPattern=json.dumps({"source": ["cordon"], "detail-type": ["cordon Incident"]}))
    ev.put_targets(Rule="cordon-incidents", Targets=[{"Id": "q", "Arn": earn}])
    account = client("sts").get_caller_identity()["Account"]
    out = dict(EVQ=eq, VPC=vpc, SUBNET=sub, SG_WEB=sg["web"], SG_DB=sg["db"], SG_FOR=sg["forensic"],
               SG_CONV=sg["conversion"], ENI0=e0, ENI1=e1, INST=inst, TOPIC=topic, MAILQ=q,
               ACCOUNT=account)
    for k, v in out.items():
        print(f"{k}={v}")


def tags_of(ec2, rid):
    tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [rid]}])["Tags"]
    return ";".join(f"{t['Key']}={t['Value']}" for t in sorted(tags, key=lambda t: t["Key"]))


def state(ids):
    ec2 = client("ec2")
    for iid in ids:
        print("tags", iid, tags_of(ec2, iid))
        enis = ec2.describe_network_interfaces(
            Filters=[{"Name": "attachment.instance-id", "Values": [iid]}])["NetworkInterfaces"]
        for e in sorted(enis, key=lambda e: e["Attachment"]["DeviceIndex"]):
            eid = e["NetworkInterfaceId"]
            print("eni", iid, eid, ",".join(g["GroupId"] for g in e["Groups"]))
            print("tags", eid, tags_of(ec2, eid))


def mail(q):
    sqs = client("sqs")
    while True:
        got = sqs.receive_message(QueueUrl=q, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        msgs = got.get("Messages", [])
        if not msgs:
            return
        for m in msgs:
            body = json.loads(m["Body"])
            print(body.get("Subject", ""), json.dumps(body["Message"]), sep="\t")
            sqs.delete_message(QueueUrl=q, ReceiptHandle=m["ReceiptHandle"])


def main():
    if cmd == "setup":
        setup()
    elif cmd == "instance":
        iid, eni = new_instance(args[0] if args else None)
        print(f"{iid} {eni}")
    elif cmd == "state":
        state(args)
    elif cmd == "mail":
        mail(args[0])
    elif cmd == "events":
        sqs = client("sqs")
        got = sqs.receive_message(QueueUrl=args[0], MaxNumberOfMessages=10, WaitTimeSeconds=0)
        for m in got.get("Messages", []):
            print(json.dumps(json.loads(m["Body"])))
            sqs.delete_message(QueueUrl=args[0], ReceiptHandle=m["ReceiptHandle"])
    elif cmd == "tag":
        client("ec2").create_tags(Resources=[args[0]], Tags=[
            {"Key": kv.split("=", 1)[0], "Value": kv.split("=", 1)[1]} for kv in args[1:]])
    elif cmd == "untag":
        client("ec2").delete_tags(Resources=[args[0]], Tags=[{"Key": k} for k in args[1:]])
    elif cmd == "groups":
        client("ec2").modify_network_interface_attribute(NetworkInterfaceId=args[0], Groups=args[1:])
    else:
        sys.exit(f"unknown command {cmd}")


main()

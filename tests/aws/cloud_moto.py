# Run with the Python that has boto3 (pyenv). The moto side of
# test_cloud.sh: builds the scene and reads back what cordon changed.
#   cloud_moto.py URL CA setup             -> shell assignments
#   cloud_moto.py URL CA drain QUEUE_URL   -> each message (JSON), one a line
#   cloud_moto.py URL CA report NAME=VALUE... -> everything below, one
#       process (boto3 takes seconds to start on a loaded machine):
#     eni ID GROUP,GROUP            every interface of INST
#     tags ID KEY=VALUE;...         for INST, ENI1 (and ENI0 if given), sorted
#     attrs ID termination BOOL shutdown VALUE   for INST and INST2
#     snapshot SNAP VOLUME DESCRIPTION|KEY=VALUE,...
#     mail JSON                     each message on MAILQ (SNS envelope)
#     event JSON                    each message on EVQ
#     sechub JSON                   each Security Hub finding
import json
import sys

import boto3

url, ca, cmd, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]


def client(name):
    return boto3.client(name, endpoint_url=url, verify=ca, region_name="us-east-1")


def setup():
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="192.0.2.0/24")["Vpc"]["VpcId"]
    sub = ec2.create_subnet(VpcId=vpc, CidrBlock="192.0.2.0/25")["Subnet"]["SubnetId"]
    sg = {n: ec2.create_security_group(VpcId=vpc, GroupName=n, Description=n)["GroupId"]
          for n in ("web", "db", "forensic")}
    # Interfaces first, then the instance on them: launched with
    # --security-group-ids moto would merge groups into the primary one.
    eni0 = ec2.create_network_interface(SubnetId=sub, Groups=[sg["web"], sg["db"]])
    eni1 = ec2.create_network_interface(SubnetId=sub, Groups=[sg["db"]])
    e0, e1 = eni0["NetworkInterface"]["NetworkInterfaceId"], eni1["NetworkInterface"]["NetworkInterfaceId"]
    ami = ec2.describe_images()["Images"][0]["ImageId"]
    inst = ec2.run_instances(ImageId=ami, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                             NetworkInterfaces=[{"NetworkInterfaceId": e0, "DeviceIndex": 0},
                                                {"NetworkInterfaceId": e1, "DeviceIndex": 1}])
    iid = inst["Instances"][0]["InstanceId"]
    iid2 = ec2.run_instances(ImageId=ami, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                             SubnetId=sub)["Instances"][0]["InstanceId"]
    desc = ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]
    vol = desc["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]

    sns, sqs = client("sns"), client("sqs")
    topic = sns.create_topic(Name="GuardDuty-Example")["TopicArn"]
    q = sqs.create_queue(QueueName="mail")["QueueUrl"]
    qarn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)

    ev = client("events")
    ev.create_event_bus(Name="cordon-bus")
    eq = sqs.create_queue(QueueName="events")["QueueUrl"]
    earn = sqs.get_queue_attributes(QueueUrl=eq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    ev.put_rule(Name="cordon-findings", EventBusName="cordon-bus",
                EventPattern=json.dumps({"source": ["cordon"], "detail-type": ["Cordon Finding"]}))
    ev.put_targets(Rule="cordon-findings", EventBusName="cordon-bus", Targets=[{"Id": "q", "Arn": earn}])
    client("securityhub").enable_security_hub()
    account = client("sts").get_caller_identity()["Account"]
    for k, v in dict(VPC=vpc, SUBNET=sub, SG_WEB=sg["web"], SG_DB=sg["db"], SG_FOR=sg["forensic"],
                     ENI0=e0, ENI1=e1, INST=iid, INST2=iid2, VOL=vol, TOPIC=topic, MAILQ=q, EVQ=eq,
                     ACCOUNT=account).items():
        print(f"{k}={v}")


def messages(q):
    sqs, out = client("sqs"), []
    while True:
        got = sqs.receive_message(QueueUrl=q, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        msgs = got.get("Messages", [])
        if not msgs:
            return out
        for m in msgs:
            out.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=q, ReceiptHandle=m["ReceiptHandle"])


def report(a):
    ec2 = client("ec2")
    enis = ec2.describe_network_interfaces(
        Filters=[{"Name": "attachment.instance-id", "Values": [a["INST"]]}])["NetworkInterfaces"]
    for e in sorted(enis, key=lambda e: e["NetworkInterfaceId"]):
        print("eni", e["NetworkInterfaceId"], ",".join(g["GroupId"] for g in e["Groups"]))
    for rid in [a["INST"], a["ENI1"]] + ([a["ENI0"]] if a.get("ENI0") else []):
        tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [rid]}])["Tags"]
        print("tags", rid, ";".join(f"{t['Key']}={t['Value']}" for t in sorted(tags, key=lambda t: t["Key"])))
    for iid in [a["INST"]] + ([a["INST2"]] if a.get("INST2") else []):
        t = ec2.describe_instance_attribute(InstanceId=iid, Attribute="disableApiTermination")
        s = ec2.describe_instance_attribute(InstanceId=iid, Attribute="instanceInitiatedShutdownBehavior")
        print("attrs", iid, "termination", t["DisableApiTermination"]["Value"],
              "shutdown", s["InstanceInitiatedShutdownBehavior"]["Value"])
    if a.get("SNAP"):
        s = ec2.describe_snapshots(SnapshotIds=[a["SNAP"]])["Snapshots"][0]
        tags = ",".join(f"{t['Key']}={t['Value']}" for t in sorted(s.get("Tags", []), key=lambda t: t["Key"]))
        print("snapshot", a["SNAP"], s["VolumeId"], f"{s['Description']}|{tags}")
    for m in messages(a["MAILQ"]):
        print("mail", json.dumps(m))
    if a.get("EVQ"):
        for m in messages(a["EVQ"]):
            print("event", json.dumps(m))
        for f in client("securityhub").get_findings()["Findings"]:
            print("sechub", json.dumps(f, sort_keys=True))


def main():
    if cmd == "setup":
        setup()
    elif cmd == "drain":
        for m in messages(args[0]):
            print(json.dumps(m))
    elif cmd == "report":
        report(dict(x.split("=", 1) for x in args))
    else:
        sys.exit(f"unknown command {cmd}")


main()

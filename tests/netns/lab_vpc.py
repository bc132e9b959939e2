# The AWS side of tests/netns/lab_vpc.sh, with boto3 (run with the Python
# that has it: pyenv's), inside the test's region namespace.
#
#   lab_vpc.py URL CA setup
#       IAM bootstrap (moto's three unsigned calls), a VPC on 192.0.2.0/24,
#       groups "https" (egress tcp 443 to the region's 198.51.100.0/24 only),
#       "empty" (no rules at all) and "open" (everything in and out,
#       0.0.0.0/0: its TCP and UDP flows are untracked), one interface in
#       "https" and an instance on it with instance metadata tags on and a
#       Name tag. Prints shell assignments.
#   lab_vpc.py URL CA do STEP...   (credentials from the environment)
#       groups:ENI:SG[,SG...]      ModifyNetworkInterfaceAttribute
#       revoke443:SG               RevokeSecurityGroupEgress tcp 443 198.51.100.0/24
#       tag:ID:KEY=VALUE           CreateTags
#       mdtags:INSTANCE:enabled|disabled   ModifyInstanceMetadataOptions
#     Each step prints "STEP done MS" (Unix ms once EC2 answered).
import json
import os
import sys
import time

import boto3

URL, CA, CMD, ARGS = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
REGION_CIDR = "198.51.100.0/24"


def client(name, **kw):
    return boto3.client(name, endpoint_url=URL, verify=CA, region_name="us-east-1", **kw)


def setup():
    iam = client("iam", aws_access_key_id="AKIDBOOTSTRAP0000000", aws_secret_access_key="bootstrap")
    iam.create_user(UserName="lab-admin")
    iam.put_user_policy(UserName="lab-admin", PolicyName="all", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="lab-admin")["AccessKey"]
    os.environ["AWS_ACCESS_KEY_ID"] = key["AccessKeyId"]
    os.environ["AWS_SECRET_ACCESS_KEY"] = key["SecretAccessKey"]
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="192.0.2.0/24")["Vpc"]["VpcId"]
    sub = ec2.create_subnet(VpcId=vpc, CidrBlock="192.0.2.0/24")["Subnet"]["SubnetId"]
    sg = {n: ec2.create_security_group(VpcId=vpc, GroupName=n, Description=n)["GroupId"]
          for n in ("https", "empty", "open")}
    everything = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    for n in ("https", "empty"):  # a new group allows all outbound: not these
        ec2.revoke_security_group_egress(GroupId=sg[n], IpPermissions=everything)
    ec2.authorize_security_group_egress(GroupId=sg["https"], IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": REGION_CIDR}]}])
    ec2.authorize_security_group_ingress(GroupId=sg["open"], IpPermissions=everything)
    eni = ec2.create_network_interface(SubnetId=sub, PrivateIpAddress="192.0.2.10",
                                       Groups=[sg["https"]])["NetworkInterface"]["NetworkInterfaceId"]
    ami = ec2.describe_images()["Images"][0]["ImageId"]
    inst = ec2.run_instances(ImageId=ami, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                             NetworkInterfaces=[{"NetworkInterfaceId": eni, "DeviceIndex": 0}],
                             MetadataOptions={"HttpTokens": "required", "InstanceMetadataTags": "enabled"},
                             TagSpecifications=[{"ResourceType": "instance",
                                                 "Tags": [{"Key": "Name", "Value": "lab-vpc"}]}])
    iid = inst["Instances"][0]["InstanceId"]
    for k, v in dict(ADMIN_KEY=key["AccessKeyId"], ADMIN_SECRET=key["SecretAccessKey"], SG_HTTPS=sg["https"],
                     SG_EMPTY=sg["empty"], SG_OPEN=sg["open"], ENI=eni, INST=iid).items():
        print(f"{k}={v}")


def do(steps):
    ec2 = client("ec2")
    for step in steps:
        what, a, b = (step.split(":", 2) + [""])[:3]
        if what == "groups":
            ec2.modify_network_interface_attribute(NetworkInterfaceId=a, Groups=b.split(","))
        elif what == "revoke443":
            ec2.revoke_security_group_egress(GroupId=a, IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": REGION_CIDR}]}])
        elif what == "tag":
            k, v = b.split("=", 1)
            ec2.create_tags(Resources=[a], Tags=[{"Key": k, "Value": v}])
        elif what == "mdtags":
            ec2.modify_instance_metadata_options(InstanceId=a, InstanceMetadataTags=b)
        else:
            sys.exit(f"lab_vpc.py: unknown step {step}")
        print(f"{step} done {int(time.time() * 1000)}", flush=True)


if CMD == "setup":
    setup()
elif CMD == "do":
    do(ARGS)
else:
    sys.exit(f"lab_vpc.py: unknown command {CMD}")

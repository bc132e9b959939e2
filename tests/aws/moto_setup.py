# Run with the Python that has boto3 (pyenv). Creates, with the only three
# unsigned calls moto allows (INITIAL_NO_AUTH_ACTION_COUNT=3), an IAM user
# allowed everything and an access key for it; prints them as shell lines.
import json
import sys

import boto3

url, ca = sys.argv[1], sys.argv[2]
iam = boto3.client("iam", endpoint_url=url, verify=ca, region_name="us-east-1",
                   aws_access_key_id="AKIDBOOTSTRAP0000000", aws_secret_access_key="bootstrap")
iam.create_user(UserName="cordon-test")
iam.put_user_policy(UserName="cordon-test", PolicyName="all", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
key = iam.create_access_key(UserName="cordon-test")["AccessKey"]
print(f"AWS_ACCESS_KEY_ID={key['AccessKeyId']}")
print(f"AWS_SECRET_ACCESS_KEY={key['SecretAccessKey']}")

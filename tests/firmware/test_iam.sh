#!/bin/bash
# The instance policy (firmware/iam-policy.json) grants exactly the AWS
# actions cordon's code and user-data call, each as narrowly as AWS
# allows. The actions come from the code (tests/firmware/iam_check.py
# says how). TAP.
cd "$(dirname "$0")/../.." || exit 1
exec "${PYTHON:-/usr/bin/python3}" tests/firmware/iam_check.py

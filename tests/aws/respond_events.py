#!/usr/bin/python3
"""EventBridge events for test_respond.sh, as AWS delivers them.

  respond_events.py gd ID TYPE SEVERITY INSTANCE [REMOTE [UPDATED]]   EC2 finding
  respond_events.py iam ID ACCOUNT                   UnauthorizedAccess:IAMUser/...Custom
  respond_events.py s3 ID ACCOUNT                    Discovery:S3/...Custom
  respond_events.py incident INCIDENT INSTANCE FINDING_ID
  respond_events.py release INSTANCE
  respond_events.py schedule
  respond_events.py object BUCKET KEY

The GuardDuty ones follow the finding format GuardDuty documents
(camelCase, detail = the finding), the S3 one EventBridge's "Object
Created", the scheduled one a rule's "Scheduled Event".
"""
import json
import sys
import uuid

ACCOUNT = "123456789012"
REGION = "us-east-1"


def envelope(source, dtype, detail, resources=()):
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": dtype, "source": source,
            "account": ACCOUNT, "time": "2026-11-28T13:05:00Z", "region": REGION,
            "resources": list(resources), "detail": detail}


def finding(fid, ftype, sev, resource, action, updated="2026-11-28T13:04:00.000Z"):
    return {"schemaVersion": "2.0", "accountId": ACCOUNT, "region": REGION, "partition": "aws",
            "id": fid, "arn": f"arn:aws:guardduty:{REGION}:{ACCOUNT}:detector/12abc34d567e8fa901bc2d34e56789f0/finding/{fid}",
            "type": ftype, "resource": resource,
            "service": {"serviceName": "guardduty", "detectorId": "12abc34d567e8fa901bc2d34e56789f0",
                        "action": action, "resourceRole": "TARGET",
                        "additionalInfo": {"threatListName": "MyThreatIntelSet"},
                        "eventFirstSeen": "2026-11-28T12:50:00.000Z", "eventLastSeen": updated,
                        "archived": False, "count": 4},
            "severity": sev, "createdAt": "2026-11-28T12:51:00.000Z", "updatedAt": updated,
            "title": f"{ftype} finding", "description": f"GuardDuty says: {ftype}."}


def gd(fid, ftype, sev, inst, remote="203.0.113.7", updated="2026-11-28T13:04:00.000Z"):
    res = {"resourceType": "Instance", "instanceDetails": {
        "instanceId": inst, "instanceType": "t3.micro",
        "networkInterfaces": [{"networkInterfaceId": "eni-0", "privateIpAddress": "192.0.2.10"}]}}
    act = {"actionType": "NETWORK_CONNECTION", "networkConnectionAction": {
        "connectionDirection": "OUTBOUND", "protocol": "TCP", "blocked": False,
        "localIpDetails": {"ipAddressV4": "192.0.2.10"}, "localPortDetails": {"port": 40000},
        "remoteIpDetails": {"ipAddressV4": remote, "country": {"countryName": "Example"},
                            "organization": {"asnOrg": "Example Org"}},
        "remotePortDetails": {"port": 443, "portName": "HTTPS"}}}
    return envelope("aws.guardduty", "GuardDuty Finding",
                    finding(fid, ftype, float(sev), res, act, updated))


def api_call(fid, ftype, res):
    act = {"actionType": "AWS_API_CALL", "awsApiCallAction": {
        "api": "ListBuckets", "serviceName": "s3.amazonaws.com", "callerType": "Remote IP",
        "remoteIpDetails": {"ipAddressV4": "198.51.100.77", "country": {"countryName": "Example"}}}}
    return envelope("aws.guardduty", "GuardDuty Finding", finding(fid, ftype, 5.0, res, act))


def main():
    a = sys.argv[1:]
    kind = a[0]
    if kind == "gd":
        ev = gd(a[1], a[2], a[3], a[4], *a[5:])
    elif kind == "iam":
        ev = api_call(a[1], "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom",
                      {"resourceType": "AccessKey", "accessKeyDetails": {
                          "accessKeyId": "AKIAEXAMPLEEXAMPLE01", "principalId": "AIDAEXAMPLE",
                          "userName": "alice", "userType": "IAMUser"}})
    elif kind == "s3":
        ev = api_call(a[1], "Discovery:S3/MaliciousIPCaller.Custom",
                      {"resourceType": "S3Bucket", "s3BucketDetails": [
                          {"name": "payroll-archive", "type": "Destination"}]})
    elif kind == "incident":
        f = gd(a[3], "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom", 5, a[2])["detail"]
        f["service"]["serviceName"] = "cordon"
        ev = envelope("cordon", "cordon Incident", {"incident": a[1], "instanceId": a[2],
                                                     "openedAt": "2026-11-28T13:00:00.000Z",
                                                     "finding": f})
    elif kind == "release":
        ev = envelope("cordon", "cordon Release", {"instance-id": a[1]})
    elif kind == "schedule":
        ev = envelope("aws.events", "Scheduled Event", {},
                      [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/cordon-dead-agents"])
    elif kind == "object":
        ev = envelope("aws.s3", "Object Created", {
            "version": "0", "bucket": {"name": a[1]},
            "object": {"key": a[2], "size": 1234, "etag": "b1946ac92492d2347c6235b4d2611184",
                       "sequencer": "00617F08299329D189"},
            "request-id": "N4N7GDK58NMKJ12R", "requester": ACCOUNT, "reason": "PutObject"},
            [f"arn:aws:s3:::{a[1]}"])
    else:
        sys.exit(f"unknown kind {kind}")
    print(json.dumps(ev))


main()

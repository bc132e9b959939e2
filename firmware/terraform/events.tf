# EventBridge: GuardDuty's findings of the custom threat list, in words a
# person reads, to the responders' topic. One rule per finding family,
# each with its own transformer because the interesting fields differ.
# Each message carries the console links (instance, finding) for the
# finding's region. The off-host responder's rules are in responder.tf.

locals {
  finding_rules = {
    ec2 = {
      description = "GuardDuty: an EC2 instance talked to an address on the custom threat list"
      paths = {
        severity  = "$.detail.severity"
        type      = "$.detail.type"
        id        = "$.detail.id"
        account   = "$.account"
        region    = "$.region"
        instance  = "$.detail.resource.instanceDetails.instanceId"
        direction = "$.detail.service.action.networkConnectionAction.connectionDirection"
        remote    = "$.detail.service.action.networkConnectionAction.remoteIpDetails.ipAddressV4"
        rport     = "$.detail.service.action.networkConnectionAction.remotePortDetails.port"
        lport     = "$.detail.service.action.networkConnectionAction.localPortDetails.port"
        list      = "$.detail.service.additionalInfo.threatListName"
      }
      text = "GuardDuty finding <type> (severity <severity>): instance <instance> in account <account>, <region>: <direction> connection with <remote> (remote port <rport>, local port <lport>), listed on <list>. cordon isolates the instance (its agent, or the off-host responder). Instance: https://<region>.console.aws.amazon.com/ec2/home?region=<region>#InstanceDetails:instanceId=<instance> Finding: https://<region>.console.aws.amazon.com/guardduty/home?region=<region>#/findings?macros=current&fId=<id>"
    }
    iamuser = {
      description = "GuardDuty: AWS credentials were used from an address on the custom threat list"
      paths = {
        severity = "$.detail.severity"
        type     = "$.detail.type"
        id       = "$.detail.id"
        account  = "$.account"
        region   = "$.region"
        user     = "$.detail.resource.accessKeyDetails.userName"
        key      = "$.detail.resource.accessKeyDetails.accessKeyId"
        api      = "$.detail.service.action.awsApiCallAction.api"
        remote   = "$.detail.service.action.awsApiCallAction.remoteIpDetails.ipAddressV4"
      }
      text = "GuardDuty finding <type> (severity <severity>): <user> (access key <key>) called <api> from listed address <remote> in account <account>, <region>. Revoke the key. Finding: https://<region>.console.aws.amazon.com/guardduty/home?region=<region>#/findings?macros=current&fId=<id>"
    }
    s3 = {
      description = "GuardDuty: an S3 bucket was accessed from an address on the custom threat list"
      paths = {
        severity = "$.detail.severity"
        type     = "$.detail.type"
        id       = "$.detail.id"
        account  = "$.account"
        region   = "$.region"
        bucket   = "$.detail.resource.s3BucketDetails[0].name"
        api      = "$.detail.service.action.awsApiCallAction.api"
        remote   = "$.detail.service.action.awsApiCallAction.remoteIpDetails.ipAddressV4"
      }
      text = "GuardDuty finding <type> (severity <severity>): <api> on bucket <bucket> from listed address <remote> in account <account>, <region>. Bucket: https://s3.console.aws.amazon.com/s3/buckets/<bucket>?region=<region> Finding: https://<region>.console.aws.amazon.com/guardduty/home?region=<region>#/findings?macros=current&fId=<id>"
    }
  }

  # Only the families the caller asked for.
  enabled_finding_rules = {
    for k, r in local.finding_rules : k => merge(r, { type = var.finding_types[k] })
    if contains(keys(var.finding_types), k)
  }
}

resource "aws_cloudwatch_event_rule" "finding" {
  for_each = local.enabled_finding_rules

  name        = "${var.name}-guardduty-${each.key}"
  description = each.value.description
  event_pattern = jsonencode({
    source        = ["aws.guardduty"]
    "detail-type" = ["GuardDuty Finding"]
    detail = {
      type = [each.value.type]
    }
  })
  tags = local.tags
}

resource "aws_cloudwatch_event_target" "finding_to_sns" {
  for_each = local.enabled_finding_rules

  rule      = aws_cloudwatch_event_rule.finding[each.key].name
  target_id = "sns"
  arn       = aws_sns_topic.alerts.arn

  input_transformer {
    input_paths = each.value.paths
    # A JSON string, so SNS e-mail shows plain text. Not jsonencode():
    # it would escape the <placeholders> as \u003c...\u003e.
    input_template = "\"${each.value.text}\""
  }
}

# The off-host responder: cordon itself (`cordon respond`, make lambda) as
# a Lambda custom runtime. It isolates an instance whether or not anything
# on that instance still works: a GuardDuty EC2 finding, cordon's own
# incident (to finish what the agent lost the API for), a dead agent (no
# heartbeat), a changed threat list (GuardDuty's ThreatIntelSet
# re-activated), a release. Its role is its own (responder-policy.json);
# failed events end up in a dead-letter queue, not lost.

locals {
  responder_name = "${var.name}-responder"

  # cordon.conf options as CORDON_<SECTION>_<KEY> (cordon.conf(5)).
  responder_env = merge({
    CORDON_CLOUD_FORENSIC_SECURITY_GROUP   = aws_security_group.forensic.id
    CORDON_CLOUD_CONVERSION_SECURITY_GROUP = local.conversion_sg
    CORDON_CLOUD_SNS_TOPIC_ARN             = aws_sns_topic.alerts.arn
    CORDON_CLOUD_TAG_INSTANCE              = "true"
    CORDON_CLOUD_TERMINATION_PROTECTION    = tostring(var.termination_protection)
    CORDON_CLOUD_SNAPSHOT_VOLUMES          = tostring(var.snapshot_volumes)
    CORDON_GUARDDUTY_DETECTOR_ID           = local.detector_id
    CORDON_INCIDENT_GUARDDUTY_TYPES        = join(",", var.responder_finding_types)
    CORDON_INCIDENT_GUARDDUTY_MIN_SEVERITY = tostring(var.guardduty_min_severity)
    CORDON_LISTS_THREAT                    = local.threat_lists[0]
    CORDON_EVENTS_EVENTBRIDGE_BUS          = var.eventbridge_bus
  }, var.responder_settings)

  # What wakes the responder. One event pattern or schedule each.
  responder_rules = {
    guardduty = {
      description = "GuardDuty EC2 finding of the custom threat list: isolate the instance from off the host"
      bus         = "default"
      schedule    = null
      pattern = {
        source        = ["aws.guardduty"]
        "detail-type" = ["GuardDuty Finding"]
        detail        = { type = var.responder_finding_types }
      }
    }
    dead_agent = {
      description = "Instances tagged cordon:status=installed whose agent stopped sending its heartbeat"
      bus         = "default"
      schedule    = var.dead_agent_schedule
      pattern     = null
    }
    list_update = {
      description = "The threat list object changed: re-activate GuardDuty's ThreatIntelSet"
      bus         = "default"
      schedule    = null
      pattern = {
        source        = ["aws.s3"]
        "detail-type" = ["Object Created"]
        detail = {
          bucket = { name = [local.bucket] }
          object = { key = [local.threat_key] }
        }
      }
    }
    cordon = {
      description = "cordon's own incidents (the agent, before it isolates) and releases"
      bus         = var.eventbridge_bus
      schedule    = null
      pattern = {
        source        = ["cordon"]
        "detail-type" = ["cordon Incident", "cordon Release"]
      }
    }
  }
}

data "aws_iam_policy_document" "assume_lambda" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "responder" {
  count = local.responder ? 1 : 0

  name_prefix        = "${var.name}-responder-"
  description        = "cordon respond: isolate, tag, notify, re-activate the ThreatIntelSet"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
  tags               = local.tags
}

resource "aws_iam_role_policy" "responder" {
  count = local.responder ? 1 : 0

  name = "cordon-respond"
  role = aws_iam_role.responder[0].id
  policy = jsonencode(jsondecode(templatefile("${path.module}/../responder-policy.json", {
    partition             = local.partition
    region                = local.region
    account_id            = local.account_id
    vpc_id                = var.vpc_id
    sns_topic_arn         = aws_sns_topic.alerts.arn
    guardduty_detector_id = local.detector_id
    log_group_arn         = aws_cloudwatch_log_group.responder[0].arn
    dlq_arn               = aws_sqs_queue.responder_dlq[0].arn
  })))
}

# Created here, not by Lambda, so that it has a retention and the role
# needs no logs:CreateLogGroup.
resource "aws_cloudwatch_log_group" "responder" {
  count = local.responder ? 1 : 0

  name              = "/aws/lambda/${local.responder_name}"
  retention_in_days = var.log_retention_days
  tags              = local.tags
}

# Events that could not be delivered or handled, kept 14 days.
resource "aws_sqs_queue" "responder_dlq" {
  count = local.responder ? 1 : 0

  name                      = "${local.responder_name}-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
  tags                      = local.tags
}

data "aws_iam_policy_document" "responder_dlq" {
  count = local.responder ? 1 : 0

  statement {
    sid       = "EventBridgeRulesOfThisModule"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.responder_dlq[0].arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [for r in aws_cloudwatch_event_rule.responder : r.arn]
    }
  }
}

resource "aws_sqs_queue_policy" "responder_dlq" {
  count = local.responder ? 1 : 0

  queue_url = aws_sqs_queue.responder_dlq[0].id
  policy    = data.aws_iam_policy_document.responder_dlq[0].json
}

resource "aws_lambda_function" "responder" {
  count = local.responder ? 1 : 0

  function_name    = local.responder_name
  description      = "cordon respond: the off-host responder"
  role             = aws_iam_role.responder[0].arn
  filename         = var.responder_zip
  source_code_hash = filebase64sha256(var.responder_zip)
  handler          = "bootstrap"
  runtime          = "provided.al2023"
  architectures    = [var.responder_architecture]
  timeout          = var.responder_timeout
  memory_size      = var.responder_memory

  environment {
    variables = local.responder_env
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.responder_dlq[0].arn
  }

  tags = local.tags

  depends_on = [aws_cloudwatch_log_group.responder, aws_iam_role_policy.responder]
}

resource "aws_lambda_function_event_invoke_config" "responder" {
  count = local.responder ? 1 : 0

  function_name                = aws_lambda_function.responder[0].function_name
  maximum_retry_attempts       = var.responder_retries
  maximum_event_age_in_seconds = 3600
}

resource "aws_cloudwatch_event_rule" "responder" {
  for_each = local.responder ? local.responder_rules : {}

  name                = "${local.responder_name}-${replace(each.key, "_", "-")}"
  description         = each.value.description
  event_bus_name      = each.value.bus
  schedule_expression = each.value.schedule
  event_pattern       = each.value.pattern != null ? jsonencode(each.value.pattern) : null
  tags                = local.tags
}

resource "aws_cloudwatch_event_target" "responder" {
  for_each = aws_cloudwatch_event_rule.responder

  rule           = each.value.name
  event_bus_name = each.value.event_bus_name
  target_id      = "responder"
  arn            = aws_lambda_function.responder[0].arn

  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 8
  }

  dead_letter_config {
    arn = aws_sqs_queue.responder_dlq[0].arn
  }
}

resource "aws_lambda_permission" "responder" {
  for_each = aws_cloudwatch_event_rule.responder

  statement_id  = "events-${each.key}"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.responder[0].function_name
  principal     = "events.amazonaws.com"
  source_arn    = each.value.arn
}

# S3 tells EventBridge when the threat list object changes.
resource "aws_s3_bucket_notification" "lists" {
  count = local.responder ? 1 : 0

  bucket      = aws_s3_bucket.lists.id
  eventbridge = true
}

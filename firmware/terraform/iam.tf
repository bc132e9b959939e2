# The instance role: only what cordon calls, scoped to this stack's bucket
# prefix, topic and detector, this VPC's security groups, interfaces and
# volumes tagged cordon:managed, and the calling instance itself. The
# policy text is firmware/iam-policy.json, which tests/firmware/test_iam.sh
# holds against the calls in cordon's code.

data "aws_iam_policy_document" "assume_ec2" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "instance" {
  name_prefix        = "${var.name}-instance-"
  description        = "cordon on EC2: read lists, isolate this instance, notify responders"
  assume_role_policy = data.aws_iam_policy_document.assume_ec2.json
  tags               = local.tags
}

locals {
  # Statements for features that are off are dropped: a host that never
  # snapshots or publishes to EventBridge or Security Hub cannot.
  optional_statements = {
    SnapshotOwnVolumesForEvidence             = var.snapshot_volumes
    EvidenceSnapshotsAreTaggedAtCreation      = var.snapshot_volumes
    TagEvidenceSnapshotsOnlyWhileCreatingThem = var.snapshot_volumes
    PublishFindingsToEventBridge              = var.publish_to_eventbridge
    ImportFindingsToSecurityHub               = var.publish_to_securityhub
  }
  instance_policy = jsondecode(templatefile("${path.module}/../iam-policy.json", {
    partition             = local.partition
    region                = local.region
    account_id            = local.account_id
    list_bucket           = local.bucket
    list_prefix           = local.list_prefix
    package_bucket        = local.bucket
    package_key           = local.package_key
    managed_tag_key       = keys(local.managed_tag)[0]
    managed_tag_value     = values(local.managed_tag)[0]
    vpc_id                = var.vpc_id
    sns_topic_arn         = aws_sns_topic.alerts.arn
    guardduty_detector_id = local.detector_id
    eventbridge_bus       = var.eventbridge_bus
  }))
}

resource "aws_iam_role_policy" "cordon" {
  name = "cordon"
  role = aws_iam_role.instance.id
  policy = jsonencode(merge(local.instance_policy, {
    Statement = [
      for s in local.instance_policy.Statement : s
      if lookup(local.optional_statements, s.Sid, true)
    ]
  }))
}

resource "aws_iam_role_policy_attachment" "ssm" {
  count = var.attach_ssm_policy ? 1 : 0

  role       = aws_iam_role.instance.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_instance_profile" "instance" {
  name_prefix = "${var.name}-instance-"
  role        = aws_iam_role.instance.name
  tags        = local.tags
}

# The instance role: only what cordon calls, and no more than a
# compromised host may be trusted with: its own instance and its own
# interfaces, only into the forensic and conversion groups, cordon: tags
# only, this stack's bucket prefix and bundle, topic and detector. The
# policy text is firmware/iam-policy.json, which tests/firmware/test_iam.sh
# holds against the calls in cordon's code; README.md says which condition
# keys it uses and why.

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
    PublishFindingsToEventBridge              = var.publish_to_eventbridge || local.responder
    ImportFindingsToSecurityHub               = var.publish_to_securityhub
    ReadAgentBundle                           = var.bundle_url != null
  }
  instance_policy = jsondecode(templatefile("${path.module}/../iam-policy.json", {
    partition                 = local.partition
    region                    = local.region
    account_id                = local.account_id
    list_bucket               = local.bucket
    list_prefix               = local.list_prefix
    package_bucket            = local.bucket
    package_key               = local.package_key
    bundle_object             = local.bundle_object
    forensic_security_group   = aws_security_group.forensic.id
    conversion_security_group = var.create_conversion_security_group ? local.conversion_sg : aws_security_group.forensic.id
    managed_tag_key           = keys(local.managed_tag)[0]
    managed_tag_value         = values(local.managed_tag)[0]
    vpc_id                    = var.vpc_id
    sns_topic_arn             = aws_sns_topic.alerts.arn
    guardduty_detector_id     = local.detector_id
    eventbridge_bus           = var.eventbridge_bus
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

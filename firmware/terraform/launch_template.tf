# The launch template of a cordon appliance: IMDSv2 only, instance tags
# readable through IMDS (the agent obeys cordon:status set from outside),
# the instance profile above, everything it creates tagged cordon:managed
# (the policy keys on that tag), and user-data that installs and starts
# cordon: the .deb on Debian/Ubuntu, the bundle anywhere else.

data "aws_ami" "debian" {
  count = var.ami_id == null && var.ami_family == "debian12" ? 1 : 0

  most_recent = true
  owners      = ["136693071363"] # Debian's official AWS account

  filter {
    name   = "name"
    values = ["debian-12-${var.architecture == "arm64" ? "arm64" : "amd64"}-*"]
  }

  filter {
    name   = "architecture"
    values = [var.architecture]
  }
}

# Amazon Linux 2023's newest AMI, from AWS's public parameter.
data "aws_ssm_parameter" "al2023" {
  count = var.ami_id == null && var.ami_family == "al2023" ? 1 : 0

  name = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${var.architecture}"
}

resource "aws_launch_template" "cordon" {
  name_prefix            = "${var.name}-"
  description            = "EC2 host with cordon, its own network sensor and enforcer"
  image_id               = var.ami_id != null ? var.ami_id : (var.ami_family == "al2023" ? nonsensitive(data.aws_ssm_parameter.al2023[0].value) : data.aws_ami.debian[0].id)
  instance_type          = var.instance_type
  key_name               = var.key_name
  vpc_security_group_ids = var.instance_security_group_ids
  update_default_version = true

  iam_instance_profile {
    arn = aws_iam_instance_profile.instance.arn
  }

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "enabled"
  }

  dynamic "tag_specifications" {
    for_each = toset(["instance", "volume", "network-interface"])

    content {
      resource_type = tag_specifications.value
      tags          = merge(local.tags, local.managed_tag)
    }
  }

  user_data = base64encode(templatefile("${path.module}/../user-data.sh", {
    package_url               = "s3://${local.bucket}/${local.package_key}"
    bundle_url                = var.bundle_url != null ? var.bundle_url : ""
    bundle_sha256             = var.bundle_sha256 != null ? var.bundle_sha256 : ""
    mode                      = var.mode
    threat_lists              = join("\n", local.threat_lists)
    trusted_lists             = join("\n", var.trusted_lists)
    sync_interval             = var.sync_interval
    lockdown_allow            = join("\n", var.lockdown_allow)
    lockdown_allow_units      = join("\n", var.lockdown_allow_units)
    forensic_security_group   = aws_security_group.forensic.id
    conversion_security_group = var.create_conversion_security_group ? aws_security_group.conversion[0].id : ""
    sns_topic_arn             = aws_sns_topic.alerts.arn
    guardduty_detector_id     = local.detector_id
    guardduty_min_severity    = var.guardduty_min_severity
    termination_protection    = var.termination_protection
    snapshot_volumes          = var.snapshot_volumes
    eventbridge               = var.publish_to_eventbridge || local.responder
    eventbridge_bus           = var.eventbridge_bus
    securityhub               = var.publish_to_securityhub
  }))

  tags = local.tags

  # The package must be in the bucket before an instance asks for it.
  depends_on = [aws_s3_object.package, aws_iam_role_policy.cordon]

  lifecycle {
    precondition {
      condition     = (var.bundle_url == null) == (var.bundle_sha256 == null)
      error_message = "bundle_url and bundle_sha256 go together: user-data installs no bundle it cannot check."
    }
    precondition {
      condition     = var.ami_family != "al2023" || var.bundle_url != null
      error_message = "ami_family al2023 has no apt: give bundle_url and bundle_sha256 (make bundle)."
    }
  }
}

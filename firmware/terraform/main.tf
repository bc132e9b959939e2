# cordon's cloud side: what the GuardDuty incident-response tutorial builds
# (S3 threat list, detector + ThreatIntelSet, SNS e-mail, EventBridge
# rules, a forensic security group, the Lambda that isolates an instance,
# VPC flow logs), plus the instance role, profile and launch template that
# turn a stock EC2 host into a cordon appliance. The tutorial's Lambda is
# cordon itself (`cordon respond`, responder.tf): it isolates from off the
# host whatever the host's own agent could not.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  # Every interface and volume the launch template creates carries this
  # tag; the instance policy lets cordon touch only those.
  managed_tag = { "cordon:managed" = "true" }
  tags        = merge(var.tags, { "cordon:stack" = var.name })

  # One bucket holds the lists (under lists/) and, optionally, the package.
  bucket      = aws_s3_bucket.lists.id
  list_prefix = "lists/"
  threat_key  = "${local.list_prefix}${var.threat_list_name}"
  package_key = var.package_file != null ? "packages/${basename(var.package_file)}" : var.package_key

  detector_id = var.create_detector ? aws_guardduty_detector.this[0].id : var.detector_id

  # The isolation groups; without a conversion group the forensic one
  # stands in (the instance policy names both).
  conversion_sg = var.create_conversion_security_group ? aws_security_group.conversion[0].id : ""

  # BUCKET/KEY of the bundle, for the instance policy's s3:GetObject.
  bundle_object = var.bundle_url != null ? trimprefix(var.bundle_url, "s3://") : ""

  responder = var.responder_zip != null

  # cordon's list locations: the threat list GuardDuty also reads, then
  # any extra ones the caller keeps elsewhere.
  threat_lists = concat(
    ["${lower(var.threat_list_format)}:s3://${local.bucket}/${local.threat_key}"],
    var.extra_threat_lists,
  )
}

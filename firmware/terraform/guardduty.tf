# GuardDuty reads the same threat list object as cordon. It publishes a
# new finding within about five minutes and updates every
# finding_publishing_frequency; cordon on the host acts in milliseconds
# and uses GuardDuty's findings as a second opinion.

resource "aws_guardduty_detector" "this" {
  count = var.create_detector ? 1 : 0

  enable                       = true
  finding_publishing_frequency = var.finding_publishing_frequency
  tags                         = local.tags
}

resource "aws_guardduty_threatintelset" "this" {
  activate    = true
  detector_id = local.detector_id
  format      = var.threat_list_format
  location    = "https://s3.${data.aws_partition.current.dns_suffix}/${aws_s3_object.threat_list.bucket}/${aws_s3_object.threat_list.key}"
  name        = var.threat_list_name
  tags        = local.tags

  lifecycle {
    precondition {
      condition     = local.detector_id != null
      error_message = "create_detector is false: give the existing detector's ID in detector_id."
    }
  }
}

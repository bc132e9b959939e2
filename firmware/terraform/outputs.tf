output "bucket" {
  description = "Name of the list bucket (lists under lists/, packages under packages/)."
  value       = aws_s3_bucket.lists.id
}

output "threat_list_url" {
  description = "The shared threat list as cordon names it: FORMAT:s3://BUCKET/KEY."
  value       = local.threat_lists[0]
}

output "detector_id" {
  description = "The GuardDuty detector in use (created or given)."
  value       = local.detector_id
}

output "threatintelset_id" {
  description = "ID of the ThreatIntelSet that points at the threat list."
  value       = aws_guardduty_threatintelset.this.id
}

output "sns_topic_arn" {
  description = "The responders' topic."
  value       = aws_sns_topic.alerts.arn
}

output "event_rule_arns" {
  description = "EventBridge rules forwarding GuardDuty findings to the topic, by finding family."
  value       = { for k, r in aws_cloudwatch_event_rule.finding : k => r.arn }
}

output "forensic_security_group_id" {
  description = "The security group with no rules that isolated interfaces end up in."
  value       = aws_security_group.forensic.id
}

output "conversion_security_group_id" {
  description = "The all-open first hop that makes flows untracked, or null."
  value       = var.create_conversion_security_group ? aws_security_group.conversion[0].id : null
}

output "instance_role_arn" {
  description = "Role of cordon instances."
  value       = aws_iam_role.instance.arn
}

output "instance_profile_name" {
  description = "Instance profile of cordon instances, for instances launched without the template."
  value       = aws_iam_instance_profile.instance.name
}

output "launch_template_id" {
  description = "Launch template that builds a cordon appliance."
  value       = aws_launch_template.cordon.id
}

output "launch_template_version" {
  description = "Latest version of the launch template."
  value       = aws_launch_template.cordon.latest_version
}

output "flow_logs_bucket_arn" {
  description = "ARN of the bucket that receives the VPC's flow logs (all traffic), or null."
  value       = var.create_flow_logs ? aws_s3_bucket.flow_logs[0].arn : null
}

output "responder_function_arn" {
  description = "The off-host responder (cordon respond in Lambda), or null."
  value       = local.responder ? aws_lambda_function.responder[0].arn : null
}

output "responder_rule_arns" {
  description = "EventBridge rules that invoke the responder, by purpose (guardduty, dead_agent, list_update, cordon)."
  value       = { for k, r in aws_cloudwatch_event_rule.responder : k => r.arn }
}

output "responder_dead_letter_queue_url" {
  description = "SQS queue holding the events the responder could not take or handle, or null."
  value       = local.responder ? aws_sqs_queue.responder_dlq[0].id : null
}

output "responder_log_group" {
  description = "CloudWatch Logs group of the responder, or null."
  value       = local.responder ? aws_cloudwatch_log_group.responder[0].name : null
}

# The tutorial's setup, done by cordon: one protected instance in an
# existing subnet, the list bucket, GuardDuty, the topic with an e-mail
# subscription, and the isolation groups.
#
#   terraform init && terraform apply \
#     -var vpc_id=vpc-... -var subnet_id=subnet-... -var email=you@example.com \
#     -var package_file=../../../../build/cordon_0.1.0_amd64.deb

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0, < 6.0"
    }
  }
}

provider "aws" {
  region = var.region
}

variable "region" {
  description = "Region to build in."
  type        = string
  default     = "us-east-1"
}

variable "vpc_id" {
  description = "VPC of the protected instance."
  type        = string
}

variable "subnet_id" {
  description = "Subnet of the protected instance (it needs a route to S3 and the AWS APIs)."
  type        = string
}

variable "email" {
  description = "Where findings and cordon's reports go."
  type        = string
}

variable "package_file" {
  description = "The cordon .deb built by `make deb`."
  type        = string
}

variable "responders_cidr" {
  description = "Responders' network, kept reachable on port 22 during a lockdown."
  type        = string
  default     = "198.51.100.0/24"
}

module "cordon" {
  source = "../.."

  name                = "cordon-example"
  vpc_id              = var.vpc_id
  # GuardDuty TXT: one IPv4 address or CIDR a line, no comments. The
  # sample holds documentation addresses only; put your real feed here.
  threat_list_file    = "${path.module}/MyThreatIntelSet.txt"
  package_file        = var.package_file
  notification_emails = [var.email]
  mode                = "isolate"
  lockdown_allow      = ["${var.responders_cidr}:22"]

  tags = {
    Project = "cordon-example"
  }
}

resource "aws_instance" "protected" {
  subnet_id = var.subnet_id

  launch_template {
    id      = module.cordon.launch_template_id
    version = module.cordon.launch_template_version
  }

  tags = {
    Name = "cordon-example-protected"
  }
}

output "instance_id" {
  description = "The protected instance; its tag cordon:status says how the install went."
  value       = aws_instance.protected.id
}

output "sns_topic_arn" {
  description = "Confirm the subscription e-mail AWS sends to this topic's subscriber."
  value       = module.cordon.sns_topic_arn
}

output "forensic_security_group_id" {
  description = "Where an isolated instance's interfaces end up."
  value       = module.cordon.forensic_security_group_id
}

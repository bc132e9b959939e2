# The tutorial's setup, done by cordon: one protected instance in an
# existing subnet, the list bucket, GuardDuty, the topic with an e-mail
# subscription, the isolation groups, VPC flow logs and, with
# responder_zip, the off-host responder.
#
#   terraform init && terraform apply \
#     -var vpc_id=vpc-... -var subnet_id=subnet-... -var email=you@example.com \
#     -var package_file=../../../../build/cordon_0.1.0_amd64.deb \
#     -var responder_zip=../../../../build/cordon-lambda.zip
#
# On Amazon Linux 2023 instead of Debian: make bundle, upload
# build/cordon-0.1.0-x86_64.tar.gz to S3, and add
#     -var ami_family=al2023 -var bundle_url=s3://BUCKET/KEY \
#     -var bundle_sha256=$(cut -d' ' -f1 build/cordon-0.1.0-x86_64.tar.gz.sha256)

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

variable "ami_family" {
  description = "debian12 (the .deb) or al2023 (the bundle)."
  type        = string
  default     = "debian12"
}

variable "bundle_url" {
  description = "s3://BUCKET/KEY of the bundle made by `make bundle`, for images without apt."
  type        = string
  default     = null
}

variable "bundle_sha256" {
  description = "SHA-256 of that bundle (its .sha256 file)."
  type        = string
  default     = null
}

variable "responder_zip" {
  description = "The Lambda zip made by `make lambda`; null: no off-host responder."
  type        = string
  default     = null
}

variable "responders_cidr" {
  description = "Responders' network, kept reachable on port 22 during a lockdown."
  type        = string
  default     = "198.51.100.0/24"
}

module "cordon" {
  source = "../.."

  name   = "cordon-example"
  vpc_id = var.vpc_id
  # GuardDuty TXT: one IPv4 address or CIDR a line, no comments. The
  # sample holds documentation addresses only; put your real feed here.
  threat_list_file    = "${path.module}/MyThreatIntelSet.txt"
  package_file        = var.package_file
  notification_emails = [var.email]
  mode                = "isolate"
  lockdown_allow      = ["${var.responders_cidr}:22"]
  ami_family          = var.ami_family
  bundle_url          = var.bundle_url
  bundle_sha256       = var.bundle_sha256
  responder_zip       = var.responder_zip

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

output "flow_logs_bucket_arn" {
  description = "Where the VPC's flow logs go."
  value       = module.cordon.flow_logs_bucket_arn
}

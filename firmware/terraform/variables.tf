# Inputs of the cordon module. README.md in this folder has them as a table.

variable "name" {
  description = "Name prefix of everything the module creates (bucket, topic, rules, groups, role, launch template)."
  type        = string
  default     = "cordon"

  validation {
    # 20: IAM name prefixes stop at 38 characters, "-instance-" included.
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,19}$", var.name))
    error_message = "name: 1 to 20 lowercase letters, digits or hyphens, starting with a letter or digit."
  }
}

variable "tags" {
  description = "Tags added to every resource that takes tags."
  type        = map(string)
  default     = {}
}

variable "vpc_id" {
  description = "VPC of the protected instances: the forensic (and conversion) security groups live there, and cordon may only use security groups of this VPC."
  type        = string
}

# --- lists -------------------------------------------------------------

variable "bucket_force_destroy" {
  description = "Let `terraform destroy` delete the list bucket with its objects and versions (tests and labs only)."
  type        = bool
  default     = false
}

variable "threat_list_file" {
  description = "Local file uploaded as the threat list that both GuardDuty (ThreatIntelSet) and cordon read."
  type        = string
}

variable "threat_list_name" {
  description = "Object name of the threat list under lists/, and the ThreatIntelSet's name (GuardDuty's threatListName)."
  type        = string
  default     = "MyThreatIntelSet"

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,128}$", var.threat_list_name))
    error_message = "threat_list_name: 1 to 128 letters, digits, dots, underscores or hyphens."
  }
}

variable "threat_list_format" {
  description = "GuardDuty format of the threat list: TXT, STIX, OTX_CSV, ALIEN_VAULT, PROOF_POINT or FIRE_EYE."
  type        = string
  default     = "TXT"

  validation {
    condition     = contains(["TXT", "STIX", "OTX_CSV", "ALIEN_VAULT", "PROOF_POINT", "FIRE_EYE"], var.threat_list_format)
    error_message = "threat_list_format: one of TXT, STIX, OTX_CSV, ALIEN_VAULT, PROOF_POINT, FIRE_EYE."
  }
}

variable "extra_threat_lists" {
  description = "More threat lists for cordon only, as [FORMAT:]s3://BUCKET/KEY under this module's bucket and lists/ prefix (the instance policy allows nothing else)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for l in var.extra_threat_lists : can(regex("^[^'\n]+$", l))])
    error_message = "extra_threat_lists: no quotes or line breaks."
  }
}

variable "trusted_lists" {
  description = "Trusted lists for cordon, as [FORMAT:]LOCATION (a file on the host or s3:// under this module's bucket and lists/ prefix)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for l in var.trusted_lists : can(regex("^[^'\n]+$", l))])
    error_message = "trusted_lists: no quotes or line breaks."
  }
}

variable "sync_interval" {
  description = "Seconds between two list syncs on the host (jittered by cordon)."
  type        = number
  default     = 60

  validation {
    condition     = var.sync_interval >= 10 && var.sync_interval <= 86400
    error_message = "sync_interval: 10 to 86400 seconds."
  }
}

# --- GuardDuty ---------------------------------------------------------

variable "create_detector" {
  description = "Create the GuardDuty detector. A region holds one detector per account: set false and give detector_id when GuardDuty is already on."
  type        = bool
  default     = true
}

variable "detector_id" {
  description = "Existing GuardDuty detector to use when create_detector is false."
  type        = string
  default     = null

  validation {
    condition     = var.detector_id == null || can(regex("^[0-9a-z]{1,300}$", var.detector_id))
    error_message = "detector_id: a GuardDuty detector ID (lowercase letters and digits)."
  }
}

variable "finding_publishing_frequency" {
  description = "How often GuardDuty publishes updates of existing findings to EventBridge."
  type        = string
  default     = "FIFTEEN_MINUTES"

  validation {
    condition     = contains(["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"], var.finding_publishing_frequency)
    error_message = "finding_publishing_frequency: FIFTEEN_MINUTES, ONE_HOUR or SIX_HOURS."
  }
}

variable "guardduty_min_severity" {
  description = "Lowest GuardDuty severity cordon acts on when it polls findings."
  type        = number
  default     = 7
}

# --- notification ------------------------------------------------------

variable "notification_emails" {
  description = "Addresses subscribed to the topic (each must confirm AWS's e-mail)."
  type        = list(string)
  default     = []
}

variable "finding_types" {
  description = "GuardDuty finding types that EventBridge forwards to the topic, by rule suffix."
  type        = map(string)
  default = {
    ec2     = "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom"
    iamuser = "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom"
    s3      = "Discovery:S3/MaliciousIPCaller.Custom"
  }

  validation {
    condition     = length(var.finding_types) > 0 && alltrue([for k in keys(var.finding_types) : contains(["ec2", "iamuser", "s3"], k)])
    error_message = "finding_types: one to three of the keys ec2, iamuser and s3 (each has its own message)."
  }
}

# --- isolation ---------------------------------------------------------

variable "create_conversion_security_group" {
  description = "Also create the conversion group (all traffic allowed, so every flow becomes untracked) that cordon passes through before the forensic group, so that established connections do not survive isolation."
  type        = bool
  default     = true
}

variable "mode" {
  description = "cordon's mode: monitor (findings only), block (drop listed addresses) or isolate (block, and lock the host down on a finding)."
  type        = string
  default     = "isolate"

  validation {
    condition     = contains(["monitor", "block", "isolate"], var.mode)
    error_message = "mode: monitor, block or isolate."
  }
}

variable "lockdown_allow" {
  description = "Responders' access kept through a lockdown, as CIDR[:[PROTO/]PORT], PROTO tcp or udp, tcp when left out (for example 198.51.100.0/24:tcp/22)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.lockdown_allow : can(regex("^[0-9A-Fa-f.:/\\[\\]]+(:(tcp|udp|TCP|UDP)/[0-9]+)?$", a))])
    error_message = "lockdown_allow: CIDR[:[PROTO/]PORT] entries only."
  }
}

variable "lockdown_allow_units" {
  description = "systemd units whose traffic is kept through a lockdown (the SSM agent lets responders in without SSH)."
  type        = list(string)
  default     = ["amazon-ssm-agent.service"]

  validation {
    condition     = alltrue([for u in var.lockdown_allow_units : can(regex("^[A-Za-z0-9@._-]+$", u))])
    error_message = "lockdown_allow_units: unit names only."
  }
}

variable "termination_protection" {
  description = "cordon turns on termination protection of an isolated instance, so that evidence is not lost by accident."
  type        = bool
  default     = true
}

variable "snapshot_volumes" {
  description = "cordon snapshots the volumes of an isolated instance for evidence."
  type        = bool
  default     = false
}

variable "publish_to_eventbridge" {
  description = "cordon also puts its findings on an EventBridge bus (source \"cordon\")."
  type        = bool
  default     = false
}

variable "eventbridge_bus" {
  description = "Name of the bus for publish_to_eventbridge."
  type        = string
  default     = "default"

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,256}$", var.eventbridge_bus))
    error_message = "eventbridge_bus: a bus name (letters, digits, . _ -)."
  }
}

variable "publish_to_securityhub" {
  description = "cordon also imports its findings into Security Hub (ASFF)."
  type        = bool
  default     = false
}

# --- instances ---------------------------------------------------------

variable "package_file" {
  description = "Local cordon .deb (or source .tar.gz, built on the host) uploaded to the bucket under packages/. Either this or package_key."
  type        = string
  default     = null

  validation {
    condition     = var.package_file == null || can(regex("^[A-Za-z0-9_.+~-]+\\.(deb|tar\\.gz)$", basename(var.package_file)))
    error_message = "package_file: a .deb or .tar.gz whose file name has no quotes, spaces or line breaks."
  }
}

variable "package_key" {
  description = "Key of a cordon .deb or source .tar.gz already in the module's bucket (used when package_file is null)."
  type        = string
  default     = "packages/cordon.deb"

  validation {
    condition     = can(regex("^[A-Za-z0-9!_.*()/+-]+\\.(deb|tar\\.gz)$", var.package_key))
    error_message = "package_key: an S3 key ending in .deb or .tar.gz, without quotes, spaces or line breaks."
  }
}

variable "ami_id" {
  description = "AMI of the protected instances; null picks the newest official Debian 12 for the architecture."
  type        = string
  default     = null
}

variable "architecture" {
  description = "CPU architecture for the default AMI: x86_64 or arm64."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "architecture: x86_64 or arm64."
  }
}

variable "instance_type" {
  description = "Instance type in the launch template."
  type        = string
  default     = "t3.micro"
}

variable "instance_security_group_ids" {
  description = "The instances' own (everyday) security groups."
  type        = list(string)
  default     = []
}

variable "key_name" {
  description = "EC2 key pair for SSH, or null for none (SSM is the intended way in)."
  type        = string
  default     = null
}

variable "attach_ssm_policy" {
  description = "Attach AmazonSSMManagedInstanceCore to the instance role so responders can reach a locked-down host through Session Manager."
  type        = bool
  default     = true
}

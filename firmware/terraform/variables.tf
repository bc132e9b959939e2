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
  description = "cordon also puts its findings on an EventBridge bus (source \"cordon\"). On whenever the responder is (responder_zip): the agent announces its incidents to it there."
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

variable "bundle_url" {
  description = "The self-contained agent bundle (make bundle: cordon-VERSION-ARCH.tar.gz) as s3://BUCKET/KEY, installed on images without apt (Amazon Linux 2023, ...). The instance role may read exactly this object; a bucket of another account must allow it too. null: no bundle."
  type        = string
  default     = null

  validation {
    condition     = var.bundle_url == null || can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/[A-Za-z0-9!_.*()/+-]+\\.tar\\.gz$", var.bundle_url))
    error_message = "bundle_url: s3://BUCKET/KEY.tar.gz, without quotes, spaces or line breaks."
  }
}

variable "bundle_sha256" {
  description = "SHA-256 of the bundle at bundle_url (the .sha256 file make bundle writes): user-data refuses to install anything else."
  type        = string
  default     = null

  validation {
    condition     = var.bundle_sha256 == null || can(regex("^[0-9a-f]{64}$", var.bundle_sha256))
    error_message = "bundle_sha256: 64 lowercase hexadecimal digits."
  }
}

variable "ami_family" {
  description = "Image of the protected instances when ami_id is null: debian12 (the .deb) or al2023 (Amazon Linux 2023: needs bundle_url)."
  type        = string
  default     = "debian12"

  validation {
    condition     = contains(["debian12", "al2023"], var.ami_family)
    error_message = "ami_family: debian12 or al2023."
  }
}

variable "ami_id" {
  description = "AMI of the protected instances; null picks the newest official image of ami_family for the architecture."
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

# --- off-host responder (cordon respond in Lambda) ---------------------

variable "responder_zip" {
  description = "The Lambda zip (make lambda: build/cordon-lambda.zip) of the off-host responder; null: no responder."
  type        = string
  default     = null
}

variable "responder_architecture" {
  description = "CPU architecture the responder zip was built for: x86_64 or arm64."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.responder_architecture)
    error_message = "responder_architecture: x86_64 or arm64."
  }
}

variable "responder_timeout" {
  description = "Seconds one invocation may run (the responder stops retrying AWS calls before its deadline)."
  type        = number
  default     = 120

  validation {
    condition     = var.responder_timeout >= 10 && var.responder_timeout <= 900
    error_message = "responder_timeout: 10 to 900 seconds."
  }
}

variable "responder_memory" {
  description = "Memory of the responder function, in MB."
  type        = number
  default     = 256
}

variable "responder_retries" {
  description = "Lambda's retries of a failed asynchronous invocation (0 to 2) before the event goes to the dead-letter queue."
  type        = number
  default     = 2

  validation {
    condition     = var.responder_retries >= 0 && var.responder_retries <= 2
    error_message = "responder_retries: 0, 1 or 2."
  }
}

variable "responder_finding_types" {
  description = "GuardDuty EC2 finding types the responder's EventBridge rule sends it (it isolates the instance); the tutorial's custom-list finding by default."
  type        = list(string)
  default     = ["UnauthorizedAccess:EC2/MaliciousIPCaller.Custom"]
}

variable "dead_agent_schedule" {
  description = "How often the responder compares instances tagged cordon:status=installed with their AgentHeartbeat metric (an EventBridge schedule expression)."
  type        = string
  default     = "rate(5 minutes)"
}

variable "responder_settings" {
  description = "More cordon.conf options for the responder, as environment variables CORDON_<SECTION>_<KEY> (cordon.conf(5)); they override the ones the module sets."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.responder_settings) : can(regex("^CORDON_[A-Z0-9]+_[A-Z0-9_]+$", k))])
    error_message = "responder_settings: keys are CORDON_<SECTION>_<KEY> in upper case."
  }
}

variable "log_retention_days" {
  description = "Days the responder's log group keeps its logs."
  type        = number
  default     = 90

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days: one of CloudWatch Logs' values (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)."
  }
}

# --- VPC flow logs -------------------------------------------------------

variable "create_flow_logs" {
  description = "Record all of the VPC's traffic (accepted and rejected) to a flow-logs bucket: what the host no longer sees once it is isolated."
  type        = bool
  default     = true
}

variable "flow_log_retention_days" {
  description = "Days flow-log objects are kept before S3 deletes them."
  type        = number
  default     = 365

  validation {
    condition     = var.flow_log_retention_days >= 1
    error_message = "flow_log_retention_days: at least 1."
  }
}

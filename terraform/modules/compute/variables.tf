variable "name_prefix" {
  type        = string
  description = "Prefix for Name tags."
}

variable "ami_id" {
  type        = string
  description = "Explicit AMI ID; null looks up the latest official Debian 13 amd64 image."
  default     = null
}

variable "instance_type" {
  type        = string
  description = "EC2 instance type."
}

variable "root_volume_size" {
  type        = number
  description = "Root volume size in GiB (gp3, encrypted)."
}

variable "subnet_id" {
  type        = string
  description = "Public subnet to launch in."
}

variable "security_group_ids" {
  type        = list(string)
  description = "Security groups of the instance."
}

variable "key_pair_name" {
  type        = string
  description = "Name of the EC2 key pair (existing, or created from ssh_public_key)."
}

variable "ssh_public_key" {
  type        = string
  description = "OpenSSH public key; when set, the key pair key_pair_name is created from it."
  default     = null
}

variable "instance_profile_name" {
  type        = string
  description = "IAM instance profile of the app server."
}

variable "ssm_agent_deb_url" {
  type        = string
  description = "AWS's SSM agent package for Debian amd64, of one version (never latest/): the user data installs it only when its SHA-256 is ssm_agent_deb_sha256."
  default     = "https://s3.amazonaws.com/ec2-downloads-windows/SSMAgent/3.3.5226.0/debian_amd64/amazon-ssm-agent.deb"

  validation {
    condition     = startswith(var.ssm_agent_deb_url, "https://") && endswith(var.ssm_agent_deb_url, ".deb") && !strcontains(var.ssm_agent_deb_url, "/latest/")
    error_message = "ssm_agent_deb_url must be an https:// URL of one version's .deb package (.../SSMAgent/<version>/debian_amd64/amazon-ssm-agent.deb), not latest/."
  }
}

variable "ssm_agent_deb_sha256" {
  type        = string
  description = "SHA-256 of ssm_agent_deb_url (AWS publishes a GPG signature, no checksum: verify the .deb's .sig with AWS's key once, then pin its sha256sum here)."
  default     = "777df4e0ac4bbc8d7d1b159db76cdb6614666bcc73141874414b8be68fb9cba3"

  validation {
    condition     = can(regex("^[0-9a-f]{64}$", var.ssm_agent_deb_sha256))
    error_message = "ssm_agent_deb_sha256 must be 64 lowercase hex digits (sha256sum of the .deb)."
  }
}

variable "cloudwatch_agent_deb_url" {
  type        = string
  description = "AWS's CloudWatch agent package for amd64 (one .deb for Debian and Ubuntu), of one version (never latest/): installed only when its SHA-256 is cloudwatch_agent_deb_sha256."
  default     = "https://amazoncloudwatch-agent.s3.amazonaws.com/ubuntu/amd64/1.300072.0b1766/amazon-cloudwatch-agent.deb"

  validation {
    condition     = startswith(var.cloudwatch_agent_deb_url, "https://") && endswith(var.cloudwatch_agent_deb_url, ".deb") && !strcontains(var.cloudwatch_agent_deb_url, "/latest/")
    error_message = "cloudwatch_agent_deb_url must be an https:// URL of one version's .deb package (.../amd64/<version>/amazon-cloudwatch-agent.deb), not latest/."
  }
}

variable "cloudwatch_agent_deb_sha256" {
  type        = string
  description = "SHA-256 of cloudwatch_agent_deb_url (AWS publishes a GPG signature, no checksum: verify the .deb's .sig with AWS's key once, then pin its sha256sum here)."
  default     = "05baeadca96c4bb8e43906ed09cf0bebd0f321ff6d41987bdc46ce681de0978d"

  validation {
    condition     = can(regex("^[0-9a-f]{64}$", var.cloudwatch_agent_deb_sha256))
    error_message = "cloudwatch_agent_deb_sha256 must be 64 lowercase hex digits (sha256sum of the .deb)."
  }
}

variable "scale_out" {
  type        = bool
  description = "true: an Auto Scaling group of app_server_count servers over a launch template instead of the single instance."
  default     = false
}

variable "app_server_count" {
  type        = number
  description = "Number of app servers in the Auto Scaling group (scale_out only)."
  default     = 1
}

variable "instance_refresh_batch_size" {
  type        = number
  description = "Servers the Auto Scaling group replaces at a time when the launch template changes."
  default     = 1
}

variable "health_check_grace_period" {
  type        = number
  description = "Seconds a new server has for its first boot (packages, bootstrap, the release): the launch lifecycle hook's heartbeat timeout, then the grace before the load balancer's health check counts."
  default     = 900

  validation {
    condition     = var.health_check_grace_period == floor(var.health_check_grace_period) && var.health_check_grace_period >= 30 && var.health_check_grace_period <= 7200
    error_message = "health_check_grace_period must be whole seconds from 30 to 7200 (the range of a lifecycle hook's heartbeat timeout)."
  }
}

variable "fleet_subnet_ids" {
  type        = list(string)
  description = "Subnets of the Auto Scaling group (two zones; scale_out only)."
  default     = []
}

variable "load_balancer_cidrs" {
  type        = list(string)
  description = "The load balancer's subnets (scale_out only): the servers' Nginx takes X-Forwarded-For and X-Forwarded-Proto from these addresses only."
  default     = []
}

variable "target_group_arns" {
  type        = list(string)
  description = "The load balancer's target group the Auto Scaling group registers its servers in (scale_out only)."
  default     = []
}

variable "release_bucket_name" {
  type        = string
  description = "Bucket holding releases/ (scale_out only): a new server installs the current release from it."
  default     = null
}

variable "region" {
  type        = string
  description = "AWS region (the user data's S3 calls)."
  default     = null
}

variable "launch_tags" {
  type        = map(string)
  description = "Tags for what the Auto Scaling group launches (the provider's default tags do not reach them)."
  default     = {}
}

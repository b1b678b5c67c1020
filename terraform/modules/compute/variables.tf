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
  description = "AWS's SSM agent package for Debian amd64."
  default     = "https://s3.amazonaws.com/ec2-downloads-windows/SSMAgent/latest/debian_amd64/amazon-ssm-agent.deb"

  validation {
    condition     = startswith(var.ssm_agent_deb_url, "https://") && endswith(var.ssm_agent_deb_url, ".deb")
    error_message = "ssm_agent_deb_url must be an https:// URL of a .deb package."
  }
}

variable "cloudwatch_agent_deb_url" {
  type        = string
  description = "AWS's CloudWatch agent package for Debian amd64."
  default     = "https://amazoncloudwatch-agent.s3.amazonaws.com/debian/amd64/latest/amazon-cloudwatch-agent.deb"

  validation {
    condition     = startswith(var.cloudwatch_agent_deb_url, "https://") && endswith(var.cloudwatch_agent_deb_url, ".deb")
    error_message = "cloudwatch_agent_deb_url must be an https:// URL of a .deb package."
  }
}

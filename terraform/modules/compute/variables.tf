variable "name_prefix" {
  type        = string
  description = "Prefix for Name tags."
}

variable "os" {
  type        = string
  description = "Operating system of the app server: \"al2023\" (Amazon Linux 2023) or \"ubuntu-22.04\"."

  validation {
    condition     = contains(["al2023", "ubuntu-22.04"], var.os)
    error_message = "os must be \"al2023\" or \"ubuntu-22.04\"."
  }
}

variable "ami_id" {
  type        = string
  description = "Explicit AMI ID; null looks up the latest image for var.os."
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

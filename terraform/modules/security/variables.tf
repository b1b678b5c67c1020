variable "name_prefix" {
  type        = string
  description = "Prefix for security group names and Name tags."
}

variable "vpc_id" {
  type        = string
  description = "ID of the VPC the groups belong to."
}

variable "ssh_allowed_cidrs" {
  type        = list(string)
  description = "IPv4 CIDRs allowed to reach SSH (22) on the app server. Never 0.0.0.0/0."

  validation {
    condition     = alltrue([for c in var.ssh_allowed_cidrs : can(cidrhost(c, 0)) && !strcontains(c, ":")])
    error_message = "Every ssh_allowed_cidrs entry must be an IPv4 CIDR such as 203.0.113.10/32."
  }

  validation {
    condition     = alltrue([for c in var.ssh_allowed_cidrs : !can(cidrhost(c, 0)) || tonumber(split("/", c)[1]) > 0])
    error_message = "ssh_allowed_cidrs may not contain 0.0.0.0/0 (or any /0): SSH must come from specific addresses."
  }
}

variable "fastapi_ingress_cidrs" {
  type        = list(string)
  description = "IPv4 CIDRs allowed to reach the FastAPI port directly. The design opens it to 0.0.0.0/0; an empty list closes it."

  validation {
    condition     = alltrue([for c in var.fastapi_ingress_cidrs : can(cidrhost(c, 0)) && !strcontains(c, ":")])
    error_message = "Every fastapi_ingress_cidrs entry must be an IPv4 CIDR such as 0.0.0.0/0 or 203.0.113.0/24."
  }
}

variable "fastapi_port" {
  type        = number
  description = "TCP port uvicorn listens on."
  default     = 8000
}

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
  description = "Single IPv4 addresses (/32) allowed to reach SSH (22) on the app server."

  validation {
    condition     = alltrue([for c in var.ssh_allowed_cidrs : can(cidrhost(c, 0)) && !strcontains(c, ":") && endswith(c, "/32")])
    error_message = "Every ssh_allowed_cidrs entry must be one IPv4 address as a /32, e.g. 203.0.113.10/32: SSH is for specific addresses only."
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

variable "load_balancer" {
  type        = bool
  description = "Scaled out: create the load balancer's group; the app servers then take HTTP from it only (no HTTP/HTTPS from anywhere)."
  default     = false
}

variable "name_prefix" {
  type        = string
  description = "Prefix for every Name tag, e.g. \"table-order\"."
}

variable "vpc_cidr" {
  type        = string
  description = "IPv4 CIDR block of the VPC."

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0))
    error_message = "vpc_cidr must be an IPv4 CIDR block such as 10.0.0.0/16."
  }
}

variable "public_subnet_cidr" {
  type        = string
  description = "CIDR of the public subnet (app server)."
}

variable "private_subnet_cidr" {
  type        = string
  description = "CIDR of the private subnet (RDS and Redis) in availability_zone."
}

variable "secondary_private_subnet_cidr" {
  type        = string
  description = "CIDR of the second private subnet, in secondary_availability_zone; only there because a DB subnet group needs two AZs."
}

variable "availability_zone" {
  type        = string
  description = "Availability zone of the public subnet, the private subnet and every stateful resource."
}

variable "secondary_availability_zone" {
  type        = string
  description = "Second availability zone, used only by the secondary private subnet."
}

variable "flow_log_retention_days" {
  type        = number
  description = "Days CloudWatch keeps the VPC flow logs."

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log_retention_days)
    error_message = "flow_log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, ...)."
  }
}

variable "region" {
  type        = string
  description = "Region of the stack (for the flow log role's ARNs)."
}

variable "account_id" {
  type        = string
  description = "AWS account ID of the stack (for the flow log role's ARNs)."
}

variable "create_secondary_public_subnet" {
  type        = bool
  description = "Create a second public subnet in secondary_availability_zone (scale-out: the load balancer and the Auto Scaling group span two zones)."
  default     = false
}

variable "secondary_public_subnet_cidr" {
  type        = string
  description = "IPv4 CIDR of the second public subnet; used only when create_secondary_public_subnet."
  default     = "10.0.4.0/24"
}

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

variable "name_prefix" {
  type        = string
  description = "Prefix of the names (the load balancer's name: <prefix>-alb, at most 32 characters)."
}

variable "vpc_id" {
  type        = string
  description = "VPC of the target group."
}

variable "subnet_ids" {
  type        = list(string)
  description = "Public subnets in two availability zones."
}

variable "security_group_id" {
  type        = string
  description = "The load balancer's security group."
}

variable "domain_name" {
  type        = string
  description = "Site domain (e.g. order.example.com): HTTPS with an ACM certificate validated in route53_zone_id. null: HTTP only."
  default     = null
}

variable "route53_zone_id" {
  type        = string
  description = "Route 53 hosted zone of domain_name (validation and alias records)."
  default     = null
}

variable "deregistration_delay" {
  type        = number
  description = "Seconds a draining server keeps its in-flight requests (SSE streams are cut then and reconnect)."
  default     = 30
}

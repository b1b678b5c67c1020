variable "zone_id" {
  type        = string
  description = "ID of the Route 53 hosted zone that holds domain_name (e.g. Z0123456789ABCDEFGHIJ)."

  validation {
    condition     = can(regex("^Z[A-Z0-9]{1,31}$", var.zone_id))
    error_message = "zone_id must be a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ (without the /hostedzone/ prefix)."
  }
}

variable "domain_name" {
  type        = string
  description = "The site's DNS name, e.g. order.example.com (the certificate is issued for it)."

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$", var.domain_name))
    error_message = "domain_name must be a lower-case DNS name such as order.example.com (no scheme, port, path or trailing dot)."
  }
}

variable "public_ip" {
  type        = string
  description = "The app server's Elastic IP."
}

variable "ttl" {
  type        = number
  description = "Record TTL in seconds: short, so that moving the name (e.g. to a load balancer) takes effect soon."
  default     = 60

  validation {
    condition     = var.ttl >= 30 && var.ttl <= 86400
    error_message = "ttl must be between 30 and 86400 seconds."
  }
}

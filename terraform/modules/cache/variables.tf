variable "name_prefix" {
  type        = string
  description = "Prefix for identifiers and Name tags."
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private subnet(s) of the cache subnet group."
}

variable "security_group_ids" {
  type        = list(string)
  description = "Security groups of the cache node."
}

variable "availability_zone" {
  type        = string
  description = "Availability zone of the node."
}

variable "engine_version" {
  type        = string
  description = "Redis engine version written major.minor, e.g. \"7.1\"."
}

variable "node_type" {
  type        = string
  description = "ElastiCache node type."
}

variable "maintenance_window" {
  type        = string
  description = "Weekly maintenance window, UTC (ddd:hh24:mi-ddd:hh24:mi)."
}

variable "replicas" {
  type        = number
  description = "Read replicas (0: the seed's single node). With one or more: automatic failover and Multi-AZ; subnet_ids must then span both zones."
  default     = 0
}

variable "secondary_availability_zone" {
  type        = string
  description = "Zone of every other replica (used only when replicas > 0)."
  default     = null
}

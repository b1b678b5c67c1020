variable "name_prefix" {
  type        = string
  description = "Prefix for log group names, the dashboard, alarm names, the alarm topic and Name tags."
}

variable "retention_days" {
  type        = number
  description = "Days CloudWatch keeps the application logs."

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.retention_days)
    error_message = "retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
}

variable "region" {
  type        = string
  description = "Region of the stack: the dashboard's widgets read its metrics there; the alarm topic's and key's policies name its alarms."
}

variable "account_id" {
  type        = string
  description = "Account of the stack: only its alarms may publish to the alarm topic and use its key."

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be a 12-digit AWS account ID."
  }
}

# ---------------------------------------------------------------------------------
# What is watched
# ---------------------------------------------------------------------------------

variable "instance_id" {
  type        = string
  description = "The single app server (null when scaled out): EC2 and the CloudWatch agent publish its metrics with an InstanceId dimension."
  default     = null
}

variable "autoscaling_group_name" {
  type        = string
  description = "Scaled out: the app servers' Auto Scaling group. EC2 publishes every instance metric per group too, and the agent rolls its metrics up to the group (aggregation_dimensions); the dashboard and alarms then watch the group. instance_id is null then."
  default     = null
}

variable "db_instance_id" {
  type        = string
  description = "RDS DB instance identifier (the DBInstanceIdentifier dimension of AWS/RDS)."
}

variable "db_instance_class" {
  type        = string
  description = "RDS instance class: the default connections threshold is computed from its memory."
}

variable "db_allocated_storage" {
  type        = number
  description = "RDS allocated storage in GiB: the free storage threshold is a share of it."
}

variable "redis_replication_group_id" {
  type        = string
  description = "ElastiCache replication group ID. Its nodes are the clusters <id>-001, <id>-002, ... (the CacheClusterId dimension of AWS/ElastiCache)."
}

variable "redis_node_count" {
  type        = number
  description = "Nodes in the replication group (num_cache_clusters: 1 + replicas); each is drawn and alarmed on."
  default     = 1
}

# ---------------------------------------------------------------------------------
# Alarms (root variables.tf validates the values and says how the defaults are computed)
# ---------------------------------------------------------------------------------

variable "enable_alarms" {
  type        = bool
  description = "Create the alarms, their SNS topic and its key (the design's alarms are optional). The dashboard exists either way."
  default     = false
}

variable "cpu_threshold" {
  type        = number
  description = "App server CPU utilisation (%) above which its alarm fires (scaled out: the group's average)."
  default     = 80
}

variable "memory_threshold" {
  type        = number
  description = "App server memory use (%) above which its alarm fires (scaled out: the fullest server)."
  default     = 80
}

variable "db_cpu_threshold" {
  type        = number
  description = "RDS CPU utilisation (%) above which its alarm fires."
  default     = 80
}

variable "db_connections_threshold" {
  type        = number
  description = "RDS connections above which the alarm fires. null: 75% of the class's default max_connections, LEAST(memory / 9531392, 5000) (db.t3.small, 2 GiB: 225, so 168)."
  default     = null
}

variable "db_free_storage_percent" {
  type        = number
  description = "Free RDS storage, as a share (%) of db_allocated_storage, below which the alarm fires (20 of 20 GiB: 4 GiB)."
  default     = 20
}

variable "redis_memory_threshold" {
  type        = number
  description = "Redis DatabaseMemoryUsagePercentage (used_memory / maxmemory, %) above which a node's alarm fires."
  default     = 65
}

variable "redis_connections_threshold" {
  type        = number
  description = "Redis CurrConnections above which a node's alarm fires."
  default     = 200
}

variable "alarm_email" {
  type        = string
  description = "E-mail address subscribed to the alarm topic (it must confirm the subscription AWS mails it). null: no subscription."
  default     = null
}

variable "alarm_actions" {
  type        = list(string)
  description = "More ARNs (e.g. SNS topics) notified when an alarm changes state, besides the stack's own alarm topic."
  default     = []
}

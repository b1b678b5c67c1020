variable "name_prefix" {
  type        = string
  description = "Prefix for IAM names and Name tags."
}

variable "bucket_arn" {
  type        = string
  description = "ARN of the menu images bucket (read/write)."

  validation {
    condition     = can(regex("^arn:aws:s3:::[a-z0-9][a-z0-9.-]+$", var.bucket_arn))
    error_message = "bucket_arn must be a bucket ARN (arn:aws:s3:::name), not a wildcard."
  }
}

variable "log_group_arns" {
  type        = list(string)
  description = "ARNs of the log groups the app server writes to."
}

variable "db_secret_arn" {
  type        = string
  description = "ARN of the Secrets Manager secret holding the database master credentials (read only)."
}

variable "agent_metrics" {
  type        = bool
  description = "Allow cloudwatch:PutMetricData in agent_metrics_namespace (needed by the memory alarm)."
  default     = false
}

variable "agent_metrics_namespace" {
  type        = string
  description = "CloudWatch namespace the agent publishes to."
  default     = "CWAgent"
}

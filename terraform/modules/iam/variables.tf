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

variable "redis_auth_secret_arn" {
  type        = string
  description = "ARN of the Secrets Manager secret holding the Redis AUTH token (read only)."
}

variable "region" {
  type        = string
  description = "Region of the stack (for the instance and parameter ARNs)."
}

variable "account_id" {
  type        = string
  description = "AWS account ID of the stack (for the instance and parameter ARNs)."

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be a 12-digit AWS account ID."
  }
}

variable "parameter_path_prefix" {
  type        = string
  description = "Parameter Store path the app's settings live under; the role reads nothing else."

  validation {
    condition     = can(regex("^(/[A-Za-z0-9_.-]+)+/?$", var.parameter_path_prefix))
    error_message = "parameter_path_prefix must be a Parameter Store path such as /tableorder/production (not /)."
  }
}

variable "agent_metrics_namespace" {
  type        = string
  description = "CloudWatch namespace the agent publishes to (metrics.namespace in app-deploy/cloudwatch/amazon-cloudwatch-agent.json)."
  default     = "CWAgent"
}

variable "release_bucket_arn" {
  type        = string
  description = "ARN of the release bucket (scale-out); the role may then read objects under releases/ in it. null: no release bucket."
  default     = null
}

variable "autoscaling_group_name" {
  type        = string
  description = "Name of the app servers' Auto Scaling group (scale-out); the role may then complete lifecycle actions of that group only. null: no group."
  default     = null

  validation {
    condition     = var.autoscaling_group_name == null || can(regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$", var.autoscaling_group_name))
    error_message = "autoscaling_group_name must be a plain group name (letters, digits, '.', '_', '-'), not a wildcard or a path."
  }
}

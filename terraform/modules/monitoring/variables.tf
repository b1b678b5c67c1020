variable "name_prefix" {
  type        = string
  description = "Prefix for log group names, alarm names and Name tags."
}

variable "retention_days" {
  type        = number
  description = "Days CloudWatch keeps the application logs."

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.retention_days)
    error_message = "retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
}

variable "enable_alarms" {
  type        = bool
  description = "Create the CPU and memory alarms."
  default     = false
}

variable "instance_id" {
  type        = string
  description = "App server instance the alarms watch."
  default     = null
}

variable "cpu_threshold" {
  type        = number
  description = "CPU utilisation (%) above which the CPU alarm fires."
  default     = 80
}

variable "memory_threshold" {
  type        = number
  description = "Memory use (%) above which the memory alarm fires."
  default     = 80
}

variable "alarm_actions" {
  type        = list(string)
  description = "ARNs (e.g. SNS topics) notified when an alarm changes state."
  default     = []
}

variable "autoscaling_group_name" {
  type        = string
  description = "Scaled out: the app servers' Auto Scaling group (the CPU alarm watches its average; instance_id is null then)."
  default     = null
}

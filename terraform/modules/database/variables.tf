variable "name_prefix" {
  type        = string
  description = "Prefix for identifiers and Name tags."
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private subnets of the DB subnet group (at least two AZs)."

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "An RDS DB subnet group needs subnets in at least two availability zones."
  }
}

variable "security_group_ids" {
  type        = list(string)
  description = "Security groups of the DB instance."
}

variable "availability_zone" {
  type        = string
  description = "Availability zone the single-AZ instance runs in."
}

variable "engine_version" {
  type        = string
  description = "PostgreSQL version: \"15\" (latest 15.x) or a full \"15.N\"."
}

variable "instance_class" {
  type        = string
  description = "RDS instance class."
}

variable "allocated_storage" {
  type        = number
  description = "Storage in GiB (gp3)."
}

variable "db_name" {
  type        = string
  description = "Name of the database created on the instance."
}

variable "username" {
  type        = string
  description = "Master user name. Must not be a name RDS reserves (admin, rdsadmin, ...)."

  validation {
    condition     = !contains(["admin", "rdsadmin", "rdsrepladmin", "rds_superuser"], lower(var.username))
    error_message = "The master user name may not be a name RDS for PostgreSQL reserves (admin, rdsadmin, rdsrepladmin, rds_superuser)."
  }
}

variable "backup_retention_days" {
  type        = number
  description = "Days automated backups are kept."
}

variable "backup_window" {
  type        = string
  description = "Daily backup window, UTC (hh24:mi-hh24:mi)."
}

variable "maintenance_window" {
  type        = string
  description = "Weekly maintenance window, UTC (ddd:hh24:mi-ddd:hh24:mi)."
}

variable "final_snapshot_identifier" {
  type        = string
  description = "Name of the snapshot taken when the instance is destroyed; null derives a unique one (<name_prefix>-db-final-<creation time>)."
  default     = null
}

variable "deletion_protection" {
  type        = bool
  description = "Block deletion of the instance."
}

variable "multi_az" {
  type        = bool
  description = "A synchronous standby in another zone with automatic failover (scale-out option); false: single-AZ in availability_zone, as designed."
  default     = false
}

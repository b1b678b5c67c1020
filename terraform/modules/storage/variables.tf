variable "bucket_name" {
  type        = string
  description = "Globally unique bucket name, e.g. table-order-menu-images-<account id>."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name)) && !strcontains(var.bucket_name, "..")
    error_message = "bucket_name must be 3-63 characters of lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit."
  }
}

variable "name_tag" {
  type        = string
  description = "Value of the bucket's Name tag."
}

variable "force_destroy" {
  type        = bool
  description = "Let terraform destroy delete a bucket that still holds images."
  default     = false
}

variable "versioning" {
  type        = bool
  description = "Keep every version of every object, so that a replaced or deleted one can be restored and seen. Off for the menu images (as designed), on for the release bucket."
  default     = false
}

variable "noncurrent_version_days" {
  type        = number
  description = "With versioning: days a replaced or deleted version is kept before it expires."
  default     = 90

  validation {
    condition     = var.noncurrent_version_days == floor(var.noncurrent_version_days) && var.noncurrent_version_days >= 1 && var.noncurrent_version_days <= 3650
    error_message = "noncurrent_version_days must be a whole number of days from 1 to 3650."
  }
}

variable "writer_arns" {
  type        = list(string)
  description = "IAM role or user ARNs that alone may write and delete objects and change the bucket's policy, versioning and lifecycle: the bucket policy denies that to every other principal. Empty: no such rule (the images bucket, which the app writes)."
  default     = []

  validation {
    condition     = alltrue([for arn in var.writer_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/[A-Za-z0-9+=,.@_/-]+$", arn))])
    error_message = "writer_arns takes IAM role or user ARNs (arn:aws:iam::<account>:role/<name> or :user/<name>): no wildcards, no account root, no assumed-role session ARN."
  }
}

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

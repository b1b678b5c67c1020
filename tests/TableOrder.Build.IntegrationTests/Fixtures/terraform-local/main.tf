# No provider to download: terraform_data is built in, so this module applies offline.
terraform {
  required_version = ">= 1.7.0"
}

variable "region" {
  description = "The region the outputs report."
  type        = string
  default     = "ap-northeast-2"
}

variable "db_password" {
  description = "A secret that must never reach a log."
  type        = string
  sensitive   = true
  default     = "local-only-secret-value"
}

locals {
  db_port = 5432
}

resource "terraform_data" "server" {
  input = {
    region  = var.region
    db_port = local.db_port
  }
}

resource "terraform_data" "secret" {
  input = sha256(var.db_password)
}

output "region" {
  value = terraform_data.server.output.region
}

output "db_port" {
  value = terraform_data.server.output.db_port
}

output "instance_id" {
  value = "i-${substr(terraform_data.secret.output, 0, 17)}"
}

# A small AWS module that plans offline: fake credentials, every account and region check skipped.
provider "aws" {
  region                      = var.region
  access_key                  = "mock-access-key"
  secret_key                  = "mock-access-key"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}

variable "region" {
  description = "AWS region."
  type        = string
  default     = "ap-northeast-2"
}

variable "name_prefix" {
  description = "Prefix of every resource name."
  type        = string
  default     = "tableorder-it"
}

variable "db_password" {
  description = "A secret that must never reach a log."
  type        = string
  sensitive   = true
}

resource "aws_vpc" "main" {
  cidr_block           = "10.42.0.0/16"
  enable_dns_hostnames = true

  tags = {
    Name = "${var.name_prefix}-vpc"
  }
}

resource "aws_security_group" "app" {
  name        = "${var.name_prefix}-app"
  description = "App server: HTTP from anywhere."
  vpc_id      = aws_vpc.main.id

  ingress {
    description = "HTTP"
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_cloudwatch_log_group" "app" {
  name              = "/${var.name_prefix}/app"
  retention_in_days = 14
}

resource "aws_ssm_parameter" "db_password" {
  name  = "/${var.name_prefix}/db-password"
  type  = "SecureString"
  value = var.db_password
}

output "region" {
  description = "The region."
  value       = var.region
}

output "log_retention_days" {
  description = "Days the app log is kept."
  value       = aws_cloudwatch_log_group.app.retention_in_days
}

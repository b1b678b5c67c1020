# The build (C#) reads these names; do not rename them.

output "instance_id" {
  description = "ID of the app server."
  value       = module.compute.instance_id
}

output "public_ip" {
  description = "Public IPv4 address of the app server."
  value       = module.compute.public_ip
}

output "public_dns" {
  description = "Public DNS name of the app server."
  value       = module.compute.public_dns
}

output "ssh_user" {
  description = "SSH login user: ec2-user (Amazon Linux 2023) or ubuntu (Ubuntu 22.04)."
  value       = module.compute.ssh_user
}

output "db_endpoint" {
  description = "PostgreSQL host name (no port)."
  value       = module.database.endpoint
}

output "db_port" {
  description = "PostgreSQL port."
  value       = module.database.port
}

output "db_name" {
  description = "Application database name."
  value       = module.database.db_name
}

output "db_username" {
  description = "Master user name (the password is in db_secret_arn)."
  value       = module.database.username
}

output "db_secret_arn" {
  description = "ARN of the Secrets Manager secret with the master credentials (the ARN, never the password)."
  value       = module.database.master_user_secret_arn
}

output "redis_endpoint" {
  description = "Redis host name (no port)."
  value       = module.cache.endpoint
}

output "redis_port" {
  description = "Redis port."
  value       = module.cache.port
}

output "bucket_name" {
  description = "Name of the menu images bucket."
  value       = module.storage.bucket_name
}

output "log_group_fastapi" {
  description = "CloudWatch log group of FastAPI."
  value       = module.monitoring.log_group_fastapi
}

output "log_group_nginx" {
  description = "CloudWatch log group of Nginx."
  value       = module.monitoring.log_group_nginx
}

output "region" {
  description = "AWS region of the stack."
  value       = var.region
}

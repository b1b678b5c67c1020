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
  description = "SSH login user of the official Debian 13 AMI: admin."
  value       = module.compute.ssh_user
}

output "ssh_port" {
  description = "The port sshd listens on and the security group opens to ssh_allowed_cidrs (the build connects there)."
  value       = 22
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
  description = "Redis primary endpoint host name (no port). TLS only: connect with rediss:// and the AUTH token from redis_auth_secret_arn."
  value       = module.cache.endpoint
}

output "redis_port" {
  description = "Redis port."
  value       = module.cache.port
}

output "redis_tls" {
  description = "true: Redis requires TLS in transit (rediss://)."
  value       = module.cache.tls
}

output "redis_auth_secret_arn" {
  description = "ARN of the Secrets Manager secret whose string is the Redis AUTH token (the ARN, never the token). The instance role may read it."
  value       = module.cache.auth_secret_arn
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

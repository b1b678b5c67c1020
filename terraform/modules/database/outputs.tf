output "identifier" {
  description = "RDS instance identifier."
  value       = aws_db_instance.postgres.identifier
}

output "endpoint" {
  description = "Host name of the instance (no port)."
  value       = aws_db_instance.postgres.address
}

output "port" {
  description = "PostgreSQL port."
  value       = aws_db_instance.postgres.port
}

output "db_name" {
  description = "Database name."
  value       = aws_db_instance.postgres.db_name
}

output "username" {
  description = "Master user name."
  value       = aws_db_instance.postgres.username
}

output "master_user_secret_arn" {
  description = "ARN of the Secrets Manager secret RDS keeps the master credentials in."
  value       = one(aws_db_instance.postgres.master_user_secret[*].secret_arn)
}

output "parameter_group_name" {
  description = "Name of the parameter group that forces TLS."
  value       = aws_db_parameter_group.postgres.name
}

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

output "final_snapshot_identifier" {
  description = "Name of the snapshot RDS takes when the instance is destroyed."
  value       = aws_db_instance.postgres.final_snapshot_identifier
}

output "resources" {
  description = "The module's resources as planned, for the root module's tests (tests/root.tftest.hcl)."
  sensitive   = true # aws_db_instance carries a (here unused) password attribute
  value = {
    subnet_group    = aws_db_subnet_group.main
    parameter_group = aws_db_parameter_group.postgres
    instance        = aws_db_instance.postgres
  }
}

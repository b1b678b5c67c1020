output "ec2_security_group_id" {
  description = "ID of the app server security group."
  value       = aws_security_group.ec2.id
}

output "rds_security_group_id" {
  description = "ID of the RDS security group."
  value       = aws_security_group.rds.id
}

output "redis_security_group_id" {
  description = "ID of the Redis security group."
  value       = aws_security_group.redis.id
}

output "default_security_group_id" {
  description = "ID of the VPC's default security group (closed)."
  value       = aws_default_security_group.default.id
}

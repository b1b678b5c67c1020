output "replication_group_id" {
  description = "ElastiCache replication group ID."
  value       = aws_elasticache_replication_group.redis.replication_group_id
}

output "endpoint" {
  description = "Host name of the primary endpoint (no port). TLS only: connect with rediss://."
  value       = aws_elasticache_replication_group.redis.primary_endpoint_address
}

output "port" {
  description = "Redis port."
  value       = aws_elasticache_replication_group.redis.port
}

output "tls" {
  description = "Whether clients must use TLS (rediss://)."
  value       = aws_elasticache_replication_group.redis.transit_encryption_enabled
}

output "auth_secret_arn" {
  description = "ARN of the Secrets Manager secret whose string is the AUTH token (the ARN, never the token)."
  value       = aws_secretsmanager_secret.auth_token.arn
}

output "resources" {
  description = "The module's resources as planned, for the root module's tests (tests/root.tftest.hcl)."
  sensitive   = true # the replication group's auth_token attribute (always null: the build sets the token) is sensitive
  value = {
    subnet_group      = aws_elasticache_subnet_group.redis
    replication_group = aws_elasticache_replication_group.redis
    secret            = aws_secretsmanager_secret.auth_token
  }
}

output "cluster_id" {
  description = "ElastiCache cluster ID."
  value       = aws_elasticache_cluster.redis.cluster_id
}

output "endpoint" {
  description = "Host name of the Redis node (no port)."
  value       = one(aws_elasticache_cluster.redis.cache_nodes[*].address)
}

output "port" {
  description = "Redis port."
  value       = aws_elasticache_cluster.redis.port
}

# Cache: a single-node ElastiCache for Redis cluster in the private subnet.
# It is the Pub/Sub broker for SSE; nothing in it needs to survive a restart.

locals {
  engine_major = split(".", var.engine_version)[0]
}

resource "aws_elasticache_subnet_group" "redis" {
  name        = "${var.name_prefix}-redis-subnet-group"
  description = "Private subnet of the Table Order Redis node"
  subnet_ids  = var.subnet_ids

  tags = {
    Name = "${var.name_prefix}-redis-subnet-group"
  }
}

resource "aws_elasticache_cluster" "redis" {
  cluster_id           = "${var.name_prefix}-redis"
  engine               = "redis"
  engine_version       = var.engine_version # major.minor, e.g. "7.1"
  node_type            = var.node_type
  num_cache_nodes      = 1
  port                 = 6379
  parameter_group_name = "default.redis${local.engine_major}"

  subnet_group_name  = aws_elasticache_subnet_group.redis.name
  security_group_ids = var.security_group_ids
  availability_zone  = var.availability_zone
  network_type       = "ipv4"

  maintenance_window       = var.maintenance_window
  snapshot_retention_limit = 0
  apply_immediately        = false

  tags = {
    Name = "${var.name_prefix}-redis"
  }
}

# Cache: ElastiCache for Redis, the seed's single node, as a one-node replication group so
# that it can have TLS in transit, encryption at rest and an AUTH token (a plain
# aws_elasticache_cluster can have none of the three). It is the Pub/Sub broker for SSE;
# nothing in it needs to survive a restart.

locals {
  engine_major = split(".", var.engine_version)[0]

  # Replicas alternate between the zones, starting with the second one.
  node_zones = [for i in range(1 + var.replicas) : i % 2 == 0 ? var.availability_zone : var.secondary_availability_zone]
}

resource "aws_elasticache_subnet_group" "redis" {
  name        = "${var.name_prefix}-redis-subnet-group"
  description = "Private subnet of the Table Order Redis node"
  subnet_ids  = var.subnet_ids

  tags = {
    Name = "${var.name_prefix}-redis-subnet-group"
  }
}

# ---------------------------------------------------------------------------------
# AUTH token: the secret only. Its value is made and set by the build after the apply
# ---------------------------------------------------------------------------------

# Terraform creates the secret without a value and the replication group with TLS required
# and no token, so the token is in no plan, state or output. Right after the apply, the build
# (build/Aws/RedisAuthToken.cs) makes a token in memory when this secret has no value yet,
# sets it on the group with ModifyReplicationGroup (AuthTokenUpdateStrategy ROTATE: AUTH on
# for a group with in-transit encryption) and then puts it in this secret. The servers read it
# with the instance role. Rotation: README.md, "Rotating the Redis AUTH token".
resource "aws_secretsmanager_secret" "auth_token" {
  name        = "${var.name_prefix}-redis-auth-token"
  description = "AUTH token of the Table Order Redis replication group (the whole secret string is the token; set by the build, never by terraform)."

  # The token means nothing once the replication group is gone (Redis keeps no data),
  # and a secret pending deletion would block the name for the next create.
  recovery_window_in_days = 0

  tags = {
    Name = "${var.name_prefix}-redis-auth-token"
  }
}

# Stacks applied before the build made the token kept it in a secret version of terraform's:
# forget that version without deleting it (the secret keeps its value, the group its token).
removed {
  from = aws_secretsmanager_secret_version.auth_token

  lifecycle {
    destroy = false
  }
}

resource "aws_elasticache_replication_group" "redis" {
  replication_group_id = "${var.name_prefix}-redis"
  description          = var.replicas == 0 ? "Table Order Redis: Pub/Sub broker for SSE (one node, TLS, AUTH)" : "Table Order Redis: Pub/Sub broker for SSE (primary and replicas, automatic failover, TLS, AUTH)"

  engine               = "redis"
  engine_version       = var.engine_version # major.minor, e.g. "7.1"
  node_type            = var.node_type
  num_cache_clusters   = 1 + var.replicas # the seed's single node, plus replicas when scaled out
  port                 = 6379
  parameter_group_name = "default.redis${local.engine_major}"

  automatic_failover_enabled = var.replicas > 0 # needs a replica
  multi_az_enabled           = var.replicas > 0

  subnet_group_name           = aws_elasticache_subnet_group.redis.name
  security_group_ids          = var.security_group_ids
  preferred_cache_cluster_azs = local.node_zones
  network_type                = "ipv4"

  at_rest_encryption_enabled = "true" # AWS-managed key
  transit_encryption_enabled = true   # clients connect with rediss://
  transit_encryption_mode    = "required"

  maintenance_window       = var.maintenance_window
  snapshot_retention_limit = 0
  apply_immediately        = false

  tags = {
    Name = "${var.name_prefix}-redis"
  }

  lifecycle {
    # The AUTH token is the build's (see the secret above): terraform neither sets nor reads it.
    ignore_changes = [auth_token, auth_token_update_strategy]
  }
}

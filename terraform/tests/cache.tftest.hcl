# Cache module: the seed's single Redis 7 node in the private subnet, as a one-node
# replication group with TLS in transit, encryption at rest and the secret for its AUTH
# token, whose value the build makes and sets after the apply (never terraform).

mock_provider "aws" {
  mock_resource "aws_secretsmanager_secret" {
    override_during = plan
    defaults = {
      id  = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:table-order-redis-auth-token-AbCdEf"
      arn = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:table-order-redis-auth-token-AbCdEf"
    }
  }
}

provider "aws" {
  alias                       = "real"
  region                      = "ap-northeast-2"
  access_key                  = "mock"
  secret_key                  = "mock"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true

  # Same default tags as providers.tf (local.default_tags in main.tf).
  default_tags {
    tags = { Environment = "production", Project = "table-order", ManagedBy = "terraform" }
  }
}

variables {
  name_prefix        = "table-order"
  subnet_ids         = ["subnet-000000000private"]
  security_group_ids = ["sg-0000000000000redis"]
  availability_zone  = "ap-northeast-2a"
  engine_version     = "7.1"
  node_type          = "cache.t3.micro"
  maintenance_window = "mon:05:00-mon:06:00"
}

run "redis_as_designed_mock" {
  command = plan

  module {
    source = "./modules/cache"
  }

  assert {
    condition     = aws_elasticache_replication_group.redis.engine == "redis" && aws_elasticache_replication_group.redis.engine_version == "7.1"
    error_message = "Engine must be Redis 7.x (written 7.1)."
  }

  assert {
    condition     = aws_elasticache_replication_group.redis.node_type == "cache.t3.micro" && aws_elasticache_replication_group.redis.num_cache_clusters == 1 && aws_elasticache_replication_group.redis.port == 6379
    error_message = "One cache.t3.micro node on port 6379."
  }

  assert {
    condition     = !aws_elasticache_replication_group.redis.automatic_failover_enabled && !aws_elasticache_replication_group.redis.multi_az_enabled
    error_message = "A single node: no failover, no Multi-AZ."
  }

  assert {
    condition     = aws_elasticache_replication_group.redis.parameter_group_name == "default.redis7" && aws_elasticache_replication_group.redis.preferred_cache_cluster_azs == tolist(["ap-northeast-2a"])
    error_message = "default.redis7 parameter group, in ap-northeast-2a."
  }

  assert {
    condition     = aws_elasticache_subnet_group.redis.subnet_ids == toset(["subnet-000000000private"]) && aws_elasticache_replication_group.redis.subnet_group_name == aws_elasticache_subnet_group.redis.name
    error_message = "Redis must live in the private subnet only."
  }

  assert {
    condition     = aws_elasticache_replication_group.redis.security_group_ids == toset(["sg-0000000000000redis"])
    error_message = "Redis must use only the Redis security group."
  }

  assert {
    condition     = aws_elasticache_replication_group.redis.tags["Name"] == "table-order-redis" && aws_elasticache_replication_group.redis.replication_group_id == "table-order-redis"
    error_message = "Redis replication group and Name tag must be table-order-redis."
  }

  assert {
    condition     = aws_elasticache_replication_group.redis.at_rest_encryption_enabled == "true"
    error_message = "Redis must be encrypted at rest."
  }

  assert {
    condition     = aws_elasticache_replication_group.redis.transit_encryption_enabled && aws_elasticache_replication_group.redis.transit_encryption_mode == "required" && output.tls
    error_message = "Redis must require TLS in transit (clients use rediss://)."
  }

  assert {
    condition     = aws_elasticache_replication_group.redis.auth_token == null && aws_elasticache_replication_group.redis.auth_token_update_strategy == null
    error_message = "Terraform sets no AUTH token: the build makes it after the apply, so it is in no plan or state."
  }

  assert {
    condition     = aws_secretsmanager_secret.auth_token.name == "table-order-redis-auth-token" && output.auth_secret_arn == aws_secretsmanager_secret.auth_token.arn && output.replication_group_id == "table-order-redis"
    error_message = "The token's secret is table-order-redis-auth-token (terraform gives it no value); its ARN and the group's id are outputs, for the build."
  }
}

run "redis_real_provider" {
  command   = plan
  providers = { aws = aws.real }

  module {
    source = "./modules/cache"
  }

  assert {
    condition = alltrue([for t in [
      aws_elasticache_replication_group.redis.tags_all,
      aws_elasticache_subnet_group.redis.tags_all,
      aws_secretsmanager_secret.auth_token.tags_all,
    ] : t["Environment"] == "production" && t["Name"] != ""])
    error_message = "Every resource carries Name and, from the provider's default tags, Environment = production."
  }

  assert {
    condition     = aws_elasticache_replication_group.redis.engine_version == "7.1" && aws_elasticache_replication_group.redis.node_type == "cache.t3.micro" && aws_elasticache_replication_group.redis.num_cache_clusters == 1 && aws_elasticache_replication_group.redis.port == 6379
    error_message = "Redis 7.1, one cache.t3.micro node, port 6379."
  }

  assert {
    condition     = aws_elasticache_replication_group.redis.at_rest_encryption_enabled == "true" && aws_elasticache_replication_group.redis.transit_encryption_enabled && aws_elasticache_replication_group.redis.auth_token == null
    error_message = "The real provider accepts the one-node group with both encryptions and no token (the build sets it)."
  }
}

# Cache module: single-node ElastiCache for Redis 7 in the private subnet.

mock_provider "aws" {}

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
    condition     = aws_elasticache_cluster.redis.engine == "redis" && aws_elasticache_cluster.redis.engine_version == "7.1"
    error_message = "Engine must be Redis 7.x (written 7.1)."
  }

  assert {
    condition     = aws_elasticache_cluster.redis.node_type == "cache.t3.micro" && aws_elasticache_cluster.redis.num_cache_nodes == 1 && aws_elasticache_cluster.redis.port == 6379
    error_message = "One cache.t3.micro node on port 6379."
  }

  assert {
    condition     = aws_elasticache_cluster.redis.parameter_group_name == "default.redis7" && aws_elasticache_cluster.redis.availability_zone == "ap-northeast-2a"
    error_message = "default.redis7 parameter group, in ap-northeast-2a."
  }

  assert {
    condition     = aws_elasticache_subnet_group.redis.subnet_ids == toset(["subnet-000000000private"]) && aws_elasticache_cluster.redis.subnet_group_name == aws_elasticache_subnet_group.redis.name
    error_message = "Redis must live in the private subnet only."
  }

  assert {
    condition     = aws_elasticache_cluster.redis.security_group_ids == toset(["sg-0000000000000redis"])
    error_message = "Redis must use only the Redis security group."
  }

  assert {
    condition     = aws_elasticache_cluster.redis.tags["Name"] == "table-order-redis" && aws_elasticache_cluster.redis.cluster_id == "table-order-redis"
    error_message = "Redis cluster and Name tag must be table-order-redis."
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
      aws_elasticache_cluster.redis.tags_all,
      aws_elasticache_subnet_group.redis.tags_all,
    ] : t["Environment"] == "production" && t["Name"] != ""])
    error_message = "Every resource carries Name and, from the provider's default tags, Environment = production."
  }

  assert {
    condition     = aws_elasticache_cluster.redis.engine_version == "7.1" && aws_elasticache_cluster.redis.node_type == "cache.t3.micro" && aws_elasticache_cluster.redis.num_cache_nodes == 1 && aws_elasticache_cluster.redis.port == 6379
    error_message = "Redis 7.1, one cache.t3.micro node, port 6379."
  }
}

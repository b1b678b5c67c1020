# Security module: EC2, RDS and Redis groups; the VPC default group closed.

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
  name_prefix           = "table-order"
  vpc_id                = "vpc-0123456789abcdef0"
  ssh_allowed_cidrs     = ["203.0.113.10/32", "198.51.100.7/32"]
  fastapi_ingress_cidrs = ["0.0.0.0/0"]
}

run "security_groups_as_designed_mock" {
  command = plan

  module {
    source = "./modules/security"
  }

  override_resource {
    target          = aws_security_group.ec2
    override_during = plan
    values          = { id = "sg-00000000000000ec2" }
  }

  override_resource {
    target          = aws_security_group.rds
    override_during = plan
    values          = { id = "sg-00000000000000rds" }
  }

  override_resource {
    target          = aws_security_group.redis
    override_during = plan
    values          = { id = "sg-0000000000000redis" }
  }

  assert {
    condition     = [aws_security_group.ec2.tags["Name"], aws_security_group.rds.tags["Name"], aws_security_group.redis.tags["Name"]] == ["table-order-ec2-sg", "table-order-rds-sg", "table-order-redis-sg"]
    error_message = "Security group Name tags must be table-order-{ec2,rds,redis}-sg."
  }

  assert {
    condition     = toset([for r in aws_vpc_security_group_ingress_rule.ec2_ssh : r.cidr_ipv4]) == toset(["203.0.113.10/32", "198.51.100.7/32"])
    error_message = "SSH must be open to exactly the allow-list."
  }

  assert {
    condition     = alltrue([for r in aws_vpc_security_group_ingress_rule.ec2_ssh : r.from_port == 22 && r.to_port == 22 && r.ip_protocol == "tcp" && r.security_group_id == "sg-00000000000000ec2"])
    error_message = "SSH rules must be tcp/22 on the EC2 group."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.ec2_http.from_port == 80 && aws_vpc_security_group_ingress_rule.ec2_http.to_port == 80 && aws_vpc_security_group_ingress_rule.ec2_http.cidr_ipv4 == "0.0.0.0/0"
    error_message = "HTTP (80) must be open to 0.0.0.0/0."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.ec2_https[0].from_port == 443 && aws_vpc_security_group_ingress_rule.ec2_https[0].to_port == 443 && aws_vpc_security_group_ingress_rule.ec2_https[0].cidr_ipv4 == "0.0.0.0/0"
    error_message = "HTTPS (443) must be open to 0.0.0.0/0."
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.ec2_fastapi) == 1 && aws_vpc_security_group_ingress_rule.ec2_fastapi["0.0.0.0/0"].from_port == 8000 && aws_vpc_security_group_ingress_rule.ec2_fastapi["0.0.0.0/0"].to_port == 8000
    error_message = "FastAPI (8000) must be open to 0.0.0.0/0 as designed when the variable says so."
  }

  assert {
    condition     = aws_vpc_security_group_egress_rule.ec2_all.security_group_id == "sg-00000000000000ec2" && aws_vpc_security_group_egress_rule.ec2_all.ip_protocol == "-1" && aws_vpc_security_group_egress_rule.ec2_all.cidr_ipv4 == "0.0.0.0/0"
    error_message = "EC2 group must allow all egress, and that must be the only egress rule resource."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.rds_postgres.from_port == 5432 && aws_vpc_security_group_ingress_rule.rds_postgres.to_port == 5432 && aws_vpc_security_group_ingress_rule.rds_postgres.security_group_id == "sg-00000000000000rds" && aws_vpc_security_group_ingress_rule.rds_postgres.referenced_security_group_id == "sg-00000000000000ec2" && aws_vpc_security_group_ingress_rule.rds_postgres.cidr_ipv4 == null
    error_message = "PostgreSQL (5432) must be open only from the EC2 security group."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.redis.from_port == 6379 && aws_vpc_security_group_ingress_rule.redis.to_port == 6379 && aws_vpc_security_group_ingress_rule.redis.security_group_id == "sg-0000000000000redis" && aws_vpc_security_group_ingress_rule.redis.referenced_security_group_id == "sg-00000000000000ec2" && aws_vpc_security_group_ingress_rule.redis.cidr_ipv4 == null
    error_message = "Redis (6379) must be open only from the EC2 security group."
  }

  assert {
    condition     = length(aws_security_group.rds.egress) == 0 && length(aws_security_group.redis.egress) == 0
    error_message = "RDS and Redis groups must have no egress."
  }

  assert {
    condition     = length(aws_default_security_group.default.ingress) == 0 && length(aws_default_security_group.default.egress) == 0 && aws_default_security_group.default.vpc_id == "vpc-0123456789abcdef0"
    error_message = "The VPC's default security group must have no rules."
  }

  assert {
    condition = alltrue([
      for r in concat(values(aws_vpc_security_group_ingress_rule.ec2_ssh), [aws_vpc_security_group_ingress_rule.rds_postgres, aws_vpc_security_group_ingress_rule.redis]) :
      r.cidr_ipv4 != "0.0.0.0/0" && r.cidr_ipv6 != "::/0"
    ])
    error_message = "Ports 22, 5432 and 6379 must never be open to the internet."
  }
}

run "security_groups_real_provider" {
  command   = plan
  providers = { aws = aws.real }

  module {
    source = "./modules/security"
  }

  assert {
    condition = alltrue([for t in [
      aws_security_group.ec2.tags_all,
      aws_security_group.rds.tags_all,
      aws_security_group.redis.tags_all,
      aws_default_security_group.default.tags_all,
      aws_vpc_security_group_ingress_rule.ec2_http.tags_all,
      aws_vpc_security_group_ingress_rule.ec2_https[0].tags_all,
      aws_vpc_security_group_ingress_rule.rds_postgres.tags_all,
      aws_vpc_security_group_ingress_rule.redis.tags_all,
      aws_vpc_security_group_egress_rule.ec2_all.tags_all,
      values(aws_vpc_security_group_ingress_rule.ec2_ssh)[0].tags_all,
    ] : t["Environment"] == "production" && t["Name"] != ""])
    error_message = "Every resource carries Name and, from the provider's default tags, Environment = production."
  }

  assert {
    condition     = alltrue([for r in aws_vpc_security_group_ingress_rule.ec2_ssh : r.from_port == 22 && r.cidr_ipv4 != "0.0.0.0/0"])
    error_message = "SSH must be open only to the allow-list."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.rds_postgres.from_port == 5432 && aws_vpc_security_group_ingress_rule.redis.from_port == 6379 && aws_vpc_security_group_ingress_rule.rds_postgres.cidr_ipv4 == null && aws_vpc_security_group_ingress_rule.redis.cidr_ipv4 == null
    error_message = "5432 and 6379 must be open only from the EC2 group."
  }

  assert {
    condition     = length(aws_security_group.rds.egress) == 0 && length(aws_security_group.redis.egress) == 0 && length(aws_default_security_group.default.ingress) == 0 && length(aws_default_security_group.default.egress) == 0
    error_message = "No egress on RDS/Redis; no rules on the default group."
  }
}

run "fastapi_port_can_be_closed" {
  command = plan

  module {
    source = "./modules/security"
  }

  variables {
    fastapi_ingress_cidrs = []
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.ec2_fastapi) == 0
    error_message = "An empty fastapi_ingress_cidrs must remove the 8000 rule."
  }
}

run "ssh_from_anywhere_is_rejected" {
  command = plan

  module {
    source = "./modules/security"
  }

  variables {
    ssh_allowed_cidrs = ["203.0.113.10/32", "0.0.0.0/0"]
  }

  expect_failures = [var.ssh_allowed_cidrs]
}

run "ssh_range_is_rejected" {
  command = plan

  module {
    source = "./modules/security"
  }

  variables {
    ssh_allowed_cidrs = ["203.0.113.10/32", "198.51.100.0/28"]
  }

  expect_failures = [var.ssh_allowed_cidrs]
}

run "ssh_cidr_must_be_ipv4_cidr" {
  command = plan

  module {
    source = "./modules/security"
  }

  variables {
    ssh_allowed_cidrs = ["::/0"]
  }

  expect_failures = [var.ssh_allowed_cidrs]
}

run "fastapi_cidr_must_be_ipv4_cidr" {
  command = plan

  module {
    source = "./modules/security"
  }

  variables {
    fastapi_ingress_cidrs = ["anywhere"]
  }

  expect_failures = [var.fastapi_ingress_cidrs]
}

# Root module: the whole production stack planned at once, the outputs the build reads,
# every resource of the seed's resource mapping, and every input validation. The seed's
# values and the wiring at the resources themselves: tests/root.tftest.hcl.

mock_provider "aws" {
  # Computed values known at plan time, so outputs and module wiring can be asserted.
  mock_resource "aws_instance" {
    override_during = plan
    defaults = {
      id         = "i-0123456789abcdef0"
      public_ip  = "203.0.113.20"
      public_dns = "ec2-203-0-113-20.ap-northeast-2.compute.amazonaws.com"
    }
  }

  # The Elastic IP, distinct from the instance's auto-assigned address: the outputs must take it.
  mock_resource "aws_eip" {
    override_during = plan
    defaults = {
      public_ip  = "203.0.113.30"
      public_dns = "ec2-203-0-113-30.ap-northeast-2.compute.amazonaws.com"
    }
  }

  mock_resource "aws_db_instance" {
    override_during = plan
    defaults = {
      identifier = "table-order-db"
      address    = "table-order-db.abcdefghijkl.ap-northeast-2.rds.amazonaws.com"
      master_user_secret = [{
        kms_key_id    = "arn:aws:kms:ap-northeast-2:123456789012:key/00000000-0000-0000-0000-000000000000"
        secret_arn    = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:rds!db-0f1e2d3c-AbCdEf"
        secret_status = "active"
      }]
    }
  }

  mock_resource "aws_elasticache_replication_group" {
    override_during = plan
    defaults = {
      primary_endpoint_address = "master.table-order-redis.abcdef.apn2.cache.amazonaws.com"
    }
  }

  mock_resource "aws_secretsmanager_secret" {
    override_during = plan
    defaults = {
      id  = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:table-order-redis-auth-token-AbCdEf"
      arn = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:table-order-redis-auth-token-AbCdEf"
    }
  }

  mock_resource "aws_vpc" {
    override_during = plan
    defaults        = { id = "vpc-0123456789abcdef0" }
  }
  mock_resource "aws_subnet" {
    override_during = plan
    defaults        = { id = "subnet-0123456789abcdef0" }
  }
  mock_resource "aws_internet_gateway" {
    override_during = plan
    defaults        = { id = "igw-0123456789abcdef0" }
  }
  mock_resource "aws_route_table" {
    override_during = plan
    defaults        = { id = "rtb-0123456789abcdef0" }
  }
  mock_resource "aws_security_group" {
    override_during = plan
    defaults        = { id = "sg-0123456789abcdef0" }
  }
  mock_resource "aws_default_security_group" {
    override_during = plan
    defaults        = { id = "sg-0default0000000000" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    override_during = plan
    defaults        = { arn = "arn:aws:logs:ap-northeast-2:123456789012:log-group:/aws/ec2/table-order/app" }
  }
  mock_resource "aws_iam_role" {
    override_during = plan
    defaults        = { arn = "arn:aws:iam::123456789012:role/table-order-ec2-role" }
  }
  mock_resource "aws_sns_topic" {
    override_during = plan
    defaults        = { arn = "arn:aws:sns:ap-northeast-2:123456789012:table-order-alarms" }
  }
  mock_resource "aws_iam_instance_profile" {
    override_during = plan
    defaults        = { arn = "arn:aws:iam::123456789012:instance-profile/table-order-ec2-profile" }
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

  default_tags {
    tags = { Environment = "production", Project = "table-order", ManagedBy = "terraform" }
  }
}

# The only input without a default.
variables {
  ssh_allowed_cidrs = ["203.0.113.10/32"]
}

override_data {
  target = data.aws_caller_identity.current
  values = { account_id = "123456789012", arn = "arn:aws:iam::123456789012:user/ci", user_id = "AIDAEXAMPLE" }
}

override_data {
  target = module.compute.data.aws_ami.debian
  values = { id = "ami-0a1b2c3d4e5f60718" }
}


override_resource {
  target          = module.database.terraform_data.generation
  override_during = plan
  values          = { output = "2026-11-28T20:15:42Z" }
}

run "stack_outputs_mock" {
  command = plan

  assert {
    condition     = output.instance_id == "i-0123456789abcdef0" && output.public_ip == "203.0.113.30" && output.public_dns == "ec2-203-0-113-30.ap-northeast-2.compute.amazonaws.com"
    error_message = "instance_id must come from the app server, public_ip and public_dns from its Elastic IP (not the address it was launched with)."
  }

  assert {
    condition     = output.ssh_user == "admin"
    error_message = "The official Debian 13 AMI logs in as admin."
  }

  assert {
    condition     = output.db_endpoint == "table-order-db.abcdefghijkl.ap-northeast-2.rds.amazonaws.com" && !strcontains(output.db_endpoint, ":")
    error_message = "db_endpoint must be the host name only, without a port."
  }

  assert {
    condition     = output.db_port == 5432 && output.db_name == "tableorder" && output.db_username == "tableorder_admin"
    error_message = "db_port 5432, db_name tableorder, db_username tableorder_admin."
  }

  assert {
    condition     = output.db_secret_arn == "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:rds!db-0f1e2d3c-AbCdEf"
    error_message = "db_secret_arn must be the ARN of the RDS-managed secret."
  }

  assert {
    condition     = output.redis_endpoint == "master.table-order-redis.abcdef.apn2.cache.amazonaws.com" && output.redis_port == 6379
    error_message = "redis_endpoint (the primary endpoint's host only) and redis_port 6379."
  }

  assert {
    condition     = output.redis_tls == true && output.redis_auth_secret_arn == "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:table-order-redis-auth-token-AbCdEf"
    error_message = "redis_tls (rediss://) and the ARN of the AUTH token's secret."
  }

  assert {
    condition     = output.bucket_name == "table-order-menu-images-123456789012"
    error_message = "bucket_name must be table-order-menu-images-<account id>."
  }

  assert {
    condition     = output.log_group_fastapi == "/aws/ec2/table-order/fastapi" && output.log_group_nginx == "/aws/ec2/table-order/nginx"
    error_message = "Log group outputs."
  }

  assert {
    condition     = output.region == "ap-northeast-2"
    error_message = "region must default to ap-northeast-2."
  }

  assert {
    condition     = output.dashboard_url == "https://ap-northeast-2.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-2#dashboards:name=table-order-overview" && output.alarm_topic_arn == null
    error_message = "dashboard_url opens the stack's dashboard; alarm_topic_arn is null without alarms."
  }

  assert {
    condition     = local.default_tags["Environment"] == "production"
    error_message = "The provider's default tags must set Environment = production."
  }
}

# Every row of the seed's AWS resource mapping and its infrastructure components.
run "stack_has_every_designed_resource_mock" {
  command = plan

  assert {
    condition     = module.network.vpc_id == "vpc-0123456789abcdef0" && module.network.vpc_cidr == "10.0.0.0/16"
    error_message = "Virtual Network: aws_vpc.main 10.0.0.0/16."
  }

  assert {
    condition     = module.network.public_subnet_id != null && module.network.private_subnet_id != null && length(module.network.private_subnet_ids) == 2
    error_message = "Public and private subnets (plus the second private subnet for the DB subnet group)."
  }

  assert {
    condition     = module.network.internet_gateway_id == "igw-0123456789abcdef0"
    error_message = "Internet Access: aws_internet_gateway.main."
  }

  assert {
    condition     = module.network.public_route_table_id != null && module.network.private_route_table_id != null
    error_message = "Route tables: aws_route_table.public and aws_route_table.private."
  }

  assert {
    condition     = module.security.ec2_security_group_id != null && module.security.rds_security_group_id != null && module.security.redis_security_group_id != null && module.security.default_security_group_id != null
    error_message = "EC2, RDS and Redis security groups, and the closed default group."
  }

  assert {
    condition     = module.compute.instance_id == "i-0123456789abcdef0" && module.compute.instance_type == "t3.medium" && module.compute.ami_id == "ami-0a1b2c3d4e5f60718" && module.compute.key_name == "table-order-key"
    error_message = "Backend API Server: aws_instance.app_server, t3.medium, with key pair table-order-key."
  }

  assert {
    condition     = module.database.identifier == "table-order-db" && module.database.parameter_group_name == "table-order-postgres15"
    error_message = "Primary Database: aws_db_instance.postgres with its TLS parameter group."
  }

  assert {
    condition     = module.cache.replication_group_id == "table-order-redis"
    error_message = "Cache/Message Broker: the one-node aws_elasticache_replication_group.redis."
  }

  assert {
    condition     = module.storage.bucket_name == "table-order-menu-images-123456789012" && module.storage.bucket_arn == "arn:aws:s3:::table-order-menu-images-123456789012"
    error_message = "Image Storage: aws_s3_bucket.images."
  }

  assert {
    condition     = module.iam.role_name == "table-order-ec2-role" && module.iam.instance_profile_name == "table-order-ec2-profile" && module.iam.role_arn != null
    error_message = "aws_iam_role.ec2_role and its instance profile."
  }

  assert {
    condition     = module.monitoring.log_group_fastapi == "/aws/ec2/table-order/fastapi" && module.monitoring.log_group_nginx == "/aws/ec2/table-order/nginx" && length(module.monitoring.log_group_arns) == 2
    error_message = "Logs: aws_cloudwatch_log_group.fastapi_logs and nginx_logs."
  }

  assert {
    condition     = length(module.monitoring.alarm_names) == 0
    error_message = "Alarms are optional and off by default."
  }
}

run "stack_with_alarms_mock" {
  command = plan

  variables {
    enable_alarms  = true
    ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHr6ayWQ0b0WjWS0lSPUn3Xk8kQp6aQ1rDt6mBq0cJqN deploy@table-order"
  }

  assert {
    condition     = output.ssh_user == "admin" && module.compute.key_name == "table-order-key"
    error_message = "Still Debian (admin); the key pair is created from the public key."
  }

  assert {
    condition = module.monitoring.alarm_names == tolist([
      "table-order-app-server-cpu-high", "table-order-app-server-memory-high",
      "table-order-db-connections-high", "table-order-db-cpu-high", "table-order-db-free-storage-low",
      "table-order-redis-001-connections-high", "table-order-redis-001-memory-high",
    ])
    error_message = "enable_alarms creates the app server CPU and memory, database CPU, free storage and connections, and Redis memory and connections alarms."
  }

  assert {
    condition     = output.alarm_topic_arn == "arn:aws:sns:ap-northeast-2:123456789012:table-order-alarms" && module.monitoring.resources.alarm_topic.name == "table-order-alarms"
    error_message = "alarm_topic_arn is the alarms' topic."
  }
}

# The real provider plans the whole stack: its own plan-time checks run on every resource.
run "stack_real_provider" {
  command   = plan
  providers = { aws = aws.real }

  assert {
    condition     = output.ssh_user == "admin" && output.redis_tls && output.db_port == 5432 && output.db_name == "tableorder" && output.db_username == "tableorder_admin" && output.redis_port == 6379
    error_message = "Known-at-plan outputs: ssh_user, db_port, db_name, db_username, redis_port."
  }

  assert {
    condition     = output.bucket_name == "table-order-menu-images-123456789012" && output.log_group_fastapi == "/aws/ec2/table-order/fastapi" && output.log_group_nginx == "/aws/ec2/table-order/nginx" && output.region == "ap-northeast-2"
    error_message = "bucket_name, log groups and region."
  }

  assert {
    condition     = module.network.vpc_cidr == "10.0.0.0/16" && module.compute.instance_type == "t3.medium" && module.cache.replication_group_id == "table-order-redis" && module.database.parameter_group_name == "table-order-postgres15"
    error_message = "The designed resources are all in the plan."
  }
}

# ------------------------------------------------------------------------------------
# Validations: each bad input is rejected before anything is planned.
# ------------------------------------------------------------------------------------

run "reject_ssh_from_anywhere" {
  command = plan
  variables {
    ssh_allowed_cidrs = ["0.0.0.0/0"]
  }
  expect_failures = [var.ssh_allowed_cidrs]
}

run "reject_ssh_range" {
  command = plan
  variables {
    ssh_allowed_cidrs = ["203.0.113.10/32", "198.51.100.0/31"]
  }
  expect_failures = [var.ssh_allowed_cidrs]
}

run "reject_ssh_slash_8" {
  command = plan
  variables {
    ssh_allowed_cidrs = ["10.0.0.0/8"]
  }
  expect_failures = [var.ssh_allowed_cidrs]
}

run "reject_empty_ssh_allow_list" {
  command = plan
  variables {
    ssh_allowed_cidrs = []
  }
  expect_failures = [var.ssh_allowed_cidrs]
}

run "reject_ssh_address_without_prefix" {
  command = plan
  variables {
    ssh_allowed_cidrs = ["203.0.113.10"]
  }
  expect_failures = [var.ssh_allowed_cidrs]
}

run "reject_bad_fastapi_cidr" {
  command = plan
  variables {
    fastapi_ingress_cidrs = ["10.0.0.1/8"]
  }
  expect_failures = [var.fastapi_ingress_cidrs]
}

run "reject_bad_region" {
  command = plan
  variables {
    region = "seoul"
  }
  expect_failures = [var.region]
}

run "reject_az_outside_region" {
  command = plan
  variables {
    availability_zone = "us-east-1a"
  }
  expect_failures = [data.aws_caller_identity.current]
}

run "reject_bad_availability_zones" {
  command = plan
  variables {
    availability_zone           = "ap-northeast-2"
    secondary_availability_zone = "2c"
  }
  expect_failures = [var.availability_zone, var.secondary_availability_zone]
}

run "reject_bad_name_prefix" {
  command = plan
  variables {
    name_prefix = "Table_Order"
  }
  expect_failures = [var.name_prefix]
}

run "reject_overriding_environment_tag" {
  command = plan
  variables {
    additional_tags = { Environment = "staging" }
  }
  expect_failures = [var.additional_tags]
}

run "reject_bad_cidrs" {
  command = plan
  variables {
    vpc_cidr                      = "10.0.0.0/8"
    public_subnet_cidr            = "10.0.1.5/24"
    private_subnet_cidr           = "10.0.2.0"
    secondary_private_subnet_cidr = "fd00::/64"
  }
  expect_failures = [var.vpc_cidr, var.public_subnet_cidr, var.private_subnet_cidr, var.secondary_private_subnet_cidr]
}

# A subnet outside the VPC is rejected by a precondition in the network module
# (tests/network.tftest.hcl): expect_failures cannot name a child module's resource.

run "reject_bad_ami_id" {
  command = plan
  variables {
    ami_id = "ami-xyz"
  }
  expect_failures = [var.ami_id]
}

run "reject_bad_instance_classes" {
  command = plan
  variables {
    instance_type     = "db.t3.small"
    db_instance_class = "t3.small"
    redis_node_type   = "t3.micro"
  }
  expect_failures = [var.instance_type, var.db_instance_class, var.redis_node_type]
}

run "reject_bad_sizes" {
  command = plan
  variables {
    root_volume_size     = 4
    db_allocated_storage = 10
  }
  expect_failures = [var.root_volume_size, var.db_allocated_storage]
}

run "reject_bad_key_material" {
  command = plan
  variables {
    key_pair_name  = "my key/pair"
    ssh_public_key = "-----BEGIN OPENSSH PRIVATE KEY-----"
  }
  expect_failures = [var.key_pair_name, var.ssh_public_key]
}

run "reject_admin_master_user" {
  command = plan
  variables {
    db_username = "admin"
  }
  expect_failures = [var.db_username]
}

run "reject_reserved_prefix_master_user" {
  command = plan
  variables {
    db_username = "rds_owner"
  }
  expect_failures = [var.db_username]
}

run "reject_malformed_master_user" {
  command = plan
  variables {
    db_username = "1table-order"
  }
  expect_failures = [var.db_username]
}

run "reject_bad_database_settings" {
  command = plan
  variables {
    db_engine_version            = "16.4"
    db_name                      = "table-order"
    db_final_snapshot_identifier = "final--snapshot-"
  }
  expect_failures = [var.db_engine_version, var.db_name, var.db_final_snapshot_identifier]
}

run "reject_bad_ssm_parameter_path" {
  command = plan
  variables {
    ssm_parameter_path = "/"
  }
  expect_failures = [var.ssm_parameter_path]
}

run "reject_redis_version_not_major_minor" {
  command = plan
  variables {
    redis_engine_version = "7.x"
  }
  expect_failures = [var.redis_engine_version]
}

run "reject_bad_alarm_settings" {
  command = plan
  variables {
    alarm_cpu_threshold    = 0
    alarm_memory_threshold = 120
    alarm_actions          = ["not-an-arn"]
  }
  expect_failures = [var.alarm_cpu_threshold, var.alarm_memory_threshold, var.alarm_actions]
}

run "reject_bad_database_and_redis_thresholds" {
  command = plan
  variables {
    alarm_db_cpu_threshold            = 100
    alarm_db_connections_threshold    = 12.5
    alarm_db_free_storage_percent     = 0
    alarm_redis_memory_threshold      = -5
    alarm_redis_connections_threshold = 70000
  }
  expect_failures = [var.alarm_db_cpu_threshold, var.alarm_db_connections_threshold, var.alarm_db_free_storage_percent, var.alarm_redis_memory_threshold, var.alarm_redis_connections_threshold]
}

run "reject_bad_alarm_email" {
  command = plan
  variables {
    enable_alarms = true
    alarm_email   = "Ops Team <ops@example.com>"
  }
  expect_failures = [var.alarm_email]
}

run "reject_alarm_email_without_alarms" {
  command = plan
  variables {
    alarm_email = "ops@example.com"
  }
  expect_failures = [data.aws_caller_identity.current]
}

run "alarm_email_subscribes_with_alarms" {
  command = plan
  variables {
    enable_alarms                  = true
    alarm_email                    = "ops+table-order@example.co.kr"
    alarm_db_connections_threshold = 100
  }

  assert {
    condition     = module.monitoring.resources.email_subscription.endpoint == "ops+table-order@example.co.kr" && module.monitoring.resources.alarms["db-connections-high"].threshold == 100
    error_message = "A valid alarm_email is subscribed; a given connections threshold reaches its alarm."
  }
}

# Root module proven at the resources: the whole stack planned with the real provider
# (offline: fake credentials, data sources answered by overrides), asserting on the
# planned resources at their module addresses (module.<name>.resources, each module's
# planned resources) rather than on the outputs or the module suites' test variables.
# Every seed value and every piece of wiring lives in main.tf, variables.tf or a module;
# changing any of them here fails a run below.

provider "aws" {
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

# The only input without a default.
variables {
  ssh_allowed_cidrs = ["203.0.113.10/32"]
}

# Data sources would call AWS; they are answered here.
override_data {
  target = data.aws_caller_identity.current
  values = { account_id = "123456789012", arn = "arn:aws:iam::123456789012:user/ci", user_id = "AIDAEXAMPLE" }
}

override_data {
  target = module.compute.data.aws_ami.debian
  values = { id = "ami-0d1e2b3i4a5n61300" }
}


# timestamp() is unknown while planning; the database generation is answered here.
override_resource {
  target          = module.database.terraform_data.generation
  override_during = plan
  values          = { output = "2026-11-28T20:15:42Z" }
}

# ------------------------------------------------------------------------------------
# The seed's values (and this stack's hardening) as the real provider plans them.
# ------------------------------------------------------------------------------------

run "seed_values_at_the_resources" {
  command = plan

  # Network (seed 1-4)
  assert {
    condition     = module.network.resources.vpc.cidr_block == "10.0.0.0/16" && module.network.resources.vpc.enable_dns_support && module.network.resources.vpc.enable_dns_hostnames && module.network.resources.vpc.tags["Name"] == "table-order-vpc"
    error_message = "VPC: 10.0.0.0/16, DNS support and host names, Name table-order-vpc."
  }

  assert {
    condition     = module.network.resources.public_subnet.cidr_block == "10.0.1.0/24" && module.network.resources.public_subnet.availability_zone == "ap-northeast-2a" && module.network.resources.public_subnet.map_public_ip_on_launch && module.network.resources.public_subnet.tags["Name"] == "table-order-public-subnet"
    error_message = "Public subnet: 10.0.1.0/24 in ap-northeast-2a, public IPs on launch, Name table-order-public-subnet."
  }

  assert {
    condition     = module.network.resources.private_subnet.cidr_block == "10.0.2.0/24" && module.network.resources.private_subnet.availability_zone == "ap-northeast-2a" && !module.network.resources.private_subnet.map_public_ip_on_launch && module.network.resources.private_subnet.tags["Name"] == "table-order-private-subnet"
    error_message = "Private subnet: 10.0.2.0/24 in ap-northeast-2a, no public IPs, Name table-order-private-subnet."
  }

  assert {
    condition     = module.network.resources.private_secondary.cidr_block == "10.0.3.0/24" && module.network.resources.private_secondary.availability_zone == "ap-northeast-2c" && !module.network.resources.private_secondary.map_public_ip_on_launch
    error_message = "Second private subnet (DB subnet group only): 10.0.3.0/24 in ap-northeast-2c, no public IPs."
  }

  assert {
    condition     = module.network.resources.internet_gateway.tags["Name"] == "table-order-igw" && [for r in module.network.resources.public_route_table.route : r.cidr_block] == ["0.0.0.0/0"] && length(module.network.resources.private_route_table.route) == 0
    error_message = "Internet gateway table-order-igw; the public route table's only route is 0.0.0.0/0, the private one has only the local route (no NAT)."
  }

  assert {
    condition     = module.network.resources.flow_log.traffic_type == "ALL" && module.network.resources.flow_log.log_destination_type == "cloud-watch-logs" && module.network.resources.flow_log_group.name == "/aws/vpc/table-order/flow-logs" && module.network.resources.flow_log_group.retention_in_days == 7
    error_message = "VPC flow logs on: every flow, to /aws/vpc/table-order/flow-logs, kept 7 days."
  }

  # Security groups (seed 5)
  assert {
    condition = (
      [for r in values(module.security.resources.ec2_ssh) : [r.from_port, r.to_port, r.ip_protocol, r.cidr_ipv4]] == [[22, 22, "tcp", "203.0.113.10/32"]] &&
      [module.security.resources.ec2_http.from_port, module.security.resources.ec2_http.cidr_ipv4, module.security.resources.ec2_https.from_port, module.security.resources.ec2_https.cidr_ipv4] == [80, "0.0.0.0/0", 443, "0.0.0.0/0"]
    )
    error_message = "EC2 group: SSH 22 from the allow-list only, HTTP 80 and HTTPS 443 from anywhere."
  }

  assert {
    condition     = length(module.security.resources.ec2_fastapi) == 0
    error_message = "FastAPI's 8000 is closed by default (uvicorn listens on loopback behind Nginx)."
  }

  assert {
    condition     = module.security.resources.ec2_egress.ip_protocol == "-1" && module.security.resources.ec2_egress.cidr_ipv4 == "0.0.0.0/0"
    error_message = "EC2 group: all outbound traffic."
  }

  assert {
    condition     = [module.security.resources.rds_postgres.from_port, module.security.resources.rds_postgres.to_port, module.security.resources.redis_ingress.from_port, module.security.resources.redis_ingress.to_port] == [5432, 5432, 6379, 6379] && module.security.resources.rds_postgres.cidr_ipv4 == null && module.security.resources.redis_ingress.cidr_ipv4 == null
    error_message = "RDS group: 5432, Redis group: 6379, both from a group, never from an address range."
  }

  assert {
    condition     = length(module.security.resources.rds_sg.egress) == 0 && length(module.security.resources.redis_sg.egress) == 0 && length(module.security.resources.default_sg.ingress) == 0 && length(module.security.resources.default_sg.egress) == 0
    error_message = "No egress from the RDS and Redis groups; the VPC's default group is closed."
  }

  # EC2 (seed 6)
  assert {
    condition     = module.compute.resources.instance.instance_type == "t3.medium" && module.compute.resources.instance.ami == "ami-0d1e2b3i4a5n61300" && !module.compute.resources.instance.monitoring && module.compute.resources.instance.key_name == "table-order-key" && module.compute.resources.instance.tags["Name"] == "table-order-app-server"
    error_message = "App server: t3.medium from the Debian 13 lookup, basic monitoring, key pair table-order-key, Name table-order-app-server."
  }

  assert {
    condition     = module.compute.resources.instance.root_block_device[0].volume_size == 30 && module.compute.resources.instance.root_block_device[0].volume_type == "gp3" && module.compute.resources.instance.root_block_device[0].encrypted
    error_message = "Root volume: 30 GB gp3, encrypted."
  }

  assert {
    condition     = module.compute.resources.instance.metadata_options[0].http_tokens == "required"
    error_message = "IMDSv2 required."
  }

  assert {
    condition     = module.compute.resources.instance.user_data == sha1(module.compute.user_data) && output.user_data == module.compute.user_data && strcontains(module.compute.user_data, "amazon-ssm-agent.deb") && strcontains(module.compute.user_data, "amazon-cloudwatch-agent.deb") && strcontains(module.compute.user_data, "apt-get -y install")
    error_message = "The app server boots the Debian user data (the real provider plans its SHA-1): Debian packages, AWS's SSM and CloudWatch agent .debs."
  }

  assert {
    condition     = output.ssh_user == "admin" && module.compute.resources.key_pair == null
    error_message = "Debian logs in as admin; without ssh_public_key no key pair is created."
  }

  # RDS (seed 7)
  assert {
    condition     = module.database.resources.instance.engine == "postgres" && module.database.resources.instance.engine_version == "15" && module.database.resources.instance.instance_class == "db.t3.small"
    error_message = "RDS: PostgreSQL 15.x on db.t3.small."
  }

  assert {
    condition     = module.database.resources.instance.allocated_storage == 20 && module.database.resources.instance.storage_type == "gp3" && module.database.resources.instance.storage_encrypted
    error_message = "RDS storage: 20 GB gp3, encrypted."
  }

  assert {
    condition     = module.database.resources.instance.db_name == "tableorder" && module.database.resources.instance.username == "tableorder_admin" && module.database.resources.instance.port == 5432 && module.database.resources.instance.manage_master_user_password
    error_message = "Database tableorder, master user tableorder_admin, port 5432, password managed by RDS."
  }

  assert {
    condition     = !module.database.resources.instance.multi_az && !module.database.resources.instance.publicly_accessible && module.database.resources.instance.availability_zone == "ap-northeast-2a"
    error_message = "RDS: single-AZ in ap-northeast-2a, private."
  }

  assert {
    condition     = module.database.resources.instance.backup_retention_period == 7 && module.database.resources.instance.backup_window == "03:00-04:00"
    error_message = "Backups: 7 days, window 03:00-04:00 UTC."
  }

  assert {
    condition     = module.database.resources.instance.maintenance_window == "mon:04:00-mon:05:00"
    error_message = "Maintenance window: Mon 04:00-05:00 UTC."
  }

  assert {
    condition     = module.database.resources.instance.deletion_protection && !module.database.resources.instance.delete_automated_backups && !module.database.resources.instance.skip_final_snapshot && module.database.resources.instance.final_snapshot_identifier == "table-order-db-final-20261128201542"
    error_message = "Deletion protection on, automated backups kept after delete, a final snapshot named after this database generation."
  }

  assert {
    condition     = module.database.resources.instance.performance_insights_enabled && module.database.resources.instance.performance_insights_retention_period == 7
    error_message = "Performance Insights on, 7 days (free tier)."
  }

  assert {
    condition     = module.database.resources.parameter_group.family == "postgres15" && anytrue([for p in module.database.resources.parameter_group.parameter : p.name == "rds.force_ssl" && p.value == "1"])
    error_message = "TLS forced through the postgres15 parameter group."
  }

  # Redis (seed 8)
  assert {
    condition     = module.cache.resources.replication_group.engine == "redis" && module.cache.resources.replication_group.engine_version == "7.1" && module.cache.resources.replication_group.node_type == "cache.t3.micro"
    error_message = "Redis 7.x (7.1) on cache.t3.micro."
  }

  assert {
    condition     = module.cache.resources.replication_group.num_cache_clusters == 1 && !module.cache.resources.replication_group.automatic_failover_enabled && module.cache.resources.replication_group.port == 6379 && module.cache.resources.replication_group.preferred_cache_cluster_azs == tolist(["ap-northeast-2a"])
    error_message = "Redis: a single node on 6379 in ap-northeast-2a."
  }

  assert {
    condition     = module.cache.resources.replication_group.maintenance_window == "mon:05:00-mon:06:00" && module.cache.resources.replication_group.parameter_group_name == "default.redis7" && module.cache.resources.replication_group.snapshot_retention_limit == 0
    error_message = "Redis: maintenance Mon 05:00-06:00 UTC, default.redis7, no snapshots."
  }

  assert {
    condition     = module.cache.resources.replication_group.at_rest_encryption_enabled == "true" && module.cache.resources.replication_group.transit_encryption_enabled && module.cache.resources.replication_group.transit_encryption_mode == "required"
    error_message = "Redis: encrypted at rest and TLS required in transit."
  }

  assert {
    condition     = module.cache.resources.replication_group.auth_token == null && module.cache.resources.secret.name == "table-order-redis-auth-token" && output.redis_replication_group_id == "table-order-redis"
    error_message = "Redis: no AUTH token in terraform (the build sets it after the apply, into the secret table-order-redis-auth-token); the group's id is an output."
  }

  # S3 (seed 9)
  assert {
    condition     = module.storage.resources.bucket.bucket == "table-order-menu-images-123456789012" && module.storage.resources.bucket.tags["Name"] == "table-order-images" && !module.storage.resources.bucket.force_destroy
    error_message = "Bucket table-order-menu-images-<account id>, Name table-order-images, never force-destroyed."
  }

  assert {
    condition = (
      one(module.storage.resources.versioning.versioning_configuration[*].status) == "Disabled" &&
      one(flatten([for r in module.storage.resources.encryption.rule : [for d in r.apply_server_side_encryption_by_default : d.sse_algorithm]])) == "AES256" &&
      one(module.storage.resources.ownership_controls.rule[*].object_ownership) == "BucketOwnerEnforced"
    )
    error_message = "Bucket: versioning Disabled, SSE-S3 (AES256), ACLs disabled (private)."
  }

  assert {
    condition     = alltrue([module.storage.resources.public_access_block.block_public_acls, module.storage.resources.public_access_block.block_public_policy, module.storage.resources.public_access_block.ignore_public_acls, module.storage.resources.public_access_block.restrict_public_buckets])
    error_message = "Bucket: all four public access blocks on."
  }

  assert {
    condition     = [for r in module.storage.resources.lifecycle.rule : one(r.abort_incomplete_multipart_upload[*].days_after_initiation)] == [7]
    error_message = "Bucket: incomplete multipart uploads aborted after 7 days."
  }

  # IAM (seed 10)
  assert {
    condition     = module.iam.resources.role.name == "table-order-ec2-role" && jsondecode(module.iam.resources.role.assume_role_policy).Statement[0].Principal.Service == "ec2.amazonaws.com" && module.iam.resources.instance_profile.name == "table-order-ec2-profile"
    error_message = "Role table-order-ec2-role, assumable by EC2 only, in the instance profile table-order-ec2-profile."
  }

  assert {
    condition     = keys(module.iam.resources) == ["app_policy", "instance_profile", "role", "ssm_policy"]
    error_message = "The role's permissions are the two inline policies; no AWS-managed policy is attached."
  }

  # Logs (seed 11)
  assert {
    condition     = [module.monitoring.resources.fastapi_logs.name, module.monitoring.resources.nginx_logs.name] == ["/aws/ec2/table-order/fastapi", "/aws/ec2/table-order/nginx"]
    error_message = "Log groups /aws/ec2/table-order/fastapi and /aws/ec2/table-order/nginx."
  }

  assert {
    condition     = module.monitoring.resources.fastapi_logs.retention_in_days == 7 && module.monitoring.resources.nginx_logs.retention_in_days == 7
    error_message = "Application logs kept 7 days."
  }

  assert {
    condition     = length(module.monitoring.resources.alarms) == 0 && module.monitoring.resources.alarm_topic == null && module.monitoring.resources.alarm_key == null && module.monitoring.resources.email_subscription == null
    error_message = "Alarms are optional and off by default: no alarm, no topic, no key, no subscription."
  }

  # Metrics (seed 11): the dashboard always.
  assert {
    condition     = module.monitoring.resources.dashboard.dashboard_name == "table-order-overview" && output.dashboard_url == "https://ap-northeast-2.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-2#dashboards:name=table-order-overview"
    error_message = "The dashboard table-order-overview exists without alarms; dashboard_url opens it (its metrics: the wiring run below)."
  }

  # Default tags on every taggable resource (the provider's, as providers.tf sets them).
  assert {
    condition = alltrue([for t in [
      module.network.resources.vpc.tags_all,
      module.network.resources.flow_log.tags_all,
      module.security.resources.ec2_sg.tags_all,
      module.compute.resources.instance.tags_all,
      module.compute.resources.elastic_ip.tags_all,
      module.database.resources.instance.tags_all,
      module.cache.resources.replication_group.tags_all,
      module.cache.resources.secret.tags_all,
      module.storage.resources.bucket.tags_all,
      module.iam.resources.role.tags_all,
      module.monitoring.resources.fastapi_logs.tags_all,
    ] : t["Environment"] == "production" && t["Project"] == "table-order" && t["ManagedBy"] == "terraform" && t["Name"] != ""])
    error_message = "Every resource carries its Name and Environment = production, Project, ManagedBy."
  }
}

# ------------------------------------------------------------------------------------
# The wiring: which VPC, subnet, security group, role, secret each resource uses. Every
# ID and ARN is made known and distinct, so a wrong reference cannot compare equal.
# ------------------------------------------------------------------------------------

run "wiring_at_the_resources" {
  command = plan

  variables {
    enable_alarms = true
  }

  override_resource {
    target          = module.network.aws_vpc.main
    override_during = plan
    values          = { id = "vpc-0000000000000main" }
  }
  override_resource {
    target          = module.network.aws_subnet.public
    override_during = plan
    values          = { id = "subnet-00000000public" }
  }
  override_resource {
    target          = module.network.aws_subnet.private
    override_during = plan
    values          = { id = "subnet-0000000private" }
  }
  override_resource {
    target          = module.network.aws_subnet.private_secondary
    override_during = plan
    values          = { id = "subnet-0000private2nd" }
  }
  override_resource {
    target          = module.network.aws_internet_gateway.main
    override_during = plan
    values          = { id = "igw-00000000000000main" }
  }
  override_resource {
    target          = module.network.aws_route_table.public
    override_during = plan
    values          = { id = "rtb-00000000000public" }
  }
  override_resource {
    target          = module.network.aws_route_table.private
    override_during = plan
    values          = { id = "rtb-0000000000private" }
  }
  override_resource {
    target          = module.network.aws_cloudwatch_log_group.flow_logs
    override_during = plan
    values          = { arn = "arn:aws:logs:ap-northeast-2:123456789012:log-group:/aws/vpc/table-order/flow-logs" }
  }
  override_resource {
    target          = module.network.aws_iam_role.flow_logs
    override_during = plan
    values          = { id = "table-order-flow-logs-role", arn = "arn:aws:iam::123456789012:role/table-order-flow-logs-role" }
  }
  override_resource {
    target          = module.security.aws_security_group.ec2
    override_during = plan
    values          = { id = "sg-00000000000000ec2" }
  }
  override_resource {
    target          = module.security.aws_security_group.rds
    override_during = plan
    values          = { id = "sg-00000000000000rds" }
  }
  override_resource {
    target          = module.security.aws_security_group.redis
    override_during = plan
    values          = { id = "sg-0000000000000redis" }
  }
  override_resource {
    target          = module.storage.aws_s3_bucket.images
    override_during = plan
    values          = { id = "table-order-menu-images-123456789012" }
  }
  override_resource {
    target          = module.monitoring.aws_cloudwatch_log_group.fastapi_logs
    override_during = plan
    values          = { arn = "arn:aws:logs:ap-northeast-2:123456789012:log-group:/aws/ec2/table-order/fastapi" }
  }
  override_resource {
    target          = module.monitoring.aws_cloudwatch_log_group.nginx_logs
    override_during = plan
    values          = { arn = "arn:aws:logs:ap-northeast-2:123456789012:log-group:/aws/ec2/table-order/nginx" }
  }
  override_resource {
    target          = module.database.aws_db_instance.postgres
    override_during = plan
    values = {
      id      = "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ"
      address = "table-order-db.abcdefghijkl.ap-northeast-2.rds.amazonaws.com"
      master_user_secret = [{
        kms_key_id    = "arn:aws:kms:ap-northeast-2:123456789012:key/00000000-0000-0000-0000-000000000000"
        secret_arn    = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:rds!db-0f1e2d3c-AbCdEf"
        secret_status = "active"
      }]
    }
  }
  override_resource {
    target          = module.cache.aws_secretsmanager_secret.auth_token
    override_during = plan
    values = {
      id  = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:table-order-redis-auth-token-AbCdEf"
      arn = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:table-order-redis-auth-token-AbCdEf"
    }
  }
  override_resource {
    target          = module.iam.aws_iam_role.ec2_role
    override_during = plan
    values          = { id = "table-order-ec2-role", arn = "arn:aws:iam::123456789012:role/table-order-ec2-role" }
  }
  override_resource {
    target          = module.compute.aws_instance.app_server
    override_during = plan
    values          = { id = "i-0123456789abcdef0" }
  }
  override_resource {
    target          = module.monitoring.aws_sns_topic.alarms
    override_during = plan
    values          = { arn = "arn:aws:sns:ap-northeast-2:123456789012:table-order-alarms" }
  }

  # Network
  assert {
    condition     = alltrue([for s in [module.network.resources.public_subnet, module.network.resources.private_subnet, module.network.resources.private_secondary, module.network.resources.internet_gateway, module.network.resources.public_route_table, module.network.resources.private_route_table] : s.vpc_id == "vpc-0000000000000main"])
    error_message = "Subnets, internet gateway and route tables belong to the stack's VPC."
  }

  assert {
    condition     = [for r in module.network.resources.public_route_table.route : r.gateway_id] == ["igw-00000000000000main"]
    error_message = "The public route table's default route goes through the stack's internet gateway."
  }

  assert {
    condition = (
      [module.network.resources.public_association.subnet_id, module.network.resources.public_association.route_table_id] == ["subnet-00000000public", "rtb-00000000000public"] &&
      [module.network.resources.private_association.subnet_id, module.network.resources.private_association.route_table_id] == ["subnet-0000000private", "rtb-0000000000private"] &&
      [module.network.resources.secondary_association.subnet_id, module.network.resources.secondary_association.route_table_id] == ["subnet-0000private2nd", "rtb-0000000000private"]
    )
    error_message = "Public subnet -> public route table; both private subnets -> private route table."
  }

  assert {
    condition     = module.network.resources.flow_log.vpc_id == "vpc-0000000000000main" && module.network.resources.flow_log.log_destination == "arn:aws:logs:ap-northeast-2:123456789012:log-group:/aws/vpc/table-order/flow-logs" && module.network.resources.flow_log.iam_role_arn == "arn:aws:iam::123456789012:role/table-order-flow-logs-role"
    error_message = "The flow log covers the stack's VPC, writes its own group, through its own role."
  }

  assert {
    condition     = module.network.resources.flow_log_policy.role == "table-order-flow-logs-role" && jsondecode(module.network.resources.flow_log_policy.policy).Statement[0].Resource == ["arn:aws:logs:ap-northeast-2:123456789012:log-group:/aws/vpc/table-order/flow-logs", "arn:aws:logs:ap-northeast-2:123456789012:log-group:/aws/vpc/table-order/flow-logs:log-stream:*"]
    error_message = "The flow log role may write the flow log group only."
  }

  # Security groups
  assert {
    condition     = alltrue([for g in [module.security.resources.ec2_sg, module.security.resources.rds_sg, module.security.resources.redis_sg, module.security.resources.default_sg] : g.vpc_id == "vpc-0000000000000main"])
    error_message = "Every security group (and the closed default group) belongs to the stack's VPC."
  }

  assert {
    condition     = alltrue([for r in concat(values(module.security.resources.ec2_ssh), [module.security.resources.ec2_http, module.security.resources.ec2_https, module.security.resources.ec2_egress]) : r.security_group_id == "sg-00000000000000ec2"])
    error_message = "SSH, HTTP, HTTPS and egress rules belong to the EC2 group."
  }

  assert {
    condition     = module.security.resources.rds_postgres.security_group_id == "sg-00000000000000rds" && module.security.resources.rds_postgres.referenced_security_group_id == "sg-00000000000000ec2"
    error_message = "5432 is opened on the RDS group, from the EC2 group."
  }

  assert {
    condition     = module.security.resources.redis_ingress.security_group_id == "sg-0000000000000redis" && module.security.resources.redis_ingress.referenced_security_group_id == "sg-00000000000000ec2"
    error_message = "6379 is opened on the Redis group, from the EC2 group."
  }

  # EC2
  assert {
    condition     = module.compute.resources.instance.subnet_id == "subnet-00000000public"
    error_message = "The app server runs in the public subnet."
  }

  assert {
    condition     = module.compute.resources.instance.vpc_security_group_ids == toset(["sg-00000000000000ec2"])
    error_message = "The app server uses the EC2 group, and only it."
  }

  assert {
    condition     = module.compute.resources.instance.iam_instance_profile == module.iam.resources.instance_profile.name && module.iam.resources.instance_profile.role == "table-order-ec2-role"
    error_message = "The app server carries the instance profile that wraps the EC2 role."
  }

  assert {
    condition     = module.compute.resources.elastic_ip.instance == "i-0123456789abcdef0" && module.compute.resources.elastic_ip.domain == "vpc"
    error_message = "The app server's Elastic IP (a VPC address) is associated with the app server."
  }

  # RDS
  assert {
    condition     = module.database.resources.instance.vpc_security_group_ids == toset(["sg-00000000000000rds"])
    error_message = "The database uses the RDS group, and only it."
  }

  assert {
    condition     = module.database.resources.subnet_group.subnet_ids == toset(["subnet-0000000private", "subnet-0000private2nd"]) && module.database.resources.instance.db_subnet_group_name == module.database.resources.subnet_group.name
    error_message = "The database lives in the subnet group of the two private subnets."
  }

  assert {
    condition     = module.database.resources.instance.parameter_group_name == module.database.resources.parameter_group.name
    error_message = "The database uses the TLS parameter group."
  }

  # Redis
  assert {
    condition     = module.cache.resources.replication_group.security_group_ids == toset(["sg-0000000000000redis"])
    error_message = "Redis uses the Redis group, and only it."
  }

  assert {
    condition     = module.cache.resources.subnet_group.subnet_ids == toset(["subnet-0000000private"]) && module.cache.resources.replication_group.subnet_group_name == module.cache.resources.subnet_group.name
    error_message = "Redis lives in the private subnet (10.0.2.0/24) only."
  }

  # S3
  assert {
    condition     = alltrue([for r in [module.storage.resources.ownership_controls, module.storage.resources.public_access_block, module.storage.resources.encryption, module.storage.resources.versioning, module.storage.resources.lifecycle, module.storage.resources.policy] : r.bucket == "table-order-menu-images-123456789012"])
    error_message = "Every bucket setting applies to the menu images bucket."
  }

  # IAM: the role's grants name exactly the stack's resources.
  assert {
    condition     = module.iam.resources.app_policy.role == "table-order-ec2-role" && module.iam.resources.ssm_policy.role == "table-order-ec2-role"
    error_message = "Both inline policies belong to the EC2 role."
  }

  assert {
    condition = { for s in jsondecode(module.iam.resources.app_policy.policy).Statement : s.Sid => s.Resource } == {
      MenuImagesBucketList       = ["arn:aws:s3:::table-order-menu-images-123456789012"]
      MenuImagesObjectsReadWrite = ["arn:aws:s3:::table-order-menu-images-123456789012/*"]
      AppLogGroupsWrite = [
        "arn:aws:logs:ap-northeast-2:123456789012:log-group:/aws/ec2/table-order/fastapi",
        "arn:aws:logs:ap-northeast-2:123456789012:log-group:/aws/ec2/table-order/nginx",
        "arn:aws:logs:ap-northeast-2:123456789012:log-group:/aws/ec2/table-order/fastapi:log-stream:*",
        "arn:aws:logs:ap-northeast-2:123456789012:log-group:/aws/ec2/table-order/nginx:log-stream:*",
      ]
      DatabaseMasterSecretRead    = ["arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:rds!db-0f1e2d3c-AbCdEf"]
      RedisAuthTokenRead          = ["arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:table-order-redis-auth-token-AbCdEf"]
      ServerParametersRead        = ["arn:aws:ssm:ap-northeast-2:123456789012:parameter/tableorder/production/db-app-password", "arn:aws:ssm:ap-northeast-2:123456789012:parameter/tableorder/production/staff-token"]
      AppDatabasePasswordKeep     = ["arn:aws:ssm:ap-northeast-2:123456789012:parameter/tableorder/production/db-app-password"]
      CloudWatchAgentMetrics      = ["*"]
      CloudWatchAgentInstanceTags = ["*"]
    }
    error_message = "The app policy names the stack's bucket, log groups, database secret, Redis token secret and the app role's password parameter, nothing else."
  }

  assert {
    condition     = one([for s in jsondecode(module.iam.resources.app_policy.policy).Statement : s.Condition.StringEquals["cloudwatch:namespace"] if s.Sid == "CloudWatchAgentMetrics"]) == "CWAgent"
    error_message = "PutMetricData is always granted, in the agent's namespace CWAgent only."
  }

  assert {
    condition     = one([for s in jsondecode(module.iam.resources.ssm_policy.policy).Statement : s.Resource if s.Sid == "SsmAgentRegistration"]) == ["arn:aws:ec2:ap-northeast-2:123456789012:instance/*"]
    error_message = "The SSM agent registers instances of this account and region only."
  }

  # Monitoring: the dashboard and the alarms watch the stack's own server, database and Redis node.
  assert {
    condition = toset(flatten([for w in jsondecode(module.monitoring.resources.dashboard.dashboard_body).widgets : [for m in w.properties.metrics : join(" ", slice(m, 2, length(m)))]])) == toset([
      "InstanceId i-0123456789abcdef0",
      "DBInstanceIdentifier ${module.database.resources.instance.identifier}",
      "CacheClusterId ${module.cache.resources.replication_group.replication_group_id}-001",
    ])
    error_message = "Every dashboard metric is on the app server's instance, the stack's database or its Redis node."
  }

  assert {
    condition     = length(jsondecode(module.monitoring.resources.dashboard.dashboard_body).widgets) == 10
    error_message = "The dashboard has the ten design metrics' widgets."
  }

  assert {
    condition = { for k, a in module.monitoring.resources.alarms : k => [a.dimensions, a.threshold] } == {
      "app-server-cpu-high"        = [tomap({ InstanceId = "i-0123456789abcdef0" }), 80]
      "app-server-memory-high"     = [tomap({ InstanceId = "i-0123456789abcdef0" }), 80]
      "db-cpu-high"                = [tomap({ DBInstanceIdentifier = module.database.resources.instance.identifier }), 80]
      "db-free-storage-low"        = [tomap({ DBInstanceIdentifier = module.database.resources.instance.identifier }), 20 * 1073741824 * 20 / 100]
      "db-connections-high"        = [tomap({ DBInstanceIdentifier = module.database.resources.instance.identifier }), 168]
      "redis-001-memory-high"      = [tomap({ CacheClusterId = "${module.cache.resources.replication_group.replication_group_id}-001" }), 65]
      "redis-001-connections-high" = [tomap({ CacheClusterId = "${module.cache.resources.replication_group.replication_group_id}-001" }), 200]
    }
    error_message = "The alarms watch the app server, the database and the Redis node, at the default thresholds (the memory alarm reads the agent's CWAgent metrics)."
  }

  assert {
    condition     = alltrue([for a in module.monitoring.resources.alarms : a.alarm_actions == toset(["arn:aws:sns:ap-northeast-2:123456789012:table-order-alarms"])]) && output.alarm_topic_arn == "arn:aws:sns:ap-northeast-2:123456789012:table-order-alarms"
    error_message = "Every alarm notifies the stack's alarm topic (alarm_topic_arn)."
  }

  # Outputs the build reads come from the wired resources.
  assert {
    condition     = output.instance_id == "i-0123456789abcdef0" && output.db_endpoint == "table-order-db.abcdefghijkl.ap-northeast-2.rds.amazonaws.com" && output.db_secret_arn == "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:rds!db-0f1e2d3c-AbCdEf" && output.redis_auth_secret_arn == "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:table-order-redis-auth-token-AbCdEf"
    error_message = "instance_id, db_endpoint, db_secret_arn and redis_auth_secret_arn come from the wired resources."
  }
}

# ------------------------------------------------------------------------------------
# The knobs that exist on purpose still work at the resources.
# ------------------------------------------------------------------------------------

run "opened_fastapi_and_unprotected_database" {
  command = plan

  variables {
    fastapi_ingress_cidrs  = ["203.0.113.0/24"]
    db_deletion_protection = false
  }

  assert {
    condition     = [for r in values(module.security.resources.ec2_fastapi) : [r.from_port, r.to_port, r.cidr_ipv4]] == [[8000, 8000, "203.0.113.0/24"]]
    error_message = "fastapi_ingress_cidrs opens 8000 to exactly the given ranges."
  }

  assert {
    condition     = !module.database.resources.instance.deletion_protection && !module.database.resources.instance.skip_final_snapshot && !module.database.resources.instance.delete_automated_backups
    error_message = "Turning deletion protection off (for a reviewed Destroy) keeps the final snapshot and the backups."
  }
}

run "no_domain_no_dns_record" {
  command = plan

  assert {
    condition     = length(module.dns) == 0
    error_message = "Without route53_zone_id the stack creates no DNS record (the site is HTTP only, or DNS is managed elsewhere)."
  }
}

run "domain_and_hosted_zone_make_the_a_record" {
  command = plan

  variables {
    domain_name     = "order.example.com"
    route53_zone_id = "Z0123456789ABCDEFGHIJ"
  }

  override_resource {
    target          = module.compute.aws_instance.app_server
    override_during = plan
    values          = { id = "i-0123456789abcdef0", public_ip = "198.51.100.7" }
  }
  override_resource {
    target          = module.compute.aws_eip.app_server
    override_during = plan
    values          = { public_ip = "203.0.113.30", public_dns = "ec2-203-0-113-30.ap-northeast-2.compute.amazonaws.com" }
  }

  assert {
    condition     = module.dns[0].resources.record.records == toset(["203.0.113.30"]) && output.public_ip == "203.0.113.30" && output.public_dns == "ec2-203-0-113-30.ap-northeast-2.compute.amazonaws.com"
    error_message = "The A record, public_ip and public_dns are the Elastic IP's (stable across stop/start), never the instance's auto-assigned address."
  }

  assert {
    condition     = module.dns[0].resources.record.zone_id == "Z0123456789ABCDEFGHIJ" && module.dns[0].resources.record.name == "order.example.com" && module.dns[0].resources.record.type == "A" && module.dns[0].resources.record.ttl == 60
    error_message = "domain_name and route53_zone_id make one A record for the name in that zone (TTL 60)."
  }

  assert {
    condition     = [module.security.resources.ec2_https.from_port, module.security.resources.ec2_https.to_port] == [443, 443]
    error_message = "HTTPS needs 443 open on the app server's group."
  }
}

run "hosted_zone_without_a_domain_is_refused" {
  command = plan

  variables {
    route53_zone_id = "Z0123456789ABCDEFGHIJ"
  }

  expect_failures = [data.aws_caller_identity.current]
}

run "domain_with_a_scheme_is_refused" {
  command = plan

  variables {
    domain_name     = "https://order.example.com"
    route53_zone_id = "Z0123456789ABCDEFGHIJ"
  }

  expect_failures = [var.domain_name]
}

# Table Order production stack: one app server (or, scaled out, an Auto Scaling group of them
# behind a load balancer), PostgreSQL, Redis, an image bucket.
# Each concern is a module under modules/; this file only wires them together.

locals {
  default_tags = merge(var.additional_tags, {
    Environment = "production"
    Project     = var.name_prefix
    ManagedBy   = "terraform"
  })

  # Design values that are requirements, not knobs.
  db_backup_retention_days = 7
  db_backup_window         = "03:00-04:00"         # UTC (12:00-13:00 KST)
  db_maintenance_window    = "mon:04:00-mon:05:00" # UTC (13:00-14:00 KST)
  redis_maintenance_window = "mon:05:00-mon:06:00" # UTC, right after the database's
  log_retention_days       = 7                     # application logs and VPC flow logs

  bucket_name = "${var.name_prefix}-menu-images-${data.aws_caller_identity.current.account_id}"

  # Scaled out (README "Scaling out"): an Auto Scaling group behind a load balancer instead of
  # the single instance, and a release bucket new servers install from.
  scale_out           = var.app_server_count > 1 || var.enable_load_balancer
  release_bucket_name = "${var.name_prefix}-releases-${data.aws_caller_identity.current.account_id}"
  # The group's name as modules/compute names it, known before the group exists: the instance
  # role's grant on it must be in place while the group's first servers boot.
  app_servers_group_name = "${var.name_prefix}-app-servers"
}

data "aws_caller_identity" "current" {
  lifecycle {
    # Cross-variable checks live here so that they work on Terraform 1.7 and 1.8
    # (validation blocks may reference other variables only from 1.9).
    postcondition {
      condition     = startswith(var.availability_zone, var.region) && startswith(var.secondary_availability_zone, var.region)
      error_message = "availability_zone (${var.availability_zone}) and secondary_availability_zone (${var.secondary_availability_zone}) must both be in region ${var.region}."
    }
    postcondition {
      condition     = var.instance_refresh_batch_size <= var.app_server_count
      error_message = "instance_refresh_batch_size (${var.instance_refresh_batch_size}) must be at most app_server_count (${var.app_server_count}): the Auto Scaling group cannot replace more servers at a time than it has."
    }
    postcondition {
      condition     = !(var.app_server_count > 1 || var.enable_load_balancer) || length(var.deploy_principal_arns) > 0
      error_message = "Scaled out, the release bucket holds what new servers run, and only deploy_principal_arns may write it: set them to the principals that deploy, e.g. deploy_principal_arns = [\"<the CI role, AWS_DEPLOY_ROLE_ARN>\", \"arn:aws:iam::${self.account_id}:role/<your admin role>\"] (this plan runs as ${self.arn})."
    }
    postcondition {
      condition     = (var.domain_name == null) == (var.route53_zone_id == null)
      error_message = "domain_name and route53_zone_id go together: the certificate is validated through that Route 53 zone. Set both for HTTPS, or neither for HTTP only."
    }
    postcondition {
      condition     = var.alarm_email == null || var.enable_alarms
      error_message = "alarm_email subscribes to the alarm topic, which exists only with enable_alarms = true. Set enable_alarms = true, or leave alarm_email unset."
    }
  }
}

module "network" {
  source = "./modules/network"

  name_prefix                    = var.name_prefix
  vpc_cidr                       = var.vpc_cidr
  public_subnet_cidr             = var.public_subnet_cidr
  private_subnet_cidr            = var.private_subnet_cidr
  secondary_private_subnet_cidr  = var.secondary_private_subnet_cidr
  availability_zone              = var.availability_zone
  secondary_availability_zone    = var.secondary_availability_zone
  create_secondary_public_subnet = local.scale_out
  secondary_public_subnet_cidr   = var.secondary_public_subnet_cidr
  flow_log_retention_days        = local.log_retention_days
  region                         = var.region
  account_id                     = data.aws_caller_identity.current.account_id
}

module "security" {
  source = "./modules/security"

  name_prefix           = var.name_prefix
  vpc_id                = module.network.vpc_id
  ssh_allowed_cidrs     = var.ssh_allowed_cidrs
  fastapi_ingress_cidrs = var.fastapi_ingress_cidrs
  load_balancer         = local.scale_out
}

module "storage" {
  source = "./modules/storage"

  bucket_name = local.bucket_name
  name_tag    = "${var.name_prefix}-images"
}

# Scaled out: releases/ for servers Auto Scaling adds (the contract: terraform/README.md,
# "Release bucket"). The same private, encrypted, TLS-only bucket as the images one, versioned,
# and only the deploy principals may write it.
module "release_storage" {
  source = "./modules/storage"
  count  = local.scale_out ? 1 : 0

  bucket_name = local.release_bucket_name
  name_tag    = "${var.name_prefix}-releases"
  versioning  = true
  writer_arns = var.deploy_principal_arns
}

module "load_balancer" {
  source = "./modules/load_balancer"
  count  = local.scale_out ? 1 : 0

  name_prefix       = var.name_prefix
  vpc_id            = module.network.vpc_id
  subnet_ids        = module.network.public_subnet_ids
  security_group_id = module.security.alb_security_group_id
  domain_name       = var.domain_name
  route53_zone_id   = var.route53_zone_id
}

module "monitoring" {
  source = "./modules/monitoring"

  name_prefix    = var.name_prefix
  retention_days = local.log_retention_days
  region         = var.region
  account_id     = data.aws_caller_identity.current.account_id

  # What the dashboard and the alarms watch.
  instance_id                = module.compute.instance_id
  autoscaling_group_name     = module.compute.autoscaling_group_name
  db_instance_id             = module.database.identifier
  db_instance_class          = var.db_instance_class
  db_allocated_storage       = var.db_allocated_storage
  redis_replication_group_id = module.cache.replication_group_id
  redis_node_count           = 1 + var.redis_replicas

  enable_alarms               = var.enable_alarms
  cpu_threshold               = var.alarm_cpu_threshold
  memory_threshold            = var.alarm_memory_threshold
  db_cpu_threshold            = var.alarm_db_cpu_threshold
  db_connections_threshold    = var.alarm_db_connections_threshold
  db_free_storage_percent     = var.alarm_db_free_storage_percent
  redis_memory_threshold      = var.alarm_redis_memory_threshold
  redis_connections_threshold = var.alarm_redis_connections_threshold
  alarm_email                 = var.alarm_email
  alarm_actions               = var.alarm_actions
}

module "database" {
  source = "./modules/database"

  name_prefix               = var.name_prefix
  subnet_ids                = module.network.private_subnet_ids
  security_group_ids        = [module.security.rds_security_group_id]
  availability_zone         = var.availability_zone
  multi_az                  = var.multi_az_database
  engine_version            = var.db_engine_version
  instance_class            = var.db_instance_class
  allocated_storage         = var.db_allocated_storage
  db_name                   = var.db_name
  username                  = var.db_username
  backup_retention_days     = local.db_backup_retention_days
  backup_window             = local.db_backup_window
  maintenance_window        = local.db_maintenance_window
  final_snapshot_identifier = var.db_final_snapshot_identifier
  deletion_protection       = var.db_deletion_protection
}

module "cache" {
  source = "./modules/cache"

  name_prefix                 = var.name_prefix
  subnet_ids                  = var.redis_replicas > 0 ? module.network.private_subnet_ids : [module.network.private_subnet_id]
  security_group_ids          = [module.security.redis_security_group_id]
  availability_zone           = var.availability_zone
  replicas                    = var.redis_replicas
  secondary_availability_zone = var.secondary_availability_zone
  engine_version              = var.redis_engine_version
  node_type                   = var.redis_node_type
  maintenance_window          = local.redis_maintenance_window
}

module "iam" {
  source = "./modules/iam"

  name_prefix            = var.name_prefix
  bucket_arn             = module.storage.bucket_arn
  log_group_arns         = module.monitoring.log_group_arns
  db_secret_arn          = module.database.master_user_secret_arn
  redis_auth_secret_arn  = module.cache.auth_secret_arn
  region                 = var.region
  account_id             = data.aws_caller_identity.current.account_id
  parameter_path_prefix  = var.ssm_parameter_path
  release_bucket_arn     = local.scale_out ? module.release_storage[0].bucket_arn : null
  autoscaling_group_name = local.scale_out ? local.app_servers_group_name : null
}

module "compute" {
  source = "./modules/compute"

  name_prefix           = var.name_prefix
  ami_id                = var.ami_id
  instance_type         = var.instance_type
  root_volume_size      = var.root_volume_size
  subnet_id             = module.network.public_subnet_id
  security_group_ids    = [module.security.ec2_security_group_id]
  key_pair_name         = var.key_pair_name
  ssh_public_key        = var.ssh_public_key
  instance_profile_name = module.iam.instance_profile_name

  scale_out                   = local.scale_out
  app_server_count            = var.app_server_count
  instance_refresh_batch_size = var.instance_refresh_batch_size
  fleet_subnet_ids            = module.network.public_subnet_ids
  target_group_arns           = local.scale_out ? [module.load_balancer[0].target_group_arn] : []
  load_balancer_cidrs         = local.scale_out ? module.network.public_subnet_cidrs : []
  release_bucket_name         = local.scale_out ? local.release_bucket_name : null
  region                      = var.region
  launch_tags                 = local.default_tags
}

# The single server's A record, when the hosted zone and the name are given (HTTPS: the build's
# --domain gets the certificate on the server); scaled out, the load balancer's alias record instead.
module "dns" {
  source = "./modules/dns"
  count  = !local.scale_out && var.route53_zone_id != null && var.domain_name != null ? 1 : 0

  zone_id     = var.route53_zone_id
  domain_name = var.domain_name
  public_ip   = module.compute.public_ip
}

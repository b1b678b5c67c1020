# The build (C#) reads these names; do not rename them. Scaled out (app_server_count > 1 or
# enable_load_balancer) instance_id, public_ip and public_dns are null (the Auto Scaling group
# owns the servers) and the scale-out outputs at the end are set; with the default, the reverse.

output "instance_id" {
  description = "ID of the app server; null when scaled out."
  value       = module.compute.instance_id
}

output "public_ip" {
  description = "The app server's Elastic IP (stable across stop/start: SSH, the site, the DNS record); null when scaled out."
  value       = module.compute.public_ip
}

output "public_dns" {
  description = "Public DNS name of the app server's Elastic IP; null when scaled out."
  value       = module.compute.public_dns
}

output "ssh_user" {
  description = "SSH login user of the official Debian 13 AMI: admin."
  value       = module.compute.ssh_user
}

output "ssh_port" {
  description = "The port sshd listens on and the security group opens to ssh_allowed_cidrs (the build connects there)."
  value       = 22
}

output "db_endpoint" {
  description = "PostgreSQL host name (no port)."
  value       = module.database.endpoint
}

output "db_port" {
  description = "PostgreSQL port."
  value       = module.database.port
}

output "db_name" {
  description = "Application database name."
  value       = module.database.db_name
}

output "db_username" {
  description = "Master user name (the password is in db_secret_arn)."
  value       = module.database.username
}

output "db_secret_arn" {
  description = "ARN of the Secrets Manager secret with the master credentials (the ARN, never the password)."
  value       = module.database.master_user_secret_arn
}

output "redis_endpoint" {
  description = "Redis primary endpoint host name (no port). TLS only: connect with rediss:// and the AUTH token from redis_auth_secret_arn."
  value       = module.cache.endpoint
}

output "redis_port" {
  description = "Redis port."
  value       = module.cache.port
}

output "redis_tls" {
  description = "true: Redis requires TLS in transit (rediss://)."
  value       = module.cache.tls
}

output "redis_replication_group_id" {
  description = "ElastiCache replication group ID: the build sets its AUTH token after the apply (ModifyReplicationGroup) and keeps it in redis_auth_secret_arn."
  value       = module.cache.replication_group_id
}

output "redis_auth_secret_arn" {
  description = "ARN of the Secrets Manager secret whose string is the Redis AUTH token (the ARN, never the token). The instance role may read it."
  value       = module.cache.auth_secret_arn
}

output "bucket_name" {
  description = "Name of the menu images bucket."
  value       = module.storage.bucket_name
}

output "log_group_fastapi" {
  description = "CloudWatch log group of FastAPI."
  value       = module.monitoring.log_group_fastapi
}

output "log_group_nginx" {
  description = "CloudWatch log group of Nginx."
  value       = module.monitoring.log_group_nginx
}

output "dashboard_url" {
  description = "The CloudWatch dashboard of the design's ten metrics (app servers, database, Redis), in the console."
  value       = module.monitoring.dashboard_url
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify (subscribe more endpoints to it); null unless enable_alarms."
  value       = module.monitoring.alarm_topic_arn
}

output "region" {
  description = "AWS region of the stack."
  value       = var.region
}

# ---------------------------------------------------------------------------------
# Scale-out (null with the default single server)
# ---------------------------------------------------------------------------------

output "app_server_count" {
  description = "Number of app servers (1: the single instance, unless enable_load_balancer)."
  value       = var.app_server_count
}

output "scaled_out" {
  description = "true: an Auto Scaling group behind a load balancer; false: the single instance."
  value       = local.scale_out
}

output "load_balancer_dns_name" {
  description = "DNS name of the Application Load Balancer; null for the single server."
  value       = one(module.load_balancer[*].dns_name)
}

output "site_url" {
  description = "Where the site answers behind the load balancer (https://<domain_name>, else http://<load balancer DNS name>); null for the single server."
  value       = one(module.load_balancer[*].url)
}

output "load_balancer_cidrs" {
  description = "Scaled out: the public subnets' CIDR blocks, where the load balancer's requests come from (the servers' Nginx believes X-Forwarded-For and X-Forwarded-Proto from these only); empty for the single server."
  value       = local.scale_out ? module.network.public_subnet_cidrs : []
}

output "target_group_arn" {
  description = "ARN of the app servers' target group (the build deregisters, waits for the drain, registers); null for the single server."
  value       = one(module.load_balancer[*].target_group_arn)
}

output "autoscaling_group_name" {
  description = "Name of the app servers' Auto Scaling group (the build lists its servers there); null for the single server."
  value       = module.compute.autoscaling_group_name
}

output "launch_lifecycle_hook_name" {
  description = "Name of the Auto Scaling group's launch lifecycle hook: a new server waits in Pending:Wait, out of the target group, until its user data completes it; null for the single server."
  value       = module.compute.launch_lifecycle_hook_name
}

output "release_bucket_name" {
  description = "Bucket holding releases/ (terraform/README.md, \"Release bucket\"); null for the single server."
  value       = one(module.release_storage[*].bucket_name)
}

output "user_data" {
  description = "The app servers' first-boot script as terraform renders it (no secrets): the single instance's (which keeps only its SHA-1), or, scaled out, the launch template's (it bootstraps, installs releases/current and completes the launch lifecycle hook). The rehearsal boots its machines through cloud-init with this text."
  value       = local.scale_out ? module.compute.fleet_user_data : module.compute.user_data
}

output "site_domain" {
  description = "Single server: the site's DNS name when the stack manages its A record (route53_zone_id and domain_name), else null."
  value       = one(module.dns[*].fqdn)
}

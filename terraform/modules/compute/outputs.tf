output "instance_id" {
  description = "ID of the app server."
  value       = one(aws_instance.app_server[*].id)
}

output "instance_type" {
  description = "Instance type of the app server."
  value       = one(aws_instance.app_server[*].instance_type)
}

output "public_ip" {
  description = "The app server's Elastic IP: stable across stop/start and a replaced instance."
  value       = one(aws_eip.app_server[*].public_ip)
}

output "public_dns" {
  description = "Public DNS name of the app server's Elastic IP."
  value       = one(aws_eip.app_server[*].public_dns)
}

output "ami_id" {
  description = "AMI the instance was launched from."
  value       = one(aws_instance.app_server[*].ami)
}

output "ssh_user" {
  description = "Login user of the Debian AMI."
  value       = local.ssh_user
}

output "user_data" {
  description = "The rendered first-boot script (no secrets), so tests can check it."
  value       = local.user_data
}

output "resources" {
  description = "The module's resources as planned, for the root module's tests (tests/root.tftest.hcl)."
  value = {
    instance          = one(aws_instance.app_server)
    launch_template   = one(aws_launch_template.app_server)
    autoscaling_group = one(aws_autoscaling_group.app_servers)
    key_pair          = one(aws_key_pair.this)
    elastic_ip        = one(aws_eip.app_server)
  }
}

output "key_name" {
  description = "Key pair name the instance uses."
  value       = one(aws_instance.app_server[*].key_name)
}

output "fleet_user_data" {
  description = "The scaled-out servers' first-boot script (no secrets); null for the single server."
  value       = local.fleet_user_data
}

output "autoscaling_group_name" {
  description = "Name of the app servers' Auto Scaling group; null for the single server."
  value       = one(aws_autoscaling_group.app_servers[*].name)
}

output "launch_lifecycle_hook_name" {
  description = "Name of the Auto Scaling group's launch lifecycle hook (the fleet user data completes it); null for the single server."
  value       = var.scale_out ? local.launch_hook_name : null
}

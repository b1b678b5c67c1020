output "instance_id" {
  description = "ID of the app server."
  value       = aws_instance.app_server.id
}

output "instance_type" {
  description = "Instance type of the app server."
  value       = aws_instance.app_server.instance_type
}

output "public_ip" {
  description = "Public IPv4 address of the app server (changes on stop/start)."
  value       = aws_instance.app_server.public_ip
}

output "public_dns" {
  description = "Public DNS name of the app server."
  value       = aws_instance.app_server.public_dns
}

output "ami_id" {
  description = "AMI the instance was launched from."
  value       = aws_instance.app_server.ami
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
    instance = aws_instance.app_server
    key_pair = one(aws_key_pair.this)
  }
}

output "key_name" {
  description = "Key pair name the instance uses."
  value       = aws_instance.app_server.key_name
}

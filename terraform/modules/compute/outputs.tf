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
  description = "Login user of the chosen OS."
  value       = local.os[var.os].ssh_user
}

output "key_name" {
  description = "Key pair name the instance uses."
  value       = aws_instance.app_server.key_name
}

output "role_name" {
  description = "Name of the app server role."
  value       = aws_iam_role.ec2_role.name
}

output "role_arn" {
  description = "ARN of the app server role."
  value       = aws_iam_role.ec2_role.arn
}

output "instance_profile_name" {
  description = "Name of the instance profile."
  value       = aws_iam_instance_profile.ec2.name
}

output "resources" {
  description = "The module's resources as planned, for the root module's tests (tests/root.tftest.hcl)."
  value = {
    role             = aws_iam_role.ec2_role
    app_policy       = aws_iam_role_policy.app
    ssm_policy       = aws_iam_role_policy.ssm
    instance_profile = aws_iam_instance_profile.ec2
  }
}

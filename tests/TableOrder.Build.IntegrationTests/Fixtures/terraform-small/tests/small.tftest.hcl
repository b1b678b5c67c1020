mock_provider "aws" {}

variables {
  db_password = "test-only-password"
}

run "log_group_keeps_two_weeks" {
  command = plan

  assert {
    condition     = aws_cloudwatch_log_group.app.retention_in_days == 14
    error_message = "The app log group must keep 14 days."
  }
}

run "vpc_cidr_and_names" {
  command = plan

  variables {
    name_prefix = "other"
  }

  assert {
    condition     = aws_vpc.main.cidr_block == "10.42.0.0/16"
    error_message = "Unexpected VPC CIDR."
  }

  assert {
    condition     = aws_security_group.app.name == "other-app"
    error_message = "The security group name must follow name_prefix."
  }
}

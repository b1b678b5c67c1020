# IAM module: least-privilege role for the app server.

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
  name_prefix = "table-order"
  bucket_arn  = "arn:aws:s3:::table-order-menu-images-123456789012"
  log_group_arns = [
    "arn:aws:logs:ap-northeast-2:123456789012:log-group:/aws/ec2/table-order/fastapi",
    "arn:aws:logs:ap-northeast-2:123456789012:log-group:/aws/ec2/table-order/nginx:*",
  ]
  db_secret_arn = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:rds!db-0f1e2d3c-AbCdEf"
}

run "role_is_least_privilege_mock" {
  command = plan

  module {
    source = "./modules/iam"
  }

  assert {
    condition     = alltrue([for s in jsondecode(aws_iam_role_policy.app.policy).Statement : alltrue([for a in s.Action : !strcontains(a, "*")])])
    error_message = "No IAM action may be or contain a wildcard."
  }

  assert {
    condition     = alltrue([for s in jsondecode(aws_iam_role_policy.app.policy).Statement : !contains(s.Resource, "*")])
    error_message = "No IAM statement may apply to Resource \"*\"."
  }

  assert {
    condition     = alltrue([for s in jsondecode(aws_iam_role_policy.app.policy).Statement : s.Effect == "Allow" && !can(s.NotAction) && !can(s.NotResource)])
    error_message = "Only plain Allow statements (no NotAction / NotResource)."
  }

  assert {
    condition = toset(flatten([for s in jsondecode(aws_iam_role_policy.app.policy).Statement : s.Action if startswith(s.Action[0], "s3:")])) == toset([
      "s3:ListBucket", "s3:GetBucketLocation", "s3:GetObject", "s3:PutObject", "s3:DeleteObject",
    ])
    error_message = "S3: list, read, write and delete objects, nothing else."
  }

  assert {
    condition = toset(flatten([for s in jsondecode(aws_iam_role_policy.app.policy).Statement : s.Resource if startswith(s.Action[0], "s3:")])) == toset([
      "arn:aws:s3:::table-order-menu-images-123456789012", "arn:aws:s3:::table-order-menu-images-123456789012/*",
    ])
    error_message = "S3 access only to the menu images bucket."
  }

  assert {
    condition = toset(flatten([for s in jsondecode(aws_iam_role_policy.app.policy).Statement : s.Resource if startswith(s.Action[0], "logs:")])) == toset([
      "arn:aws:logs:ap-northeast-2:123456789012:log-group:/aws/ec2/table-order/fastapi",
      "arn:aws:logs:ap-northeast-2:123456789012:log-group:/aws/ec2/table-order/fastapi:log-stream:*",
      "arn:aws:logs:ap-northeast-2:123456789012:log-group:/aws/ec2/table-order/nginx",
      "arn:aws:logs:ap-northeast-2:123456789012:log-group:/aws/ec2/table-order/nginx:log-stream:*",
    ])
    error_message = "Logs: write only to the two log groups."
  }

  assert {
    condition     = toset(flatten([for s in jsondecode(aws_iam_role_policy.app.policy).Statement : s.Action if startswith(s.Action[0], "logs:")])) == toset(["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"])
    error_message = "Logs: create streams and put events only."
  }

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.app.policy).Statement : s.Resource if startswith(s.Action[0], "secretsmanager:")] == [["arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:rds!db-0f1e2d3c-AbCdEf"]]
    error_message = "Secrets Manager: only the database secret."
  }

  assert {
    condition     = toset(flatten([for s in jsondecode(aws_iam_role_policy.app.policy).Statement : s.Action if startswith(s.Action[0], "secretsmanager:")])) == toset(["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"])
    error_message = "Secrets Manager: read only."
  }

  assert {
    condition     = length(jsondecode(aws_iam_role_policy.app.policy).Statement) == 4
    error_message = "Exactly the four designed statements when agent metrics are off."
  }

  assert {
    condition     = aws_iam_role_policy_attachment.ssm_core.policy_arn == "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
    error_message = "The role must carry AmazonSSMManagedInstanceCore."
  }

  assert {
    condition     = jsondecode(aws_iam_role.ec2_role.assume_role_policy).Statement[0].Principal.Service == "ec2.amazonaws.com" && length(jsondecode(aws_iam_role.ec2_role.assume_role_policy).Statement) == 1
    error_message = "Only EC2 may assume the role."
  }

  assert {
    condition     = aws_iam_instance_profile.ec2.role == aws_iam_role.ec2_role.name && aws_iam_role.ec2_role.name == "table-order-ec2-role"
    error_message = "The instance profile must wrap the EC2 role."
  }
}

run "role_real_provider" {
  command   = plan
  providers = { aws = aws.real }

  module {
    source = "./modules/iam"
  }

  assert {
    condition = alltrue([for t in [
      aws_iam_role.ec2_role.tags_all,
      aws_iam_instance_profile.ec2.tags_all,
    ] : t["Environment"] == "production" && t["Name"] != ""])
    error_message = "Every resource carries Name and, from the provider's default tags, Environment = production."
  }

  assert {
    condition     = alltrue([for s in jsondecode(aws_iam_role_policy.app.policy).Statement : !contains(s.Resource, "*") && alltrue([for a in s.Action : !strcontains(a, "*")])])
    error_message = "No wildcard action or resource."
  }
}

run "agent_metrics_only_in_cwagent_namespace" {
  command = plan

  module {
    source = "./modules/iam"
  }

  variables {
    agent_metrics = true
  }

  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.app.policy).Statement :
      s.Action == ["cloudwatch:PutMetricData"] && s.Condition.StringEquals["cloudwatch:namespace"] == "CWAgent" if contains(s.Resource, "*")
    ])
    error_message = "Resource \"*\" is allowed only for cloudwatch:PutMetricData, pinned to the CWAgent namespace."
  }

  assert {
    condition     = length(jsondecode(aws_iam_role_policy.app.policy).Statement) == 5
    error_message = "Agent metrics add exactly one statement."
  }
}

run "wildcard_bucket_is_rejected" {
  command = plan

  module {
    source = "./modules/iam"
  }

  variables {
    bucket_arn = "arn:aws:s3:::*"
  }

  expect_failures = [var.bucket_arn]
}

# IAM module: least-privilege role for the app server.

mock_provider "aws" {
  mock_resource "aws_iam_role" {
    override_during = plan
    defaults        = { id = "table-order-ec2-role", arn = "arn:aws:iam::123456789012:role/table-order-ec2-role" }
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
  db_secret_arn         = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:rds!db-0f1e2d3c-AbCdEf"
  redis_auth_secret_arn = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:table-order-redis-auth-token-AbCdEf"
  region                = "ap-northeast-2"
  account_id            = "123456789012"
  parameter_path_prefix = "/tableorder/production"

  # Not a module input: the only actions AWS accepts nothing narrower than Resource "*" for.
  unscopable_actions = [
    "cloudwatch:PutMetricData", "ec2:DescribeTags",
    "ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage", "ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply",
    "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
  ]
}

run "role_is_least_privilege_mock" {
  command = plan

  module {
    source = "./modules/iam"
  }

  assert {
    condition     = alltrue([for s in concat(jsondecode(aws_iam_role_policy.app.policy).Statement, jsondecode(aws_iam_role_policy.ssm.policy).Statement) : alltrue([for a in s.Action : !strcontains(a, "*")])])
    error_message = "No IAM action may be or contain a wildcard."
  }

  assert {
    condition     = alltrue([for s in concat(jsondecode(aws_iam_role_policy.app.policy).Statement, jsondecode(aws_iam_role_policy.ssm.policy).Statement) : length(setsubtract(s.Action, var.unscopable_actions)) == 0 if contains(s.Resource, "*")])
    error_message = "Resource \"*\" only for the actions that have no resource-level permissions (PutMetricData, DescribeTags, the SSM message channels)."
  }

  assert {
    condition     = alltrue([for s in concat(jsondecode(aws_iam_role_policy.app.policy).Statement, jsondecode(aws_iam_role_policy.ssm.policy).Statement) : s.Effect == "Allow" && !can(s.NotAction) && !can(s.NotResource)])
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
    condition = [for s in jsondecode(aws_iam_role_policy.app.policy).Statement : s.Resource if startswith(s.Action[0], "secretsmanager:")] == [
      ["arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:rds!db-0f1e2d3c-AbCdEf"],
      ["arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:table-order-redis-auth-token-AbCdEf"],
    ]
    error_message = "Secrets Manager: only the database secret and the Redis AUTH token, each by its own statement."
  }

  assert {
    condition     = toset(flatten([for s in jsondecode(aws_iam_role_policy.app.policy).Statement : s.Action if startswith(s.Action[0], "secretsmanager:")])) == toset(["secretsmanager:GetSecretValue"])
    error_message = "Secrets Manager: GetSecretValue by name only (no DescribeSecret, no listing)."
  }

  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.app.policy).Statement : s if s.Sid == "CloudWatchAgentMetrics"]) == {
      Sid       = "CloudWatchAgentMetrics"
      Effect    = "Allow"
      Action    = ["cloudwatch:PutMetricData"]
      Resource  = ["*"]
      Condition = { StringEquals = { "cloudwatch:namespace" = "CWAgent" } }
    }
    error_message = "The CloudWatch agent may always put metrics, in its own namespace CWAgent only (metrics.namespace of the agent configuration)."
  }

  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.app.policy).Statement : s if s.Sid == "CloudWatchAgentInstanceTags"]) == {
      Sid       = "CloudWatchAgentInstanceTags"
      Effect    = "Allow"
      Action    = ["ec2:DescribeTags"]
      Resource  = ["*"]
      Condition = { StringEquals = { "aws:RequestedRegion" = "ap-northeast-2" } }
    }
    error_message = "The CloudWatch agent may read instance tags (its AutoScalingGroupName dimension), in the stack's region only."
  }

  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.app.policy).Statement : s if s.Sid == "ServerParametersRead"]) == {
      Sid      = "ServerParametersRead"
      Effect   = "Allow"
      Action   = ["ssm:GetParameter"]
      Resource = ["arn:aws:ssm:ap-northeast-2:123456789012:parameter/tableorder/production/db-app-password", "arn:aws:ssm:ap-northeast-2:123456789012:parameter/tableorder/production/staff-token"]
    }
    error_message = "Parameter Store: only the app role's password and the staff token, by name (no path reads: not the build's settings or host-key pins)."
  }

  assert {
    condition     = toset(flatten([for s in jsondecode(aws_iam_role_policy.app.policy).Statement : s.Action if startswith(s.Action[0], "ssm:")])) == toset(["ssm:GetParameter", "ssm:PutParameter"])
    error_message = "Parameter Store: get by name and keep the app role's password; never GetParameters or GetParametersByPath."
  }

  assert {
    condition = alltrue([for s in concat(jsondecode(aws_iam_role_policy.app.policy).Statement, jsondecode(aws_iam_role_policy.ssm.policy).Statement) :
      alltrue([for r in s.Resource : startswith(r, "arn:aws:ssm:ap-northeast-2:123456789012:parameter/tableorder/production")]) if anytrue([for a in s.Action : startswith(a, "ssm:GetParameter")])
    ])
    error_message = "No statement reads parameters outside the app's prefix."
  }

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.app.policy).Statement : s.Sid] == ["MenuImagesBucketList", "MenuImagesObjectsReadWrite", "AppLogGroupsWrite", "DatabaseMasterSecretRead", "RedisAuthTokenRead", "ServerParametersRead", "AppDatabasePasswordKeep", "CloudWatchAgentMetrics", "CloudWatchAgentInstanceTags"]
    error_message = "Exactly the designed app statements."
  }

  assert {
    condition = jsondecode(aws_iam_role_policy.ssm.policy).Statement == [
      {
        Sid      = "SsmAgentRegistration"
        Effect   = "Allow"
        Action   = ["ssm:UpdateInstanceInformation"]
        Resource = ["arn:aws:ec2:ap-northeast-2:123456789012:instance/*"]
      },
      {
        Sid      = "SsmRunCommandChannel"
        Effect   = "Allow"
        Action   = ["ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage", "ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply"]
        Resource = ["*"]
      },
      {
        Sid      = "SsmSessionChannel"
        Effect   = "Allow"
        Action   = ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"]
        Resource = ["*"]
      },
    ]
    error_message = "SSM agent: registration on this account's instances, the Run Command and Session Manager channels, nothing else (no document, association or parameter reads)."
  }

  assert {
    condition     = aws_iam_role_policy.ssm.role == aws_iam_role.ec2_role.id && aws_iam_role_policy.app.role == aws_iam_role.ec2_role.id
    error_message = "Both inline policies belong to the EC2 role."
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
    condition     = alltrue([for s in concat(jsondecode(aws_iam_role_policy.app.policy).Statement, jsondecode(aws_iam_role_policy.ssm.policy).Statement) : alltrue([for a in s.Action : !strcontains(a, "*")]) && (!contains(s.Resource, "*") || length(setsubtract(s.Action, var.unscopable_actions)) == 0)])
    error_message = "No wildcard action; Resource \"*\" only for the unscopable actions."
  }
}

run "parameter_prefix_follows_the_variable" {
  command = plan

  module {
    source = "./modules/iam"
  }

  variables {
    parameter_path_prefix = "/tableorder/staging/"
  }

  assert {
    condition     = one([for s in jsondecode(aws_iam_role_policy.app.policy).Statement : s.Resource if s.Sid == "ServerParametersRead"]) == ["arn:aws:ssm:ap-northeast-2:123456789012:parameter/tableorder/staging/db-app-password", "arn:aws:ssm:ap-northeast-2:123456789012:parameter/tableorder/staging/staff-token"]
    error_message = "The Parameter Store grant follows parameter_path_prefix (trailing slash ignored)."
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

run "root_parameter_path_is_rejected" {
  command = plan

  module {
    source = "./modules/iam"
  }

  variables {
    parameter_path_prefix = "/"
    account_id            = "12345"
  }

  expect_failures = [var.parameter_path_prefix, var.account_id]
}

# Scaled out: a new server completes its own group's launch lifecycle hook, and nothing more.
run "scaled_out_completes_its_own_groups_lifecycle_actions_only" {
  command = plan

  module {
    source = "./modules/iam"
  }

  variables {
    release_bucket_arn     = "arn:aws:s3:::table-order-releases-123456789012"
    autoscaling_group_name = "table-order-app-servers"
  }

  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.app.policy).Statement : s if s.Sid == "LaunchLifecycleComplete"]) == {
      Sid      = "LaunchLifecycleComplete"
      Effect   = "Allow"
      Action   = ["autoscaling:CompleteLifecycleAction"]
      Resource = ["arn:aws:autoscaling:ap-northeast-2:123456789012:autoScalingGroup:*:autoScalingGroupName/table-order-app-servers"]
    }
    error_message = "The role may call autoscaling:CompleteLifecycleAction on the group table-order-app-servers in this account and region only."
  }

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.app.policy).Statement : s.Sid if anytrue([for a in s.Action : startswith(a, "autoscaling:")])] == ["LaunchLifecycleComplete"] && !anytrue([for s in jsondecode(aws_iam_role_policy.ssm.policy).Statement : anytrue([for a in s.Action : startswith(a, "autoscaling:")])])
    error_message = "No other Auto Scaling action is granted."
  }

  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.app.policy).Statement : s.Resource if s.Sid == "ServerParametersRead"]) == [
      "arn:aws:ssm:ap-northeast-2:123456789012:parameter/tableorder/production/db-app-password",
      "arn:aws:ssm:ap-northeast-2:123456789012:parameter/tableorder/production/staff-token",
    ]
    error_message = "Scaled out, a new server reads the same two parameters by name (app-env.sh), nothing more."
  }

  assert {
    condition     = alltrue([for s in jsondecode(aws_iam_role_policy.app.policy).Statement : alltrue([for a in s.Action : !strcontains(a, "*")]) && (!contains(s.Resource, "*") || length(setsubtract(s.Action, var.unscopable_actions)) == 0)])
    error_message = "Still no wildcard action, and Resource \"*\" only for the unscopable actions."
  }
}

run "single_server_has_no_lifecycle_grant" {
  command = plan

  module {
    source = "./modules/iam"
  }

  assert {
    condition     = !anytrue([for s in jsondecode(aws_iam_role_policy.app.policy).Statement : anytrue([for a in s.Action : startswith(a, "autoscaling:")])])
    error_message = "Without a group (the single server) the role has no Auto Scaling action."
  }
}

run "wildcard_group_is_rejected" {
  command = plan

  module {
    source = "./modules/iam"
  }

  variables {
    autoscaling_group_name = "*"
  }

  expect_failures = [var.autoscaling_group_name]
}

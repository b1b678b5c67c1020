# IAM: the app server's role and instance profile. Every statement names its resources,
# except the few actions AWS offers no resource-level permissions for (the CloudWatch
# agent's PutMetricData, pinned to its namespace by a condition, and DescribeTags, pinned to
# the region, and the SSM agent's message channels); no action is a wildcard. No AWS-managed
# policy is attached.
#
# Only root's processes on the server use this role (bootstrap's scripts, the agents): the API
# unit and the migrations cannot reach the instance metadata service (IPAddressDeny= in
# app-deploy/server/tableorder-api@.service.in and build/Release/Migrations.cs), so they never hold
# its credentials. It reads just what root writes on the server with it.

locals {
  log_group_arns = [for arn in var.log_group_arns : trimsuffix(arn, ":*")]

  parameter_path = trimsuffix(var.parameter_path_prefix, "/")
  parameter_arn  = "arn:aws:ssm:${var.region}:${var.account_id}:parameter${local.parameter_path}"

  app_statements = [
    {
      Sid      = "MenuImagesBucketList"
      Effect   = "Allow"
      Action   = ["s3:ListBucket", "s3:GetBucketLocation"]
      Resource = [var.bucket_arn]
    },
    {
      Sid      = "MenuImagesObjectsReadWrite"
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
      Resource = ["${var.bucket_arn}/*"]
    },
    {
      Sid      = "AppLogGroupsWrite"
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
      Resource = concat(local.log_group_arns, [for arn in local.log_group_arns : "${arn}:log-stream:*"])
    },
    {
      # The database master secret: root creates and grants the app's own role with it and writes the
      # root-only migration file (the owner's URL). Read only, the current value only by name.
      Sid      = "DatabaseMasterSecretRead"
      Effect   = "Allow"
      Action   = ["secretsmanager:GetSecretValue"]
      Resource = [var.db_secret_arn]
    },
    {
      # The Redis AUTH token, for the app's env file (root writes it, 0600 for the app user).
      Sid      = "RedisAuthTokenRead"
      Effect   = "Allow"
      Action   = ["secretsmanager:GetSecretValue"]
      Resource = [var.redis_auth_secret_arn]
    },
    {
      # What the server itself reads from Parameter Store: the app role's password and the staff
      # token (the build keeps both there). Not the build's settings or host-key pins under the prefix.
      Sid      = "ServerParametersRead"
      Effect   = "Allow"
      Action   = ["ssm:GetParameter"]
      Resource = ["${local.parameter_arn}/db-app-password", "${local.parameter_arn}/staff-token"]
    },
    {
      # The app database role's password: made on the server on first bootstrap and kept as a
      # SecureString (the build never sees it); this one parameter only.
      Sid      = "AppDatabasePasswordKeep"
      Effect   = "Allow"
      Action   = ["ssm:PutParameter"]
      Resource = ["${local.parameter_arn}/db-app-password"]
    },
    {
      # The CloudWatch agent's memory, disk and swap metrics (and the memory alarm's
      # mem_used_percent). PutMetricData has no resource-level permissions, so AWS only
      # accepts Resource "*"; the condition pins it to the agent's namespace.
      Sid       = "CloudWatchAgentMetrics"
      Effect    = "Allow"
      Action    = ["cloudwatch:PutMetricData"]
      Resource  = ["*"]
      Condition = { StringEquals = { "cloudwatch:namespace" = var.agent_metrics_namespace } }
    },
    {
      # The agent's AutoScalingGroupName dimension (append_dimensions) comes from the instance's
      # aws:autoscaling:groupName tag, read with DescribeTags; until that call succeeds the agent
      # publishes no metric at all. No resource-level permissions exist: Resource "*", this region.
      Sid       = "CloudWatchAgentInstanceTags"
      Effect    = "Allow"
      Action    = ["ec2:DescribeTags"]
      Resource  = ["*"]
      Condition = { StringEquals = { "aws:RequestedRegion" = var.region } }
    },
  ]

  # Scale-out: a new app server installs the current release from the release bucket at first
  # boot. Read-only, and only the releases/ prefix (the build writes there, never the servers).
  release_bucket_arn = coalesce(var.release_bucket_arn, "arn:aws:s3:::none")
  release_statements = [for statement in [
    {
      # Listing below releases/ only: a missing releases/current is then a 404, not a 403.
      Sid       = "ReleasesList"
      Effect    = "Allow"
      Action    = ["s3:ListBucket"]
      Resource  = [local.release_bucket_arn]
      Condition = { StringLike = { "s3:prefix" = ["releases/*"] } }
    },
    {
      Sid      = "ReleasesRead"
      Effect   = "Allow"
      Action   = ["s3:GetObject"]
      Resource = ["${local.release_bucket_arn}/releases/*"]
    },
  ] : statement if var.release_bucket_arn != null]

  # Scale-out: a new app server completes its own group's launch lifecycle hook (CONTINUE once it
  # serves, ABANDON on a failure). That group only: no other group's launches, no other action.
  lifecycle_statements = [for statement in [
    {
      Sid      = "LaunchLifecycleComplete"
      Effect   = "Allow"
      Action   = ["autoscaling:CompleteLifecycleAction"]
      Resource = ["arn:aws:autoscaling:${var.region}:${var.account_id}:autoScalingGroup:*:autoScalingGroupName/${coalesce(var.autoscaling_group_name, "none")}"]
    },
  ] : statement if var.autoscaling_group_name != null]

  # What the SSM agent needs for Run Command and Session Manager, instead of
  # AmazonSSMManagedInstanceCore (which also reads every Parameter Store value and every
  # SSM document, and lists associations and inventory).
  ssm_statements = [
    {
      Sid      = "SsmAgentRegistration"
      Effect   = "Allow"
      Action   = ["ssm:UpdateInstanceInformation"]
      Resource = ["arn:aws:ec2:${var.region}:${var.account_id}:instance/*"]
    },
    {
      # Run Command's message channel; no resource-level permissions exist.
      Sid      = "SsmRunCommandChannel"
      Effect   = "Allow"
      Action   = ["ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage", "ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply"]
      Resource = ["*"]
    },
    {
      # Session Manager's (and newer agents' Run Command) channel; no resource-level permissions exist.
      Sid      = "SsmSessionChannel"
      Effect   = "Allow"
      Action   = ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"]
      Resource = ["*"]
    },
  ]
}

resource "aws_iam_role" "ec2_role" {
  name        = "${var.name_prefix}-ec2-role"
  description = "Table Order app server"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = { Service = "ec2.amazonaws.com" }
        Action    = "sts:AssumeRole"
      },
    ]
  })

  tags = {
    Name = "${var.name_prefix}-ec2-role"
  }
}

resource "aws_iam_role_policy" "app" {
  name   = "${var.name_prefix}-app"
  role   = aws_iam_role.ec2_role.id
  policy = jsonencode({ Version = "2012-10-17", Statement = concat(local.app_statements, local.release_statements, local.lifecycle_statements) })
}

# Run Command and Session Manager (the build's SSM transport) without opening more ports.
resource "aws_iam_role_policy" "ssm" {
  name   = "${var.name_prefix}-ssm-agent"
  role   = aws_iam_role.ec2_role.id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.ssm_statements })
}

resource "aws_iam_instance_profile" "ec2" {
  name = "${var.name_prefix}-ec2-profile"
  role = aws_iam_role.ec2_role.name

  tags = {
    Name = "${var.name_prefix}-ec2-profile"
  }
}

# IAM: the app server's role and instance profile. Every statement names its resources;
# no action or resource is a bare "*". The one exception is opt-in (see agent_metrics).

locals {
  log_group_arns = [for arn in var.log_group_arns : trimsuffix(arn, ":*")]

  statements = concat(
    [
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
        Sid      = "DatabaseSecretRead"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
        Resource = [var.db_secret_arn]
      },
    ],
    # cloudwatch:PutMetricData has no resource-level permissions, so AWS only accepts
    # Resource "*" for it; the condition pins it to the CloudWatch agent's namespace.
    # Needed only for the memory alarm (mem_used_percent comes from the agent).
    var.agent_metrics ? [
      {
        Sid       = "CloudWatchAgentMetrics"
        Effect    = "Allow"
        Action    = ["cloudwatch:PutMetricData"]
        Resource  = ["*"]
        Condition = { StringEquals = { "cloudwatch:namespace" = var.agent_metrics_namespace } }
      },
    ] : [],
  )
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
  policy = jsonencode({ Version = "2012-10-17", Statement = local.statements })
}

# Session Manager access (the build's SSM transport) without opening more ports.
resource "aws_iam_role_policy_attachment" "ssm_core" {
  role       = aws_iam_role.ec2_role.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_instance_profile" "ec2" {
  name = "${var.name_prefix}-ec2-profile"
  role = aws_iam_role.ec2_role.name

  tags = {
    Name = "${var.name_prefix}-ec2-profile"
  }
}

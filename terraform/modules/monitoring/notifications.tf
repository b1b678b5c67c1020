# Where the alarms go: an SNS topic, encrypted with its own KMS key, that only this account's
# alarms (named <name_prefix>-*) may publish to; optionally an e-mail subscription.
# A customer managed key because CloudWatch cannot publish to a topic encrypted with the
# AWS managed aws/sns key (that key's policy cannot grant the CloudWatch service principal).

locals {
  alarm_arn_pattern = "arn:aws:cloudwatch:${var.region}:${var.account_id}:alarm:${var.name_prefix}-*"

  # Confused-deputy guard for the CloudWatch service principal: our account's alarms only.
  from_our_alarms = {
    StringEquals = { "aws:SourceAccount" = var.account_id }
    ArnLike      = { "aws:SourceArn" = local.alarm_arn_pattern }
  }
}

resource "aws_kms_key" "alarms" {
  count = var.enable_alarms ? 1 : 0

  description             = "${var.name_prefix} alarm topic (SNS server-side encryption)"
  enable_key_rotation     = true
  deletion_window_in_days = 7 # it protects notifications in flight only; nothing is kept under it

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # The key's default statement: the account administers and grants it through IAM.
        Sid       = "AccountAdministersKey"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${var.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        # What CloudWatch needs to publish to an encrypted topic, and nothing else.
        Sid       = "CloudWatchAlarmsEncrypt"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
        Condition = local.from_our_alarms
      },
    ]
  })

  tags = {
    Name = "${var.name_prefix}-alarms"
  }
}

resource "aws_kms_alias" "alarms" {
  count = var.enable_alarms ? 1 : 0

  name          = "alias/${var.name_prefix}-alarms"
  target_key_id = aws_kms_key.alarms[0].key_id
}

resource "aws_sns_topic" "alarms" {
  count = var.enable_alarms ? 1 : 0

  name              = "${var.name_prefix}-alarms"
  display_name      = "${var.name_prefix} alarms"
  kms_master_key_id = aws_kms_key.alarms[0].arn

  tags = {
    Name = "${var.name_prefix}-alarms"
  }
}

resource "aws_sns_topic_policy" "alarms" {
  count = var.enable_alarms ? 1 : 0

  arn = aws_sns_topic.alarms[0].arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "CloudWatchAlarmsPublish"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = "sns:Publish"
        Resource  = aws_sns_topic.alarms[0].arn
        Condition = local.from_our_alarms
      },
      {
        # As the buckets do: nothing reaches the topic over plain HTTP.
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sns:Publish"
        Resource  = aws_sns_topic.alarms[0].arn
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })
}

# AWS mails the address a confirmation link; notifications start once it is followed.
resource "aws_sns_topic_subscription" "email" {
  count = var.enable_alarms && var.alarm_email != null ? 1 : 0

  topic_arn = aws_sns_topic.alarms[0].arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

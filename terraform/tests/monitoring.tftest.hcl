# Monitoring module: log groups with 7-day retention; optional CPU and memory alarms.

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
  name_prefix    = "table-order"
  retention_days = 7
  instance_id    = "i-0123456789abcdef0"
}

run "log_groups_as_designed_mock" {
  command = plan

  module {
    source = "./modules/monitoring"
  }

  assert {
    condition     = aws_cloudwatch_log_group.fastapi_logs.name == "/aws/ec2/table-order/fastapi" && aws_cloudwatch_log_group.nginx_logs.name == "/aws/ec2/table-order/nginx"
    error_message = "Log groups /aws/ec2/table-order/fastapi and /aws/ec2/table-order/nginx."
  }

  assert {
    condition     = aws_cloudwatch_log_group.fastapi_logs.retention_in_days == 7 && aws_cloudwatch_log_group.nginx_logs.retention_in_days == 7
    error_message = "Log retention must be 7 days."
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.cpu_high) == 0 && length(aws_cloudwatch_metric_alarm.memory_high) == 0
    error_message = "Alarms are optional and off by default."
  }
}

run "alarms_enabled_real_provider" {
  command   = plan
  providers = { aws = aws.real }

  module {
    source = "./modules/monitoring"
  }

  assert {
    condition = alltrue([for t in [
      aws_cloudwatch_log_group.fastapi_logs.tags_all,
      aws_cloudwatch_log_group.nginx_logs.tags_all,
      aws_cloudwatch_metric_alarm.cpu_high[0].tags_all,
      aws_cloudwatch_metric_alarm.memory_high[0].tags_all,
    ] : t["Environment"] == "production" && t["Name"] != ""])
    error_message = "Every resource carries Name and, from the provider's default tags, Environment = production."
  }

  variables {
    enable_alarms    = true
    cpu_threshold    = 85
    memory_threshold = 90
    alarm_actions    = ["arn:aws:sns:ap-northeast-2:123456789012:table-order-alerts"]
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.cpu_high[0].namespace == "AWS/EC2" && aws_cloudwatch_metric_alarm.cpu_high[0].metric_name == "CPUUtilization" && aws_cloudwatch_metric_alarm.cpu_high[0].threshold == 85 && aws_cloudwatch_metric_alarm.cpu_high[0].dimensions["InstanceId"] == "i-0123456789abcdef0"
    error_message = "CPU alarm on the instance's CPUUtilization above the threshold."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.memory_high[0].namespace == "CWAgent" && aws_cloudwatch_metric_alarm.memory_high[0].metric_name == "mem_used_percent" && aws_cloudwatch_metric_alarm.memory_high[0].threshold == 90
    error_message = "Memory alarm on the agent's mem_used_percent above the threshold."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.cpu_high[0].period == 300 && aws_cloudwatch_metric_alarm.memory_high[0].period == 300
    error_message = "Alarms use 5-minute periods (basic monitoring)."
  }

  assert {
    condition     = aws_cloudwatch_log_group.fastapi_logs.retention_in_days == 7
    error_message = "Log retention must be 7 days."
  }
}

run "invalid_retention_is_rejected" {
  command = plan

  module {
    source = "./modules/monitoring"
  }

  variables {
    retention_days = 10
  }

  expect_failures = [var.retention_days]
}

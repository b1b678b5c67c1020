output "log_group_fastapi" {
  description = "Name of the FastAPI log group."
  value       = aws_cloudwatch_log_group.fastapi_logs.name
}

output "log_group_nginx" {
  description = "Name of the Nginx log group."
  value       = aws_cloudwatch_log_group.nginx_logs.name
}

output "log_group_arns" {
  description = "ARNs of both log groups."
  value       = [aws_cloudwatch_log_group.fastapi_logs.arn, aws_cloudwatch_log_group.nginx_logs.arn]
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.main.dashboard_name
}

output "dashboard_url" {
  description = "The dashboard in the CloudWatch console."
  value       = "https://${var.region}.console.aws.amazon.com/cloudwatch/home?region=${var.region}#dashboards:name=${aws_cloudwatch_dashboard.main.dashboard_name}"
}

output "alarm_names" {
  description = "Names of the alarms (empty when disabled)."
  value       = sort([for alarm in aws_cloudwatch_metric_alarm.this : alarm.alarm_name])
}

output "alarm_topic_arn" {
  description = "ARN of the SNS topic the alarms notify (null when alarms are disabled)."
  value       = one(aws_sns_topic.alarms[*].arn)
}

output "resources" {
  description = "The module's resources as planned, for the root module's tests (tests/root.tftest.hcl, tests/scale_out.tftest.hcl)."
  value = {
    fastapi_logs       = aws_cloudwatch_log_group.fastapi_logs
    nginx_logs         = aws_cloudwatch_log_group.nginx_logs
    dashboard          = aws_cloudwatch_dashboard.main
    alarms             = aws_cloudwatch_metric_alarm.this
    alarm_key          = one(aws_kms_key.alarms)
    alarm_topic        = one(aws_sns_topic.alarms)
    alarm_topic_policy = one(aws_sns_topic_policy.alarms)
    email_subscription = one(aws_sns_topic_subscription.email)
  }
}

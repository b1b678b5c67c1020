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

output "alarm_names" {
  description = "Names of the alarms (empty when disabled)."
  value       = concat(aws_cloudwatch_metric_alarm.cpu_high[*].alarm_name, aws_cloudwatch_metric_alarm.memory_high[*].alarm_name)
}

output "resources" {
  description = "The module's resources as planned, for the root module's tests (tests/root.tftest.hcl)."
  value = {
    fastapi_logs = aws_cloudwatch_log_group.fastapi_logs
    nginx_logs   = aws_cloudwatch_log_group.nginx_logs
    cpu_high     = one(aws_cloudwatch_metric_alarm.cpu_high)
    memory_high  = one(aws_cloudwatch_metric_alarm.memory_high)
  }
}

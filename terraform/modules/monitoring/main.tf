# Monitoring: the application's log groups and optional CPU / memory alarms.
# EC2 keeps basic (5-minute) monitoring; memory comes from the CloudWatch agent.

resource "aws_cloudwatch_log_group" "fastapi_logs" {
  name              = "/aws/ec2/${var.name_prefix}/fastapi"
  retention_in_days = var.retention_days

  tags = {
    Name = "${var.name_prefix}-fastapi-logs"
  }
}

resource "aws_cloudwatch_log_group" "nginx_logs" {
  name              = "/aws/ec2/${var.name_prefix}/nginx"
  retention_in_days = var.retention_days

  tags = {
    Name = "${var.name_prefix}-nginx-logs"
  }
}

# Scaled out: the Auto Scaling group's average (EC2 publishes it per group).
resource "aws_cloudwatch_metric_alarm" "cpu_high" {
  count = var.enable_alarms ? 1 : 0

  alarm_name          = "${var.name_prefix}-app-server-cpu-high"
  alarm_description   = var.autoscaling_group_name == null ? "App server CPU above ${var.cpu_threshold}% for 10 minutes" : "App servers' average CPU above ${var.cpu_threshold}% for 10 minutes"
  namespace           = "AWS/EC2"
  metric_name         = "CPUUtilization"
  dimensions          = var.autoscaling_group_name == null ? { InstanceId = var.instance_id } : { AutoScalingGroupName = var.autoscaling_group_name }
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.cpu_threshold
  treat_missing_data  = "missing"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  tags = {
    Name = "${var.name_prefix}-app-server-cpu-high"
  }
}

# mem_used_percent is published by the CloudWatch agent (namespace CWAgent) with an
# InstanceId dimension (append_dimensions in the agent configuration). Scaled out there is no
# one instance, and the agent publishes no per-group aggregate yet: no memory alarm then.
resource "aws_cloudwatch_metric_alarm" "memory_high" {
  count = var.enable_alarms && var.autoscaling_group_name == null ? 1 : 0

  alarm_name          = "${var.name_prefix}-app-server-memory-high"
  alarm_description   = "App server memory above ${var.memory_threshold}% for 10 minutes"
  namespace           = "CWAgent"
  metric_name         = "mem_used_percent"
  dimensions          = { InstanceId = var.instance_id }
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.memory_threshold
  treat_missing_data  = "missing"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  tags = {
    Name = "${var.name_prefix}-app-server-memory-high"
  }
}

# Monitoring as the design lists it: the application's log groups, a CloudWatch dashboard of the
# design's ten metrics (EC2 CPU, memory, disk, network; RDS CPU, connections, storage; Redis CPU,
# memory, connections), and the optional alarms with the SNS topic they notify.
# EC2 keeps basic (5-minute) monitoring; memory and disk come from the CloudWatch agent
# (app-deploy/cloudwatch/amazon-cloudwatch-agent.json).

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

locals {
  # Basic monitoring: EC2 publishes every 5 minutes, so every widget and alarm reads 5-minute periods.
  period = 300

  scaled_out = var.autoscaling_group_name != null

  # The app servers as CloudWatch knows them: the single instance, or scaled out the Auto Scaling
  # group (EC2 publishes each instance metric per group as well, and the agent rolls its metrics
  # up to the group). The agent publishes its metrics in CWAgent with exactly these dimensions:
  # aggregation_dimensions [["InstanceId"], ["AutoScalingGroupName"]] in its configuration.
  app_server_dimensions = local.scaled_out ? { AutoScalingGroupName = var.autoscaling_group_name } : { InstanceId = var.instance_id }
  agent_namespace       = "CWAgent"
  # Memory and disk fill up per server: scaled out, the fullest one (the group's Maximum) counts.
  app_server_fill_statistic = local.scaled_out ? "Maximum" : "Average"

  db_dimensions = { DBInstanceIdentifier = var.db_instance_id }

  # ElastiCache names a replication group's nodes <group>-001, <group>-002, ...; each publishes
  # its own metrics (CacheClusterId).
  redis_node_ids = [for n in range(1, var.redis_node_count + 1) : format("%s-%03d", var.redis_replication_group_id, n)]
}

# The dashboard: the design's ten metrics, one widget each, in three rows (app servers, database,
# Redis). Always created: it is the design's "CloudWatch metrics", alarms or not.

locals {
  app_servers     = local.scaled_out ? "App servers" : "App server"
  app_server_dims = flatten([for name, value in local.app_server_dimensions : [name, value]])
  db_dims         = flatten([for name, value in local.db_dimensions : [name, value]])

  percent_axis = { min = 0, max = 100 }
  count_axis   = { min = 0 }

  # Metrics as the console's metric arrays: namespace, name, then dimension name/value pairs.
  dashboard_rows = [
    [
      { title = "${local.app_servers} CPU (%)", stat = "Average", axis = local.percent_axis, metrics = [concat(["AWS/EC2", "CPUUtilization"], local.app_server_dims)] },
      { title = "${local.app_servers} memory used (%)", stat = local.app_server_fill_statistic, axis = local.percent_axis, metrics = [concat([local.agent_namespace, "mem_used_percent"], local.app_server_dims)] },
      { title = "${local.app_servers} root disk used (%)", stat = local.app_server_fill_statistic, axis = local.percent_axis, metrics = [concat([local.agent_namespace, "disk_used_percent"], local.app_server_dims)] },
      { title = "${local.app_servers} network (bytes per 5 minutes)", stat = "Sum", axis = local.count_axis, metrics = [
        concat(["AWS/EC2", "NetworkIn"], local.app_server_dims),
        concat(["AWS/EC2", "NetworkOut"], local.app_server_dims),
      ] },
    ],
    [
      { title = "Database CPU (%)", stat = "Average", axis = local.percent_axis, metrics = [concat(["AWS/RDS", "CPUUtilization"], local.db_dims)] },
      { title = "Database connections", stat = "Maximum", axis = local.count_axis, metrics = [concat(["AWS/RDS", "DatabaseConnections"], local.db_dims)] },
      { title = "Database free storage (bytes)", stat = "Minimum", axis = local.count_axis, metrics = [concat(["AWS/RDS", "FreeStorageSpace"], local.db_dims)] },
    ],
    [
      { title = "Redis CPU (%)", stat = "Average", axis = local.percent_axis, metrics = [for id in local.redis_node_ids : ["AWS/ElastiCache", "CPUUtilization", "CacheClusterId", id]] },
      { title = "Redis memory used (% of maxmemory)", stat = "Maximum", axis = local.percent_axis, metrics = [for id in local.redis_node_ids : ["AWS/ElastiCache", "DatabaseMemoryUsagePercentage", "CacheClusterId", id]] },
      { title = "Redis connections", stat = "Maximum", axis = local.count_axis, metrics = [for id in local.redis_node_ids : ["AWS/ElastiCache", "CurrConnections", "CacheClusterId", id]] },
    ],
  ]

  dashboard_widgets = flatten([for row_index, row in local.dashboard_rows : [
    for column, widget in row : {
      type   = "metric"
      x      = column * 24 / length(row)
      y      = row_index * 6
      width  = 24 / length(row)
      height = 6
      properties = {
        title   = widget.title
        region  = var.region
        view    = "timeSeries"
        stacked = false
        period  = local.period
        stat    = widget.stat
        metrics = widget.metrics
        yAxis   = { left = widget.axis }
      }
    }
  ]])
}

resource "aws_cloudwatch_dashboard" "main" {
  dashboard_name = "${var.name_prefix}-overview"
  dashboard_body = jsonencode({ widgets = local.dashboard_widgets })
}

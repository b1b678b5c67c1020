# The alarms the design calls optional (enable_alarms): app server CPU and memory, database CPU,
# free storage and connections, Redis memory and connections (per node). Each fires after two
# 5-minute periods past its threshold and notifies the alarm topic (and alarm_actions), also when
# it is OK again.

locals {
  # The default connections threshold: 75% of the DB class's default max_connections,
  # LEAST(DBInstanceClassMemory / 9531392, 5000), from the class's memory. db.t*, db.m* and db.r*
  # classes have 8, 8 and 16 GiB per "large", halved per step down (medium, small, micro) and
  # doubled per xlarge. RDS computes from the memory left after the OS's share, so the live
  # max_connections is somewhat lower (SHOW max_connections): the 25% margin covers that and the
  # five superuser slots (superuser_reserved_connections 3, rds.rds_superuser_reserved_connections 2).
  db_class_parts = split(".", var.db_instance_class)
  db_large_gib   = try(lookup({ t = 8, m = 8, r = 16 }, substr(local.db_class_parts[1], 0, 1), null), null)
  db_class_size  = try(local.db_class_parts[2], "")
  db_size_larges = (
    local.db_class_size == "micro" ? 0.125 :
    local.db_class_size == "small" ? 0.25 :
    local.db_class_size == "medium" ? 0.5 :
    local.db_class_size == "large" ? 1 :
    can(regex("^[0-9]*xlarge$", local.db_class_size)) ? 2 * tonumber(coalesce(trimsuffix(local.db_class_size, "xlarge"), "1")) :
    null
  )
  db_max_connections = local.db_large_gib == null || local.db_size_larges == null ? null : min(floor(local.db_large_gib * local.db_size_larges * 1073741824 / 9531392), 5000)
  db_connections_threshold = (
    var.db_connections_threshold != null ? var.db_connections_threshold :
    local.db_max_connections != null ? floor(local.db_max_connections * 0.75) :
    null
  )

  # Free storage is a share of what is allocated (20% of the design's 20 GiB: 4 GiB), in bytes.
  db_free_storage_bytes = floor(var.db_allocated_storage * 1073741824 * var.db_free_storage_percent / 100)

  app_server_alarms = {
    "app-server-cpu-high" = {
      description = local.scaled_out ? "App servers' average CPU above ${var.cpu_threshold}% for 10 minutes" : "App server CPU above ${var.cpu_threshold}% for 10 minutes"
      namespace   = "AWS/EC2"
      metric_name = "CPUUtilization"
      dimensions  = tomap(local.app_server_dimensions)
      statistic   = "Average" # scaled out, load spreads over the group: its average is the capacity signal
      comparison  = "GreaterThanThreshold"
      threshold   = var.cpu_threshold
    }
    "app-server-memory-high" = {
      description = local.scaled_out ? "An app server's memory above ${var.memory_threshold}% for 10 minutes" : "App server memory above ${var.memory_threshold}% for 10 minutes"
      namespace   = local.agent_namespace
      metric_name = "mem_used_percent"
      dimensions  = tomap(local.app_server_dimensions)
      statistic   = local.app_server_fill_statistic
      comparison  = "GreaterThanThreshold"
      threshold   = var.memory_threshold
    }
  }

  db_alarms = {
    "db-cpu-high" = {
      description = "Database CPU above ${var.db_cpu_threshold}% for 10 minutes"
      namespace   = "AWS/RDS"
      metric_name = "CPUUtilization"
      dimensions  = tomap(local.db_dimensions)
      statistic   = "Average"
      comparison  = "GreaterThanThreshold"
      threshold   = var.db_cpu_threshold
    }
    "db-free-storage-low" = {
      description = "Database free storage below ${var.db_free_storage_percent}% of its ${var.db_allocated_storage} GiB for 10 minutes"
      namespace   = "AWS/RDS"
      metric_name = "FreeStorageSpace"
      dimensions  = tomap(local.db_dimensions)
      statistic   = "Minimum"
      comparison  = "LessThanThreshold"
      threshold   = local.db_free_storage_bytes
    }
    "db-connections-high" = {
      description = "Database connections above ${coalesce(local.db_connections_threshold, "?")} for 10 minutes"
      namespace   = "AWS/RDS"
      metric_name = "DatabaseConnections"
      dimensions  = tomap(local.db_dimensions)
      statistic   = "Maximum"
      comparison  = "GreaterThanThreshold"
      threshold   = local.db_connections_threshold
    }
  }

  redis_alarms = merge([for id in local.redis_node_ids : {
    "${trimprefix(id, "${var.name_prefix}-")}-memory-high" = {
      description = "Redis node ${id}: memory above ${var.redis_memory_threshold}% of maxmemory for 10 minutes"
      namespace   = "AWS/ElastiCache"
      metric_name = "DatabaseMemoryUsagePercentage"
      dimensions  = tomap({ CacheClusterId = id })
      statistic   = "Maximum"
      comparison  = "GreaterThanThreshold"
      threshold   = var.redis_memory_threshold
    }
    "${trimprefix(id, "${var.name_prefix}-")}-connections-high" = {
      description = "Redis node ${id}: more than ${var.redis_connections_threshold} connections for 10 minutes"
      namespace   = "AWS/ElastiCache"
      metric_name = "CurrConnections"
      dimensions  = tomap({ CacheClusterId = id })
      statistic   = "Maximum"
      comparison  = "GreaterThanThreshold"
      threshold   = var.redis_connections_threshold
    }
  }]...)

  alarms = var.enable_alarms ? merge(local.app_server_alarms, local.db_alarms, local.redis_alarms) : {}

  alarm_actions = concat(aws_sns_topic.alarms[*].arn, var.alarm_actions)
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${var.name_prefix}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric_name
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = local.period
  evaluation_periods  = 2
  comparison_operator = each.value.comparison
  threshold           = each.value.threshold
  treat_missing_data  = "missing"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  tags = {
    Name = "${var.name_prefix}-${each.key}"
  }

  lifecycle {
    precondition {
      condition     = each.value.threshold != null
      error_message = "No connections threshold for db_instance_class ${var.db_instance_class}: its max_connections is computed only for db.t*, db.m* and db.r* classes up to *xlarge. Set alarm_db_connections_threshold."
    }
  }
}

# The two alarms that existed before, kept under their names.
moved {
  from = aws_cloudwatch_metric_alarm.cpu_high[0]
  to   = aws_cloudwatch_metric_alarm.this["app-server-cpu-high"]
}

moved {
  from = aws_cloudwatch_metric_alarm.memory_high[0]
  to   = aws_cloudwatch_metric_alarm.this["app-server-memory-high"]
}

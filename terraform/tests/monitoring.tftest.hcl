# Monitoring module: log groups with 7-day retention; a dashboard of the design's ten metrics
# (read back from its JSON body), always; the optional alarms, their encrypted SNS topic and
# its e-mail subscription; the scaled-out dimensions; the agent configuration publishing what
# the dashboard and the alarms read.

mock_provider "aws" {
  mock_resource "aws_sns_topic" {
    override_during = plan
    defaults        = { arn = "arn:aws:sns:ap-northeast-2:123456789012:table-order-alarms" }
  }
}

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
  name_prefix                = "table-order"
  retention_days             = 7
  region                     = "ap-northeast-2"
  account_id                 = "123456789012"
  instance_id                = "i-0123456789abcdef0"
  db_instance_id             = "table-order-db"
  db_instance_class          = "db.t3.small"
  db_allocated_storage       = 20
  redis_replication_group_id = "table-order-redis"

  # Not module inputs: what the tests compare against.
  # The CloudWatch agent's configuration as bootstrap.sh installs it (tests run in terraform/).
  agent_config = "../app-deploy/cloudwatch/amazon-cloudwatch-agent.json"
  # The single server's dashboard, widget title => [statistic, metrics as "namespace name dimension value"].
  single_server_dashboard = {
    "App server CPU (%)"                       = ["Average", ["AWS/EC2 CPUUtilization InstanceId i-0123456789abcdef0"]]
    "App server memory used (%)"               = ["Average", ["CWAgent mem_used_percent InstanceId i-0123456789abcdef0"]]
    "App server root disk used (%)"            = ["Average", ["CWAgent disk_used_percent InstanceId i-0123456789abcdef0"]]
    "App server network (bytes per 5 minutes)" = ["Sum", ["AWS/EC2 NetworkIn InstanceId i-0123456789abcdef0", "AWS/EC2 NetworkOut InstanceId i-0123456789abcdef0"]]
    "Database CPU (%)"                         = ["Average", ["AWS/RDS CPUUtilization DBInstanceIdentifier table-order-db"]]
    "Database connections"                     = ["Maximum", ["AWS/RDS DatabaseConnections DBInstanceIdentifier table-order-db"]]
    "Database free storage (bytes)"            = ["Minimum", ["AWS/RDS FreeStorageSpace DBInstanceIdentifier table-order-db"]]
    "Redis CPU (%)"                            = ["Average", ["AWS/ElastiCache CPUUtilization CacheClusterId table-order-redis-001"]]
    "Redis memory used (% of maxmemory)"       = ["Maximum", ["AWS/ElastiCache DatabaseMemoryUsagePercentage CacheClusterId table-order-redis-001"]]
    "Redis connections"                        = ["Maximum", ["AWS/ElastiCache CurrConnections CacheClusterId table-order-redis-001"]]
  }
}

run "log_groups_and_dashboard_without_alarms_mock" {
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

  # The dashboard exists without alarms, and draws exactly the design's ten metrics.
  assert {
    condition     = aws_cloudwatch_dashboard.main.dashboard_name == "table-order-overview" && output.dashboard_url == "https://ap-northeast-2.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-2#dashboards:name=table-order-overview"
    error_message = "The dashboard table-order-overview, and its console URL."
  }

  assert {
    condition     = { for w in jsondecode(aws_cloudwatch_dashboard.main.dashboard_body).widgets : w.properties.title => [w.properties.stat, [for m in w.properties.metrics : join(" ", m)]] } == var.single_server_dashboard
    error_message = "One widget per design metric (EC2 CPU, memory, disk, network; RDS CPU, connections, storage; Redis CPU, memory, connections), each on the single server's, the database's or the Redis node's dimension, with its statistic."
  }

  assert {
    condition = alltrue([for w in jsondecode(aws_cloudwatch_dashboard.main.dashboard_body).widgets :
    w.type == "metric" && w.properties.region == "ap-northeast-2" && w.properties.period == 300 && w.x + w.width <= 24 && w.properties.yAxis.left.min == 0])
    error_message = "Every widget reads the stack's region in 5-minute periods (basic monitoring) and fits the 24-column grid."
  }

  assert {
    condition     = length(distinct([for w in jsondecode(aws_cloudwatch_dashboard.main.dashboard_body).widgets : "${w.x},${w.y}"])) == 10
    error_message = "The ten widgets do not overlap."
  }

  # Alarms are optional and off by default: none of them, no topic, no key, no subscription.
  assert {
    condition     = length(aws_cloudwatch_metric_alarm.this) == 0 && length(aws_sns_topic.alarms) == 0 && length(aws_sns_topic_policy.alarms) == 0 && length(aws_kms_key.alarms) == 0 && length(aws_sns_topic_subscription.email) == 0
    error_message = "Without enable_alarms there are no alarms, no topic, no topic policy, no key and no subscription."
  }

  assert {
    condition     = length(output.alarm_names) == 0 && output.alarm_topic_arn == null
    error_message = "No alarm names and no topic without enable_alarms."
  }
}

# What the agent publishes (app-deploy/cloudwatch/amazon-cloudwatch-agent.json) is what the
# dashboard and the memory alarm read: namespace, metric names and dimensions.
run "agent_configuration_publishes_what_the_dashboard_reads" {
  command = plan

  module {
    source = "./modules/monitoring"
  }

  assert {
    condition     = jsondecode(file(var.agent_config)).metrics.namespace == "CWAgent"
    error_message = "The agent publishes in CWAgent, the namespace the dashboard, the alarms and the instance role's PutMetricData grant name."
  }

  assert {
    condition     = jsondecode(file(var.agent_config)).metrics.append_dimensions == { InstanceId = "$${aws:InstanceId}", AutoScalingGroupName = "$${aws:AutoScalingGroupName}" }
    error_message = "The agent tags its metrics with the instance and, on a scaled-out server, its Auto Scaling group."
  }

  assert {
    condition     = toset(jsondecode(file(var.agent_config)).metrics.aggregation_dimensions) == toset([["InstanceId"], ["AutoScalingGroupName"]])
    error_message = "The agent rolls its metrics up to exactly {InstanceId} and {AutoScalingGroupName}, the dimension sets the dashboard and the alarms use."
  }

  # Every CWAgent metric on the dashboard is one the agent collects (it prefixes disk's names).
  assert {
    condition = length(setsubtract(
      flatten([for w in jsondecode(aws_cloudwatch_dashboard.main.dashboard_body).widgets : [for m in w.properties.metrics : m[1] if m[0] == "CWAgent"]]),
      concat(
        jsondecode(file(var.agent_config)).metrics.metrics_collected.mem.measurement,
        [for name in jsondecode(file(var.agent_config)).metrics.metrics_collected.disk.measurement : startswith(name, "disk_") ? name : "disk_${name}"],
      ),
    )) == 0
    error_message = "The dashboard reads only metrics the agent collects (mem_used_percent, disk_used_percent)."
  }

  # Disk metrics carry path, device and fstype: only their rollups are published, so
  # disk_used_percent exists exactly with {InstanceId} (and {AutoScalingGroupName}).
  assert {
    condition     = contains(jsondecode(file(var.agent_config)).metrics.metrics_collected.disk.drop_original_metrics, "used_percent") && jsondecode(file(var.agent_config)).metrics.metrics_collected.disk.resources == ["/"]
    error_message = "The root disk's used_percent is published as its rollups only."
  }

  # The agent skips a rollup with as many dimensions as the original: the single server's memory
  # metric is the original {InstanceId}, so it must not be dropped.
  assert {
    condition     = !can(jsondecode(file(var.agent_config)).metrics.metrics_collected.mem.drop_original_metrics)
    error_message = "mem_used_percent keeps its original {InstanceId} data points (on the single server they are the only ones)."
  }
}

# The alarms through the real provider's plan-time checks, the topic's ARN made known.
run "alarms_topic_and_email_real_provider" {
  command   = plan
  providers = { aws = aws.real }

  module {
    source = "./modules/monitoring"
  }

  variables {
    enable_alarms = true
    alarm_email   = "ops@example.com"
    alarm_actions = ["arn:aws:sns:ap-northeast-2:123456789012:table-order-pager"]
  }

  override_resource {
    target          = aws_kms_key.alarms
    override_during = plan
    values          = { arn = "arn:aws:kms:ap-northeast-2:123456789012:key/0f1e2d3c-0000-4000-8000-00000000a1a2", key_id = "0f1e2d3c-0000-4000-8000-00000000a1a2" }
  }

  override_resource {
    target          = aws_sns_topic.alarms
    override_during = plan
    values          = { arn = "arn:aws:sns:ap-northeast-2:123456789012:table-order-alarms" }
  }

  # Each alarm: namespace, metric, dimensions, statistic, comparison, threshold. The thresholds
  # are the defaults: db.t3.small's max_connections 225 (2 GiB / 9531392) x 75% = 168; 20% of
  # 20 GiB = 4294967296 bytes.
  assert {
    condition = { for k, a in aws_cloudwatch_metric_alarm.this : k => [a.alarm_name, a.namespace, a.metric_name, a.dimensions, a.statistic, a.comparison_operator, a.threshold] } == {
      "app-server-cpu-high"        = ["table-order-app-server-cpu-high", "AWS/EC2", "CPUUtilization", tomap({ InstanceId = "i-0123456789abcdef0" }), "Average", "GreaterThanThreshold", 80]
      "app-server-memory-high"     = ["table-order-app-server-memory-high", "CWAgent", "mem_used_percent", tomap({ InstanceId = "i-0123456789abcdef0" }), "Average", "GreaterThanThreshold", 80]
      "db-cpu-high"                = ["table-order-db-cpu-high", "AWS/RDS", "CPUUtilization", tomap({ DBInstanceIdentifier = "table-order-db" }), "Average", "GreaterThanThreshold", 80]
      "db-free-storage-low"        = ["table-order-db-free-storage-low", "AWS/RDS", "FreeStorageSpace", tomap({ DBInstanceIdentifier = "table-order-db" }), "Minimum", "LessThanThreshold", 4294967296]
      "db-connections-high"        = ["table-order-db-connections-high", "AWS/RDS", "DatabaseConnections", tomap({ DBInstanceIdentifier = "table-order-db" }), "Maximum", "GreaterThanThreshold", 168]
      "redis-001-memory-high"      = ["table-order-redis-001-memory-high", "AWS/ElastiCache", "DatabaseMemoryUsagePercentage", tomap({ CacheClusterId = "table-order-redis-001" }), "Maximum", "GreaterThanThreshold", 65]
      "redis-001-connections-high" = ["table-order-redis-001-connections-high", "AWS/ElastiCache", "CurrConnections", tomap({ CacheClusterId = "table-order-redis-001" }), "Maximum", "GreaterThanThreshold", 200]
    }
    error_message = "The seven alarms (app server CPU and memory, database CPU, free storage and connections, Redis memory and connections) on the right metric, dimension, statistic and threshold."
  }

  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.this : a.period == 300 && a.evaluation_periods == 2 && a.treat_missing_data == "missing"])
    error_message = "Every alarm fires after two 5-minute periods."
  }

  assert {
    condition = alltrue([for a in aws_cloudwatch_metric_alarm.this :
      a.alarm_actions == toset(["arn:aws:sns:ap-northeast-2:123456789012:table-order-alarms", "arn:aws:sns:ap-northeast-2:123456789012:table-order-pager"]) && a.ok_actions == a.alarm_actions && try(length(a.insufficient_data_actions), 0) == 0
    ])
    error_message = "Every alarm notifies the stack's topic and alarm_actions, when it fires and when it is OK again."
  }

  # The topic: encrypted with its own key, which rotates.
  assert {
    condition     = aws_sns_topic.alarms[0].name == "table-order-alarms" && aws_sns_topic.alarms[0].kms_master_key_id == "arn:aws:kms:ap-northeast-2:123456789012:key/0f1e2d3c-0000-4000-8000-00000000a1a2" && output.alarm_topic_arn == "arn:aws:sns:ap-northeast-2:123456789012:table-order-alarms"
    error_message = "The topic table-order-alarms is encrypted with the stack's key."
  }

  assert {
    condition     = aws_kms_key.alarms[0].enable_key_rotation && aws_kms_key.alarms[0].deletion_window_in_days == 7 && aws_kms_alias.alarms[0].name == "alias/table-order-alarms" && aws_kms_alias.alarms[0].target_key_id == "0f1e2d3c-0000-4000-8000-00000000a1a2"
    error_message = "The key rotates, is named alias/table-order-alarms, and goes 7 days after it is dropped."
  }

  # Only this account's alarms may publish and use the key; nothing over plain HTTP.
  assert {
    condition = jsondecode(aws_sns_topic_policy.alarms[0].policy).Statement == [
      {
        Sid       = "CloudWatchAlarmsPublish"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = "sns:Publish"
        Resource  = "arn:aws:sns:ap-northeast-2:123456789012:table-order-alarms"
        Condition = { StringEquals = { "aws:SourceAccount" = "123456789012" }, ArnLike = { "aws:SourceArn" = "arn:aws:cloudwatch:ap-northeast-2:123456789012:alarm:table-order-*" } }
      },
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sns:Publish"
        Resource  = "arn:aws:sns:ap-northeast-2:123456789012:table-order-alarms"
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ] && aws_sns_topic_policy.alarms[0].arn == "arn:aws:sns:ap-northeast-2:123456789012:table-order-alarms"
    error_message = "The topic policy lets CloudWatch publish for this account's table-order-* alarms only, and denies plain HTTP."
  }

  assert {
    condition = one([for s in jsondecode(aws_kms_key.alarms[0].policy).Statement : s if s.Sid == "CloudWatchAlarmsEncrypt"]) == {
      Sid       = "CloudWatchAlarmsEncrypt"
      Effect    = "Allow"
      Principal = { Service = "cloudwatch.amazonaws.com" }
      Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
      Resource  = "*"
      Condition = { StringEquals = { "aws:SourceAccount" = "123456789012" }, ArnLike = { "aws:SourceArn" = "arn:aws:cloudwatch:ap-northeast-2:123456789012:alarm:table-order-*" } }
    } && [for s in jsondecode(aws_kms_key.alarms[0].policy).Statement : s.Principal] == [{ AWS = "arn:aws:iam::123456789012:root" }, { Service = "cloudwatch.amazonaws.com" }]
    error_message = "The key: administered by the account, usable by CloudWatch for this account's alarms to encrypt what they publish, by no one else."
  }

  assert {
    condition     = aws_sns_topic_subscription.email[0].protocol == "email" && aws_sns_topic_subscription.email[0].endpoint == "ops@example.com" && aws_sns_topic_subscription.email[0].topic_arn == "arn:aws:sns:ap-northeast-2:123456789012:table-order-alarms"
    error_message = "alarm_email subscribes that address to the topic."
  }

  assert {
    condition = alltrue([for t in concat([for a in aws_cloudwatch_metric_alarm.this : a.tags_all], [
      aws_cloudwatch_log_group.fastapi_logs.tags_all,
      aws_cloudwatch_log_group.nginx_logs.tags_all,
    ]) : t["Environment"] == "production" && t["Name"] != ""])
    error_message = "Every taggable resource carries Name and, from the provider's default tags, Environment = production."
  }
}

# Without overrides (they replace computed attributes): the provider's default tags reach the
# topic and the key too.
run "alarm_topic_and_key_tags_real_provider" {
  command   = plan
  providers = { aws = aws.real }

  module {
    source = "./modules/monitoring"
  }

  variables {
    enable_alarms = true
  }

  assert {
    condition     = alltrue([for t in [aws_sns_topic.alarms[0].tags_all, aws_kms_key.alarms[0].tags_all] : t["Environment"] == "production" && t["Name"] == "table-order-alarms"])
    error_message = "The topic and its key carry Name table-order-alarms and Environment = production."
  }
}

run "alarms_without_email_have_no_subscription_mock" {
  command = plan

  module {
    source = "./modules/monitoring"
  }

  variables {
    enable_alarms = true
  }

  assert {
    condition     = length(aws_sns_topic_subscription.email) == 0 && length(aws_sns_topic.alarms) == 1
    error_message = "Without alarm_email the topic exists and nothing is subscribed to it."
  }

  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.this : a.alarm_actions == toset(["arn:aws:sns:ap-northeast-2:123456789012:table-order-alarms"])])
    error_message = "The alarms notify the stack's topic alone when alarm_actions is empty."
  }
}

# Scaled out: no single instance; the group's dimension, and a Redis replica drawn and alarmed too.
run "scaled_out_dimensions_mock" {
  command = plan

  module {
    source = "./modules/monitoring"
  }

  variables {
    enable_alarms          = true
    instance_id            = null
    autoscaling_group_name = "table-order-app-servers"
    redis_node_count       = 2
  }

  assert {
    condition = { for w in jsondecode(aws_cloudwatch_dashboard.main.dashboard_body).widgets : w.properties.title => [w.properties.stat, [for m in w.properties.metrics : join(" ", m)]] } == {
      "App servers CPU (%)"                       = ["Average", ["AWS/EC2 CPUUtilization AutoScalingGroupName table-order-app-servers"]]
      "App servers memory used (%)"               = ["Maximum", ["CWAgent mem_used_percent AutoScalingGroupName table-order-app-servers"]]
      "App servers root disk used (%)"            = ["Maximum", ["CWAgent disk_used_percent AutoScalingGroupName table-order-app-servers"]]
      "App servers network (bytes per 5 minutes)" = ["Sum", ["AWS/EC2 NetworkIn AutoScalingGroupName table-order-app-servers", "AWS/EC2 NetworkOut AutoScalingGroupName table-order-app-servers"]]
      "Database CPU (%)"                          = ["Average", ["AWS/RDS CPUUtilization DBInstanceIdentifier table-order-db"]]
      "Database connections"                      = ["Maximum", ["AWS/RDS DatabaseConnections DBInstanceIdentifier table-order-db"]]
      "Database free storage (bytes)"             = ["Minimum", ["AWS/RDS FreeStorageSpace DBInstanceIdentifier table-order-db"]]
      "Redis CPU (%)"                             = ["Average", ["AWS/ElastiCache CPUUtilization CacheClusterId table-order-redis-001", "AWS/ElastiCache CPUUtilization CacheClusterId table-order-redis-002"]]
      "Redis memory used (% of maxmemory)"        = ["Maximum", ["AWS/ElastiCache DatabaseMemoryUsagePercentage CacheClusterId table-order-redis-001", "AWS/ElastiCache DatabaseMemoryUsagePercentage CacheClusterId table-order-redis-002"]]
      "Redis connections"                         = ["Maximum", ["AWS/ElastiCache CurrConnections CacheClusterId table-order-redis-001", "AWS/ElastiCache CurrConnections CacheClusterId table-order-redis-002"]]
    }
    error_message = "Scaled out, the app server widgets read the Auto Scaling group (memory and disk: the fullest server), and every Redis node has its line."
  }

  assert {
    condition = [for k in ["app-server-cpu-high", "app-server-memory-high"] : [aws_cloudwatch_metric_alarm.this[k].namespace, aws_cloudwatch_metric_alarm.this[k].dimensions, aws_cloudwatch_metric_alarm.this[k].statistic]] == [
      ["AWS/EC2", tomap({ AutoScalingGroupName = "table-order-app-servers" }), "Average"],
      ["CWAgent", tomap({ AutoScalingGroupName = "table-order-app-servers" }), "Maximum"],
    ]
    error_message = "Scaled out, the CPU alarm watches the group's average and the memory alarm its fullest server, on the group's dimension."
  }

  assert {
    condition     = [for k in ["redis-001-memory-high", "redis-001-connections-high", "redis-002-memory-high", "redis-002-connections-high"] : aws_cloudwatch_metric_alarm.this[k].dimensions["CacheClusterId"]] == ["table-order-redis-001", "table-order-redis-001", "table-order-redis-002", "table-order-redis-002"] && length(aws_cloudwatch_metric_alarm.this) == 9
    error_message = "Each Redis node has its memory and connections alarms (the primary can fail over to the replica)."
  }
}

# The connections threshold follows the class's memory; a number given wins.
run "connections_threshold_of_a_micro_class_mock" {
  command = plan

  module {
    source = "./modules/monitoring"
  }

  variables {
    enable_alarms     = true
    db_instance_class = "db.t3.micro"
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["db-connections-high"].threshold == 84
    error_message = "db.t3.micro: 1 GiB / 9531392 = 112 connections, alarm at 84 (75%)."
  }
}

run "connections_threshold_of_a_large_class_mock" {
  command = plan

  module {
    source = "./modules/monitoring"
  }

  variables {
    enable_alarms     = true
    db_instance_class = "db.r6g.2xlarge"
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["db-connections-high"].threshold == 3750
    error_message = "db.r6g.2xlarge: 64 GiB would give 7209, capped at 5000, alarm at 3750."
  }
}

run "connections_threshold_of_an_xlarge_class_mock" {
  command = plan

  module {
    source = "./modules/monitoring"
  }

  variables {
    enable_alarms     = true
    db_instance_class = "db.m5.xlarge"
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["db-connections-high"].threshold == 1351
    error_message = "db.m5.xlarge: 16 GiB / 9531392 = 1802 connections, alarm at 1351."
  }
}

run "connections_threshold_given_and_storage_share_mock" {
  command = plan

  module {
    source = "./modules/monitoring"
  }

  variables {
    enable_alarms            = true
    db_instance_class        = "db.m5.xlarge"
    db_connections_threshold = 50
    db_allocated_storage     = 100
    db_free_storage_percent  = 10
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["db-connections-high"].threshold == 50 && aws_cloudwatch_metric_alarm.this["db-free-storage-low"].threshold == 10737418240
    error_message = "A given connections threshold is used as is; free storage is the share of the allocated storage (10% of 100 GiB)."
  }
}

run "unknown_class_needs_a_connections_threshold" {
  command = plan

  module {
    source = "./modules/monitoring"
  }

  variables {
    enable_alarms     = true
    db_instance_class = "db.x2g.large"
  }

  expect_failures = [aws_cloudwatch_metric_alarm.this]
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

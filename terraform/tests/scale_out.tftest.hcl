# Scale-out (README "Scaling out"), planned with the real provider like tests/root.tftest.hcl
# (offline: fake credentials, data sources answered by overrides). With app_server_count = 3
# the plan has the load balancer, target group, listeners, Auto Scaling group (desired 3) and
# launch template, and the servers take HTTP from the load balancer's group only; with the
# default none of that exists. Values known only after apply are answered by overrides, so the
# wiring between the new resources is asserted on real ids.

provider "aws" {
  region                      = "ap-northeast-2"
  access_key                  = "mock"
  secret_key                  = "mock"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true

  default_tags {
    tags = { Environment = "production", Project = "table-order", ManagedBy = "terraform" }
  }
}

variables {
  ssh_allowed_cidrs = ["203.0.113.10/32"]
  # Who deploys (required scaled out): the CI role and an admin role with a path, as IAM Identity Center makes them.
  deploy_principal_arns = [
    "arn:aws:iam::123456789012:role/tableorder-deploy",
    "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/ap-northeast-2/AWSReservedSSO_AdministratorAccess_0123456789abcdef",
  ]
}

override_data {
  target = data.aws_caller_identity.current
  values = { account_id = "123456789012", arn = "arn:aws:iam::123456789012:user/ci", user_id = "AIDAEXAMPLE" }
}

override_data {
  target = module.compute.data.aws_ami.debian
  values = { id = "ami-0d1e2b3i4a5n61300" }
}


override_resource {
  target          = module.database.terraform_data.generation
  override_during = plan
  values          = { output = "2026-11-28T20:15:42Z" }
}

# Ids the wiring below is checked against (and what the instance role's policy is built from).
override_resource {
  target          = module.monitoring.aws_cloudwatch_log_group.fastapi_logs
  override_during = plan
  values          = { arn = "arn:aws:logs:ap-northeast-2:123456789012:log-group:/aws/ec2/table-order/fastapi" }
}
override_resource {
  target          = module.monitoring.aws_cloudwatch_log_group.nginx_logs
  override_during = plan
  values          = { arn = "arn:aws:logs:ap-northeast-2:123456789012:log-group:/aws/ec2/table-order/nginx" }
}
override_resource {
  target          = module.database.aws_db_instance.postgres
  override_during = plan
  values = {
    id = "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    master_user_secret = [{
      kms_key_id    = "arn:aws:kms:ap-northeast-2:123456789012:key/00000000-0000-0000-0000-000000000000"
      secret_arn    = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:rds!db-0f1e2d3c-AbCdEf"
      secret_status = "active"
    }]
  }
}
override_resource {
  target          = module.cache.aws_secretsmanager_secret.auth_token
  override_during = plan
  values = {
    id  = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:table-order-redis-auth-token-AbCdEf"
    arn = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:table-order-redis-auth-token-AbCdEf"
  }
}
override_resource {
  target          = module.network.aws_subnet.public
  override_during = plan
  values          = { id = "subnet-00000000public" }
}
override_resource {
  target          = module.network.aws_subnet.public_secondary
  override_during = plan
  values          = { id = "subnet-0000public2nd" }
}
override_resource {
  target          = module.network.aws_subnet.private
  override_during = plan
  values          = { id = "subnet-0000000private" }
}
override_resource {
  target          = module.network.aws_subnet.private_secondary
  override_during = plan
  values          = { id = "subnet-0000private2nd" }
}
override_resource {
  target          = module.network.aws_route_table.public
  override_during = plan
  values          = { id = "rtb-00000000000public" }
}
override_resource {
  target          = module.security.aws_security_group.ec2
  override_during = plan
  values          = { id = "sg-00000000000000ec2" }
}
override_resource {
  target          = module.security.aws_security_group.alb
  override_during = plan
  values          = { id = "sg-00000000000000alb" }
}
override_resource {
  target          = module.load_balancer[0].aws_lb.this
  override_during = plan
  values = {
    arn      = "arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:loadbalancer/app/table-order-alb/0123456789abcdef"
    dns_name = "table-order-alb-123456789.ap-northeast-2.elb.amazonaws.com"
    zone_id  = "ZWKZPGTI48KDX"
  }
}
override_resource {
  target          = module.load_balancer[0].aws_lb_target_group.app
  override_during = plan
  values          = { arn = "arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:targetgroup/table-order-app/0123456789abcdef" }
}
override_resource {
  target          = module.load_balancer[0].aws_acm_certificate.this
  override_during = plan
  values = {
    arn = "arn:aws:acm:ap-northeast-2:123456789012:certificate/00000000-0000-0000-0000-00000000cert"
    # What ACM answers for a DNS-validated certificate.
    domain_validation_options = [{
      domain_name           = "order.example.com"
      resource_record_name  = "_0123456789abcdef.order.example.com."
      resource_record_type  = "CNAME"
      resource_record_value = "_fedcba9876543210.abcdefghij.acm-validations.aws."
    }]
  }
}
override_resource {
  target          = module.compute.aws_launch_template.app_server
  override_during = plan
  values          = { id = "lt-0123456789abcdef0", latest_version = 1 }
}
override_resource {
  target          = module.compute.aws_autoscaling_group.app_servers
  override_during = plan
  values          = { name = "table-order-app-servers" }
}
override_resource {
  target          = module.compute.aws_instance.app_server
  override_during = plan
  values          = { id = "i-0123456789abcdef0" }
}

# ------------------------------------------------------------------------------------
# The default: the seed's single server, nothing of the scale-out.
# ------------------------------------------------------------------------------------

run "default_is_the_single_server" {
  command = plan

  assert {
    condition     = length(module.load_balancer) == 0 && length(module.release_storage) == 0
    error_message = "Default: no load balancer (and so no target group or listener) and no release bucket."
  }

  assert {
    condition     = module.compute.resources.launch_template == null && module.compute.resources.autoscaling_group == null && module.compute.resources.instance.instance_type == "t3.medium"
    error_message = "Default: the single instance, no launch template, no Auto Scaling group."
  }

  assert {
    condition     = module.network.resources.public_secondary == null && module.network.resources.public_secondary_assn == null
    error_message = "Default: no second public subnet."
  }

  assert {
    condition     = module.security.resources.alb_sg == null && length(module.security.resources.alb_ingress) == 0 && module.security.resources.alb_egress == null
    error_message = "Default: no load balancer security group."
  }

  assert {
    condition     = module.security.resources.ec2_http.cidr_ipv4 == "0.0.0.0/0" && module.security.resources.ec2_http.referenced_security_group_id == null && module.security.resources.ec2_https.cidr_ipv4 == "0.0.0.0/0"
    error_message = "Default: the server takes HTTP and HTTPS from anywhere, as designed."
  }

  assert {
    condition     = !anytrue([for s in jsondecode(module.iam.resources.app_policy.policy).Statement : s.Sid == "ReleasesRead"])
    error_message = "Default: the instance role reads no release bucket."
  }

  assert {
    condition     = !output.scaled_out && alltrue([for o in [output.target_group_arn, output.autoscaling_group_name, output.load_balancer_dns_name, output.site_url, output.release_bucket_name] : o == null])
    error_message = "Default: the scale-out outputs are null."
  }

  assert {
    condition     = output.instance_id == "i-0123456789abcdef0" && output.app_server_count == 1
    error_message = "Default: the single server's outputs stay meaningful."
  }

  assert {
    condition     = output.launch_lifecycle_hook_name == null && output.user_data == module.compute.user_data && module.compute.fleet_user_data == null
    error_message = "Default: no launch lifecycle hook, and user_data is the single instance's first-boot script."
  }

  assert {
    condition     = length(output.load_balancer_cidrs) == 0
    error_message = "Default: no load balancer, so no network whose forwarded headers the server believes."
  }

  assert {
    condition     = !anytrue([for s in jsondecode(module.iam.resources.app_policy.policy).Statement : anytrue([for a in s.Action : startswith(a, "autoscaling:")])])
    error_message = "Default: the instance role has no Auto Scaling action."
  }
}

# ------------------------------------------------------------------------------------
# Three servers: load balancer, target group, listeners, Auto Scaling group, launch template.
# ------------------------------------------------------------------------------------

run "three_servers_behind_a_load_balancer" {
  command = plan

  variables {
    app_server_count = 3
    enable_alarms    = true
  }

  # The single instance is gone; the Auto Scaling group owns the servers.
  assert {
    condition     = module.compute.resources.instance == null && module.compute.resources.elastic_ip == null && output.instance_id == null && output.public_ip == null && output.public_dns == null
    error_message = "Scaled out: no single instance and no Elastic IP (users reach the load balancer), and their outputs are null."
  }

  # Network: a second public subnet in the second zone, on the public route table.
  assert {
    condition     = module.network.resources.public_secondary.cidr_block == "10.0.4.0/24" && module.network.resources.public_secondary.availability_zone == "ap-northeast-2c" && module.network.resources.public_secondary.map_public_ip_on_launch
    error_message = "Second public subnet: 10.0.4.0/24 in ap-northeast-2c, public IPs on launch."
  }

  assert {
    condition     = [module.network.resources.public_secondary_assn.subnet_id, module.network.resources.public_secondary_assn.route_table_id] == ["subnet-0000public2nd", "rtb-00000000000public"]
    error_message = "The second public subnet routes through the public route table (internet gateway)."
  }

  # Load balancer
  assert {
    condition     = module.load_balancer[0].resources.load_balancer.load_balancer_type == "application" && !module.load_balancer[0].resources.load_balancer.internal && module.load_balancer[0].resources.load_balancer.drop_invalid_header_fields
    error_message = "An internet-facing Application Load Balancer that drops invalid header fields."
  }

  assert {
    condition     = toset(module.load_balancer[0].resources.load_balancer.subnets) == toset(["subnet-00000000public", "subnet-0000public2nd"]) && toset(module.load_balancer[0].resources.load_balancer.security_groups) == toset(["sg-00000000000000alb"])
    error_message = "The load balancer spans both public subnets, in its own security group."
  }

  # Target group and health check
  assert {
    condition     = module.load_balancer[0].resources.target_group.port == 80 && module.load_balancer[0].resources.target_group.protocol == "HTTP" && module.load_balancer[0].resources.target_group.target_type == "instance" && module.load_balancer[0].resources.target_group.deregistration_delay == "30"
    error_message = "Target group: the servers' Nginx on HTTP 80, instances, 30 s deregistration delay (SSE streams reconnect)."
  }

  assert {
    condition     = [for h in module.load_balancer[0].resources.target_group.health_check : [h.enabled, h.path, h.matcher, h.interval, h.timeout, h.healthy_threshold, h.unhealthy_threshold, h.port]] == [[true, "/api/health", "200", 10, 5, 2, 2, "traffic-port"]]
    error_message = "Health check: GET /api/health answers 200, every 10 s, healthy after 2, unhealthy after 2."
  }

  # Listeners: without a domain, HTTP forwards and there is no HTTPS.
  assert {
    condition     = module.load_balancer[0].resources.http_listener.port == 80 && module.load_balancer[0].resources.http_listener.protocol == "HTTP" && [for a in module.load_balancer[0].resources.http_listener.default_action : [a.type, a.target_group_arn]] == [["forward", "arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:targetgroup/table-order-app/0123456789abcdef"]]
    error_message = "Without a domain the HTTP listener forwards to the target group."
  }

  assert {
    condition     = module.load_balancer[0].resources.https_listener == null && module.load_balancer[0].resources.certificate == null
    error_message = "Without a domain: no certificate, no HTTPS listener."
  }

  # Auto Scaling group
  assert {
    condition     = [module.compute.resources.autoscaling_group.desired_capacity, module.compute.resources.autoscaling_group.min_size, module.compute.resources.autoscaling_group.max_size] == [3, 3, 3]
    error_message = "Auto Scaling group: 3 servers (desired, min and max)."
  }

  assert {
    condition     = module.compute.resources.autoscaling_group.health_check_type == "ELB" && module.compute.resources.autoscaling_group.health_check_grace_period == 900
    error_message = "The load balancer's health check decides which servers are replaced, after a 900 s first boot."
  }

  assert {
    condition     = toset(module.compute.resources.autoscaling_group.vpc_zone_identifier) == toset(["subnet-00000000public", "subnet-0000public2nd"]) && toset(module.compute.resources.autoscaling_group.target_group_arns) == toset(["arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:targetgroup/table-order-app/0123456789abcdef"])
    error_message = "The servers spread over both public subnets and register in the target group."
  }

  assert {
    condition     = [for l in module.compute.resources.autoscaling_group.launch_template : [l.id, l.version]] == [["lt-0123456789abcdef0", "1"]]
    error_message = "The Auto Scaling group launches the launch template's latest version."
  }

  assert {
    condition     = [for r in module.compute.resources.autoscaling_group.instance_refresh : [r.strategy, one(r.preferences[*].min_healthy_percentage)]] == [["Rolling", 66]]
    error_message = "A changed launch template rolls one server of three at a time (66% stay healthy)."
  }

  # Launch template: the single instance's settings.
  assert {
    condition     = module.compute.resources.launch_template.image_id == "ami-0d1e2b3i4a5n61300" && module.compute.resources.launch_template.instance_type == "t3.medium" && module.compute.resources.launch_template.key_name == "table-order-key"
    error_message = "Launch template: the same Debian 13 AMI lookup, t3.medium, key pair table-order-key."
  }

  assert {
    condition     = one(module.compute.resources.launch_template.metadata_options[*].http_tokens) == "required" && one(module.compute.resources.launch_template.metadata_options[*].http_put_response_hop_limit) == 1
    error_message = "Launch template: IMDSv2 required, hop limit 1."
  }

  assert {
    condition     = [for b in module.compute.resources.launch_template.block_device_mappings : [b.device_name, one(b.ebs[*].volume_type), one(b.ebs[*].volume_size), one(b.ebs[*].encrypted)]] == [["/dev/xvda", "gp3", 30, "true"]]
    error_message = "Launch template: 30 GB gp3 encrypted root volume."
  }

  assert {
    condition     = one(module.compute.resources.launch_template.iam_instance_profile[*].name) == "table-order-ec2-profile" && toset(module.compute.resources.launch_template.vpc_security_group_ids) == toset(["sg-00000000000000ec2"])
    error_message = "Launch template: the single server's instance profile and security group."
  }

  assert {
    condition     = alltrue([for t in module.compute.resources.launch_template.tag_specifications : t.tags["Environment"] == "production" && t.tags["ManagedBy"] == "terraform"]) && [for t in module.compute.resources.launch_template.tag_specifications : t.tags["Name"]] == ["table-order-app-server", "table-order-app-server-root"]
    error_message = "What Auto Scaling launches carries the stack's tags and the single server's Name tags."
  }

  # User data: packages, then bootstrap and the current release from the release bucket.
  assert {
    condition     = module.compute.resources.launch_template.user_data == base64encode(module.compute.fleet_user_data) && startswith(module.compute.fleet_user_data, "#!/bin/bash\n") && strcontains(module.compute.fleet_user_data, "amazon-ssm-agent.deb")
    error_message = "The launch template boots the scale-out user data, which starts with the single server's packages."
  }

  assert {
    condition = alltrue([for s in [
      "s3=\"s3://table-order-releases-123456789012/releases\"",
      "fetch deploy-scripts.tar.gz",
      "HTTP_PORT=80\nBLUE_PORT=8000\nGREEN_PORT=8001\n",
      "bash \"$scripts/bootstrap.sh\" --http-port \"$HTTP_PORT\" --api-port \"$BLUE_PORT\" --green-port \"$GREEN_PORT\" \"$${SERVER_POLICY_FLAGS[@]}\"",
      "bash \"$scripts/app-env.sh\"",
      "fetch current \"$boot/current\"",
      "fetch \"$id.tar.gz\"",
      "bash \"$scripts/slot.sh\" prepare \"$id\" --python-deps \"$PYTHON_DEPS\"",
      "bash \"$scripts/slot.sh\" start green \"$id\" --port \"$GREEN_PORT\"",
      "bash \"$scripts/slot.sh\" switch green --port \"$GREEN_PORT\"",
      "scripts=\"/home/admin/tableorder-deploy\"",
      "trap 'fail \"a step failed (exit $?)\"' ERR",
    ] : strcontains(module.compute.fleet_user_data, s)])
    error_message = "The user data fetches the deploy scripts, bootstraps with production's ports and the bundle's server policy, writes the env file, and installs releases/current from the bucket through slot.sh."
  }

  # The launch lifecycle hook: a new server stays out of the target group until its user data
  # completes the hook with CONTINUE (release serving, or nothing to install yet) or ABANDON.
  assert {
    condition     = [for h in module.compute.resources.autoscaling_group.initial_lifecycle_hook : [h.name, h.lifecycle_transition, h.default_result, h.heartbeat_timeout]] == [["table-order-app-server-launching", "autoscaling:EC2_INSTANCE_LAUNCHING", "ABANDON", module.compute.resources.autoscaling_group.health_check_grace_period]]
    error_message = "Scaled out: the group's launch lifecycle hook (EC2_INSTANCE_LAUNCHING, ABANDON by default, the grace period's 900 s as its heartbeat timeout)."
  }

  assert {
    condition = alltrue([for s in [
      "group=\"${output.autoscaling_group_name}\"\nhook=\"${output.launch_lifecycle_hook_name}\"\n",
      "aws autoscaling complete-lifecycle-action --region \"$region\"",
      "launch_done ABANDON || true",
      "echo \"tableorder-boot: no deploy scripts yet: the first Deploy bootstraps this server over SSH\"\n        launch_done CONTINUE\n        exit 0\n",
      "echo \"tableorder-boot: no releases/current yet: the placeholder serves until the first Deploy\"\n        launch_done CONTINUE\n        exit 0\n",
      "bash \"$scripts/slot.sh\" stop blue\nrm -f \"$boot/release.tar.gz\" \"$boot/deploy-scripts.tar.gz\" \"$boot\"/*.sha256\n# 5. the release serves: the hook lets the server into the group and the target group\nlaunch_done CONTINUE\n",
    ] : strcontains(module.compute.fleet_user_data, s)])
    error_message = "The user data completes this group's hook: CONTINUE when there are no deploy scripts or no current release yet and after the switch, ABANDON on a failure."
  }

  # The role may complete lifecycle actions of this group only (the ARN is built before the group
  # exists, so that the grant is there while its first servers boot: it must name the same group).
  assert {
    condition     = [for s in jsondecode(module.iam.resources.app_policy.policy).Statement : [s.Action, s.Resource] if s.Sid == "LaunchLifecycleComplete"] == [[["autoscaling:CompleteLifecycleAction"], ["arn:aws:autoscaling:ap-northeast-2:123456789012:autoScalingGroup:*:autoScalingGroupName/${module.compute.resources.autoscaling_group.name}"]]]
    error_message = "The instance role may complete lifecycle actions of its own Auto Scaling group only."
  }

  assert {
    condition     = output.user_data == module.compute.fleet_user_data && output.user_data != module.compute.user_data && output.launch_lifecycle_hook_name == "table-order-app-server-launching"
    error_message = "Scaled out: the user_data output is the launch template's first-boot script, and the hook's name is an output."
  }

  # The servers believe X-Forwarded-For/-Proto only from the load balancer's subnets: an output for
  # the build's Bootstrap, and the same list in the first boot of a server Auto Scaling adds.
  assert {
    condition     = output.load_balancer_cidrs == tolist(["10.0.1.0/24", "10.0.4.0/24"]) && output.load_balancer_cidrs == tolist([module.network.resources.public_subnet.cidr_block, module.network.resources.public_secondary.cidr_block])
    error_message = "Scaled out: load_balancer_cidrs are both public subnets' CIDR blocks, where the load balancer's nodes live."
  }

  assert {
    condition     = strcontains(module.compute.fleet_user_data, "TABLEORDER_FIRST_BOOT=1 TABLEORDER_LOAD_BALANCER_CIDRS='10.0.1.0/24,10.0.4.0/24' bash \"$scripts/bootstrap.sh\"")
    error_message = "A new server's bootstrap gets the load balancer's subnets."
  }

  # Security groups: servers take HTTP from the load balancer's group only.
  assert {
    condition     = module.security.resources.ec2_http.referenced_security_group_id == "sg-00000000000000alb" && module.security.resources.ec2_http.cidr_ipv4 == null && module.security.resources.ec2_http.from_port == 80
    error_message = "Scaled out: the servers take HTTP only from the load balancer's group."
  }

  assert {
    condition     = module.security.resources.ec2_https == null && length(module.security.resources.ec2_fastapi) == 0 && [for r in values(module.security.resources.ec2_ssh) : r.cidr_ipv4] == ["203.0.113.10/32"]
    error_message = "Scaled out: no HTTPS on the servers (TLS ends at the load balancer); SSH from the allow-list only."
  }

  assert {
    condition     = { for k, r in module.security.resources.alb_ingress : k => [r.from_port, r.to_port, r.cidr_ipv4, r.security_group_id] } == { http = [80, 80, "0.0.0.0/0", "sg-00000000000000alb"], https = [443, 443, "0.0.0.0/0", "sg-00000000000000alb"] }
    error_message = "The load balancer takes 80 and 443 from anywhere."
  }

  assert {
    condition     = [module.security.resources.alb_egress.from_port, module.security.resources.alb_egress.to_port, module.security.resources.alb_egress.referenced_security_group_id] == [80, 80, "sg-00000000000000ec2"] && module.security.resources.alb_egress.cidr_ipv4 == null
    error_message = "The load balancer reaches only the servers' HTTP port."
  }

  # Release bucket and the role's read access to releases/ only.
  assert {
    condition     = module.release_storage[0].resources.bucket.bucket == "table-order-releases-123456789012" && module.release_storage[0].resources.public_access_block.restrict_public_buckets
    error_message = "A private release bucket table-order-releases-<account id>."
  }

  assert {
    condition     = [for s in jsondecode(module.iam.resources.app_policy.policy).Statement : [s.Action, s.Resource] if startswith(s.Sid, "Releases")] == [[["s3:ListBucket"], ["arn:aws:s3:::table-order-releases-123456789012"]], [["s3:GetObject"], ["arn:aws:s3:::table-order-releases-123456789012/releases/*"]]]
    error_message = "The instance role may only list and read objects under releases/ in the release bucket."
  }

  assert {
    condition     = one([for s in jsondecode(module.iam.resources.app_policy.policy).Statement : s.Condition.StringLike["s3:prefix"] if s.Sid == "ReleasesList"]) == ["releases/*"]
    error_message = "Listing the release bucket is limited to the releases/ prefix."
  }

  # What servers run is versioned, and only the deploy principals may write it.
  assert {
    condition     = one(module.release_storage[0].resources.versioning.versioning_configuration[*].status) == "Enabled" && one(module.storage.resources.versioning.versioning_configuration[*].status) == "Disabled"
    error_message = "The release bucket keeps every version; the menu images bucket stays unversioned, as designed."
  }

  assert {
    condition     = [for r in module.release_storage[0].resources.lifecycle.rule : one(r.noncurrent_version_expiration[*].noncurrent_days) if r.id == "expire-noncurrent-versions" && r.status == "Enabled"] == [90]
    error_message = "Replaced versions (each Deploy's current and deploy scripts) expire after 90 days."
  }

  assert {
    condition = [for s in jsondecode(module.release_storage[0].resources.policy.policy).Statement : [s.Effect, s.Principal, s.Action, s.Resource, s.Condition] if s.Sid == "OnlyWritersWriteObjects"] == [[
      "Deny", "*",
      ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:ReplicateObject", "s3:ReplicateDelete"],
      ["arn:aws:s3:::table-order-releases-123456789012/*"],
      { ArnNotLike = { "aws:PrincipalArn" = [
        "arn:aws:iam::123456789012:role/tableorder-deploy",
        "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/ap-northeast-2/AWSReservedSSO_AdministratorAccess_0123456789abcdef",
      ] } },
    ]]
    error_message = "The release bucket's policy denies writing or deleting any object (any version) to every principal but deploy_principal_arns."
  }

  assert {
    condition = [for s in jsondecode(module.release_storage[0].resources.policy.policy).Statement : [s.Effect, s.Action, s.Resource, s.Condition.ArnNotLike["aws:PrincipalArn"]] if s.Sid == "OnlyWritersChangeTheBucketRules"] == [[
      "Deny",
      ["s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketVersioning", "s3:PutLifecycleConfiguration"],
      ["arn:aws:s3:::table-order-releases-123456789012"],
      [for arn in var.deploy_principal_arns : arn],
    ]]
    error_message = "Nobody but deploy_principal_arns may lift the rule: change the release bucket's policy, versioning or lifecycle."
  }

  assert {
    condition     = alltrue([for s in jsondecode(module.release_storage[0].resources.policy.policy).Statement : s.Effect == "Deny"]) && length(jsondecode(module.storage.resources.policy.policy).Statement) == 1
    error_message = "The bucket policies only deny; the images bucket (the app writes it) has no writer rule."
  }

  assert {
    condition     = !anytrue([for s in jsondecode(module.iam.resources.app_policy.policy).Statement : anytrue([for r in s.Resource : startswith(r, "arn:aws:s3:::table-order-releases-")]) && anytrue([for a in s.Action : contains(["s3:PutObject", "s3:DeleteObject"], a)])])
    error_message = "The instance role never writes the release bucket."
  }

  # Monitoring: the dashboard and the alarms watch the group (the agent rolls its metrics up to it).
  assert {
    condition = [for k in ["app-server-cpu-high", "app-server-memory-high"] : [module.monitoring.resources.alarms[k].dimensions, module.monitoring.resources.alarms[k].statistic]] == [
      [tomap({ AutoScalingGroupName = module.compute.resources.autoscaling_group.name }), "Average"],
      [tomap({ AutoScalingGroupName = module.compute.resources.autoscaling_group.name }), "Maximum"],
    ]
    error_message = "Scaled out: the CPU alarm watches the Auto Scaling group's average, the memory alarm its fullest server."
  }

  assert {
    condition     = toset(flatten([for w in jsondecode(module.monitoring.resources.dashboard.dashboard_body).widgets : [for m in w.properties.metrics : join(" ", slice(m, 2, length(m))) if contains(["AWS/EC2", "CWAgent"], m[0])]])) == toset(["AutoScalingGroupName ${module.compute.resources.autoscaling_group.name}"])
    error_message = "Scaled out: the dashboard's app server widgets read the Auto Scaling group."
  }

  # Outputs the build reads.
  assert {
    condition = [output.scaled_out, output.app_server_count, output.target_group_arn, output.autoscaling_group_name, output.load_balancer_dns_name, output.site_url, output.release_bucket_name] == [
      true, 3,
      "arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:targetgroup/table-order-app/0123456789abcdef",
      "table-order-app-servers",
      "table-order-alb-123456789.ap-northeast-2.elb.amazonaws.com",
      "http://table-order-alb-123456789.ap-northeast-2.elb.amazonaws.com",
      "table-order-releases-123456789012",
    ]
    error_message = "Scaled out: target group ARN, Auto Scaling group name, load balancer DNS name, site URL and release bucket are outputs."
  }

  # The data tier stays as designed unless asked.
  assert {
    condition     = !module.database.resources.instance.multi_az && module.cache.resources.replication_group.num_cache_clusters == 1
    error_message = "Scaling the app servers out does not change the database or Redis."
  }
}

run "https_with_a_domain" {
  command = plan

  variables {
    app_server_count = 2
    domain_name      = "order.example.com"
    route53_zone_id  = "Z0123456789ABCDEFGHIJ"
  }

  assert {
    condition     = module.load_balancer[0].resources.certificate.domain_name == "order.example.com" && module.load_balancer[0].resources.certificate.validation_method == "DNS" && module.load_balancer[0].resources.validation_record.zone_id == "Z0123456789ABCDEFGHIJ"
    error_message = "An ACM certificate for the domain, validated by a DNS record in the given zone."
  }

  assert {
    condition     = [module.load_balancer[0].resources.validation_record.name, module.load_balancer[0].resources.validation_record.type] == ["_0123456789abcdef.order.example.com", "CNAME"] && module.load_balancer[0].resources.validation_record.records == toset(["_fedcba9876543210.abcdefghij.acm-validations.aws."])
    error_message = "The validation record is the one ACM asks for."
  }

  assert {
    condition     = module.load_balancer[0].resources.https_listener.port == 443 && module.load_balancer[0].resources.https_listener.protocol == "HTTPS" && module.load_balancer[0].resources.https_listener.ssl_policy == "ELBSecurityPolicy-TLS13-1-2-2021-06" && module.load_balancer[0].resources.https_listener.certificate_arn == "arn:aws:acm:ap-northeast-2:123456789012:certificate/00000000-0000-0000-0000-00000000cert"
    error_message = "HTTPS on 443 (TLS 1.2/1.3 policy) with the validated certificate."
  }

  assert {
    condition     = [for a in module.load_balancer[0].resources.https_listener.default_action : [a.type, a.target_group_arn]] == [["forward", "arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:targetgroup/table-order-app/0123456789abcdef"]]
    error_message = "The HTTPS listener forwards to the target group."
  }

  assert {
    condition     = [for a in module.load_balancer[0].resources.http_listener.default_action : [a.type, one(a.redirect[*].protocol), one(a.redirect[*].port), one(a.redirect[*].status_code)]] == [["redirect", "HTTPS", "443", "HTTP_301"]]
    error_message = "With a domain, HTTP redirects to HTTPS permanently."
  }

  assert {
    condition     = module.load_balancer[0].resources.site_record.name == "order.example.com" && [for a in module.load_balancer[0].resources.site_record.alias : [a.name, a.zone_id]] == [["table-order-alb-123456789.ap-northeast-2.elb.amazonaws.com", "ZWKZPGTI48KDX"]]
    error_message = "The domain is an alias of the load balancer."
  }

  assert {
    condition     = output.site_url == "https://order.example.com" && module.compute.resources.autoscaling_group.desired_capacity == 2
    error_message = "The site answers at https://<domain>; two servers."
  }
}

run "load_balancer_with_one_server" {
  command = plan

  variables {
    enable_load_balancer = true
  }

  assert {
    condition     = length(module.load_balancer) == 1 && module.compute.resources.autoscaling_group.desired_capacity == 1 && module.compute.resources.instance == null
    error_message = "enable_load_balancer with one server: the load balancer and an Auto Scaling group of one."
  }

  assert {
    condition     = [for r in module.compute.resources.autoscaling_group.instance_refresh : one(r.preferences[*].min_healthy_percentage)] == [0]
    error_message = "One server, batch 1: the refresh replaces it (nothing else can stay healthy)."
  }
}

run "highly_available_data_tier" {
  command = plan

  variables {
    app_server_count  = 2
    multi_az_database = true
    redis_replicas    = 1
  }

  assert {
    condition     = module.database.resources.instance.multi_az && module.database.resources.instance.availability_zone != "ap-northeast-2a"
    error_message = "multi_az_database: RDS Multi-AZ (RDS places primary and standby)."
  }

  assert {
    condition     = module.cache.resources.replication_group.num_cache_clusters == 2 && module.cache.resources.replication_group.automatic_failover_enabled && module.cache.resources.replication_group.multi_az_enabled && module.cache.resources.replication_group.preferred_cache_cluster_azs == tolist(["ap-northeast-2a", "ap-northeast-2c"])
    error_message = "redis_replicas = 1: a primary and a replica in the other zone, automatic failover, Multi-AZ."
  }

  assert {
    condition     = module.cache.resources.subnet_group.subnet_ids == toset(["subnet-0000000private", "subnet-0000private2nd"])
    error_message = "With a replica the Redis subnet group spans both private subnets."
  }

  assert {
    condition     = [for w in jsondecode(module.monitoring.resources.dashboard.dashboard_body).widgets : [for m in w.properties.metrics : m[3]] if startswith(w.properties.title, "Redis")] == [for i in range(3) : ["table-order-redis-001", "table-order-redis-002"]]
    error_message = "With a replica the dashboard draws both Redis nodes (the primary can fail over)."
  }
}

# ------------------------------------------------------------------------------------
# Bad input
# ------------------------------------------------------------------------------------

run "reject_zero_servers" {
  command = plan
  variables {
    app_server_count = 0
  }
  expect_failures = [var.app_server_count]
}

run "reject_fractional_and_too_many_servers" {
  command = plan
  variables {
    app_server_count            = 2.5
    instance_refresh_batch_size = 0
    redis_replicas              = 6
  }
  expect_failures = [var.app_server_count, var.instance_refresh_batch_size, var.redis_replicas]
}

run "reject_batch_above_server_count" {
  command = plan
  variables {
    app_server_count            = 2
    instance_refresh_batch_size = 3
  }
  expect_failures = [data.aws_caller_identity.current]
}

run "reject_domain_without_zone" {
  command = plan
  variables {
    app_server_count = 2
    domain_name      = "order.example.com"
  }
  expect_failures = [data.aws_caller_identity.current]
}

run "reject_scale_out_without_deploy_principals" {
  command = plan
  variables {
    app_server_count      = 2
    deploy_principal_arns = []
  }
  expect_failures = [data.aws_caller_identity.current]
}

run "one_server_needs_no_deploy_principals" {
  command = plan
  variables {
    deploy_principal_arns = []
  }
  assert {
    condition     = length(module.release_storage) == 0
    error_message = "With one server there is no release bucket, so no deploy principals are needed."
  }
}

run "reject_a_wildcard_deploy_principal" {
  command = plan
  variables {
    app_server_count      = 2
    deploy_principal_arns = ["arn:aws:iam::123456789012:role/*"]
  }
  expect_failures = [var.deploy_principal_arns]
}

run "reject_the_account_root_as_deploy_principal" {
  command = plan
  variables {
    app_server_count      = 2
    deploy_principal_arns = ["arn:aws:iam::123456789012:root"]
  }
  expect_failures = [var.deploy_principal_arns]
}

run "reject_a_session_arn_as_deploy_principal" {
  command = plan
  variables {
    app_server_count      = 2
    deploy_principal_arns = ["arn:aws:sts::123456789012:assumed-role/tableorder-deploy/deploy-1234"]
  }
  expect_failures = [var.deploy_principal_arns]
}

run "reject_bad_domain_zone_and_subnet" {
  command = plan
  variables {
    domain_name                  = "https://order.example.com/"
    route53_zone_id              = "zone-1"
    secondary_public_subnet_cidr = "10.0.4.7/24"
  }
  expect_failures = [var.domain_name, var.route53_zone_id, var.secondary_public_subnet_cidr]
}

# Compute: the single app server (FastAPI behind Nginx) in the public subnet, or, scaled out
# (var.scale_out), an Auto Scaling group of them over a launch template behind the load balancer.

locals {
  # The official Debian 13 AMI logs in as "admin" (cloud-init's default user on Debian).
  ssh_user = "admin"

  ami_id   = coalesce(var.ami_id, one(data.aws_ami.debian[*].id))
  key_name = var.ssh_public_key == null ? var.key_pair_name : aws_key_pair.this[0].key_name

  # Package installation only; no secrets. The app reads its database password and the
  # Redis AUTH token from Secrets Manager at run time through the instance role.
  user_data = templatefile("${path.module}/templates/user-data-debian.sh.tftpl", {
    name_prefix                 = var.name_prefix
    ssm_agent_deb_url           = var.ssm_agent_deb_url
    ssm_agent_deb_sha256        = var.ssm_agent_deb_sha256
    cloudwatch_agent_deb_url    = var.cloudwatch_agent_deb_url
    cloudwatch_agent_deb_sha256 = var.cloudwatch_agent_deb_sha256
  })

  # Scaled out: the group and its launch lifecycle hook (the user data completes it).
  autoscaling_group_name = "${var.name_prefix}-app-servers"
  launch_hook_name       = "${var.name_prefix}-app-server-launching"

  # Scaled out: the same packages, then the server installs itself from the release bucket.
  fleet_user_data = var.scale_out ? templatefile("${path.module}/templates/user-data-fleet.sh.tftpl", {
    packages               = trimsuffix(local.user_data, "\n")
    bucket                 = var.release_bucket_name
    region                 = var.region
    autoscaling_group_name = local.autoscaling_group_name
    lifecycle_hook_name    = local.launch_hook_name
    login_user             = local.ssh_user
    scripts_folder         = "tableorder-deploy" # build/Server/ServerMap.cs ScriptsFolder
    http_port              = 80                  # build/Server/ServerPolicy.cs ServerPorts.Production
    blue_port              = 8000
    green_port             = 8001
    load_balancer_cidrs    = join(",", var.load_balancer_cidrs)
  }) : null

  # Replacing batch_size servers at a time keeps the rest serving.
  min_healthy_percentage = floor(100 * (var.app_server_count - var.instance_refresh_batch_size) / var.app_server_count)
}

# Debian 13 (trixie) from the Debian project's own AWS account, amd64, latest. The same
# release the local environment's app server is debootstrapped from.
data "aws_ami" "debian" {
  count = var.ami_id == null ? 1 : 0

  owners      = ["136693071363"] # Debian
  most_recent = true

  filter {
    name   = "name"
    values = ["debian-13-amd64-*"]
  }

  filter {
    name   = "architecture"
    values = ["x86_64"]
  }

  filter {
    name   = "virtualization-type"
    values = ["hvm"]
  }
}

# Created only when a public key is given; otherwise key_pair_name must already exist.
resource "aws_key_pair" "this" {
  count = var.ssh_public_key == null ? 0 : 1

  key_name   = var.key_pair_name
  public_key = var.ssh_public_key

  tags = {
    Name = var.key_pair_name
  }
}

resource "aws_instance" "app_server" {
  count = var.scale_out ? 0 : 1

  ami                    = local.ami_id
  instance_type          = var.instance_type
  subnet_id              = var.subnet_id
  vpc_security_group_ids = var.security_group_ids
  key_name               = local.key_name
  iam_instance_profile   = var.instance_profile_name
  monitoring             = false # basic monitoring (5-minute metrics), as designed
  ebs_optimized          = true

  user_data                   = local.user_data
  user_data_replace_on_change = false

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required" # IMDSv2 only
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }

  root_block_device {
    volume_type           = "gp3"
    volume_size           = var.root_volume_size
    encrypted             = true
    delete_on_termination = true

    tags = {
      Name = "${var.name_prefix}-app-server-root"
    }
  }

  tags = {
    Name = "${var.name_prefix}-app-server"
  }

  lifecycle {
    # The AMI lookup moves whenever a new image is published; a single production
    # server must not be replaced by that. Replace deliberately:
    #   terraform apply -replace='module.compute.aws_instance.app_server[0]'
    ignore_changes = [ami]
  }
}

moved {
  from = aws_instance.app_server
  to   = aws_instance.app_server[0]
}

# The single server's address for good: an auto-assigned public IPv4 is released when the instance
# stops, and another AWS customer may get it next, with the site's DNS name still pointing there
# (and able to obtain a certificate for it). The Elastic IP stays with this stack across stop/start
# and follows a replaced instance (Rebuild) in the same apply. Scaled out there is no single server:
# users reach the load balancer, and the group's servers keep their own auto-assigned addresses.
resource "aws_eip" "app_server" {
  count = var.scale_out ? 0 : 1

  domain   = "vpc"
  instance = aws_instance.app_server[0].id

  tags = {
    Name = "${var.name_prefix}-app-server"
  }
}

# ---------------------------------------------------------------------------------
# Scaled out: the same server as a launch template, app_server_count of them
# ---------------------------------------------------------------------------------

resource "aws_launch_template" "app_server" {
  count = var.scale_out ? 1 : 0

  name                   = "${var.name_prefix}-app-server"
  description            = "Table Order app server: Debian 13, bootstraps and installs the current release from S3"
  image_id               = local.ami_id
  instance_type          = var.instance_type
  key_name               = local.key_name
  vpc_security_group_ids = var.security_group_ids
  ebs_optimized          = true
  user_data              = base64encode(local.fleet_user_data)
  update_default_version = true

  iam_instance_profile {
    name = var.instance_profile_name
  }

  monitoring {
    enabled = false # basic monitoring, as the single server
  }

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required" # IMDSv2 only
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }

  block_device_mappings {
    device_name = "/dev/xvda" # the Debian AMI's root device

    ebs {
      volume_type           = "gp3"
      volume_size           = var.root_volume_size
      encrypted             = true
      delete_on_termination = true
    }
  }

  # The provider's default tags do not reach what Auto Scaling launches: they are given here.
  tag_specifications {
    resource_type = "instance"
    tags          = merge(var.launch_tags, { Name = "${var.name_prefix}-app-server" })
  }

  tag_specifications {
    resource_type = "volume"
    tags          = merge(var.launch_tags, { Name = "${var.name_prefix}-app-server-root" })
  }

  tags = {
    Name = "${var.name_prefix}-app-server"
  }

  lifecycle {
    # As the single server: a newly published AMI does not roll the fleet; change it on purpose.
    ignore_changes = [image_id]
  }
}

resource "aws_autoscaling_group" "app_servers" {
  count = var.scale_out ? 1 : 0

  name                = local.autoscaling_group_name
  min_size            = var.app_server_count
  max_size            = var.app_server_count
  desired_capacity    = var.app_server_count
  vpc_zone_identifier = var.fleet_subnet_ids
  target_group_arns   = var.target_group_arns

  # The load balancer's health check decides; first boot (packages, bootstrap, release) may
  # take minutes before /api/health answers.
  health_check_type         = "ELB"
  health_check_grace_period = var.health_check_grace_period

  # A new server stays in Pending:Wait, out of the target group, until its user data completes
  # this hook: CONTINUE once the current release serves, ABANDON on a failure. No answer within
  # the grace period abandons it too, and Auto Scaling replaces it. Terraform sets the hook only
  # when it creates the group (an existing group needs it added: terraform/README.md "Scale-out").
  initial_lifecycle_hook {
    name                 = local.launch_hook_name
    lifecycle_transition = "autoscaling:EC2_INSTANCE_LAUNCHING"
    default_result       = "ABANDON"
    heartbeat_timeout    = var.health_check_grace_period
  }

  # Creating the group waits for its servers to be InService, i.e. past the hook: give that the
  # hook's own time and a margin (the provider's default, 10 minutes, is less than the hook's).
  wait_for_capacity_timeout = "${var.health_check_grace_period + 300}s"

  launch_template {
    id      = aws_launch_template.app_server[0].id
    version = aws_launch_template.app_server[0].latest_version
  }

  # A new launch template version (user data, instance type, volume) replaces the servers
  # batch by batch, each new one healthy before the next batch goes.
  instance_refresh {
    strategy = "Rolling"

    preferences {
      min_healthy_percentage = local.min_healthy_percentage
      instance_warmup        = var.health_check_grace_period
    }
  }

  dynamic "tag" {
    for_each = merge(var.launch_tags, { Name = "${var.name_prefix}-app-server" })

    content {
      key                 = tag.key
      value               = tag.value
      propagate_at_launch = false # the launch template tags the instances
    }
  }

  lifecycle {
    precondition {
      condition     = length(var.fleet_subnet_ids) >= 2 && length(var.target_group_arns) == 1 && var.release_bucket_name != null
      error_message = "The Auto Scaling group needs two subnets, the target group and the release bucket."
    }
    precondition {
      condition     = var.instance_refresh_batch_size <= var.app_server_count
      error_message = "instance_refresh_batch_size (${var.instance_refresh_batch_size}) may not exceed app_server_count (${var.app_server_count})."
    }
  }
}

# Compute: the single app server (FastAPI behind Nginx) in the public subnet.

locals {
  # The official Debian 13 AMI logs in as "admin" (cloud-init's default user on Debian).
  ssh_user = "admin"

  ami_id   = coalesce(var.ami_id, one(data.aws_ami.debian[*].id))
  key_name = var.ssh_public_key == null ? var.key_pair_name : aws_key_pair.this[0].key_name

  # Package installation only; no secrets. The app reads its database password and the
  # Redis AUTH token from Secrets Manager at run time through the instance role.
  user_data = templatefile("${path.module}/templates/user-data-debian.sh.tftpl", {
    name_prefix              = var.name_prefix
    ssm_agent_deb_url        = var.ssm_agent_deb_url
    cloudwatch_agent_deb_url = var.cloudwatch_agent_deb_url
  })
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
    #   terraform apply -replace=module.compute.aws_instance.app_server
    ignore_changes = [ami]
  }
}

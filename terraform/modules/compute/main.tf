# Compute: the single app server (FastAPI behind Nginx) in the public subnet.

locals {
  os = {
    "al2023" = {
      ssh_user  = "ec2-user"
      user_data = "user-data-al2023.sh.tftpl"
    }
    "ubuntu-22.04" = {
      ssh_user  = "ubuntu"
      user_data = "user-data-ubuntu.sh.tftpl"
    }
  }

  looked_up_ami = var.os == "al2023" ? one(data.aws_ami.al2023[*].id) : one(data.aws_ami.ubuntu[*].id)
  ami_id        = coalesce(var.ami_id, local.looked_up_ami)
  key_name      = var.ssh_public_key == null ? var.key_pair_name : aws_key_pair.this[0].key_name

  # Package installation only; no secrets. The app reads its database password from
  # Secrets Manager at run time through the instance role.
  user_data = templatefile("${path.module}/templates/${local.os[var.os].user_data}", { name_prefix = var.name_prefix })
}

# Amazon Linux 2023, standard (not minimal) x86_64 image, latest.
data "aws_ami" "al2023" {
  count = var.os == "al2023" && var.ami_id == null ? 1 : 0

  owners      = ["amazon"]
  most_recent = true

  filter {
    name   = "name"
    values = ["al2023-ami-2023.*-kernel-*-x86_64"]
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

# Ubuntu 22.04 LTS (Jammy) from Canonical, latest.
data "aws_ami" "ubuntu" {
  count = var.os == "ubuntu-22.04" && var.ami_id == null ? 1 : 0

  owners      = ["099720109477"] # Canonical
  most_recent = true

  filter {
    name   = "name"
    values = ["ubuntu/images/hvm-ssd*/ubuntu-jammy-22.04-amd64-server-*"]
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

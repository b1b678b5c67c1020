# Compute module: the app server, its AMI lookups and the key pair.

mock_provider "aws" {}

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
  name_prefix           = "table-order"
  os                    = "al2023"
  instance_type         = "t3.medium"
  root_volume_size      = 30
  subnet_id             = "subnet-0000000000public"
  security_group_ids    = ["sg-00000000000000ec2"]
  key_pair_name         = "table-order-key"
  instance_profile_name = "table-order-ec2-profile"
}

run "app_server_as_designed_mock" {
  command = plan

  module {
    source = "./modules/compute"
  }

  override_data {
    target = data.aws_ami.al2023
    values = { id = "ami-0a1b2c3d4e5f60718" }
  }

  assert {
    condition     = aws_instance.app_server.instance_type == "t3.medium" && aws_instance.app_server.ami == "ami-0a1b2c3d4e5f60718"
    error_message = "App server must be a t3.medium from the Amazon Linux 2023 lookup."
  }

  assert {
    condition     = aws_instance.app_server.subnet_id == "subnet-0000000000public" && aws_instance.app_server.vpc_security_group_ids == toset(["sg-00000000000000ec2"])
    error_message = "App server must run in the public subnet with the EC2 security group."
  }

  assert {
    condition     = aws_instance.app_server.root_block_device[0].volume_size == 30 && aws_instance.app_server.root_block_device[0].volume_type == "gp3" && aws_instance.app_server.root_block_device[0].encrypted
    error_message = "Root volume must be 30 GB gp3, encrypted."
  }

  assert {
    condition     = aws_instance.app_server.metadata_options[0].http_tokens == "required" && aws_instance.app_server.metadata_options[0].http_endpoint == "enabled" && aws_instance.app_server.metadata_options[0].http_put_response_hop_limit == 1
    error_message = "IMDSv2 must be required."
  }

  assert {
    condition     = aws_instance.app_server.key_name == "table-order-key" && length(aws_key_pair.this) == 0
    error_message = "Without a public key the existing key pair table-order-key is used and none is created."
  }

  assert {
    condition     = aws_instance.app_server.iam_instance_profile == "table-order-ec2-profile"
    error_message = "App server must carry the instance profile."
  }

  assert {
    condition     = !aws_instance.app_server.monitoring
    error_message = "Basic (5-minute) monitoring, as designed."
  }

  assert {
    condition     = aws_instance.app_server.tags["Name"] == "table-order-app-server"
    error_message = "App server Name tag must be table-order-app-server."
  }

  assert {
    condition     = output.ssh_user == "ec2-user" && length(data.aws_ami.ubuntu) == 0
    error_message = "Amazon Linux 2023 logs in as ec2-user; the Ubuntu lookup must not run."
  }

  assert {
    condition     = strcontains(local.user_data, "nginx") && strcontains(local.user_data, "python3.11") && !can(regex("(?i)(password|secret|token|AKIA[0-9A-Z]{16})", local.user_data))
    error_message = "User data installs Python and Nginx and carries no secrets."
  }

  assert {
    condition     = one(data.aws_ami.al2023[0].owners) == "amazon" && data.aws_ami.al2023[0].most_recent
    error_message = "The AL2023 lookup must take Amazon's latest image."
  }
}

run "app_server_real_provider" {
  command   = plan
  providers = { aws = aws.real }

  module {
    source = "./modules/compute"
  }

  assert {
    condition = alltrue([for t in [
      aws_instance.app_server.tags_all,
    ] : t["Environment"] == "production" && t["Name"] != ""])
    error_message = "Every resource carries Name and, from the provider's default tags, Environment = production."
  }

  assert {
    condition     = aws_instance.app_server.root_block_device[0].tags["Name"] == "table-order-app-server-root"
    error_message = "The root volume carries a Name tag."
  }

  override_data {
    target = data.aws_ami.al2023
    values = { id = "ami-0a1b2c3d4e5f60718" }
  }

  assert {
    condition     = aws_instance.app_server.instance_type == "t3.medium" && aws_instance.app_server.root_block_device[0].volume_size == 30 && aws_instance.app_server.root_block_device[0].encrypted && aws_instance.app_server.metadata_options[0].http_tokens == "required"
    error_message = "t3.medium, 30 GB encrypted root volume, IMDSv2."
  }
}

run "ubuntu_2204" {
  command = plan

  module {
    source = "./modules/compute"
  }

  variables {
    os = "ubuntu-22.04"
  }

  override_data {
    target = data.aws_ami.ubuntu
    values = { id = "ami-0fedcba9876543210" }
  }

  assert {
    condition     = output.ssh_user == "ubuntu" && aws_instance.app_server.ami == "ami-0fedcba9876543210" && length(data.aws_ami.al2023) == 0
    error_message = "Ubuntu 22.04 uses the Canonical lookup and logs in as ubuntu."
  }

  assert {
    condition     = one(data.aws_ami.ubuntu[0].owners) == "099720109477"
    error_message = "The Ubuntu image must come from Canonical's account."
  }

  assert {
    condition     = !can(regex("(?i)(password|secret|token)", local.user_data))
    error_message = "User data carries no secrets."
  }
}

run "pinned_ami_skips_lookup" {
  command = plan

  module {
    source = "./modules/compute"
  }

  variables {
    ami_id = "ami-0123456789abcdef0"
  }

  assert {
    condition     = aws_instance.app_server.ami == "ami-0123456789abcdef0" && length(data.aws_ami.al2023) == 0 && length(data.aws_ami.ubuntu) == 0
    error_message = "A pinned AMI is used as-is, without lookups."
  }
}

run "key_pair_created_from_public_key" {
  command = plan

  module {
    source = "./modules/compute"
  }

  variables {
    ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHr6ayWQ0b0WjWS0lSPUn3Xk8kQp6aQ1rDt6mBq0cJqN deploy@table-order"
  }

  override_data {
    target = data.aws_ami.al2023
    values = { id = "ami-0a1b2c3d4e5f60718" }
  }

  assert {
    condition     = length(aws_key_pair.this) == 1 && aws_key_pair.this[0].key_name == "table-order-key"
    error_message = "Given a public key, the key pair table-order-key is created."
  }
}

run "unknown_os_is_rejected" {
  command = plan

  module {
    source = "./modules/compute"
  }

  variables {
    os = "amazon-linux-2"
  }

  expect_failures = [var.os]
}

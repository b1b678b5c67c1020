# Compute module: the app server, the Debian 13 AMI lookup, its user data and the key pair.

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
    target = data.aws_ami.debian
    values = { id = "ami-0a1b2c3d4e5f60718" }
  }

  assert {
    condition     = aws_instance.app_server[0].instance_type == "t3.medium" && aws_instance.app_server[0].ami == "ami-0a1b2c3d4e5f60718"
    error_message = "App server must be a t3.medium from the Debian 13 lookup."
  }

  assert {
    condition     = aws_instance.app_server[0].subnet_id == "subnet-0000000000public" && aws_instance.app_server[0].vpc_security_group_ids == toset(["sg-00000000000000ec2"])
    error_message = "App server must run in the public subnet with the EC2 security group."
  }

  assert {
    condition     = aws_instance.app_server[0].root_block_device[0].volume_size == 30 && aws_instance.app_server[0].root_block_device[0].volume_type == "gp3" && aws_instance.app_server[0].root_block_device[0].encrypted
    error_message = "Root volume must be 30 GB gp3, encrypted."
  }

  assert {
    condition     = aws_instance.app_server[0].metadata_options[0].http_tokens == "required" && aws_instance.app_server[0].metadata_options[0].http_endpoint == "enabled" && aws_instance.app_server[0].metadata_options[0].http_put_response_hop_limit == 1
    error_message = "IMDSv2 must be required."
  }

  assert {
    condition     = aws_instance.app_server[0].key_name == "table-order-key" && length(aws_key_pair.this) == 0
    error_message = "Without a public key the existing key pair table-order-key is used and none is created."
  }

  assert {
    condition     = aws_instance.app_server[0].iam_instance_profile == "table-order-ec2-profile"
    error_message = "App server must carry the instance profile."
  }

  assert {
    condition     = !aws_instance.app_server[0].monitoring
    error_message = "Basic (5-minute) monitoring, as designed."
  }

  assert {
    condition     = aws_instance.app_server[0].tags["Name"] == "table-order-app-server"
    error_message = "App server Name tag must be table-order-app-server."
  }

  assert {
    condition     = output.ssh_user == "admin"
    error_message = "The official Debian AMI logs in as admin."
  }

  assert {
    condition     = one(data.aws_ami.debian[0].owners) == "136693071363" && data.aws_ami.debian[0].most_recent
    error_message = "The AMI must be the Debian project's own (account 136693071363), latest."
  }

  assert {
    condition = (
      one([for f in data.aws_ami.debian[0].filter : f.values if f.name == "name"]) == toset(["debian-13-amd64-*"]) &&
      one([for f in data.aws_ami.debian[0].filter : f.values if f.name == "architecture"]) == toset(["x86_64"])
    )
    error_message = "The lookup must match debian-13-amd64-* images (x86_64)."
  }

  assert {
    condition     = aws_instance.app_server[0].user_data == output.user_data && startswith(output.user_data, "#!/bin/bash\n") && strcontains(output.user_data, "set -euo pipefail")
    error_message = "The instance boots the rendered Debian user data, a bash script that stops at the first error."
  }

  assert {
    condition     = strcontains(output.user_data, "apt-get -y install ca-certificates curl python3 python3-venv nginx awscli") && !strcontains(output.user_data, "dnf ") && !strcontains(output.user_data, "yum ")
    error_message = "User data installs Python, Nginx and the AWS CLI from Debian's own repositories (apt-get, nothing else)."
  }

  assert {
    condition     = strcontains(output.user_data, "\"https://s3.amazonaws.com/ec2-downloads-windows/SSMAgent/latest/debian_amd64/amazon-ssm-agent.deb\"") && strcontains(output.user_data, "systemctl enable --now amazon-ssm-agent")
    error_message = "User data installs and starts the SSM agent from AWS's Debian amd64 package."
  }

  assert {
    condition     = strcontains(output.user_data, "\"https://amazoncloudwatch-agent.s3.amazonaws.com/debian/amd64/latest/amazon-cloudwatch-agent.deb\"")
    error_message = "User data installs the CloudWatch agent from AWS's Debian amd64 package."
  }

  assert {
    condition     = length(regexall("if ! installed amazon-(ssm|cloudwatch)-agent; then\n  curl ", output.user_data)) == 2 && strcontains(output.user_data, "installed() { [[ \"$(dpkg-query -W -f='$${Status}' \"$1\" 2>/dev/null)\" == \"install ok installed\" ]]; }")
    error_message = "Each agent is downloaded only when dpkg does not have it installed (rendered with bash's own $${Status}, not a template hole)."
  }

  assert {
    condition     = length(regexall("https://[^\"]+", output.user_data)) == 2 && alltrue([for u in regexall("https://[^\"]+", output.user_data) : can(regex("^https://[a-z0-9.-]*amazonaws\\.com/", u))])
    error_message = "User data downloads from AWS only (the two agent packages), over HTTPS."
  }

  assert {
    condition     = !can(regex("(?i)(password|secret|token|AKIA[0-9A-Z]{16})", output.user_data)) && strcontains(output.user_data, "table-order app server")
    error_message = "User data is rendered for the stack and carries no secrets."
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
      aws_instance.app_server[0].tags_all,
    ] : t["Environment"] == "production" && t["Name"] != ""])
    error_message = "Every resource carries Name and, from the provider's default tags, Environment = production."
  }

  assert {
    condition     = aws_instance.app_server[0].root_block_device[0].tags["Name"] == "table-order-app-server-root"
    error_message = "The root volume carries a Name tag."
  }

  override_data {
    target = data.aws_ami.debian
    values = { id = "ami-0a1b2c3d4e5f60718" }
  }

  assert {
    condition     = aws_instance.app_server[0].instance_type == "t3.medium" && aws_instance.app_server[0].root_block_device[0].volume_size == 30 && aws_instance.app_server[0].root_block_device[0].encrypted && aws_instance.app_server[0].metadata_options[0].http_tokens == "required"
    error_message = "t3.medium, 30 GB encrypted root volume, IMDSv2."
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
    condition     = aws_instance.app_server[0].ami == "ami-0123456789abcdef0" && length(data.aws_ami.debian) == 0
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
    target = data.aws_ami.debian
    values = { id = "ami-0a1b2c3d4e5f60718" }
  }

  assert {
    condition     = length(aws_key_pair.this) == 1 && aws_key_pair.this[0].key_name == "table-order-key"
    error_message = "Given a public key, the key pair table-order-key is created."
  }
}

run "agent_package_urls_must_be_https_debs" {
  command = plan

  module {
    source = "./modules/compute"
  }

  variables {
    ssm_agent_deb_url        = "http://example.com/amazon-ssm-agent.deb"
    cloudwatch_agent_deb_url = "https://example.com/amazon-cloudwatch-agent.rpm"
  }

  expect_failures = [var.ssm_agent_deb_url, var.cloudwatch_agent_deb_url]
}

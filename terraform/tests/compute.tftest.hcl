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
    condition = (
      strcontains(output.user_data, "exit 101") &&
      strcontains(output.user_data, "temporary, bootstrap.sh") &&
      length(split("apt-get -y install ca-certificates", output.user_data)[0]) > length(split("policy=/usr/sbin/policy-rc.d", output.user_data)[0]) &&
      length(split("rm -f \"$policy\"\n\n", output.user_data)[0]) < length(split("systemctl enable --now amazon-ssm-agent", output.user_data)[0])
    )
    error_message = "No service starts with Debian's defaults during the package installs (a temporary policy-rc.d, bootstrap.sh's marker), and it is gone before the SSM agent starts."
  }

  assert {
    condition     = strcontains(output.user_data, "fetch_checked \"https://s3.amazonaws.com/ec2-downloads-windows/SSMAgent/3.3.5226.0/debian_amd64/amazon-ssm-agent.deb\" \"777df4e0ac4bbc8d7d1b159db76cdb6614666bcc73141874414b8be68fb9cba3\" \"$workdir/amazon-ssm-agent.deb\"") && strcontains(output.user_data, "systemctl enable --now amazon-ssm-agent")
    error_message = "User data installs and starts the SSM agent from AWS's Debian amd64 package of one version, checked against its pinned SHA-256."
  }

  assert {
    condition     = strcontains(output.user_data, "fetch_checked \"https://amazoncloudwatch-agent.s3.amazonaws.com/ubuntu/amd64/1.300072.0b1766/amazon-cloudwatch-agent.deb\" \"05baeadca96c4bb8e43906ed09cf0bebd0f321ff6d41987bdc46ce681de0978d\" \"$workdir/amazon-cloudwatch-agent.deb\"")
    error_message = "User data installs the CloudWatch agent from AWS's amd64 .deb of one version, checked against its pinned SHA-256."
  }

  assert {
    condition = (
      strcontains(output.user_data, "echo \"$2  $3\" | sha256sum --check --strict - || {") && strcontains(output.user_data, "rm -f \"$3\"; return 1; }") &&
      length(regexall("curl -", output.user_data)) == 1 && !strcontains(output.user_data, "/latest/")
    )
    error_message = "Every agent download goes through the one SHA-256 check, which refuses (and deletes) a package whose sum differs; nothing comes from a latest/ URL."
  }

  assert {
    condition     = length(regexall("if ! installed amazon-(ssm|cloudwatch)-agent; then\n  fetch_checked ", output.user_data)) == 2 && strcontains(output.user_data, "installed() { [[ \"$(dpkg-query -W -f='$${Status}' \"$1\" 2>/dev/null)\" == \"install ok installed\" ]]; }")
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

run "elastic_ip_for_the_single_server" {
  command = plan

  module {
    source = "./modules/compute"
  }

  override_data {
    target = data.aws_ami.debian
    values = { id = "ami-0a1b2c3d4e5f60718" }
  }
  override_resource {
    target          = aws_instance.app_server
    override_during = plan
    values          = { id = "i-0123456789abcdef0", public_ip = "198.51.100.7", public_dns = "ec2-198-51-100-7.ap-northeast-2.compute.amazonaws.com" }
  }
  override_resource {
    target          = aws_eip.app_server
    override_during = plan
    values          = { public_ip = "203.0.113.30", public_dns = "ec2-203-0-113-30.ap-northeast-2.compute.amazonaws.com" }
  }

  assert {
    condition     = length(aws_eip.app_server) == 1 && aws_eip.app_server[0].domain == "vpc" && aws_eip.app_server[0].instance == "i-0123456789abcdef0" && aws_eip.app_server[0].tags["Name"] == "table-order-app-server"
    error_message = "The single server has an Elastic IP (a VPC address, Name table-order-app-server) associated with it."
  }

  assert {
    condition     = output.public_ip == "203.0.113.30" && output.public_dns == "ec2-203-0-113-30.ap-northeast-2.compute.amazonaws.com"
    error_message = "public_ip and public_dns are the Elastic IP's, not the address the instance was launched with (which changes on stop/start)."
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

run "agent_packages_are_pinned_never_latest" {
  command = plan

  module {
    source = "./modules/compute"
  }

  variables {
    ssm_agent_deb_url           = "https://s3.amazonaws.com/ec2-downloads-windows/SSMAgent/latest/debian_amd64/amazon-ssm-agent.deb"
    cloudwatch_agent_deb_url    = "https://amazoncloudwatch-agent.s3.amazonaws.com/debian/amd64/latest/amazon-cloudwatch-agent.deb"
    ssm_agent_deb_sha256        = "latest"
    cloudwatch_agent_deb_sha256 = "05BAEADCA96C4BB8E43906ED09CF0BEBD0F321FF6D41987BDC46CE681DE0978D"
  }

  expect_failures = [var.ssm_agent_deb_url, var.cloudwatch_agent_deb_url, var.ssm_agent_deb_sha256, var.cloudwatch_agent_deb_sha256]
}

run "other_pinned_agent_versions_reach_the_check" {
  command = plan

  module {
    source = "./modules/compute"
  }

  variables {
    ssm_agent_deb_url           = "https://s3.ap-northeast-2.amazonaws.com/amazon-ssm-ap-northeast-2/3.3.9999.0/debian_amd64/amazon-ssm-agent.deb"
    ssm_agent_deb_sha256        = "0000000000000000000000000000000000000000000000000000000000000001"
    cloudwatch_agent_deb_url    = "https://amazoncloudwatch-agent.s3.amazonaws.com/debian/amd64/1.300099.0b1/amazon-cloudwatch-agent.deb"
    cloudwatch_agent_deb_sha256 = "0000000000000000000000000000000000000000000000000000000000000002"
  }

  assert {
    condition = (
      strcontains(output.user_data, "fetch_checked \"https://s3.ap-northeast-2.amazonaws.com/amazon-ssm-ap-northeast-2/3.3.9999.0/debian_amd64/amazon-ssm-agent.deb\" \"0000000000000000000000000000000000000000000000000000000000000001\"") &&
      strcontains(output.user_data, "fetch_checked \"https://amazoncloudwatch-agent.s3.amazonaws.com/debian/amd64/1.300099.0b1/amazon-cloudwatch-agent.deb\" \"0000000000000000000000000000000000000000000000000000000000000002\"") &&
      !strcontains(output.user_data, "777df4e0") && !strcontains(output.user_data, "05baeadc")
    )
    error_message = "The user data checks each agent against the SHA-256 pinned with its URL, whichever version is pinned."
  }
}

# ------------------------------------------------------------------------------------
# Scaled out: the launch lifecycle hook and the fleet user data that completes it.
# ------------------------------------------------------------------------------------

run "fleet_launch_hook_and_user_data" {
  command = plan

  module {
    source = "./modules/compute"
  }

  variables {
    ami_id              = "ami-0123456789abcdef0"
    scale_out           = true
    app_server_count    = 3
    fleet_subnet_ids    = ["subnet-00000000public", "subnet-0000public2nd"]
    target_group_arns   = ["arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:targetgroup/table-order-app/0123456789abcdef"]
    release_bucket_name = "table-order-releases-123456789012"
    region              = "ap-northeast-2"
  }

  assert {
    condition     = length(aws_instance.app_server) == 0 && length(aws_eip.app_server) == 0 && output.public_ip == null
    error_message = "Scaled out: no single instance and no Elastic IP (the load balancer is the address)."
  }

  assert {
    condition     = [for h in aws_autoscaling_group.app_servers[0].initial_lifecycle_hook : [h.name, h.lifecycle_transition, h.default_result, h.heartbeat_timeout]] == [["table-order-app-server-launching", "autoscaling:EC2_INSTANCE_LAUNCHING", "ABANDON", 900]]
    error_message = "One launch lifecycle hook: EC2_INSTANCE_LAUNCHING, ABANDON by default, the 900 s grace period as its heartbeat timeout."
  }

  assert {
    condition     = output.launch_lifecycle_hook_name == "table-order-app-server-launching" && output.autoscaling_group_name == "table-order-app-servers" && aws_autoscaling_group.app_servers[0].wait_for_capacity_timeout == "1200s"
    error_message = "The hook's name is an output; creating the group waits longer than the hook's timeout (900 s + 300 s)."
  }

  # The hook: the script names this group, this hook, this region and the instance cloud-init recorded.
  assert {
    condition = alltrue([for s in [
      "region=\"ap-northeast-2\"\ngroup=\"table-order-app-servers\"\nhook=\"table-order-app-server-launching\"\n",
      "aws autoscaling complete-lifecycle-action --region \"$region\" \\\n        --auto-scaling-group-name \"$group\" --lifecycle-hook-name \"$hook\" \\\n        --instance-id \"$instance_id\" --lifecycle-action-result \"$1\"\n",
      "instance_id=$(cat /var/lib/cloud/data/instance-id)\n",
    ] : strcontains(output.fleet_user_data, s)])
    error_message = "complete-lifecycle-action names the group, the hook, the region and the instance id from /var/lib/cloud/data/instance-id."
  }

  # fail() abandons the launch, best effort, after stopping Nginx; the ERR trap calls fail().
  assert {
    condition     = can(regex("\nfail\\(\\) \\{\n    printf [^\n]*\n    systemctl stop nginx.service \\|\\| true\n    launch_done ABANDON \\|\\| true\n    exit 1\n\\}\n# [^\n]*\nset -o errtrace\ntrap 'fail \"a step failed \\(exit \\$\\?\\)\"' ERR\n", output.fleet_user_data)) && length(regexall("launch_done ABANDON", output.fleet_user_data)) == 1
    error_message = "fail() (the ERR trap, inherited by functions: errtrace) completes the launch with ABANDON, best effort (|| true), and exits 1."
  }

  # CONTINUE exactly three times: no deploy scripts yet, no releases/current yet, and after the switch.
  assert {
    condition     = length(split("launch_done CONTINUE\n", output.fleet_user_data)) == 4
    error_message = "The launch is completed with CONTINUE in three places only."
  }

  assert {
    condition     = endswith(split("launch_done CONTINUE\n", output.fleet_user_data)[0], "if ! error=$(fetch deploy-scripts.tar.gz \"$boot/deploy-scripts.tar.gz\" 2>&1); then\n    if [[ $error == *\"(404)\"* ]]; then\n        echo \"tableorder-boot: no deploy scripts yet: the first Deploy bootstraps this server over SSH\"\n        ") && startswith(split("launch_done CONTINUE\n", output.fleet_user_data)[1], "        exit 0\n    fi\n    fail \"$error\"\nfi\n")
    error_message = "A 404 on releases/deploy-scripts.tar.gz completes the launch with CONTINUE and exits 0; any other error fails."
  }

  assert {
    condition     = endswith(split("launch_done CONTINUE\n", output.fleet_user_data)[1], "echo \"tableorder-boot: no releases/current yet: the placeholder serves until the first Deploy\"\n        ") && startswith(split("launch_done CONTINUE\n", output.fleet_user_data)[2], "        exit 0\n")
    error_message = "A 404 on releases/current completes the launch with CONTINUE before exit 0."
  }

  assert {
    condition     = endswith(split("launch_done CONTINUE\n", output.fleet_user_data)[2], "bash \"$scripts/slot.sh\" switch green --port \"$GREEN_PORT\"\nbash \"$scripts/slot.sh\" stop blue\nrm -f \"$boot/release.tar.gz\" \"$boot/deploy-scripts.tar.gz\" \"$boot\"/*.sha256\n# 5. the release serves: the hook lets the server into the group and the target group\n") && split("launch_done CONTINUE\n", output.fleet_user_data)[3] == "echo \"tableorder-boot: serving release $id\"\n"
    error_message = "The release path completes the launch with CONTINUE only after slot.sh switch green and stop blue."
  }

  # Nothing fetched is unpacked or run before its SHA-256 matches releases/<key>.sha256 (sha256sum's
  # format, "<64 hex>  <key>", the build's ReleaseBucket.SumLine); a missing or other sum fails the launch.
  assert {
    condition = alltrue([for s in [
      "    fetch \"$1.sha256\" \"$2.sha256\" 2>/dev/null || return 1\n    line=$(head -n 1 \"$2.sha256\")\n    [[ $line =~ ^([0-9a-f]{64})\\ \\ (.+)$ && $${BASH_REMATCH[2]} == \"$1\" && $${BASH_REMATCH[1]} == \"$(sha256sum \"$2\" | cut -d ' ' -f 1)\" ]]\n",
      "    fail \"$1 does not match the SHA-256 in releases/$1.sha256, or that sum is missing: refusing to run it\"\n}\n",
      "    fail \"$error\"\nfi\nverify deploy-scripts.tar.gz \"$boot/deploy-scripts.tar.gz\"\nrm -rf \"$scripts.tmp\"\n",
      "    fetch \"$id.tar.gz\" \"$boot/release.tar.gz\"\n    verify \"$id.tar.gz\" \"$boot/release.tar.gz\"\n    rm -rf \"$target.tmp\"\n",
    ] : strcontains(output.fleet_user_data, s)])
    error_message = "The deploy scripts and the release archive are each checked against releases/<key>.sha256 (<64 hex>  <key>) right after the fetch, before anything unpacks them; a missing or other sum fails the launch."
  }

  assert {
    condition = alltrue([for k in ["tar -xzf \"$boot/deploy-scripts.tar.gz\"", "bash \"$scripts/bootstrap.sh\"", "bash \"$scripts/app-env.sh\""] :
    length(split(k, split("verify deploy-scripts.tar.gz \"$boot/deploy-scripts.tar.gz\"", output.fleet_user_data)[0])) == 1]) && length(regexall("\nverify ", output.fleet_user_data)) == 1 && length(regexall("\n    verify ", output.fleet_user_data)) == 1
    error_message = "Nothing of the deploy scripts is unpacked or run before their check; each fetched object is verified exactly once."
  }

  # Ports: production's unless /etc/tableorder/server-ports.env (the rehearsal's) sets them; digits only.
  assert {
    condition = alltrue([for s in [
      "HTTP_PORT=80\nBLUE_PORT=8000\nGREEN_PORT=8001\nports_file=/etc/tableorder/server-ports.env\nif [[ -f $ports_file ]]; then\n    # shellcheck source=/dev/null\n    . \"$ports_file\"\nfi\n",
      "for port in HTTP_PORT BLUE_PORT GREEN_PORT; do\n    [[ $${!port:-} =~ ^[0-9]{1,5}$ ]] || fail ",
      "TABLEORDER_FIRST_BOOT=1 TABLEORDER_LOAD_BALANCER_CIDRS='' bash \"$scripts/bootstrap.sh\" --http-port \"$HTTP_PORT\" --api-port \"$BLUE_PORT\" --green-port \"$GREEN_PORT\" \"$${SERVER_POLICY_FLAGS[@]}\"\n",
      "bash \"$scripts/slot.sh\" start green \"$id\" --port \"$GREEN_PORT\" --timeout 120\n",
    ] : strcontains(output.fleet_user_data, s)])
    error_message = "Ports default to 80/8000/8001, the ports file may override them (each must be digits), and bootstrap.sh (told in its environment that it runs in the first boot, so it does not wait for cloud-init) and slot.sh use the variables."
  }

  # The server policy is the build's: server-policy.env from the deploy scripts bundle (ServerPolicy.cs renders it),
  # for bootstrap.sh and slot.sh prepare alike; an older bundle without it means Debian's packages only.
  assert {
    condition = alltrue([for s in [
      "PYTHON_DEPS=distro\nSERVER_POLICY_FLAGS=(--python-deps distro --cloudwatch on)\nif [[ -f $scripts/server-policy.env ]]; then\n    # shellcheck source=/dev/null\n    . \"$scripts/server-policy.env\"\n",
      "[[ $PYTHON_DEPS =~ ^(distro|lock)$ ]] || fail ",
      "bash \"$scripts/slot.sh\" prepare \"$id\" --python-deps \"$PYTHON_DEPS\"\n",
    ] : strcontains(output.fleet_user_data, s)]) && length(regexall("--python-deps (distro|lock|pip) [^-]", output.fleet_user_data)) == 0
    error_message = "The fleet's user data takes bootstrap's policy flags and the Python package source from the bundle's server-policy.env, the one the build writes: no Python package setting of its own."
  }

  assert {
    condition     = length(split(". \"$scripts/server-policy.env\"", split("bash \"$scripts/bootstrap.sh\"", output.fleet_user_data)[0])) == 2 && length(split("tar -xzf \"$boot/deploy-scripts.tar.gz\"", split(". \"$scripts/server-policy.env\"", output.fleet_user_data)[0])) == 2
    error_message = "The policy file is read from the unpacked bundle, before bootstrap.sh runs."
  }

  assert {
    condition     = length(regexall("--(http-port|api-port|green-port|port) [0-9]", output.fleet_user_data)) == 0
    error_message = "No bootstrap.sh or slot.sh call bakes a port number: they take the ports variables."
  }

  # The ports file is read before anything is fetched or installed.
  assert {
    condition     = length(split("ports_file=/etc/tableorder/server-ports.env", split("fetch deploy-scripts.tar.gz", output.fleet_user_data)[0])) == 2
    error_message = "The ports are settled (and checked) before the first fetch."
  }
}

run "fleet_hook_timeout_must_be_a_heartbeat" {
  command = plan

  module {
    source = "./modules/compute"
  }

  variables {
    health_check_grace_period = 20
  }

  expect_failures = [var.health_check_grace_period]
}

run "fleet_hook_timeout_at_most_two_hours" {
  command = plan

  module {
    source = "./modules/compute"
  }

  variables {
    health_check_grace_period = 7201
  }

  expect_failures = [var.health_check_grace_period]
}

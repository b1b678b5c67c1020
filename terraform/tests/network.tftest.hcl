# Network module: VPC, subnets, IGW, route tables, VPC flow logs; no NAT.
# Runs offline: "mock" is a mock provider, aws.real is the real provider with fake
# credentials, so the provider's own plan-time checks run too.

mock_provider "aws" {
  # Known IDs at plan time, so routes and associations can be checked.
  mock_resource "aws_internet_gateway" {
    override_during = plan
    defaults        = { id = "igw-0123456789abcdef0" }
  }
  mock_resource "aws_vpc" {
    override_during = plan
    defaults        = { id = "vpc-0123456789abcdef0" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    override_during = plan
    defaults        = { arn = "arn:aws:logs:ap-northeast-2:123456789012:log-group:/aws/vpc/table-order/flow-logs" }
  }
  mock_resource "aws_iam_role" {
    override_during = plan
    defaults        = { id = "table-order-flow-logs-role", arn = "arn:aws:iam::123456789012:role/table-order-flow-logs-role" }
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
  name_prefix                   = "table-order"
  vpc_cidr                      = "10.0.0.0/16"
  public_subnet_cidr            = "10.0.1.0/24"
  private_subnet_cidr           = "10.0.2.0/24"
  secondary_private_subnet_cidr = "10.0.3.0/24"
  availability_zone             = "ap-northeast-2a"
  secondary_availability_zone   = "ap-northeast-2c"
  flow_log_retention_days       = 7
  region                        = "ap-northeast-2"
  account_id                    = "123456789012"
}

run "network_as_designed_mock" {
  command = plan

  override_resource {
    target          = aws_route_table.public
    override_during = plan
    values          = { id = "rtb-0000000000000public" }
  }

  override_resource {
    target          = aws_route_table.private
    override_during = plan
    values          = { id = "rtb-000000000000private" }
  }

  module {
    source = "./modules/network"
  }

  assert {
    condition     = aws_vpc.main.cidr_block == "10.0.0.0/16" && aws_vpc.main.enable_dns_support && aws_vpc.main.enable_dns_hostnames
    error_message = "VPC must be 10.0.0.0/16 with DNS support and DNS hostnames."
  }

  assert {
    condition     = aws_vpc.main.tags["Name"] == "table-order-vpc"
    error_message = "VPC Name tag must be table-order-vpc."
  }

  assert {
    condition     = aws_subnet.public.cidr_block == "10.0.1.0/24" && aws_subnet.public.availability_zone == "ap-northeast-2a" && aws_subnet.public.map_public_ip_on_launch
    error_message = "Public subnet must be 10.0.1.0/24 in ap-northeast-2a and map public IPs."
  }

  assert {
    condition     = aws_subnet.public.tags["Name"] == "table-order-public-subnet"
    error_message = "Public subnet Name tag must be table-order-public-subnet."
  }

  assert {
    condition     = aws_subnet.private.cidr_block == "10.0.2.0/24" && aws_subnet.private.availability_zone == "ap-northeast-2a" && !aws_subnet.private.map_public_ip_on_launch
    error_message = "Private subnet must be 10.0.2.0/24 in ap-northeast-2a without public IPs."
  }

  assert {
    condition     = aws_subnet.private.tags["Name"] == "table-order-private-subnet"
    error_message = "Private subnet Name tag must be table-order-private-subnet."
  }

  assert {
    condition     = aws_subnet.private_secondary.cidr_block == "10.0.3.0/24" && aws_subnet.private_secondary.availability_zone == "ap-northeast-2c" && !aws_subnet.private_secondary.map_public_ip_on_launch
    error_message = "Secondary private subnet (DB subnet group) must be 10.0.3.0/24 in ap-northeast-2c without public IPs."
  }

  assert {
    condition     = aws_internet_gateway.main.tags["Name"] == "table-order-igw"
    error_message = "Internet Gateway Name tag must be table-order-igw."
  }

  assert {
    condition     = length(aws_route_table.public.route) == 1 && one(aws_route_table.public.route[*].cidr_block) == "0.0.0.0/0" && one(aws_route_table.public.route[*].gateway_id) == "igw-0123456789abcdef0" && one(aws_route_table.public.route[*].nat_gateway_id) == null
    error_message = "Public route table must have exactly one route, 0.0.0.0/0, through the Internet Gateway (no NAT)."
  }

  assert {
    condition     = length(aws_route_table.private.route) == 0
    error_message = "Private route table must have no routes besides the implicit local route (no NAT, no internet)."
  }

  assert {
    condition     = aws_route_table_association.public.route_table_id == aws_route_table.public.id && aws_route_table_association.private.route_table_id == aws_route_table.private.id && aws_route_table_association.private_secondary.route_table_id == aws_route_table.private.id
    error_message = "The public subnet must use the public route table; both private subnets the private one."
  }

  assert {
    condition     = aws_flow_log.vpc.vpc_id == "vpc-0123456789abcdef0" && aws_flow_log.vpc.traffic_type == "ALL" && aws_flow_log.vpc.log_destination_type == "cloud-watch-logs"
    error_message = "VPC flow logs record every flow (accepted and rejected) of the VPC, to CloudWatch Logs."
  }

  assert {
    condition     = aws_flow_log.vpc.log_destination == aws_cloudwatch_log_group.flow_logs.arn && aws_flow_log.vpc.iam_role_arn == aws_iam_role.flow_logs.arn
    error_message = "Flow logs go to their own log group through their own role."
  }

  assert {
    condition     = aws_cloudwatch_log_group.flow_logs.name == "/aws/vpc/table-order/flow-logs" && aws_cloudwatch_log_group.flow_logs.retention_in_days == 7
    error_message = "Flow log group /aws/vpc/table-order/flow-logs, kept 7 days."
  }

  assert {
    condition = (
      jsondecode(aws_iam_role.flow_logs.assume_role_policy).Statement[0].Principal.Service == "vpc-flow-logs.amazonaws.com" &&
      jsondecode(aws_iam_role.flow_logs.assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "123456789012"
    )
    error_message = "Only VPC Flow Logs, for this account, may assume the flow log role."
  }

  assert {
    condition = jsondecode(aws_iam_role_policy.flow_logs.policy).Statement == [
      {
        Sid      = "FlowLogGroupWrite"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
        Resource = ["arn:aws:logs:ap-northeast-2:123456789012:log-group:/aws/vpc/table-order/flow-logs", "arn:aws:logs:ap-northeast-2:123456789012:log-group:/aws/vpc/table-order/flow-logs:log-stream:*"]
      },
      {
        Sid      = "FlowLogGroupLookup"
        Effect   = "Allow"
        Action   = ["logs:DescribeLogGroups"]
        Resource = ["arn:aws:logs:ap-northeast-2:123456789012:log-group:*"]
      },
    ] && aws_iam_role_policy.flow_logs.role == aws_iam_role.flow_logs.id
    error_message = "The flow log role writes its own log group only (no logs:CreateLogGroup, no other group)."
  }
}

run "network_as_designed_real_provider" {
  command   = plan
  providers = { aws = aws.real }

  module {
    source = "./modules/network"
  }

  assert {
    condition = alltrue([for t in [
      aws_vpc.main.tags_all,
      aws_subnet.public.tags_all,
      aws_subnet.private.tags_all,
      aws_subnet.private_secondary.tags_all,
      aws_internet_gateway.main.tags_all,
      aws_route_table.public.tags_all,
      aws_route_table.private.tags_all,
      aws_cloudwatch_log_group.flow_logs.tags_all,
      aws_iam_role.flow_logs.tags_all,
      aws_flow_log.vpc.tags_all,
    ] : t["Environment"] == "production" && t["Name"] != ""])
    error_message = "Every resource carries Name and, from the provider's default tags, Environment = production."
  }

  assert {
    condition     = aws_vpc.main.cidr_block == "10.0.0.0/16" && aws_vpc.main.enable_dns_support && aws_vpc.main.enable_dns_hostnames
    error_message = "VPC must be 10.0.0.0/16 with DNS support and DNS hostnames."
  }

  assert {
    condition     = [aws_subnet.public.cidr_block, aws_subnet.private.cidr_block, aws_subnet.private_secondary.cidr_block] == ["10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"]
    error_message = "Subnet CIDRs must be 10.0.1.0/24, 10.0.2.0/24 and 10.0.3.0/24."
  }

  assert {
    condition     = aws_subnet.public.availability_zone == "ap-northeast-2a" && aws_subnet.private.availability_zone == "ap-northeast-2a"
    error_message = "Public and private subnets must be in ap-northeast-2a."
  }

  assert {
    condition     = length(aws_route_table.private.route) == 0 && length(aws_route_table.public.route) == 1
    error_message = "Route tables: public has the single IGW default route, private only the local route."
  }
}

run "subnet_outside_vpc_is_rejected" {
  command = plan

  module {
    source = "./modules/network"
  }

  variables {
    public_subnet_cidr = "192.168.1.0/24"
  }

  expect_failures = [aws_subnet.public]
}

run "private_subnet_outside_vpc_is_rejected" {
  command = plan

  module {
    source = "./modules/network"
  }

  variables {
    private_subnet_cidr = "10.1.2.0/24"
  }

  expect_failures = [aws_subnet.private]
}

run "secondary_subnet_in_same_az_is_rejected" {
  command = plan

  module {
    source = "./modules/network"
  }

  variables {
    secondary_availability_zone = "ap-northeast-2a"
  }

  expect_failures = [aws_subnet.private_secondary]
}

run "invalid_vpc_cidr_is_rejected" {
  command = plan

  module {
    source = "./modules/network"
  }

  variables {
    vpc_cidr = "10.0.0.0/33"
  }

  expect_failures = [var.vpc_cidr]
}

# Network: one VPC, a public subnet for the app server, private subnets for RDS and Redis.
# No NAT gateway: nothing in the private subnets needs outbound internet access.

locals {
  vpc_prefix = tonumber(split("/", var.vpc_cidr)[1])

  # A subnet lies inside the VPC when its first address, masked to the VPC prefix,
  # is the VPC's network address and its prefix is at least as long.
  subnets = {
    public            = var.public_subnet_cidr
    private           = var.private_subnet_cidr
    private_secondary = var.secondary_private_subnet_cidr
    public_secondary  = var.secondary_public_subnet_cidr
  }
  subnet_in_vpc = {
    for k, cidr in local.subnets : k => (
      tonumber(split("/", cidr)[1]) >= local.vpc_prefix &&
      cidrhost("${cidrhost(cidr, 0)}/${local.vpc_prefix}", 0) == cidrhost(var.vpc_cidr, 0)
    )
  }
}

resource "aws_vpc" "main" {
  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = {
    Name = "${var.name_prefix}-vpc"
  }
}

resource "aws_subnet" "public" {
  vpc_id                  = aws_vpc.main.id
  cidr_block              = var.public_subnet_cidr
  availability_zone       = var.availability_zone
  map_public_ip_on_launch = true

  tags = {
    Name = "${var.name_prefix}-public-subnet"
  }

  lifecycle {
    precondition {
      condition     = local.subnet_in_vpc.public
      error_message = "public_subnet_cidr (${var.public_subnet_cidr}) must lie inside vpc_cidr (${var.vpc_cidr})."
    }
  }
}

resource "aws_subnet" "private" {
  vpc_id                  = aws_vpc.main.id
  cidr_block              = var.private_subnet_cidr
  availability_zone       = var.availability_zone
  map_public_ip_on_launch = false

  tags = {
    Name = "${var.name_prefix}-private-subnet"
  }

  lifecycle {
    precondition {
      condition     = local.subnet_in_vpc.private
      error_message = "private_subnet_cidr (${var.private_subnet_cidr}) must lie inside vpc_cidr (${var.vpc_cidr})."
    }
  }
}

# Deviation from the seed: an RDS DB subnet group must span at least two availability
# zones, even for a single-AZ instance. This subnet only completes the subnet group;
# the database itself is pinned to var.availability_zone.
resource "aws_subnet" "private_secondary" {
  vpc_id                  = aws_vpc.main.id
  cidr_block              = var.secondary_private_subnet_cidr
  availability_zone       = var.secondary_availability_zone
  map_public_ip_on_launch = false

  tags = {
    Name = "${var.name_prefix}-private-subnet-secondary"
  }

  lifecycle {
    precondition {
      condition     = local.subnet_in_vpc.private_secondary
      error_message = "secondary_private_subnet_cidr (${var.secondary_private_subnet_cidr}) must lie inside vpc_cidr (${var.vpc_cidr})."
    }
    precondition {
      condition     = var.secondary_availability_zone != var.availability_zone
      error_message = "secondary_availability_zone must differ from availability_zone: the DB subnet group needs two availability zones."
    }
  }
}

# Scale-out only: an Application Load Balancer needs subnets in two availability zones, and
# the Auto Scaling group spreads the app servers over both. Public like the first (no NAT:
# the servers reach Debian's mirror, S3 and the AWS APIs through the internet gateway).
resource "aws_subnet" "public_secondary" {
  count = var.create_secondary_public_subnet ? 1 : 0

  vpc_id                  = aws_vpc.main.id
  cidr_block              = var.secondary_public_subnet_cidr
  availability_zone       = var.secondary_availability_zone
  map_public_ip_on_launch = true

  tags = {
    Name = "${var.name_prefix}-public-subnet-secondary"
  }

  lifecycle {
    precondition {
      condition     = local.subnet_in_vpc.public_secondary
      error_message = "secondary_public_subnet_cidr (${var.secondary_public_subnet_cidr}) must lie inside vpc_cidr (${var.vpc_cidr})."
    }
    precondition {
      condition     = length(distinct(values(local.subnets))) == length(local.subnets)
      error_message = "secondary_public_subnet_cidr (${var.secondary_public_subnet_cidr}) must differ from the other subnets' CIDRs."
    }
  }
}

resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id

  tags = {
    Name = "${var.name_prefix}-igw"
  }
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }

  tags = {
    Name = "${var.name_prefix}-public-rt"
  }
}

# Local route only (implicit). `route = []` makes Terraform own the route set, so a
# hand-added route to the internet would be removed on the next apply.
resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id
  route  = []

  tags = {
    Name = "${var.name_prefix}-private-rt"
  }
}

resource "aws_route_table_association" "public" {
  subnet_id      = aws_subnet.public.id
  route_table_id = aws_route_table.public.id
}

resource "aws_route_table_association" "public_secondary" {
  count = var.create_secondary_public_subnet ? 1 : 0

  subnet_id      = aws_subnet.public_secondary[0].id
  route_table_id = aws_route_table.public.id
}

resource "aws_route_table_association" "private" {
  subnet_id      = aws_subnet.private.id
  route_table_id = aws_route_table.private.id
}

resource "aws_route_table_association" "private_secondary" {
  subnet_id      = aws_subnet.private_secondary.id
  route_table_id = aws_route_table.private.id
}

# ---------------------------------------------------------------------------------
# VPC flow logs (every accepted and rejected flow) to CloudWatch Logs.
# ---------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "flow_logs" {
  name              = "/aws/vpc/${var.name_prefix}/flow-logs"
  retention_in_days = var.flow_log_retention_days

  tags = {
    Name = "${var.name_prefix}-flow-logs"
  }
}

resource "aws_iam_role" "flow_logs" {
  name        = "${var.name_prefix}-flow-logs-role"
  description = "Lets VPC Flow Logs write the Table Order VPC's flow log group"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = { Service = "vpc-flow-logs.amazonaws.com" }
        Action    = "sts:AssumeRole"
        Condition = {
          StringEquals = { "aws:SourceAccount" = var.account_id }
          ArnLike      = { "aws:SourceArn" = "arn:aws:ec2:${var.region}:${var.account_id}:vpc-flow-log/*" }
        }
      },
    ]
  })

  tags = {
    Name = "${var.name_prefix}-flow-logs-role"
  }
}

resource "aws_iam_role_policy" "flow_logs" {
  name = "${var.name_prefix}-flow-logs"
  role = aws_iam_role.flow_logs.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "FlowLogGroupWrite"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
        Resource = [aws_cloudwatch_log_group.flow_logs.arn, "${aws_cloudwatch_log_group.flow_logs.arn}:log-stream:*"]
      },
      {
        Sid      = "FlowLogGroupLookup"
        Effect   = "Allow"
        Action   = ["logs:DescribeLogGroups"]
        Resource = ["arn:aws:logs:${var.region}:${var.account_id}:log-group:*"]
      },
    ]
  })
}

resource "aws_flow_log" "vpc" {
  vpc_id                   = aws_vpc.main.id
  traffic_type             = "ALL"
  log_destination_type     = "cloud-watch-logs"
  log_destination          = aws_cloudwatch_log_group.flow_logs.arn
  iam_role_arn             = aws_iam_role.flow_logs.arn
  max_aggregation_interval = 600

  tags = {
    Name = "${var.name_prefix}-vpc-flow-log"
  }
}

# Security groups: EC2 (public entry point), RDS and Redis (reachable from EC2 only).
# Rules are separate aws_vpc_security_group_*_rule resources, one per port and source.
# Scaled out (load_balancer = true) the ALB's group is the public entry point instead: the
# app servers take HTTP from that group only, and TLS ends at the load balancer.

resource "aws_security_group" "ec2" {
  name        = "${var.name_prefix}-ec2-sg"
  description = var.load_balancer ? "Table Order app servers: SSH from the allow-list, HTTP from the load balancer only" : "Table Order app server: SSH from the allow-list, HTTP/HTTPS from anywhere"
  vpc_id      = var.vpc_id

  tags = {
    Name = "${var.name_prefix}-ec2-sg"
  }
}

resource "aws_vpc_security_group_ingress_rule" "ec2_ssh" {
  for_each = toset(var.ssh_allowed_cidrs)

  security_group_id = aws_security_group.ec2.id
  description       = "SSH from an allow-listed address"
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv4         = each.value

  tags = {
    Name = "${var.name_prefix}-ec2-ssh"
  }
}

resource "aws_vpc_security_group_ingress_rule" "ec2_http" {
  security_group_id            = aws_security_group.ec2.id
  description                  = var.load_balancer ? "HTTP from the load balancer only" : "HTTP from anywhere"
  ip_protocol                  = "tcp"
  from_port                    = 80
  to_port                      = 80
  cidr_ipv4                    = var.load_balancer ? null : "0.0.0.0/0"
  referenced_security_group_id = var.load_balancer ? aws_security_group.alb[0].id : null

  tags = {
    Name = "${var.name_prefix}-ec2-http"
  }
}

# Behind the load balancer TLS ends there: no HTTPS on the servers.
resource "aws_vpc_security_group_ingress_rule" "ec2_https" {
  count = var.load_balancer ? 0 : 1

  security_group_id = aws_security_group.ec2.id
  description       = "HTTPS from anywhere"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"

  tags = {
    Name = "${var.name_prefix}-ec2-https"
  }
}

resource "aws_vpc_security_group_ingress_rule" "ec2_fastapi" {
  for_each = toset(var.fastapi_ingress_cidrs)

  security_group_id = aws_security_group.ec2.id
  description       = "FastAPI (uvicorn) direct access, opened on purpose (closed by default)"
  ip_protocol       = "tcp"
  from_port         = var.fastapi_port
  to_port           = var.fastapi_port
  cidr_ipv4         = each.value

  tags = {
    Name = "${var.name_prefix}-ec2-fastapi"
  }
}

resource "aws_vpc_security_group_egress_rule" "ec2_all" {
  security_group_id = aws_security_group.ec2.id
  description       = "All outbound (package repositories, S3, CloudWatch, Secrets Manager, SSM)"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"

  tags = {
    Name = "${var.name_prefix}-ec2-egress"
  }
}

moved {
  from = aws_vpc_security_group_ingress_rule.ec2_https
  to   = aws_vpc_security_group_ingress_rule.ec2_https[0]
}

# The load balancer's group (scale-out only): 80 and 443 from anywhere in, and out only to
# the app servers' HTTP port (requests and health checks).
resource "aws_security_group" "alb" {
  count = var.load_balancer ? 1 : 0

  name        = "${var.name_prefix}-alb-sg"
  description = "Table Order load balancer: HTTP/HTTPS from anywhere, HTTP to the app servers only"
  vpc_id      = var.vpc_id

  tags = {
    Name = "${var.name_prefix}-alb-sg"
  }
}

resource "aws_vpc_security_group_ingress_rule" "alb" {
  for_each = var.load_balancer ? { http = 80, https = 443 } : {}

  security_group_id = aws_security_group.alb[0].id
  description       = "${upper(each.key)} from anywhere"
  ip_protocol       = "tcp"
  from_port         = each.value
  to_port           = each.value
  cidr_ipv4         = "0.0.0.0/0"

  tags = {
    Name = "${var.name_prefix}-alb-${each.key}"
  }
}

resource "aws_vpc_security_group_egress_rule" "alb_to_servers" {
  count = var.load_balancer ? 1 : 0

  security_group_id            = aws_security_group.alb[0].id
  description                  = "HTTP to the app servers (requests and health checks)"
  ip_protocol                  = "tcp"
  from_port                    = 80
  to_port                      = 80
  referenced_security_group_id = aws_security_group.ec2.id

  tags = {
    Name = "${var.name_prefix}-alb-to-servers"
  }
}

# No egress on the RDS and Redis groups: `egress = []` makes Terraform remove the
# allow-all rule AWS adds to every new group (and any rule added by hand later).
# Ingress stays in separate rule resources; only egress is managed inline.
resource "aws_security_group" "rds" {
  name        = "${var.name_prefix}-rds-sg"
  description = "Table Order PostgreSQL: 5432 from the app server group only"
  vpc_id      = var.vpc_id
  egress      = []

  tags = {
    Name = "${var.name_prefix}-rds-sg"
  }
}

resource "aws_vpc_security_group_ingress_rule" "rds_postgres" {
  security_group_id            = aws_security_group.rds.id
  description                  = "PostgreSQL from the app server"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = aws_security_group.ec2.id

  tags = {
    Name = "${var.name_prefix}-rds-postgres"
  }
}

resource "aws_security_group" "redis" {
  name        = "${var.name_prefix}-redis-sg"
  description = "Table Order Redis: 6379 from the app server group only"
  vpc_id      = var.vpc_id
  egress      = []

  tags = {
    Name = "${var.name_prefix}-redis-sg"
  }
}

resource "aws_vpc_security_group_ingress_rule" "redis" {
  security_group_id            = aws_security_group.redis.id
  description                  = "Redis from the app server"
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
  referenced_security_group_id = aws_security_group.ec2.id

  tags = {
    Name = "${var.name_prefix}-redis"
  }
}

# Close the VPC's default security group: no ingress, no egress. Anything launched
# without an explicit group gets no network access.
resource "aws_default_security_group" "default" {
  vpc_id  = var.vpc_id
  ingress = []
  egress  = []

  tags = {
    Name = "${var.name_prefix}-default-sg-closed"
  }
}

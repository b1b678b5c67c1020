output "ec2_security_group_id" {
  description = "ID of the app server security group."
  value       = aws_security_group.ec2.id
}

output "rds_security_group_id" {
  description = "ID of the RDS security group."
  value       = aws_security_group.rds.id
}

output "redis_security_group_id" {
  description = "ID of the Redis security group."
  value       = aws_security_group.redis.id
}

output "default_security_group_id" {
  description = "ID of the VPC's default security group (closed)."
  value       = aws_default_security_group.default.id
}

output "alb_security_group_id" {
  description = "ID of the load balancer's security group; null unless load_balancer."
  value       = one(aws_security_group.alb[*].id)
}

output "resources" {
  description = "The module's resources as planned, for the root module's tests (tests/root.tftest.hcl)."
  value = {
    ec2_sg        = aws_security_group.ec2
    rds_sg        = aws_security_group.rds
    redis_sg      = aws_security_group.redis
    default_sg    = aws_default_security_group.default
    ec2_ssh       = aws_vpc_security_group_ingress_rule.ec2_ssh
    ec2_http      = aws_vpc_security_group_ingress_rule.ec2_http
    ec2_https     = one(aws_vpc_security_group_ingress_rule.ec2_https)
    ec2_fastapi   = aws_vpc_security_group_ingress_rule.ec2_fastapi
    ec2_egress    = aws_vpc_security_group_egress_rule.ec2_all
    rds_postgres  = aws_vpc_security_group_ingress_rule.rds_postgres
    redis_ingress = aws_vpc_security_group_ingress_rule.redis
    alb_sg        = one(aws_security_group.alb)
    alb_ingress   = aws_vpc_security_group_ingress_rule.alb
    alb_egress    = one(aws_vpc_security_group_egress_rule.alb_to_servers)
  }
}

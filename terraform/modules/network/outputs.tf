output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.main.id
}

output "vpc_cidr" {
  description = "CIDR block of the VPC."
  value       = aws_vpc.main.cidr_block
}

output "public_subnet_id" {
  description = "ID of the public subnet (app server), once it routes to the internet gateway: the server's first boot installs packages, and its Elastic IP can only be associated in a VPC with an attached gateway."
  value       = aws_subnet.public.id

  depends_on = [aws_route_table_association.public]
}

output "public_subnet_ids" {
  description = "IDs of the public subnets: the first, and the second one when create_secondary_public_subnet (load balancer, Auto Scaling group)."
  value       = concat([aws_subnet.public.id], aws_subnet.public_secondary[*].id)
}

output "public_subnet_cidrs" {
  description = "CIDR blocks of the public subnets, in the order of public_subnet_ids (where the load balancer's nodes take their addresses)."
  value       = concat([aws_subnet.public.cidr_block], aws_subnet.public_secondary[*].cidr_block)
}

output "private_subnet_id" {
  description = "ID of the private subnet in the primary AZ (RDS, Redis)."
  value       = aws_subnet.private.id
}

output "private_subnet_ids" {
  description = "IDs of both private subnets (for the DB subnet group)."
  value       = [aws_subnet.private.id, aws_subnet.private_secondary.id]
}

output "internet_gateway_id" {
  description = "ID of the Internet Gateway."
  value       = aws_internet_gateway.main.id
}

output "public_route_table_id" {
  description = "ID of the public route table."
  value       = aws_route_table.public.id
}

output "private_route_table_id" {
  description = "ID of the private route table."
  value       = aws_route_table.private.id
}

output "flow_log_group_name" {
  description = "CloudWatch log group of the VPC flow logs."
  value       = aws_cloudwatch_log_group.flow_logs.name
}

output "resources" {
  description = "The module's resources as planned, for the root module's tests (tests/root.tftest.hcl)."
  value = {
    vpc                   = aws_vpc.main
    public_subnet         = aws_subnet.public
    private_subnet        = aws_subnet.private
    private_secondary     = aws_subnet.private_secondary
    public_secondary      = one(aws_subnet.public_secondary)
    public_secondary_assn = one(aws_route_table_association.public_secondary)
    internet_gateway      = aws_internet_gateway.main
    public_route_table    = aws_route_table.public
    private_route_table   = aws_route_table.private
    public_association    = aws_route_table_association.public
    private_association   = aws_route_table_association.private
    secondary_association = aws_route_table_association.private_secondary
    flow_log_group        = aws_cloudwatch_log_group.flow_logs
    flow_log_role         = aws_iam_role.flow_logs
    flow_log_policy       = aws_iam_role_policy.flow_logs
    flow_log              = aws_flow_log.vpc
  }
}

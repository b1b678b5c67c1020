output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.main.id
}

output "vpc_cidr" {
  description = "CIDR block of the VPC."
  value       = aws_vpc.main.cidr_block
}

output "public_subnet_id" {
  description = "ID of the public subnet (app server)."
  value       = aws_subnet.public.id
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

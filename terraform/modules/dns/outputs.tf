output "fqdn" {
  description = "The record's name as Route 53 serves it."
  value       = aws_route53_record.site.fqdn
}

output "resources" {
  description = "The module's resources as planned, for the root module's tests (tests/root.tftest.hcl)."
  value = {
    record = aws_route53_record.site
  }
}

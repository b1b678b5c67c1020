output "dns_name" {
  description = "DNS name of the load balancer."
  value       = aws_lb.this.dns_name
}

output "target_group_arn" {
  description = "ARN of the app servers' target group."
  value       = aws_lb_target_group.app.arn
}

output "url" {
  description = "Where the site answers: https://<domain> with a domain, else http://<load balancer DNS name>."
  value       = local.https ? "https://${var.domain_name}" : "http://${aws_lb.this.dns_name}"
}

output "resources" {
  description = "The module's resources as planned, for the tests."
  value = {
    load_balancer          = aws_lb.this
    target_group           = aws_lb_target_group.app
    http_listener          = aws_lb_listener.http
    https_listener         = one(aws_lb_listener.https)
    certificate            = one(aws_acm_certificate.this)
    certificate_validation = one(aws_acm_certificate_validation.this)
    validation_record      = one(aws_route53_record.certificate_validation)
    site_record            = one(aws_route53_record.site)
  }
}

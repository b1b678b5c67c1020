# The site's DNS name: an A record in an existing Route 53 hosted zone, pointing at the app
# server's public IPv4 address. certbot's HTTP-01 validation (bootstrap.sh --domain) reaches the
# server through it. The address changes when the instance is stopped and started: the next
# apply follows it.

resource "aws_route53_record" "site" {
  zone_id = var.zone_id
  name    = var.domain_name
  type    = "A"
  ttl     = var.ttl
  records = [var.public_ip]
}

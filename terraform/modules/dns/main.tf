# The site's DNS name: an A record in an existing Route 53 hosted zone, pointing at the app
# server's Elastic IP (modules/compute). certbot's HTTP-01 validation (bootstrap.sh --domain)
# reaches the server through it. The address stays the stack's across stop/start, so the name
# never points at an address another AWS customer may get.

resource "aws_route53_record" "site" {
  zone_id = var.zone_id
  name    = var.domain_name
  type    = "A"
  ttl     = var.ttl
  records = [var.public_ip]
}

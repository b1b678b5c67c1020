# Load balancer (scale-out): an internet-facing Application Load Balancer over the two public
# subnets, one target group of the app servers (Nginx on port 80), health-checked on
# /api/health. With a domain: an ACM certificate validated through the Route 53 zone, HTTPS on
# 443, HTTP redirected to it, and an alias record for the domain. Without one: HTTP only.

locals {
  # Both or neither (the root module rejects one without the other).
  https = var.domain_name != null && var.route53_zone_id != null
}

resource "aws_lb" "this" {
  name                       = "${var.name_prefix}-alb"
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = var.subnet_ids
  security_groups            = [var.security_group_id]
  drop_invalid_header_fields = true
  # SSE streams stay open; the app sends a keep-alive comment every 15 s
  # (SSE_KEEPALIVE_SECONDS), well inside this idle timeout.
  idle_timeout = 60

  tags = {
    Name = "${var.name_prefix}-alb"
  }
}

resource "aws_lb_target_group" "app" {
  name        = "${var.name_prefix}-app"
  port        = 80
  protocol    = "HTTP"
  target_type = "instance"
  vpc_id      = var.vpc_id

  # Draining: a deregistered server finishes its in-flight requests for this long. Short on
  # purpose: an SSE stream never finishes on its own, so it would hold every drain for the whole
  # delay; cut after 30 s, the browser's EventSource reconnects to another server.
  deregistration_delay = var.deregistration_delay

  health_check {
    enabled             = true
    protocol            = "HTTP"
    port                = "traffic-port"
    path                = "/api/health"
    matcher             = "200"
    interval            = 10
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }

  tags = {
    Name = "${var.name_prefix}-app"
  }
}

resource "aws_acm_certificate" "this" {
  count = local.https ? 1 : 0

  domain_name       = var.domain_name
  validation_method = "DNS"

  tags = {
    Name = "${var.name_prefix}-certificate"
  }

  lifecycle {
    create_before_destroy = true
  }
}

# One domain, one validation record (keyed by the domain, known while planning).
resource "aws_route53_record" "certificate_validation" {
  count = local.https ? 1 : 0

  zone_id         = var.route53_zone_id
  name            = one(aws_acm_certificate.this[0].domain_validation_options[*].resource_record_name)
  type            = one(aws_acm_certificate.this[0].domain_validation_options[*].resource_record_type)
  records         = [one(aws_acm_certificate.this[0].domain_validation_options[*].resource_record_value)]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "this" {
  count = local.https ? 1 : 0

  certificate_arn         = aws_acm_certificate.this[0].arn
  validation_record_fqdns = [aws_route53_record.certificate_validation[0].fqdn]
}

resource "aws_route53_record" "site" {
  count = local.https ? 1 : 0

  zone_id = var.route53_zone_id
  name    = var.domain_name
  type    = "A"

  alias {
    name                   = aws_lb.this.dns_name
    zone_id                = aws_lb.this.zone_id
    evaluate_target_health = true
  }
}

resource "aws_lb_listener" "https" {
  count = local.https ? 1 : 0

  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = aws_acm_certificate_validation.this[0].certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }

  tags = {
    Name = "${var.name_prefix}-https"
  }
}

# With a domain: a permanent redirect to HTTPS. Without: the site itself.
resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  dynamic "default_action" {
    for_each = local.https ? [1] : []

    content {
      type = "redirect"

      redirect {
        protocol    = "HTTPS"
        port        = "443"
        status_code = "HTTP_301"
      }
    }
  }

  dynamic "default_action" {
    for_each = local.https ? [] : [1]

    content {
      type             = "forward"
      target_group_arn = aws_lb_target_group.app.arn
    }
  }

  tags = {
    Name = "${var.name_prefix}-http"
  }
}

# DNS module: the site's A record in a given hosted zone, pointing at the app server.

mock_provider "aws" {}

variables {
  zone_id     = "Z0123456789ABCDEFGHIJ"
  domain_name = "order.example.com"
  public_ip   = "203.0.113.25"
}

run "a_record_for_the_server_mock" {
  command = plan

  module {
    source = "./modules/dns"
  }

  assert {
    condition     = aws_route53_record.site.zone_id == "Z0123456789ABCDEFGHIJ" && aws_route53_record.site.name == "order.example.com" && aws_route53_record.site.type == "A"
    error_message = "The record must be the A record of domain_name in the given zone."
  }

  assert {
    condition     = length(aws_route53_record.site.records) == 1 && contains(aws_route53_record.site.records, "203.0.113.25") && aws_route53_record.site.ttl == 60
    error_message = "The record must point at the server's public IP with a short TTL (60 s: the address changes on stop/start)."
  }
}

run "zone_id_with_the_hostedzone_prefix_is_refused" {
  command = plan

  module {
    source = "./modules/dns"
  }

  variables {
    zone_id = "/hostedzone/Z0123456789ABCDEFGHIJ"
  }

  expect_failures = [var.zone_id]
}

run "a_name_with_a_scheme_is_refused" {
  command = plan

  module {
    source = "./modules/dns"
  }

  variables {
    domain_name = "https://order.example.com"
  }

  expect_failures = [var.domain_name]
}

run "an_upper_case_name_or_trailing_dot_is_refused" {
  command = plan

  module {
    source = "./modules/dns"
  }

  variables {
    domain_name = "Order.Example.com."
  }

  expect_failures = [var.domain_name]
}

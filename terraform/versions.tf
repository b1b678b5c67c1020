terraform {
  # 1.7 brings mock providers to `terraform test`; the suites in tests/ also use
  # `override_during` (1.9). Plans and applies need only 1.7.
  required_version = ">= 1.7.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

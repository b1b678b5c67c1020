# Storage module: the private menu images bucket.

mock_provider "aws" {}

provider "aws" {
  alias                       = "real"
  region                      = "ap-northeast-2"
  access_key                  = "mock"
  secret_key                  = "mock"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true

  # Same default tags as providers.tf (local.default_tags in main.tf).
  default_tags {
    tags = { Environment = "production", Project = "table-order", ManagedBy = "terraform" }
  }
}

variables {
  bucket_name = "table-order-menu-images-123456789012"
  name_tag    = "table-order-images"
}

run "bucket_as_designed_mock" {
  command = plan

  module {
    source = "./modules/storage"
  }

  assert {
    condition     = aws_s3_bucket.images.bucket == "table-order-menu-images-123456789012" && aws_s3_bucket.images.tags["Name"] == "table-order-images"
    error_message = "Bucket table-order-menu-images-<account id>, Name tag table-order-images."
  }

  assert {
    condition     = !aws_s3_bucket.images.force_destroy
    error_message = "The bucket must not be force-destroyed by default."
  }

  assert {
    condition     = one(aws_s3_bucket_ownership_controls.images.rule[*].object_ownership) == "BucketOwnerEnforced"
    error_message = "ACLs must be disabled (BucketOwnerEnforced), keeping the bucket private."
  }

  assert {
    condition     = aws_s3_bucket_public_access_block.images.block_public_acls && aws_s3_bucket_public_access_block.images.block_public_policy && aws_s3_bucket_public_access_block.images.ignore_public_acls && aws_s3_bucket_public_access_block.images.restrict_public_buckets
    error_message = "All four public access block settings must be on."
  }

  assert {
    condition     = one(flatten([for r in aws_s3_bucket_server_side_encryption_configuration.images.rule : [for d in r.apply_server_side_encryption_by_default : d.sse_algorithm]])) == "AES256"
    error_message = "Default encryption must be SSE-S3 (AES256)."
  }

  assert {
    condition     = one(aws_s3_bucket_versioning.images.versioning_configuration[*].status) == "Disabled"
    error_message = "Versioning stays disabled, as designed."
  }

  assert {
    condition = anytrue([
      for s in jsondecode(aws_s3_bucket_policy.images.policy).Statement :
      s.Effect == "Deny" && s.Condition.Bool["aws:SecureTransport"] == "false" && toset(s.Resource) == toset(["arn:aws:s3:::table-order-menu-images-123456789012", "arn:aws:s3:::table-order-menu-images-123456789012/*"])
    ])
    error_message = "The bucket policy must deny every request that does not use TLS."
  }

  assert {
    condition     = alltrue([for s in jsondecode(aws_s3_bucket_policy.images.policy).Statement : s.Effect == "Deny"])
    error_message = "The bucket policy may only deny; it must never grant (public) access."
  }

  assert {
    condition = length(aws_s3_bucket_lifecycle_configuration.images.rule) == 1 && alltrue([
      for r in aws_s3_bucket_lifecycle_configuration.images.rule :
      r.status == "Enabled" && one(r.abort_incomplete_multipart_upload[*].days_after_initiation) == 7 && length(r.expiration) == 0 && length(r.transition) == 0
    ])
    error_message = "One lifecycle rule: incomplete multipart uploads are aborted after 7 days; images never expire or change class."
  }
}

run "bucket_real_provider" {
  command   = plan
  providers = { aws = aws.real }

  module {
    source = "./modules/storage"
  }

  assert {
    condition = alltrue([for t in [
      aws_s3_bucket.images.tags_all,
    ] : t["Environment"] == "production" && t["Name"] != ""])
    error_message = "Every resource carries Name and, from the provider's default tags, Environment = production."
  }

  assert {
    condition     = aws_s3_bucket_public_access_block.images.block_public_policy && aws_s3_bucket_public_access_block.images.restrict_public_buckets && one(aws_s3_bucket_ownership_controls.images.rule[*].object_ownership) == "BucketOwnerEnforced"
    error_message = "Public access blocked, ACLs disabled."
  }

  assert {
    condition     = output.bucket_arn == "arn:aws:s3:::table-order-menu-images-123456789012"
    error_message = "Bucket ARN must follow from the name."
  }
}

run "invalid_bucket_name_is_rejected" {
  command = plan

  module {
    source = "./modules/storage"
  }

  variables {
    bucket_name = "Table_Order_Images"
  }

  expect_failures = [var.bucket_name]
}

# The release bucket's settings (scaled out): versioned, and only the writers may write it.
run "release_bucket_versioned_and_written_by_the_writers_only" {
  command   = plan
  providers = { aws = aws.real }

  module {
    source = "./modules/storage"
  }

  variables {
    bucket_name = "table-order-releases-123456789012"
    name_tag    = "table-order-releases"
    versioning  = true
    writer_arns = ["arn:aws:iam::123456789012:role/tableorder-deploy", "arn:aws:iam::123456789012:user/admin"]
  }

  assert {
    condition     = one(aws_s3_bucket_versioning.images.versioning_configuration[*].status) == "Enabled"
    error_message = "versioning = true keeps every version of every object."
  }

  assert {
    condition = (
      [for r in aws_s3_bucket_lifecycle_configuration.images.rule : r.id] == ["abort-incomplete-multipart-uploads", "expire-noncurrent-versions"] &&
      [for r in aws_s3_bucket_lifecycle_configuration.images.rule : one(r.noncurrent_version_expiration[*].noncurrent_days) if r.id == "expire-noncurrent-versions" && r.status == "Enabled"] == [90] &&
      alltrue([for r in aws_s3_bucket_lifecycle_configuration.images.rule : length(r.expiration) == 0])
    )
    error_message = "Versioned: replaced versions expire after 90 days; current objects never expire."
  }

  assert {
    condition     = alltrue([for s in jsondecode(aws_s3_bucket_policy.images.policy).Statement : s.Condition.ArnNotLike["aws:PrincipalArn"] == ["arn:aws:iam::123456789012:role/tableorder-deploy", "arn:aws:iam::123456789012:user/admin"] && s.Principal == "*" && s.Effect == "Deny" if s.Sid != "DenyInsecureTransport"]) && [for s in jsondecode(aws_s3_bucket_policy.images.policy).Statement : s.Sid] == ["DenyInsecureTransport", "OnlyWritersWriteObjects", "OnlyWritersChangeTheBucketRules"]
    error_message = "With writers, the policy denies every other principal writing objects and changing the bucket's rules, and still denies plain HTTP."
  }

  assert {
    condition     = contains(one([for s in jsondecode(aws_s3_bucket_policy.images.policy).Statement : s.Action if s.Sid == "OnlyWritersWriteObjects"]), "s3:PutObject") && contains(one([for s in jsondecode(aws_s3_bucket_policy.images.policy).Statement : s.Action if s.Sid == "OnlyWritersWriteObjects"]), "s3:DeleteObjectVersion") && one([for s in jsondecode(aws_s3_bucket_policy.images.policy).Statement : s.Resource if s.Sid == "OnlyWritersWriteObjects"]) == ["arn:aws:s3:::table-order-releases-123456789012/*"]
    error_message = "Writing or deleting any object, any version, is the writers' only."
  }
}

run "writers_must_be_role_or_user_arns" {
  command = plan

  module {
    source = "./modules/storage"
  }

  variables {
    writer_arns = ["arn:aws:iam::123456789012:role/deploy-*", "arn:aws:iam::123456789012:root", "*"]
  }

  expect_failures = [var.writer_arns]
}

run "noncurrent_days_are_whole_days" {
  command = plan

  module {
    source = "./modules/storage"
  }

  variables {
    versioning              = true
    noncurrent_version_days = 0.5
  }

  expect_failures = [var.noncurrent_version_days]
}

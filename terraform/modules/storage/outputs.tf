output "bucket_name" {
  description = "Name of the menu images bucket."
  value       = aws_s3_bucket.images.bucket
}

output "bucket_arn" {
  description = "ARN of the menu images bucket."
  value       = local.bucket_arn
}

output "resources" {
  description = "The module's resources as planned, for the root module's tests (tests/root.tftest.hcl)."
  value = {
    bucket              = aws_s3_bucket.images
    ownership_controls  = aws_s3_bucket_ownership_controls.images
    public_access_block = aws_s3_bucket_public_access_block.images
    encryption          = aws_s3_bucket_server_side_encryption_configuration.images
    versioning          = aws_s3_bucket_versioning.images
    lifecycle           = aws_s3_bucket_lifecycle_configuration.images
    policy              = aws_s3_bucket_policy.images
  }
}

output "bucket_name" {
  description = "Name of the menu images bucket."
  value       = aws_s3_bucket.images.bucket
}

output "bucket_arn" {
  description = "ARN of the menu images bucket."
  value       = local.bucket_arn
}

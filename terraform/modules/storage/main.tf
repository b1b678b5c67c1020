# Storage: a private S3 bucket: the menu images, and (a second instance, scaled out) the release
# bucket that holds what new servers run, versioned and writable by the deploy principals only.

locals {
  # Built from the name (known at plan time) rather than read from the bucket.
  bucket_arn = "arn:aws:s3:::${var.bucket_name}"

  # With writer_arns: nobody else may write or delete an object, or change the rules that protect
  # them, whatever their IAM policies allow. aws:PrincipalArn is a role's ARN for its sessions.
  writer_statements = [for statement in [
    {
      Sid       = "OnlyWritersWriteObjects"
      Effect    = "Deny"
      Principal = "*"
      Action    = ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:ReplicateObject", "s3:ReplicateDelete"]
      Resource  = ["${local.bucket_arn}/*"]
      Condition = { ArnNotLike = { "aws:PrincipalArn" = var.writer_arns } }
    },
    {
      Sid       = "OnlyWritersChangeTheBucketRules"
      Effect    = "Deny"
      Principal = "*"
      Action    = ["s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketVersioning", "s3:PutLifecycleConfiguration"]
      Resource  = [local.bucket_arn]
      Condition = { ArnNotLike = { "aws:PrincipalArn" = var.writer_arns } }
    },
  ] : statement if length(var.writer_arns) > 0]
}

resource "aws_s3_bucket" "images" {
  bucket        = var.bucket_name
  force_destroy = var.force_destroy

  tags = {
    Name = var.name_tag
  }
}

# ACLs disabled: the bucket owner owns every object, so "ACL: private" holds by construction.
resource "aws_s3_bucket_ownership_controls" "images" {
  bucket = aws_s3_bucket.images.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "images" {
  bucket = aws_s3_bucket.images.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "images" {
  bucket = aws_s3_bucket.images.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

# Versioning stays off for the menu images, as designed: they need no history. The release
# bucket keeps every version: a replaced or deleted object can be restored, and seen.
resource "aws_s3_bucket_versioning" "images" {
  bucket = aws_s3_bucket.images.id

  versioning_configuration {
    status = var.versioning ? "Enabled" : "Disabled"
  }
}

# Parts of uploads that never completed are billed until deleted; drop them after 7 days.
resource "aws_s3_bucket_lifecycle_configuration" "images" {
  bucket = aws_s3_bucket.images.id

  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  # Versioned: what a newer write replaced (each Deploy's current and deploy scripts) is kept for
  # noncurrent_version_days, then expires, so the history does not grow without end.
  dynamic "rule" {
    for_each = var.versioning ? [var.noncurrent_version_days] : []

    content {
      id     = "expire-noncurrent-versions"
      status = "Enabled"

      filter {}

      noncurrent_version_expiration {
        noncurrent_days = rule.value
      }
    }
  }

  # A lifecycle rule that expires versions needs versioning in place first.
  depends_on = [aws_s3_bucket_versioning.images]
}

resource "aws_s3_bucket_policy" "images" {
  bucket = aws_s3_bucket.images.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat([
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [local.bucket_arn, "${local.bucket_arn}/*"]
        Condition = {
          Bool = { "aws:SecureTransport" = "false" }
        }
      },
    ], local.writer_statements)
  })

  # The account-level public access block must be in place before any policy lands.
  depends_on = [aws_s3_bucket_public_access_block.images]
}

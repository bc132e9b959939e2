# The list bucket: the threat list GuardDuty and cordon share, other
# lists, and the cordon package. Private, encrypted, versioned (an older
# list is one restore away), TLS only.

resource "aws_s3_bucket" "lists" {
  bucket_prefix = "${var.name}-lists-"
  force_destroy = var.bucket_force_destroy
  tags          = local.tags
}

resource "aws_s3_bucket_ownership_controls" "lists" {
  bucket = aws_s3_bucket.lists.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "lists" {
  bucket                  = aws_s3_bucket.lists.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "lists" {
  bucket = aws_s3_bucket.lists.id

  versioning_configuration {
    status = "Enabled"
  }
}

# SSE-S3: GuardDuty reads a ThreatIntelSet encrypted this way without any
# key policy; a customer key would need GuardDuty's role in its policy.
resource "aws_s3_bucket_server_side_encryption_configuration" "lists" {
  bucket = aws_s3_bucket.lists.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

data "aws_iam_policy_document" "lists_bucket" {
  statement {
    sid     = "DenyPlainHttp"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.lists.arn,
      "${aws_s3_bucket.lists.arn}/*",
    ]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "lists" {
  bucket = aws_s3_bucket.lists.id
  policy = data.aws_iam_policy_document.lists_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.lists]
}

resource "aws_s3_object" "threat_list" {
  bucket       = aws_s3_bucket.lists.id
  key          = local.threat_key
  source       = var.threat_list_file
  source_hash  = filemd5(var.threat_list_file)
  content_type = "text/plain"
  tags         = local.tags

  depends_on = [
    aws_s3_bucket_versioning.lists,
    aws_s3_bucket_server_side_encryption_configuration.lists,
  ]
}

resource "aws_s3_object" "package" {
  count = var.package_file != null ? 1 : 0

  bucket       = aws_s3_bucket.lists.id
  key          = local.package_key
  source       = var.package_file
  source_hash  = filemd5(var.package_file)
  content_type = endswith(local.package_key, ".deb") ? "application/vnd.debian.binary-package" : "application/gzip"
  tags         = local.tags

  depends_on = [aws_s3_bucket_server_side_encryption_configuration.lists]
}

# The root module of the example plan (examples/plan.json), for --source-dir.
# resource "aws_s3_bucket" "public_assets" {   <- a comment, not a block

terraform {
  required_version = ">= 1.5"
}

/* A block comment:
resource "aws_instance" "api" {
}
*/

locals {
  banner = "resource \"aws_instance\" \"api\" { in a string }"
  nested = "${jsonencode({ a = "}" })} resource \"x\" \"y\" {"
}

resource "aws_s3_bucket" "public_assets" {
  bucket = "acme-public-assets"
  acl    = "public-read"
}

resource "aws_s3_bucket" "legacy_uploads" {
  bucket = "acme-legacy-uploads"
  policy = <<-POLICY
    resource "aws_iam_policy" "admin_all" {
    }
  POLICY
}

resource "aws_iam_policy" "admin_all" {
  name = "admin-all"
}

module "network" {
  source = "./modules/network"
  cidr   = "10.0.0.0/16"
}

resource "aws_instance" "api" {
  instance_type = "m5.large"
  tags = {
    protected = "true"
  }
}

resource "aws_instance" "batch_worker" {
  instance_type = "m5.8xlarge"
}

resource "aws_db_instance" "billing" {
  engine = "postgres"
}

resource "aws_db_instance" "orders" {
  storage_encrypted = false
}

// resource "aws_security_group" "admin" {
resource "aws_security_group" "admin" {
  name = "admin"
}

resource "aws_security_group" "bastion" {
  name = "bastion"
}

resource "aws_security_group_rule" "vendor_access" {
  type = "ingress"
}

resource "aws_iam_role_policy" "ci_deploy" {
  policy = jsonencode({ Statement = [{ Action = "*" }] })
}

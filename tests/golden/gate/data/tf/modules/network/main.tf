variable "cidr" {
  type = string
}

resource "aws_vpc" "main" {
  cidr_block = var.cidr
}

resource "aws_subnet" "private" {
  for_each   = toset(["eu-west-1a"])
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet(var.cidr, 8, 1)
}

resource "aws_security_group" "internal" {
  vpc_id = aws_vpc.main.id
}

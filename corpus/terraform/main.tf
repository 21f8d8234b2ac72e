# Test corpus for leakhound: every credential in this file is fake, generated at random.
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.80" }
  }
}

provider "aws" {
  region     = "eu-west-1"
  access_key = "AKIA2EVZW7PYPFYJSLRO"
  secret_key = "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"
}

variable "db_password" {
  type      = string
  sensitive = true
}

resource "aws_db_instance" "orders" {
  identifier        = "orders-prod"
  engine            = "postgres"
  instance_class    = "db.t4g.medium"
  allocated_storage = 50
  username          = "orders"
  password          = var.db_password
}

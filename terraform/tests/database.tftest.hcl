# Database module: RDS PostgreSQL 15, private, single-AZ, TLS forced, AWS-managed password.

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
  name_prefix           = "table-order"
  subnet_ids            = ["subnet-000000000private", "subnet-0000000private2c"]
  security_group_ids    = ["sg-00000000000000rds"]
  availability_zone     = "ap-northeast-2a"
  engine_version        = "15"
  instance_class        = "db.t3.small"
  allocated_storage     = 20
  db_name               = "tableorder"
  username              = "tableorder_admin"
  backup_retention_days = 7
  backup_window         = "03:00-04:00"
  maintenance_window    = "mon:04:00-mon:05:00"
  deletion_protection   = true
}

# timestamp() is unknown while planning; the generation is answered here.
override_resource {
  target          = terraform_data.generation
  override_during = plan
  values          = { output = "2026-11-28T20:15:42Z" }
}

run "database_as_designed_mock" {
  command = plan

  module {
    source = "./modules/database"
  }

  assert {
    condition     = aws_db_instance.postgres.engine == "postgres" && startswith(aws_db_instance.postgres.engine_version, "15")
    error_message = "Engine must be PostgreSQL 15.x."
  }

  assert {
    condition     = aws_db_instance.postgres.instance_class == "db.t3.small" && aws_db_instance.postgres.allocated_storage == 20 && aws_db_instance.postgres.storage_type == "gp3"
    error_message = "db.t3.small with 20 GB gp3."
  }

  assert {
    condition     = aws_db_instance.postgres.storage_encrypted
    error_message = "Storage must be encrypted."
  }

  assert {
    condition     = !aws_db_instance.postgres.publicly_accessible && !aws_db_instance.postgres.multi_az && aws_db_instance.postgres.availability_zone == "ap-northeast-2a"
    error_message = "Private, single-AZ, in ap-northeast-2a."
  }

  assert {
    condition     = aws_db_instance.postgres.backup_retention_period == 7 && aws_db_instance.postgres.backup_window == "03:00-04:00" && aws_db_instance.postgres.maintenance_window == "mon:04:00-mon:05:00"
    error_message = "7-day backups in 03:00-04:00 UTC, maintenance Mon 04:00-05:00 UTC."
  }

  assert {
    condition     = aws_db_instance.postgres.db_name == "tableorder" && aws_db_instance.postgres.username == "tableorder_admin" && aws_db_instance.postgres.port == 5432
    error_message = "Database tableorder, master user tableorder_admin, port 5432."
  }

  assert {
    condition     = aws_db_instance.postgres.manage_master_user_password && aws_db_instance.postgres.password == null
    error_message = "The master password must be managed by RDS in Secrets Manager and never set by Terraform."
  }

  assert {
    condition     = !aws_db_instance.postgres.skip_final_snapshot && aws_db_instance.postgres.final_snapshot_identifier == "table-order-db-final-20261128201542" && output.final_snapshot_identifier == aws_db_instance.postgres.final_snapshot_identifier
    error_message = "Destroy must take a final snapshot named after this database generation (unique across destroy/create cycles)."
  }

  assert {
    condition     = aws_db_instance.postgres.deletion_protection && !aws_db_instance.postgres.delete_automated_backups
    error_message = "Deletion protection on; automated backups are kept after the instance is deleted."
  }

  assert {
    condition     = aws_db_instance.postgres.performance_insights_enabled && aws_db_instance.postgres.performance_insights_retention_period == 7
    error_message = "Performance Insights on, 7 days (free tier)."
  }

  assert {
    condition     = terraform_data.generation.triggers_replace == ["table-order", "ap-northeast-2a", "tableorder", "tableorder_admin"]
    error_message = "A new database generation (and snapshot name) whenever the instance itself is replaced."
  }

  assert {
    condition     = aws_db_parameter_group.postgres.family == "postgres15" && anytrue([for p in aws_db_parameter_group.postgres.parameter : p.name == "rds.force_ssl" && p.value == "1"])
    error_message = "The postgres15 parameter group must set rds.force_ssl = 1."
  }

  assert {
    condition     = aws_db_instance.postgres.parameter_group_name == aws_db_parameter_group.postgres.name && aws_db_instance.postgres.db_subnet_group_name == aws_db_subnet_group.main.name
    error_message = "The instance must use the TLS parameter group and the private subnet group."
  }

  assert {
    condition     = aws_db_subnet_group.main.subnet_ids == toset(["subnet-000000000private", "subnet-0000000private2c"])
    error_message = "The DB subnet group must hold both private subnets."
  }

  assert {
    condition     = aws_db_instance.postgres.vpc_security_group_ids == toset(["sg-00000000000000rds"])
    error_message = "The instance must use only the RDS security group."
  }

  assert {
    condition     = aws_db_instance.postgres.tags["Name"] == "table-order-db"
    error_message = "RDS Name tag must be table-order-db."
  }
}

run "database_real_provider" {
  command   = plan
  providers = { aws = aws.real }

  module {
    source = "./modules/database"
  }

  assert {
    condition = alltrue([for t in [
      aws_db_instance.postgres.tags_all,
      aws_db_parameter_group.postgres.tags_all,
      aws_db_subnet_group.main.tags_all,
    ] : t["Environment"] == "production" && t["Name"] != ""])
    error_message = "Every resource carries Name and, from the provider's default tags, Environment = production."
  }

  assert {
    condition     = aws_db_instance.postgres.manage_master_user_password && !aws_db_instance.postgres.publicly_accessible && aws_db_instance.postgres.storage_encrypted && aws_db_instance.postgres.storage_type == "gp3"
    error_message = "Managed password, private, encrypted gp3."
  }

  assert {
    condition     = anytrue([for p in aws_db_parameter_group.postgres.parameter : p.name == "rds.force_ssl" && p.value == "1"])
    error_message = "rds.force_ssl = 1."
  }
}

run "explicit_final_snapshot_name_and_protection_off" {
  command = plan

  module {
    source = "./modules/database"
  }

  variables {
    final_snapshot_identifier = "table-order-db-before-migration"
    deletion_protection       = false
  }

  assert {
    condition     = aws_db_instance.postgres.final_snapshot_identifier == "table-order-db-before-migration" && !aws_db_instance.postgres.deletion_protection
    error_message = "An explicit snapshot name is used as is; deletion protection can be turned off for a reviewed destroy."
  }
}

run "reserved_master_user_is_rejected" {
  command = plan

  module {
    source = "./modules/database"
  }

  variables {
    username = "admin"
  }

  expect_failures = [var.username]
}

run "single_subnet_is_rejected" {
  command = plan

  module {
    source = "./modules/database"
  }

  variables {
    subnet_ids = ["subnet-000000000private"]
  }

  expect_failures = [var.subnet_ids]
}

# Database: RDS for PostgreSQL, single-AZ, private, TLS forced, password owned by AWS.

locals {
  engine_major = split(".", var.engine_version)[0]

  # Unique per database generation, so a destroy after a create after a destroy never
  # collides with the previous final snapshot (DBSnapshotAlreadyExists).
  final_snapshot_identifier = coalesce(
    var.final_snapshot_identifier,
    "${var.name_prefix}-db-final-${formatdate("YYYYMMDDhhmmss", terraform_data.generation.output)}",
  )
}

# The moment this database generation was first planned for creation: a stable, unique
# value without the random or time providers. timestamp() changes on every run, so the
# stored value is kept (ignore_changes); it is replaced, together with the instance, when
# an argument that forces a new instance changes.
resource "terraform_data" "generation" {
  input            = timestamp()
  triggers_replace = [var.name_prefix, var.availability_zone, var.db_name, var.username]

  lifecycle {
    ignore_changes = [input]
  }
}

resource "aws_db_subnet_group" "main" {
  name        = "${var.name_prefix}-db-subnet-group"
  description = "Private subnets of the Table Order database (two AZs, as RDS requires)"
  subnet_ids  = var.subnet_ids

  tags = {
    Name = "${var.name_prefix}-db-subnet-group"
  }
}

resource "aws_db_parameter_group" "postgres" {
  name        = "${var.name_prefix}-postgres${local.engine_major}"
  family      = "postgres${local.engine_major}"
  description = "Table Order PostgreSQL ${local.engine_major}: TLS required for every connection"

  parameter {
    name         = "rds.force_ssl"
    value        = "1"
    apply_method = "immediate"
  }

  tags = {
    Name = "${var.name_prefix}-postgres${local.engine_major}"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_db_instance" "postgres" {
  identifier     = "${var.name_prefix}-db"
  engine         = "postgres"
  engine_version = var.engine_version # a major version ("15") lets RDS pick and upgrade the minor
  instance_class = var.instance_class

  allocated_storage = var.allocated_storage
  storage_type      = "gp3"
  storage_encrypted = true

  db_name  = var.db_name
  username = var.username
  port     = 5432

  # The password is generated and rotated by RDS and kept in Secrets Manager; it never
  # passes through Terraform (not in state, variables or outputs).
  manage_master_user_password = true

  db_subnet_group_name   = aws_db_subnet_group.main.name
  vpc_security_group_ids = var.security_group_ids
  parameter_group_name   = aws_db_parameter_group.postgres.name
  publicly_accessible    = false
  multi_az               = var.multi_az
  availability_zone      = var.multi_az ? null : var.availability_zone # Multi-AZ: RDS places the standby

  backup_retention_period    = var.backup_retention_days
  delete_automated_backups   = false # the 7 days of backups outlive the instance
  backup_window              = var.backup_window
  maintenance_window         = var.maintenance_window
  auto_minor_version_upgrade = true
  copy_tags_to_snapshot      = true

  skip_final_snapshot       = false
  final_snapshot_identifier = local.final_snapshot_identifier
  deletion_protection       = var.deletion_protection

  # Free tier: 7 days of Performance Insights history.
  performance_insights_enabled          = true
  performance_insights_retention_period = 7

  tags = {
    Name = "${var.name_prefix}-db"
  }
}

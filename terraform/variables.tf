# ---------------------------------------------------------------------------------
# General
# ---------------------------------------------------------------------------------

variable "region" {
  type        = string
  description = "AWS region of the stack. The design uses ap-northeast-2 (Seoul)."
  default     = "ap-northeast-2"

  validation {
    condition     = can(regex("^(af|ap|ca|eu|il|me|mx|sa|us)-(central|north|south|east|west|northeast|northwest|southeast|southwest)-[1-9]$", var.region))
    error_message = "region must be a commercial AWS region code such as ap-northeast-2 (GovCloud and China partitions are not supported)."
  }
}

variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name and Name tag (table-order-vpc, table-order-db, ...)."
  default     = "table-order"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.name_prefix)) && !strcontains(var.name_prefix, "--")
    error_message = "name_prefix must be 3-24 characters: lower-case letters, digits and single hyphens, starting with a letter and not ending with a hyphen (e.g. table-order)."
  }
}

variable "additional_tags" {
  type        = map(string)
  description = "Extra tags for every resource (through the provider's default tags). Environment, Project, ManagedBy and Name are set by the stack."
  default     = {}

  validation {
    condition     = length(setintersection(keys(var.additional_tags), ["Environment", "Project", "ManagedBy", "Name"])) == 0
    error_message = "additional_tags may not set Environment, Project, ManagedBy or Name; the stack sets those."
  }
}

# ---------------------------------------------------------------------------------
# Network
# ---------------------------------------------------------------------------------

variable "availability_zone" {
  type        = string
  description = "Availability zone of the public and private subnets, the app server, RDS and Redis."
  default     = "ap-northeast-2a"

  validation {
    condition     = can(regex("^[a-z]{2}-[a-z]+-[1-9][a-z]$", var.availability_zone))
    error_message = "availability_zone must be an availability zone name such as ap-northeast-2a."
  }
}

variable "secondary_availability_zone" {
  type        = string
  description = "Second availability zone, only for the extra private subnet the RDS DB subnet group requires."
  default     = "ap-northeast-2c"

  validation {
    condition     = can(regex("^[a-z]{2}-[a-z]+-[1-9][a-z]$", var.secondary_availability_zone))
    error_message = "secondary_availability_zone must be an availability zone name such as ap-northeast-2c."
  }
}

variable "vpc_cidr" {
  type        = string
  description = "IPv4 CIDR of the VPC."
  default     = "10.0.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && !strcontains(var.vpc_cidr, ":") && try(cidrhost(var.vpc_cidr, 0) == split("/", var.vpc_cidr)[0], false) && try(tonumber(split("/", var.vpc_cidr)[1]) >= 16 && tonumber(split("/", var.vpc_cidr)[1]) <= 28, false)
    error_message = "vpc_cidr must be an IPv4 network address with a /16 to /28 prefix, e.g. 10.0.0.0/16."
  }
}

variable "public_subnet_cidr" {
  type        = string
  description = "IPv4 CIDR of the public subnet (app server); inside vpc_cidr."
  default     = "10.0.1.0/24"

  validation {
    condition     = can(cidrhost(var.public_subnet_cidr, 0)) && !strcontains(var.public_subnet_cidr, ":") && try(cidrhost(var.public_subnet_cidr, 0) == split("/", var.public_subnet_cidr)[0], false) && try(tonumber(split("/", var.public_subnet_cidr)[1]) >= 16 && tonumber(split("/", var.public_subnet_cidr)[1]) <= 28, false)
    error_message = "public_subnet_cidr must be an IPv4 network address with a /16 to /28 prefix, e.g. 10.0.1.0/24."
  }
}

variable "private_subnet_cidr" {
  type        = string
  description = "IPv4 CIDR of the private subnet (RDS, Redis); inside vpc_cidr."
  default     = "10.0.2.0/24"

  validation {
    condition     = can(cidrhost(var.private_subnet_cidr, 0)) && !strcontains(var.private_subnet_cidr, ":") && try(cidrhost(var.private_subnet_cidr, 0) == split("/", var.private_subnet_cidr)[0], false) && try(tonumber(split("/", var.private_subnet_cidr)[1]) >= 16 && tonumber(split("/", var.private_subnet_cidr)[1]) <= 28, false)
    error_message = "private_subnet_cidr must be an IPv4 network address with a /16 to /28 prefix, e.g. 10.0.2.0/24."
  }
}

variable "secondary_private_subnet_cidr" {
  type        = string
  description = "IPv4 CIDR of the second private subnet (in secondary_availability_zone, for the DB subnet group); inside vpc_cidr."
  default     = "10.0.3.0/24"

  validation {
    condition     = can(cidrhost(var.secondary_private_subnet_cidr, 0)) && !strcontains(var.secondary_private_subnet_cidr, ":") && try(cidrhost(var.secondary_private_subnet_cidr, 0) == split("/", var.secondary_private_subnet_cidr)[0], false) && try(tonumber(split("/", var.secondary_private_subnet_cidr)[1]) >= 16 && tonumber(split("/", var.secondary_private_subnet_cidr)[1]) <= 28, false)
    error_message = "secondary_private_subnet_cidr must be an IPv4 network address with a /16 to /28 prefix, e.g. 10.0.3.0/24."
  }
}

# ---------------------------------------------------------------------------------
# Security
# ---------------------------------------------------------------------------------

variable "ssh_allowed_cidrs" {
  type        = list(string)
  description = "The developers' public IPv4 addresses allowed to SSH to the app server, each as a /32, e.g. [\"203.0.113.10/32\"]."

  validation {
    condition     = length(var.ssh_allowed_cidrs) > 0
    error_message = "ssh_allowed_cidrs needs at least one address, e.g. [\"203.0.113.10/32\"] (your public IP with /32)."
  }

  validation {
    condition     = alltrue([for c in var.ssh_allowed_cidrs : can(cidrhost(c, 0)) && !strcontains(c, ":") && try(cidrhost(c, 0) == split("/", c)[0], false)])
    error_message = "Every ssh_allowed_cidrs entry must be an IPv4 address with its prefix, e.g. 203.0.113.10/32 (not 203.0.113.10)."
  }

  validation {
    condition     = alltrue([for c in var.ssh_allowed_cidrs : endswith(c, "/32")])
    error_message = "ssh_allowed_cidrs takes single addresses only (/32): SSH is for the developers' specific IPs, never a range (find yours with `curl https://checkip.amazonaws.com`)."
  }
}

variable "fastapi_ingress_cidrs" {
  type        = list(string)
  description = "IPv4 CIDRs allowed to reach FastAPI (uvicorn) on port 8000 directly. Closed by default: uvicorn listens on loopback behind Nginx (80/443). Open it only on purpose, e.g. [\"203.0.113.10/32\"]."
  default     = []

  validation {
    condition     = alltrue([for c in var.fastapi_ingress_cidrs : can(cidrhost(c, 0)) && !strcontains(c, ":") && try(cidrhost(c, 0) == split("/", c)[0], false)])
    error_message = "Every fastapi_ingress_cidrs entry must be an IPv4 network address with a prefix, e.g. 203.0.113.10/32 or 203.0.113.0/24."
  }
}

variable "ssm_parameter_path" {
  type        = string
  description = "Parameter Store path of the app's non-secret settings (the build writes them there). The instance role may read parameters under this path only."
  default     = "/tableorder/production"

  validation {
    condition     = can(regex("^(/[A-Za-z0-9_.-]+)+$", var.ssm_parameter_path))
    error_message = "ssm_parameter_path must be a Parameter Store path such as /tableorder/production (no trailing slash, not /)."
  }
}

# ---------------------------------------------------------------------------------
# Compute
# ---------------------------------------------------------------------------------

variable "ami_id" {
  type        = string
  description = "Pin the app server to this AMI instead of looking up the latest official Debian 13 amd64 image."
  default     = null

  validation {
    condition     = var.ami_id == null || can(regex("^ami-([0-9a-f]{8}|[0-9a-f]{17})$", var.ami_id))
    error_message = "ami_id must look like ami-0123456789abcdef0, or be null."
  }
}

variable "instance_type" {
  type        = string
  description = "EC2 instance type of the app server."
  default     = "t3.medium"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*[0-9][a-z0-9-]*\\.[0-9]*(nano|micro|small|medium|large|xlarge|metal)(-[0-9]+xl)?$", var.instance_type)) && !startswith(var.instance_type, "db.") && !startswith(var.instance_type, "cache.")
    error_message = "instance_type must be an EC2 instance type such as t3.medium."
  }
}

variable "root_volume_size" {
  type        = number
  description = "Root volume size in GiB (gp3, encrypted)."
  default     = 30

  validation {
    condition     = var.root_volume_size >= 8 && var.root_volume_size <= 1024 && floor(var.root_volume_size) == var.root_volume_size
    error_message = "root_volume_size must be a whole number of GiB between 8 and 1024."
  }
}

variable "key_pair_name" {
  type        = string
  description = "Name of the EC2 key pair for SSH. Must already exist in the region unless ssh_public_key is set."
  default     = "table-order-key"

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$", var.key_pair_name))
    error_message = "key_pair_name must be 1-255 characters of letters, digits, dots, underscores and hyphens."
  }
}

variable "ssh_public_key" {
  type        = string
  description = "OpenSSH public key (one line). When set, the key pair key_pair_name is created from it; when null, it must exist."
  default     = null

  validation {
    condition     = var.ssh_public_key == null || can(regex("^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}( [^\\n]*)?$", var.ssh_public_key))
    error_message = "ssh_public_key must be one OpenSSH public key line (ssh-ed25519 AAAA... or ssh-rsa AAAA...), never a private key."
  }
}

# ---------------------------------------------------------------------------------
# Scale-out (README "Scaling out"). The defaults are the seed's single server.
# ---------------------------------------------------------------------------------

variable "app_server_count" {
  type        = number
  description = "Number of app servers. 1 (default): the single instance, no load balancer. Above 1: an Auto Scaling group of this many behind an Application Load Balancer."
  default     = 1

  validation {
    condition     = var.app_server_count >= 1 && var.app_server_count <= 20 && floor(var.app_server_count) == var.app_server_count
    error_message = "app_server_count must be a whole number from 1 to 20 (1: the single server with no load balancer; 2 or more: an Auto Scaling group behind a load balancer)."
  }
}

variable "enable_load_balancer" {
  type        = bool
  description = "Put the load balancer and the Auto Scaling group in front even with app_server_count = 1 (implied above 1)."
  default     = false
}

variable "deploy_principal_arns" {
  type        = list(string)
  description = "Scaled out: the IAM roles and users that deploy (the CI role in AWS_DEPLOY_ROLE_ARN, the admins' roles): the only principals the release bucket lets write releases and deploy scripts, or change its policy and versioning. Required when scaled out; unused with one server."
  default     = []

  validation {
    condition     = alltrue([for arn in var.deploy_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/[A-Za-z0-9+=,.@_/-]+$", arn))])
    error_message = "deploy_principal_arns takes IAM role or user ARNs such as arn:aws:iam::123456789012:role/tableorder-deploy: no wildcards, no account root, and for a session (arn:aws:sts::<account>:assumed-role/<role>/<session>) the role's own ARN, with its path (aws iam get-role --role-name <role> --query Role.Arn)."
  }
}

variable "instance_refresh_batch_size" {
  type        = number
  description = "Scaled out: how many servers the Auto Scaling group replaces at a time when the launch template changes (instance refresh). At most app_server_count."
  default     = 1

  validation {
    condition     = var.instance_refresh_batch_size >= 1 && var.instance_refresh_batch_size <= 20 && floor(var.instance_refresh_batch_size) == var.instance_refresh_batch_size
    error_message = "instance_refresh_batch_size must be a whole number from 1 to 20, and at most app_server_count."
  }
}

variable "secondary_public_subnet_cidr" {
  type        = string
  description = "Scaled out: IPv4 CIDR of the second public subnet (in secondary_availability_zone, for the load balancer and the Auto Scaling group); inside vpc_cidr."
  default     = "10.0.4.0/24"

  validation {
    condition     = can(cidrhost(var.secondary_public_subnet_cidr, 0)) && !strcontains(var.secondary_public_subnet_cidr, ":") && try(cidrhost(var.secondary_public_subnet_cidr, 0) == split("/", var.secondary_public_subnet_cidr)[0], false) && try(tonumber(split("/", var.secondary_public_subnet_cidr)[1]) >= 16 && tonumber(split("/", var.secondary_public_subnet_cidr)[1]) <= 28, false)
    error_message = "secondary_public_subnet_cidr must be an IPv4 network address with a /16 to /28 prefix, e.g. 10.0.4.0/24."
  }
}

variable "domain_name" {
  type        = string
  description = "The site's domain (e.g. order.example.com), with route53_zone_id. Single server: an A record for the server's public IP (the build's --domain=<same name> gets the certificate with certbot on the server). Scaled out: an ACM certificate validated by DNS, HTTPS on the load balancer, HTTP redirected, an alias record. null: HTTP only."
  default     = null

  validation {
    condition     = var.domain_name == null || can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", coalesce(var.domain_name, "x")))
    error_message = "domain_name must be a lower-case DNS name such as order.example.com (no scheme, no trailing dot)."
  }
}

variable "route53_zone_id" {
  type        = string
  description = "The Route 53 hosted zone of domain_name (set both or neither)."
  default     = null

  validation {
    condition     = var.route53_zone_id == null || can(regex("^Z[A-Z0-9]{1,31}$", coalesce(var.route53_zone_id, "x")))
    error_message = "route53_zone_id must be a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ."
  }
}

variable "multi_az_database" {
  type        = bool
  description = "RDS Multi-AZ: a synchronous standby in another zone with automatic failover (doubles the instance cost). false: single-AZ, as designed."
  default     = false
}

variable "redis_replicas" {
  type        = number
  description = "Redis replicas in the replication group (0: the single node, as designed). 1 or more: automatic failover and Multi-AZ, nodes alternating between the two zones."
  default     = 0

  validation {
    condition     = var.redis_replicas >= 0 && var.redis_replicas <= 5 && floor(var.redis_replicas) == var.redis_replicas
    error_message = "redis_replicas must be a whole number from 0 to 5."
  }
}

# ---------------------------------------------------------------------------------
# Database
# ---------------------------------------------------------------------------------

variable "db_engine_version" {
  type        = string
  description = "PostgreSQL version: \"15\" (RDS picks and upgrades the 15.x minor) or a full 15.N."
  default     = "15"

  validation {
    condition     = can(regex("^15(\\.[0-9]+)?$", var.db_engine_version))
    error_message = "db_engine_version must be PostgreSQL 15.x: \"15\" or e.g. \"15.8\"."
  }
}

variable "db_instance_class" {
  type        = string
  description = "RDS instance class."
  default     = "db.t3.small"

  validation {
    condition     = can(regex("^db\\.[a-z][a-z0-9-]*\\.[0-9]*(micro|small|medium|large|xlarge)$", var.db_instance_class))
    error_message = "db_instance_class must be an RDS instance class such as db.t3.small."
  }
}

variable "db_allocated_storage" {
  type        = number
  description = "RDS storage in GiB (gp3)."
  default     = 20

  validation {
    condition     = var.db_allocated_storage >= 20 && var.db_allocated_storage <= 65536 && floor(var.db_allocated_storage) == var.db_allocated_storage
    error_message = "db_allocated_storage must be a whole number of GiB between 20 and 65536."
  }
}

variable "db_name" {
  type        = string
  description = "Name of the application database."
  default     = "tableorder"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.db_name)) && !contains(["postgres", "template0", "template1", "rdsadmin"], var.db_name)
    error_message = "db_name must start with a lower-case letter, hold only lower-case letters, digits and underscores (max 63), and not be postgres, template0, template1 or rdsadmin."
  }
}

variable "db_username" {
  type        = string
  description = "Master user name. The password is generated by RDS and kept in Secrets Manager."
  default     = "tableorder_admin"

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_]{0,62}$", var.db_username))
    error_message = "db_username must start with a letter and hold only letters, digits and underscores (max 63 characters)."
  }

  validation {
    condition     = !contains(["admin", "rdsadmin", "rdsrepladmin", "rds_superuser"], lower(var.db_username)) && !startswith(lower(var.db_username), "pg_") && !startswith(lower(var.db_username), "rds_")
    error_message = "db_username is reserved on RDS for PostgreSQL (admin, rdsadmin, rdsrepladmin, rds_*, pg_*). Use e.g. tableorder_admin."
  }
}

variable "db_final_snapshot_identifier" {
  type        = string
  description = "Name of the snapshot RDS takes when the database is destroyed. null (default) derives a unique one per database generation: <name_prefix>-db-final-<UTC creation time, YYYYMMDDhhmmss>. A name given here must not exist yet."
  default     = null

  validation {
    condition     = var.db_final_snapshot_identifier == null || (can(regex("^[A-Za-z][A-Za-z0-9-]{0,254}$", coalesce(var.db_final_snapshot_identifier, "x"))) && !strcontains(coalesce(var.db_final_snapshot_identifier, "x"), "--") && !endswith(coalesce(var.db_final_snapshot_identifier, "x"), "-"))
    error_message = "db_final_snapshot_identifier must start with a letter and hold letters, digits and single hyphens, not ending with a hyphen."
  }
}

variable "db_deletion_protection" {
  type        = bool
  description = "Block deletion of the database (default). A Destroy first applies a reviewed plan with this set to false, then destroys; the final snapshot and the automated backups are kept."
  default     = true
}

# ---------------------------------------------------------------------------------
# Cache
# ---------------------------------------------------------------------------------

variable "redis_engine_version" {
  type        = string
  description = "Redis 7 engine version, written major.minor (e.g. \"7.1\")."
  default     = "7.1"

  validation {
    condition     = can(regex("^7\\.[0-9]+$", var.redis_engine_version))
    error_message = "redis_engine_version must be Redis 7 written major.minor, e.g. \"7.1\" (not \"7\", \"7.x\" or \"7.1.0\")."
  }
}

variable "redis_node_type" {
  type        = string
  description = "ElastiCache node type."
  default     = "cache.t3.micro"

  validation {
    condition     = can(regex("^cache\\.[a-z][a-z0-9-]*\\.[0-9]*(micro|small|medium|large|xlarge)$", var.redis_node_type))
    error_message = "redis_node_type must be an ElastiCache node type such as cache.t3.micro."
  }
}

# ---------------------------------------------------------------------------------
# Monitoring
# ---------------------------------------------------------------------------------

variable "enable_alarms" {
  type        = bool
  description = "Create the alarms (optional in the design): app server CPU and memory, database CPU, free storage and connections, Redis memory and connections, notifying an encrypted SNS topic. The dashboard exists either way, and the CloudWatch agent always publishes to CWAgent."
  default     = false
}

variable "alarm_email" {
  type        = string
  description = "E-mail address subscribed to the alarm topic (needs enable_alarms). AWS mails it a confirmation link; alarms reach it once that is followed. null: no subscription."
  default     = null

  validation {
    condition     = var.alarm_email == null || can(regex("^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.[A-Za-z]{2,63}$", coalesce(var.alarm_email, "x")))
    error_message = "alarm_email must be one e-mail address such as ops@example.com (no name, no brackets, no list)."
  }
}

variable "alarm_cpu_threshold" {
  type        = number
  description = "App server CPU utilisation (%) above which the CPU alarm fires (scaled out: the group's average)."
  default     = 80

  validation {
    condition     = var.alarm_cpu_threshold > 0 && var.alarm_cpu_threshold < 100
    error_message = "alarm_cpu_threshold must be a percentage between 0 and 100 (exclusive)."
  }
}

variable "alarm_memory_threshold" {
  type        = number
  description = "App server memory use (%) above which the memory alarm fires (scaled out: the fullest server). 80% of the t3.medium's 4 GiB is 3.2 GiB."
  default     = 80

  validation {
    condition     = var.alarm_memory_threshold > 0 && var.alarm_memory_threshold < 100
    error_message = "alarm_memory_threshold must be a percentage between 0 and 100 (exclusive)."
  }
}

variable "alarm_db_cpu_threshold" {
  type        = number
  description = "Database CPU utilisation (%) above which its alarm fires."
  default     = 80

  validation {
    condition     = var.alarm_db_cpu_threshold > 0 && var.alarm_db_cpu_threshold < 100
    error_message = "alarm_db_cpu_threshold must be a percentage between 0 and 100 (exclusive)."
  }
}

variable "alarm_db_connections_threshold" {
  type        = number
  description = "Database connections above which its alarm fires. null (default): 75% of the class's default max_connections, LEAST(memory / 9531392, 5000): db.t3.small's 2 GiB gives 225, so 168. Computed for db.t*, db.m* and db.r* classes; set a number for others."
  default     = null

  validation {
    condition     = var.alarm_db_connections_threshold == null || try(var.alarm_db_connections_threshold >= 1 && var.alarm_db_connections_threshold <= 5000 && floor(var.alarm_db_connections_threshold) == var.alarm_db_connections_threshold, false)
    error_message = "alarm_db_connections_threshold must be a whole number of connections from 1 to 5000 (RDS's largest default max_connections), or null to compute it from db_instance_class."
  }
}

variable "alarm_db_free_storage_percent" {
  type        = number
  description = "Free database storage, as a share (%) of db_allocated_storage, below which its alarm fires: 20% of the design's 20 GiB is 4 GiB (4294967296 bytes of FreeStorageSpace)."
  default     = 20

  validation {
    condition     = var.alarm_db_free_storage_percent >= 1 && var.alarm_db_free_storage_percent <= 90
    error_message = "alarm_db_free_storage_percent must be a percentage of the allocated storage from 1 to 90."
  }
}

variable "alarm_redis_memory_threshold" {
  type        = number
  description = "Redis memory use, DatabaseMemoryUsagePercentage (used_memory / maxmemory, %), above which a node's alarm fires. cache.t3.micro: 0.5 GiB less the 25% default.redis7 reserves is a maxmemory of 384 MiB; AWS advises micro nodes to keep half their memory free of data (they swap near maxmemory), i.e. 256 MiB, two thirds of maxmemory: so 65% (about 250 MiB)."
  default     = 65

  validation {
    condition     = var.alarm_redis_memory_threshold > 0 && var.alarm_redis_memory_threshold < 100
    error_message = "alarm_redis_memory_threshold must be a percentage of maxmemory between 0 and 100 (exclusive)."
  }
}

variable "alarm_redis_connections_threshold" {
  type        = number
  description = "Redis connections (CurrConnections) above which a node's alarm fires. Each open SSE stream holds one subscription connection: the design's 10-50 users with two screens each are at most about 100, and a deploy briefly runs both slots; 200 is twice that peak. ElastiCache's own limit (maxclients) is 65000."
  default     = 200

  validation {
    condition     = var.alarm_redis_connections_threshold >= 1 && var.alarm_redis_connections_threshold <= 65000 && floor(var.alarm_redis_connections_threshold) == var.alarm_redis_connections_threshold
    error_message = "alarm_redis_connections_threshold must be a whole number of connections from 1 to 65000 (ElastiCache's maxclients)."
  }
}

variable "alarm_actions" {
  type        = list(string)
  description = "More SNS topic ARNs notified when an alarm changes state, besides the stack's own alarm topic."
  default     = []

  validation {
    condition     = alltrue([for a in var.alarm_actions : can(regex("^arn:aws:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+$", a))])
    error_message = "Every alarm_actions entry must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)."
  }
}

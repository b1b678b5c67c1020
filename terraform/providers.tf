provider "aws" {
  region = var.region

  # Environment = production (and the rest of local.default_tags) lands on every
  # taggable resource; modules set only the Name tag.
  default_tags {
    tags = local.default_tags
  }
}

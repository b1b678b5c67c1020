run "outputs_are_known_after_apply" {
  assert {
    condition     = output.region == "ap-northeast-2"
    error_message = "The region output must be ap-northeast-2."
  }

  assert {
    condition     = output.db_port == 5432
    error_message = "The db_port output must be 5432."
  }
}

ENV["RAILS_ENV"] = "test"
require_relative "../config/environment"
require "rspec/rails"

RSpec.configure do |config|
  # Each example runs in a transaction rolled back after it: the runner's database stays as
  # bin/setup-test-db left it, whichever files this runner gets.
  config.use_transactional_fixtures = true
  config.infer_spec_type_from_file_location!
end

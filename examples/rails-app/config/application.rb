require "rails"
require "active_record/railtie"
require "action_controller/railtie"

module Blog
  class Application < Rails::Application
    config.load_defaults 6.1
    config.eager_load = false
    config.api_only = true
    config.logger = Logger.new(nil)
    config.secret_key_base = "example-only-not-a-secret"
  end
end

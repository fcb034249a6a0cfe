require "rails_helper"

# The point of this example app: every runner has a database of its own, named by the
# TEST_ENV_NUMBER distributest gives it, created by runner_setup (bin/setup-test-db).
RSpec.describe "the test database" do
  it "is this runner's own" do
    expect(ActiveRecord::Base.connection_db_config.database)
      .to eq("db/test#{ENV.fetch('TEST_ENV_NUMBER', '')}.sqlite3")
  end

  it "has the schema loaded" do
    expect(ActiveRecord::Base.connection.table_exists?(:comments)).to be(true)
  end
end

# frozen_string_literal: true

require "simplecov"
SimpleCov.start do
  add_filter "/spec/"
  # Under distributest every runner keeps its own result: its own command name and directory
  # (runner ids are unique in the run), so no two runners merge into one file, whatever node
  # they share. A plain `rspec` writes coverage/ as usual.
  if (runner = ENV["DISTRIBUTEST_RUNNER_ID"])
    command_name runner
    coverage_dir "coverage/runners/#{runner}"
    formatter SimpleCov::Formatter::SimpleFormatter  # no HTML per runner: bin/collate-coverage makes it
  end
end
# SimpleCov records absolute paths, and a node's copy of the project is elsewhere than this
# checkout: the runner notes where its root was, for bin/collate-coverage to map back.
if ENV["DISTRIBUTEST_RUNNER_ID"]
  File.write(File.join(SimpleCov.coverage_path, "project_root"), SimpleCov.root)
end

require "tally"

# frozen_string_literal: true

RSpec.describe Tally::Counter, "#add with a bad count" do
  # Half a second each, so every runner of a small cluster gets files.
  before { sleep 0.5 }

  it "refuses a count that is not positive" do
    expect { Tally::Counter.new.add("a", 0) }.to raise_error(ArgumentError, /positive/)
  end
end

# frozen_string_literal: true

RSpec.describe Tally::Counter, "#total" do
  # Half a second each, so every runner of a small cluster gets files.
  before { sleep 0.5 }

  it "sums every count" do
    expect(Tally::Counter.new.add("a", 2).add("b").total).to eq(3)
  end
end

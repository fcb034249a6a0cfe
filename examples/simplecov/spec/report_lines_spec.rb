# frozen_string_literal: true

RSpec.describe Tally::Report, ".lines" do
  # Half a second each, so every runner of a small cluster gets files.
  before { sleep 0.5 }

  it "prints the top words" do
    counter = Tally::Counter.new.add("x", 2).add("y")
    expect(Tally::Report.lines(counter, 5)).to eq(["x: 2", "y: 1"])
  end
end

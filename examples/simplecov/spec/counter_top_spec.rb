# frozen_string_literal: true

RSpec.describe Tally::Counter, "#top" do
  # Half a second each, so every runner of a small cluster gets files.
  before { sleep 0.5 }

  it "orders by count, then by word" do
    counter = Tally::Counter.new.add("b").add("a").add("c", 3)
    expect(counter.top(2)).to eq([["c", 3], ["a", 1]])
  end
end

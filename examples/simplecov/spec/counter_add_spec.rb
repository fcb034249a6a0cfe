# frozen_string_literal: true

RSpec.describe Tally::Counter, "#add" do
  # Half a second each, so every runner of a small cluster gets files.
  before { sleep 0.5 }

  it "counts a word" do
    expect(Tally::Counter.new.add("a").add("a", 2)["a"]).to eq(3)
  end
end

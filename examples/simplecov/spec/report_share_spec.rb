# frozen_string_literal: true

RSpec.describe Tally::Report, ".share" do
  # Half a second each, so every runner of a small cluster gets files.
  before { sleep 0.5 }

  it "is the fraction of all words" do
    counter = Tally::Counter.new.add("x", 3).add("y")
    expect(Tally::Report.share(counter, "x")).to eq(0.75)
  end
end

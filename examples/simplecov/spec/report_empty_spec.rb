# frozen_string_literal: true

RSpec.describe Tally::Report, ".share of nothing" do
  # Half a second each, so every runner of a small cluster gets files.
  before { sleep 0.5 }

  it "is 0 when nothing was counted" do
    expect(Tally::Report.share(Tally::Counter.new, "x")).to eq(0.0)
  end
end

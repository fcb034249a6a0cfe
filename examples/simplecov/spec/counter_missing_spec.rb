# frozen_string_literal: true

RSpec.describe Tally::Counter, "#[]" do
  # Half a second each, so every runner of a small cluster gets files.
  before { sleep 0.5 }

  it "is 0 for a word never added" do
    expect(Tally::Counter.new["b"]).to eq(0)
  end
end

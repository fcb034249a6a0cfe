require "rails_helper"

RSpec.describe Post, ".search" do
  before do
    Post.create!(title: "Rails on sqlite")
    Post.create!(title: "100% coverage")
    Post.create!(title: "Distributed tests")
  end

  it "finds titles containing the word" do
    expect(Post.search("tests").pluck(:title)).to eq(["Distributed tests"])
  end

  it "treats LIKE wildcards as text" do
    expect(Post.search("%").pluck(:title)).to eq(["100% coverage"])
  end

  it "finds nothing for an unknown word" do
    expect(Post.search("nope")).to be_empty
  end
end

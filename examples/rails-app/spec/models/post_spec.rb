require "rails_helper"

RSpec.describe Post do
  it "needs a title" do
    expect(Post.new(body: "text")).not_to be_valid
  end

  it "limits the title to 80 characters" do
    expect(Post.new(title: "x" * 81)).not_to be_valid
    expect(Post.new(title: "x" * 80)).to be_valid
  end

  it "summarises its body" do
    post = Post.new(title: "t", body: "one two three four five six seven")
    expect(post.summary).to eq("one two three four five")
    expect(post.summary(2)).to eq("one two")
  end

  it "starts each example with no posts (a transaction per example)" do
    expect(Post.count).to eq(0)
    Post.create!(title: "kept only in this example")
    expect(Post.count).to eq(1)
  end
end

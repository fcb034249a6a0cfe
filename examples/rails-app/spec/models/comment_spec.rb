require "rails_helper"

RSpec.describe Comment do
  let(:post) { Post.create!(title: "Commented") }

  it "belongs to a post" do
    expect(Comment.new(author: "a", body: "b")).not_to be_valid
    expect(post.comments.create!(author: "a", body: "b")).to be_persisted
  end

  it "needs an author and a body" do
    comment = post.comments.new
    expect(comment).not_to be_valid
    expect(comment.errors.attribute_names).to contain_exactly(:author, :body)
  end

  it "goes when its post goes" do
    post.comments.create!(author: "a", body: "b")
    expect { post.destroy }.to change(Comment, :count).by(-1)
  end
end

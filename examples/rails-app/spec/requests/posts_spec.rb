require "rails_helper"

RSpec.describe "/posts" do
  it "lists posts in order" do
    Post.create!(title: "first")
    Post.create!(title: "second")
    get "/posts"
    expect(response).to have_http_status(:ok)
    expect(response.parsed_body.map { |p| p["title"] }).to eq(%w[first second])
  end

  it "creates a post" do
    expect { post "/posts", params: { post: { title: "new" } } }.to change(Post, :count).by(1)
    expect(response).to have_http_status(:created)
  end

  it "refuses a post without a title" do
    post "/posts", params: { post: { body: "no title" } }
    expect(response).to have_http_status(:unprocessable_entity)
    expect(response.parsed_body["errors"]).to eq(["Title can't be blank"])
  end
end

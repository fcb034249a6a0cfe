class PostsController < ApplicationController
  def index
    render json: Post.order(:id).map { |p| { id: p.id, title: p.title } }
  end

  def create
    post = Post.new(params.require(:post).permit(:title, :body))
    if post.save
      render json: { id: post.id }, status: :created
    else
      render json: { errors: post.errors.full_messages }, status: :unprocessable_entity
    end
  end
end

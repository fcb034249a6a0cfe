class Post < ApplicationRecord
  has_many :comments, dependent: :destroy
  validates :title, presence: true, length: { maximum: 80 }

  def self.search(word)
    where("title LIKE ? ESCAPE '\\'", "%#{sanitize_sql_like(word)}%")
  end

  def summary(words = 5)
    body.to_s.split.first(words).join(" ")
  end
end

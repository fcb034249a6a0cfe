ActiveRecord::Schema.define(version: 1) do
  create_table :posts do |t|
    t.string :title, null: false
    t.text :body
    t.timestamps
  end
  create_table :comments do |t|
    t.references :post, null: false, foreign_key: true
    t.string :author, null: false
    t.text :body, null: false
    t.timestamps
  end
end

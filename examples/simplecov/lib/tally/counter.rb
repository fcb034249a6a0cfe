# frozen_string_literal: true

module Tally
  class Counter
    def initialize
      @counts = Hash.new(0)
    end

    def add(word, times = 1)
      raise ArgumentError, "times must be positive" unless times.positive?

      @counts[word] += times
      self
    end

    def [](word)
      @counts[word]
    end

    def top(n)
      @counts.sort_by { |word, count| [-count, word] }.first(n)
    end

    def total
      @counts.values.sum
    end
  end
end

# frozen_string_literal: true

module Tally
  module Report
    module_function

    def lines(counter, n)
      counter.top(n).map { |word, count| "#{word}: #{count}" }
    end

    def share(counter, word)
      return 0.0 if counter.total.zero?

      counter[word].fdiv(counter.total)
    end

    # Never called by the specs: the line SimpleCov reports as missed.
    def csv(counter, n)
      counter.top(n).map { |pair| pair.join(",") }.join("\n")
    end
  end
end

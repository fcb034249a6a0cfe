# frozen_string_literal: true
#
# What the Ruby adapters (rspec, minitest) share: the protocol's streams (docs/protocol.md,
# version 3), the work items (a file, or a part of one), the record format and its size cap,
# the loop over stdin and the runner's end. An adapter requires this first, before anything
# that could print, and hands `Distributest::Worker.serve` its name (for the hello line and the
# process title) and a module that answers:
#
#   boot              load the framework and the project (raise or exit to fail the start)
#   run_file(path, selection)
#                     run one existing file in this process, return its record (a Hash);
#                     selection is nil for the whole file, or a Worker::Selection (a part):
#                     run only the examples whose id it `run?`s, and count no other
#   teardown          the framework's end of the run, once, after the empty line; returns the
#                     failures to report (Strings), empty when it went well
#   backtrace(lines)  the lines of an error's backtrace worth showing

# The protocol owns fd 1 and fd 0; everything else, including what tests, C extensions and
# subprocesses write to fd 1, goes to stderr.
PROTO_OUT = STDOUT.dup           # close-on-exec: child processes never see it
PROTO_IN = STDIN.dup
STDOUT.reopen(STDERR)
STDIN.reopen(File::NULL)
STDOUT.sync = true
STDERR.sync = true
PROTO_IN.binmode
PROTO_OUT.binmode

module Distributest
  module Worker
    END_MARKER = "\x1edistributest:end\n"
    PART_PREFIX = "\x1f"
    MAX_TEXT = 64 * 1024
    # The master refuses a record over 64 MiB (docs/protocol.md): one past half of that is
    # slimmed, well clear of the limit.
    MAX_RECORD = 32 * 1024 * 1024
    RUNNER_PID = Process.pid

    # Registered before anything else, so it runs after every other at_exit hook: one that
    # raised in the teardown (a coverage writer) leaves Ruby's exit status at 0, hiding it.
    at_exit { exit 1 if Worker.at_exit_hook_failed? }

    def self.at_exit_hook_failed?
      Process.pid == RUNNER_PID && @tearing_down && ($!.is_a?(StandardError) || $!.is_a?(ScriptError))
    end

    # Before the framework: a Gemfile.lock may pin a json other than the default gem.
    def self.require_bundle
      if File.file?("Gemfile") && ENV["DISTRIBUTEST_NO_BUNDLER"].to_s.empty? && !defined?(Bundler)
        require "bundler/setup"
      end
      require "json"
    end

    def self.text(value, limit = MAX_TEXT)
      s = value.to_s.dup.force_encoding(Encoding::UTF_8)
      s = s.scrub("\uFFFD") unless s.valid_encoding?
      s = s.byteslice(0, limit).scrub("") + "\n[truncated]" if s.bytesize > limit
      s
    end

    def self.monotonic
      Process.clock_gettime(Process::CLOCK_MONOTONIC)
    end

    def self.error_record(message)
      { "status" => "error", "examples" => 0, "failures" => 0, "pending" => 0, "errors" => 1,
        "message" => text(message) }
    end

    def self.describe_exception(e)
      lines = @adapter ? @adapter.backtrace(e.backtrace || []) : (e.backtrace || [])
      ["#{e.class}: #{e.message}", *lines.first(30)].join("\n")
    end

    # The only writer of the protocol stream.
    def self.send_line(line)
      PROTO_OUT.write("#{line}\n")
      PROTO_OUT.flush
    rescue Errno::EPIPE
      exit_at_once
    end

    # `ps` on a node shows which file each runner is on, so a stuck test is easy to find.
    def self.title(state)
      Process.setproctitle("distributest #{@name}: #{state}")
    end

    def self.serve(name, adapter)
      @name = name
      @adapter = adapter
      title("loading")
      adapter.boot
      send_line("@distributest hello 3 #{@name}")
      title("idle")
      while (item = next_item)
        answer(*item)
        title("idle")
      end
      finish_run
    rescue Errno::EPIPE
      exit_at_once
    end

    # Which examples of a file a part runs (docs/protocol.md, "Work items"): `only` the listed
    # ids, or all `except` them. An example without an id (a test-unit test) is in no `only`
    # list, so it runs in the `except` part: every example still runs exactly once.
    class Selection
      attr_reader :kind, :ids

      def initialize(kind, ids)
        @kind = kind
        @ids = ids.to_h { |id| [id, true] }
      end

      def only?
        @kind == "only"
      end

      def run?(id)
        return !only? if id.nil?

        @ids.key?(id) == only?
      end

      def to_s
        "#{@kind} #{@ids.size} id#{@ids.size == 1 ? "" : "s"}"
      end
    end

    # The next work item, as [path, selection, error]: selection nil for a whole file, error a
    # String for a malformed part (answered with an error record, the runner goes on). nil for
    # the empty line (no more work). EOF: the master is gone or is ending this runner, so
    # nothing is torn down.
    def self.next_item
      line = PROTO_IN.gets("\n")
      exit_at_once if line.nil?
      return nil if line == "\n"

      line = line.delete_suffix("\n").force_encoding(Encoding::UTF_8)
      return [line, nil, nil] unless line.start_with?(PART_PREFIX)

      parse_part(line.byteslice(1..))
    end

    def self.parse_part(json)
      excerpt = text(json, 200)
      spec =
        begin
          JSON.parse(json)
        rescue JSON::ParserError, EncodingError, ArgumentError => e
          return ["", nil, "malformed part (not JSON: #{text(e.message, 200)}): #{excerpt}"]
        end
      return ["", nil, "malformed part (not a JSON object): #{excerpt}"] unless spec.is_a?(Hash)

      path = spec["path"]
      unless path.is_a?(String) && !path.empty?
        return ["", nil, "malformed part (no \"path\" string): #{excerpt}"]
      end

      kinds = %w[only except].select { |k| spec.key?(k) }
      unless kinds.size == 1
        return [path, nil, "malformed part (needs exactly one of \"only\" and \"except\"): #{excerpt}"]
      end

      ids = spec[kinds[0]]
      unless ids.is_a?(Array) && ids.all?(String)
        return [path, nil, "malformed part (\"#{kinds[0]}\" must be an array of strings): #{excerpt}"]
      end

      [path, Selection.new(kinds[0], ids), nil]
    end

    def self.answer(path, selection, error)
      title(selection ? "#{path} (part)" : path)
      started = monotonic
      record =
        if error
          error_record(error)
        else
          surviving { File.file?(path) ? @adapter.run_file(path, selection) : missing_record(path) }
        end
      leave_if_forked
      finish(path, record, started)
    end

    def self.missing_record(path)
      error_record(File.exist?(path) ? "not a regular file: #{path}" : "no such file: #{path}")
    end

    # The runner survives whatever one file does.
    def self.surviving
      saved = [$stdout, $stderr]
      yield
    rescue SystemExit => e
      leave_if_forked(e.status)
      error_record("the file called exit (status #{e.status}); the runner went on")
    rescue SignalException, NoMemoryError
      raise
    rescue Exception => e # rubocop:disable Lint/RescueException -- SyntaxError, LoadError too
      error_record("distributest #{@name} adapter: #{describe_exception(e)}")
    ensure
      $stdout, $stderr = saved
    end

    # Each text is capped, but thousands of failing examples can still add up: shed
    # backtraces, then long messages, then per-example details, never the counts.
    def self.slimmed(record)
      record = record.merge("cases" => (record["cases"] || []).map { |c| c.reject { |k, _| k == "backtrace" } })
      return record if JSON.generate(record).bytesize <= MAX_RECORD

      record["cases"] = record["cases"].map { |c| c.key?("message") ? c.merge("message" => text(c["message"].to_s, 1024)) : c }
      return record if JSON.generate(record).bytesize <= MAX_RECORD

      record.merge("cases" => record["cases"].first(1000))
    end

    def self.finish(path, record, started)
      record = { "path" => text(path) }.merge(record)
      record["duration"] = (monotonic - started).round(6)
      line = "@distributest result #{JSON.generate(record)}"
      line = "@distributest result #{JSON.generate(slimmed(record))}" if line.bytesize > MAX_RECORD
      flush_output
      STDERR.write(END_MARKER)
      send_line(line)
    end

    # Tests may have replaced $stdout/$stderr with their own buffered streams.
    def self.flush_output
      [$stdout, $stderr].each do |io|
        io.flush
      rescue IOError, SystemCallError
        nil # a stream the test closed: it has nothing of ours to flush
      end
      STDOUT.flush
      STDERR.flush
    end

    # After the empty line: the framework's end of the run, then the project's at_exit hooks
    # (through exit). A failure is the runner's, not any file's: it goes to stderr and the exit
    # status, which the master reports as the runner's teardown failure.
    def self.finish_run
      title("teardown")
      @tearing_down = true
      failures = surviving_teardown { @adapter.teardown }
      leave_if_forked
      flush_output
      exit 0 if failures.empty?

      STDERR.write("distributest #{@name}: the teardown after the last file failed:\n" \
                   "#{failures.join("\n\n")}\n")
      exit 1
    end

    def self.surviving_teardown
      yield
    rescue SystemExit => e
      leave_if_forked(e.status)
      raise # the project chose to exit, with its own status
    rescue SignalException, NoMemoryError
      raise
    rescue Exception => e # rubocop:disable Lint/RescueException -- ScriptError too
      ["distributest #{@name} adapter: #{describe_exception(e)}"]
    end

    def self.exit_at_once
      flush_output
      exit!(0)
    rescue Errno::EPIPE
      exit!(0)
    end

    # A test's forked child that exits or returns lands here too: it must end at once, without
    # a record or a read of the next path, which belong to the runner alone.
    def self.leave_if_forked(status = 0)
      return if Process.pid == RUNNER_PID

      STDERR.flush
      exit!(status)
    end
  end
end

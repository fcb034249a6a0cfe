#!/usr/bin/env bash
# The SimpleCov recipe (examples/simplecov, README) on 2 test-cluster nodes x 2 runners: each
# runner writes its own result (command_name and coverage_dir by DISTRIBUTEST_RUNNER_ID, with
# its project root noted beside it), [artifacts] brings the results back, bin/collate-coverage
# maps the nodes' paths to this checkout and runs SimpleCov.collate, and the merged report
# covers and misses the same lines, file by file, as a serial `rspec`. A second run with fewer
# runners brings back only its own results (node_setup clears the earlier ones).
source "$(dirname "$0")/lib.sh"
cluster_available || { echo "SKIP: needs root and network namespaces for tools/testcluster"; exit 77; }
ruby -e 'require "simplecov"' 2>/dev/null || { echo "SKIP: needs ruby-simplecov"; exit 77; }
project=$WORK/simplecov
cp -a "$SRC/examples/simplecov" "$project"
cd "$project"
rm -rf coverage .distributest/artifacts

# One line per file of a .resultset.json holding one result: its path in the project, covered
# / relevant lines, the missed lines, and each line's state (- not code, 0 missed, 1 run).
# Hit counts are left out: lines run at load time count once per runner that loaded the file.
summary() {
  ruby -rjson -e '
    root = File.realpath(ARGV[0])
    sets = JSON.parse(File.read(ARGV[1]))
    abort "#{ARGV[1]}: wanted one result, got #{sets.keys.inspect}" unless sets.size == 1
    sets.values.first.fetch("coverage").sort.each do |path, data|
      lines = data.fetch("lines")
      state = lines.map { |n| n.nil? ? "-" : n.zero? ? "0" : "1" }.join
      missed = (1..lines.size).select { |l| lines[l - 1] == 0 }
      puts format("%-22s %2d/%2d covered  missed: %-8s %s", path.delete_prefix("#{root}/"),
                  state.count("1"), state.count("01"), missed.join(",").then { _1.empty? ? "-" : _1 }, state)
    end' "$project" "$1"
}

rspec >"$WORK/serial.out" 2>&1 || { cat "$WORK/serial.out" >&2; fail "serial rspec failed"; }
grep -q "8 examples, 0 failures" "$WORK/serial.out" || { cat "$WORK/serial.out" >&2; fail "serial rspec: not 8 examples"; }
serial=$(summary coverage/.resultset.json)
grep -q " 0/" <<<"$serial" && fail "serial: a file with no covered line: $serial"
grep -q "missed: [0-9]" <<<"$serial" || fail "serial coverage misses no line, so the comparison proves little: $serial"
rm -rf coverage

cluster_up 2 simplecov
run_cluster -n 2 --json "$WORK/r.json"
assert_rc 0
assert_summary "$WORK/r.json" 8 0 0 "distributed rspec"
mapfile -t results < <(find .distributest/artifacts -name .resultset.json -type f | sort)
[[ " ${results[*]}" == *"/n1/"* && " ${results[*]}" == *"/n2/"* ]] ||
  fail "SimpleCov results not from both nodes: ${results[*]:-none}"
# Every runner that ran files brought its own result back, noting a root that is not this
# checkout (else the path mapping would go untested).
for pair in $(json_get "$WORK/r.json" "' '.join(sorted(set(f['node'] + '/' + f['runner'] for f in r['files'])))"); do
  dir=.distributest/artifacts/${pair%/*}/coverage/runners/${pair#*/}
  [[ -f $dir/.resultset.json && -f $dir/project_root ]] ||
    fail "runner ${pair#*/} on ${pair%/*} ran files but its SimpleCov result did not come back: ${results[*]}"
  [[ $(cat "$dir/project_root") != "$(pwd -P)" ]] || fail "$dir: recorded under this checkout, not the node's copy"
done
((${#results[@]} >= 3)) || fail "wanted results from at least 3 runners, got ${#results[@]}: ${results[*]}"

bin/collate-coverage >"$WORK/collate.out" 2>&1 || { cat "$WORK/collate.out" >&2; fail "bin/collate-coverage failed"; }
merged=$(summary coverage/.resultset.json)
[[ $merged == "$serial" ]] || fail "merged coverage differs from serial:
--- serial
$serial
--- merged from ${#results[@]} runners
$merged"

# Fewer runners next time: node_setup clears the earlier run's results on the nodes, so only
# this run's come back to be collated.
run_cluster -n 1 --json "$WORK/r1.json"
assert_rc 0
again=$(find .distributest/artifacts -name .resultset.json -type f | wc -l)
runners=$(json_get "$WORK/r1.json" "len(r['runners'])")
[[ $again == "$runners" ]] || fail "-n 1 after -n 2: $again results came back for $runners runners (stale ones kept?)"

echo "ok: SimpleCov results of ${#results[@]} runners on 2 nodes, collated, cover the same lines as serial rspec:"
echo "$merged"
grep -h "LOC" "$WORK/serial.out" "$WORK/collate.out"

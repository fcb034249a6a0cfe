#!/usr/bin/env bash
# Shared workstations (issue 12): a test on a remote node runs at nice 10 in the idle I/O
# class, one on host = "local" at nice 0 and its usual class; and runners = "auto" counts the
# CPUs a node's processes may use, so a node whose sshd sits in a cgroup v1 group limited to
# one CPU gets one runner while the others get their cores.
source "$(dirname "$0")/lib.sh"
cluster_available || { echo "SKIP: the test cluster needs root and network namespaces"; exit 77; }
CG_ROOT=/sys/fs/cgroup/cpu
[[ -w $CG_ROOT && -f $CG_ROOT/cgroup.procs ]] ||
  { echo "SKIP: needs a writable cgroup v1 cpu controller at $CG_ROOT"; exit 77; }
command -v ionice >/dev/null || { echo "SKIP: ionice is not installed"; exit 77; }
cluster_up 2 priority
CG=$CG_ROOT/distributest-priority-it.$$
# Tear down the cluster first: a group with processes in it cannot be removed.
trap '"$TC" down >/dev/null 2>&1 || true
      if [[ -d $CG ]]; then
        while read -r p; do echo "$p" >"$CG_ROOT/cgroup.procs" 2>/dev/null || true; done <"$CG/cgroup.procs"
        rmdir "$CG" 2>/dev/null || true
      fi
      rm -rf "$WORK"' EXIT

project=$WORK/priority
mkdir -p "$project/tests"
cat >"$project/pytest.ini" <<'INI'
[pytest]
testpaths = tests
INI
# 12 files of 1.5 s on 3 runners: a runner that starts seconds late on a loaded box (CI runs
# other suites beside this one) still gets some.
for i in $(seq 1 12); do
  cat >"$project/tests/test_prio_$i.py" <<'PY'
import os
import subprocess
import time


def test_priority():
    time.sleep(1.5)  # so that every node's runner gets a file before the first is done
    io = subprocess.run(["ionice", "-p", str(os.getpid())], capture_output=True, text=True).stdout
    line = "%s nice=%d io=%s\n" % (os.environ["DISTRIBUTEST_NODE"], os.nice(0), io.split(":")[0].strip())
    with open(os.path.join(os.environ.get("PRIO_DIR", "/tmp"), "prio.log"), "a") as out:
        out.write(line)
PY
done
config_prio=$WORK/priority.toml
cat "$config" >"$config_prio"
cat >>"$config_prio" <<TOML

[[node]]
name = "here"
host = "local"
runners = 1
env = { PRIO_DIR = "$WORK" }
TOML
cd "$project"
set +e
"$TC" run "$DT" -c "$config_prio" -n 1 --framework pytest >"$WORK/out" 2>&1
rc=$?
set -e
assert_rc 0
for n in n1 n2; do
  got=$("$TC" exec "$n" cat /tmp/prio.log | sort -u)
  [[ -n $got ]] || fail "no test ran on $n"
  [[ $got == "$n nice=10 io=idle" ]] || fail "on $n a test saw: $got (wanted nice=10 io=idle)"
done
got=$(sort -u "$WORK/prio.log")
[[ $got == "here nice=0 io=none" ]] || fail "on the local node a test saw: $got (wanted nice=0 io=none)"
echo "ok: remote tests at nice 10 / idle I/O, local ones at 0 / none"

# A node set to nice 0, ionice "none" runs as the login does.
sed -i '0,/^name = "n1"/s//name = "n1"\nnice = 0\nionice = "none"/' "$config_prio"
"$TC" exec n1 rm -f /tmp/prio.log
run_prio() {
  set +e
  "$TC" run "$DT" -c "$config_prio" --framework pytest "$@" >"$WORK/out" 2>&1
  rc=$?
  set -e
}
run_prio -n 1
assert_rc 0
got=$("$TC" exec n1 cat /tmp/prio.log | sort -u)
[[ $got == "n1 nice=0 io=none" ]] || fail "n1 with nice = 0, ionice = \"none\" saw: $got"
echo "ok: nice = 0, ionice = \"none\" on a node"

# n1's sshd in a group limited to 1 CPU: the sessions it forks (the CPU probe among them)
# inherit the group, and runners = "auto" gives n1 one runner.
mkdir "$CG"
echo 100000 >"$CG/cpu.cfs_period_us"
echo 100000 >"$CG/cpu.cfs_quota_us"
echo "$(<"$DISTRIBUTEST_TESTCLUSTER_DIR/n1/init")" >"$CG/cgroup.procs"
# `ip netns exec` gave the node a sysfs of its own, without the cgroup mounts a real machine
# has: mount the same v1 cpu hierarchy there (the group's path is the host's: no cgroup
# namespace), so the probe finds the limit where it would on a real node.
"$TC" exec n1 sh -c 'mount -t tmpfs cgroup /sys/fs/cgroup && mkdir /sys/fs/cgroup/cpu &&
  mount -t cgroup -o cpu cpu /sys/fs/cgroup/cpu' || fail "cannot mount the cpu cgroup on n1"
cores=$(nproc)
run_prio --json "$WORK/report.json" --verbose
assert_rc 0
count() { json_get "$WORK/report.json" "len([x for x in r['runners'] if x['node'] == '$1'])"; }
[[ $(count n1) == 1 ]] || fail "n1 (quota 1 CPU) got $(count n1) runners"
[[ $(count n2) == "$cores" ]] || fail "n2 got $(count n2) runners, wanted its $cores CPUs"
grep -rqF "node n1: $cores CPU" "$XDG_STATE_HOME" "$WORK/out" || fail "no CPU line for n1 in the log"
grep -rqF "(cgroup quota 1), load" "$XDG_STATE_HOME" "$WORK/out" || fail "the log does not name n1's quota"
echo "ok: runners = \"auto\" on a node limited to 1 CPU by its cgroup: 1 runner"

#!/usr/bin/env bash
# Host keys checked against known_hosts as OpenSSH's ssh checks them, on a real test cluster
# (tools/testcluster) plus a second sshd on n1 (port 2222, an ECDSA host key only):
# - a malformed line does not hide the changed key below it: accept-new refuses the node and
#   appends nothing for it; the line is reported once per run as PATH:LINE, run and doctor;
# - @revoked keys are refused;
# - hashed known_hosts for a node without an ed25519 host key connects;
# - a [host]:port pin is not overridden by a plain host entry, and a plain entry with another
#   key leaves [host]:port unknown (accept-new records it) instead of "changed";
# - a known_hosts that cannot be read leaves the node out, instead of counting as "unknown".
source "$(dirname "$0")/lib.sh"
cluster_available || { echo "SKIP: the test cluster needs root and network namespaces"; exit 77; }
cluster_up 2 knownhosts

state=$(dirname "$config")
n1_key=$(grep '^10.77.0.11 ' "$state/known_hosts" | cut -d' ' -f2-)
n2_key=$(grep '^10.77.0.12 ' "$state/known_hosts" | cut -d' ' -f2-)

project=$WORK/p
mkdir -p "$project/t"
echo true > "$project/t/a.sh"
cd "$project"

# config_for KNOWN_HOSTS POLICY: the cluster's config with these [ssh] settings, and node n1e
# (n1's second sshd).
config_for() {
  sed -e "s|^known_hosts = .*|known_hosts = \"$1\"|" \
      -e "s|^host_key_policy = .*|host_key_policy = \"$2\"|" "$config"
  printf '\n[[node]]\nname = "n1e"\nhost = "10.77.0.11"\nport = 2222\nuser = "root"\n'
  printf 'identity = "%s"\n' "$state/id_ed25519"
}

# run_on NODES KNOWN_HOSTS POLICY: a run of t/a.sh on NODES; output in $WORK/out, status in $rc.
run_on() {
  config_for "$2" "$3" > "$WORK/run.toml"
  set +e
  "$TC" run "$DT" -c "$WORK/run.toml" --nodes "$1" --framework command --command 'sh {file}' \
    't/*.sh' >"$WORK/out" 2>&1
  rc=$?
  set -e
}

doctor_with() {  # doctor_with KNOWN_HOSTS POLICY
  config_for "$1" "$2" > "$WORK/doctor.toml"
  set +e
  "$TC" run "$DT" doctor -c "$WORK/doctor.toml" >"$WORK/out" 2>&1
  rc=$?
  set -e
}
row() { grep -E "^$1 " "$WORK/out" || fail "no row for $1: $(cat "$WORK/out")"; }

# A bare host name (libssh2 stopped reading there), then n2's key under n1's address: a man in
# the middle. n1 is refused even with accept-new, and nothing is added for it; n2 is unknown,
# recorded, and runs.
kh=$WORK/garbage_known_hosts
printf '10.77.0.11\n10.77.0.11 %s\n' "$n2_key" > "$kh"
run_on n1,n2 "$kh" accept-new
assert_rc 0
assert_out_contains "node n1 (10.77.0.11) left out: HOST KEY CHANGED for n1"
assert_out_contains "$kh:2 holds another ssh-ed25519 key"
[[ $(grep -c '^10\.77\.0\.11 ' "$kh") == 1 ]] || fail "a key was added for n1: $(cat "$kh")"
grep -qF "10.77.0.12 $n2_key" "$kh" || fail "n2's key was not recorded: $(cat "$kh")"
[[ $(count_in "$WORK/out" "warning: $kh:1: line ignored: no key after the host names") == 1 ]] ||
  fail "the bad line is not reported exactly once: $(cat "$WORK/out")"
echo "ok: a bad line does not hide a changed key; reported once as $kh:1"

doctor_with "$kh" accept-new
[[ $(row n1) == *" changed "* ]] || fail "doctor: n1 not changed: $(row n1)"
[[ $(row n2) == *" known "* ]] || fail "doctor: n2 not known: $(row n2)"
[[ $(count_in "$WORK/out" "warning: $kh:1: line ignored") == 1 ]] ||
  fail "doctor: the bad line is not reported exactly once: $(cat "$WORK/out")"
echo "ok: doctor shows the changed key and the bad line once"

# A revoked key is refused although it is also listed as n1's.
printf '@revoked * %s\n10.77.0.11 %s\n' "$n1_key" "$n1_key" > "$WORK/revoked"
run_on n1 "$WORK/revoked" strict
assert_rc 3
assert_out_contains "REVOKED HOST KEY for n1"
echo "ok: a @revoked key is refused"

# n1's second sshd: port 2222, an ECDSA host key only. Its files stay out of the nodes' /tmp.
extra=$state/extra
mkdir -m 0700 "$extra"
ssh-keygen -q -t ecdsa -N '' -C n1e -f "$extra/ssh_host_ecdsa_key"
ssh-keygen -q -t ecdsa -N '' -C other -f "$extra/other_ecdsa_key"
ecdsa=$(cut -d' ' -f1,2 "$extra/ssh_host_ecdsa_key.pub")
other_ecdsa=$(cut -d' ' -f1,2 "$extra/other_ecdsa_key.pub")
sed -e 's/^Port 22$/Port 2222/' -e "s|^HostKey .*|HostKey $extra/ssh_host_ecdsa_key|" \
  "$state/n1/sshd_config" > "$extra/sshd_config"
"$TC" exec n1 /usr/sbin/sshd -f "$extra/sshd_config" -E "$extra/sshd.log"
for _ in $(seq 100); do
  "$TC" run bash -c 'exec 3<>/dev/tcp/10.77.0.11/2222' 2>/dev/null && break
  sleep 0.05
done

# Hashed entries (ssh-keygen -H, Debian's default when ssh records a key): the handshake asks
# for the ECDSA key they hold instead of trying ed25519 first and giving up.
printf '[10.77.0.11]:2222 %s\n' "$ecdsa" > "$WORK/hashed"
ssh-keygen -q -H -f "$WORK/hashed" >/dev/null 2>&1
grep -q '^|1|' "$WORK/hashed" || fail "known_hosts was not hashed"
run_on n1e "$WORK/hashed" strict
assert_rc 0
echo "ok: hashed known_hosts, a node without an ed25519 host key"

# The port's own pin counts; the plain entry holding the right key does not override it.
printf '[10.77.0.11]:2222 %s\n10.77.0.11 %s\n' "$other_ecdsa" "$ecdsa" > "$WORK/pinned"
run_on n1e "$WORK/pinned" strict
assert_rc 3
assert_out_contains "HOST KEY CHANGED for n1e (10.77.0.11:2222)"
echo "ok: a [host]:port pin is not overridden by a plain host entry"

# A plain entry with another key says nothing about port 2222 (ssh: a new host): accept-new
# records [host]:port.
printf '10.77.0.11 %s\n' "$other_ecdsa" > "$WORK/plain"
run_on n1e "$WORK/plain" accept-new
assert_rc 0
grep -qxF "[10.77.0.11]:2222 $ecdsa" "$WORK/plain" || fail "[host]:port not recorded: $(cat "$WORK/plain")"
echo "ok: a plain entry with another key leaves [host]:port unknown; accept-new records it"

# As in ssh, a plain entry holding exactly the port's key is accepted for it.
printf '10.77.0.11 %s\n' "$ecdsa" > "$WORK/plain_same"
run_on n1e "$WORK/plain_same" strict
assert_rc 0
echo "ok: a plain entry with the same key serves [host]:port"

# A known_hosts that cannot be read is an error naming it, not "unknown" (which accept-new
# would have recorded).
mkdir "$WORK/dir_known_hosts"
run_on n1 "$WORK/dir_known_hosts" accept-new
assert_rc 3
assert_out_contains "cannot read known_hosts file $WORK/dir_known_hosts: Is a directory"
doctor_with "$WORK/dir_known_hosts" accept-new
[[ $(row n1) == *" unreadable "* ]] || fail "doctor: n1's host key not unreadable: $(row n1)"
grep -q "^fix n1: cannot read known_hosts file" "$WORK/out" || fail "doctor: no fix: $(cat "$WORK/out")"
echo "ok: an unreadable known_hosts leaves the node out"

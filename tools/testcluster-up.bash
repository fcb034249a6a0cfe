# Sourced by tools/testcluster for `up`: builds the nodes (files, network, sshd) and writes the
# configs. Uses tools/testcluster's globals (STATE, PREFIX, HUB, CTL, addresses) and helpers.
# shellcheck shell=bash

# Writes node $1's files: its host key (added to known_hosts by IP and by name), its line in the
# hosts file, its sshd_config.
node_files() {
  local name=$1 ip key
  ip=$(node_ip "$name")
  mkdir -m 0700 "$STATE/$name"
  ssh-keygen -q -t ed25519 -N '' -C "$name" -f "$STATE/$name/ssh_host_ed25519_key"
  key=$(cut -d' ' -f1,2 "$STATE/$name/ssh_host_ed25519_key.pub")
  printf '%s %s\n%s %s\n' "$ip" "$key" "$name" "$key" >>"$STATE/known_hosts"
  echo "$ip $name" >>"$STATE/hosts"
  cat >"$STATE/$name/sshd_config" <<EOC
# sshd of testcluster node $name
Port 22
AddressFamily inet
ListenAddress 0.0.0.0
HostKey $STATE/$name/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PubkeyAuthentication yes
AuthorizedKeysFile $STATE/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile none
MaxStartups 100
MaxSessions ${DISTRIBUTEST_TESTCLUSTER_MAX_SESSIONS:-10}
# sshd gives up on a client silent for 10 s (a dead master's channels then end): not 3 s,
# which dropped live masters starved by 64 nodes' runners on a 2-core box.
ClientAliveInterval 1
ClientAliveCountMax 10
# A node is a jump host for the hidden nodes behind it (direct-tcpip channels). sshd's default,
# said here so that ProxyJump tests do not hang on a distribution's default.
AllowTcpForwarding yes
UseDNS no
PrintMotd no
PrintLastLog no
Subsystem sftp /usr/lib/openssh/sftp-server
EOC
}

# make_bridge NS BR: a bridge that forwards at once, without IPv6 link-local addresses (so no DAD
# or router solicitations either).
make_bridge() {
  ip -n "$1" link add "$2" type bridge stp_state 0 forward_delay 0
  ip -n "$1" link set "$2" addrgenmode none
  ip -n "$1" link set "$2" up
}

# node_net NAME NS BR: node NAME's network namespace, its eth0 a veth whose other end (vNAME) is
# a port of bridge BR in namespace NS. Links are made inside namespaces, so no interface ever
# appears in the root namespace.
node_net() {
  local name=$1 ns=$PREFIX-$1
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip -n "$2" link add "v$name" type veth peer name eth0 netns "$ns"
  ip -n "$2" link set "v$name" addrgenmode none master "$3" up
  ip -n "$ns" addr add "$(node_ip "$name")/24" dev eth0
  ip -n "$ns" link set eth0 addrgenmode none up
}

# Starts node $1: unshare makes the node's UTS, mount and PID namespaces; its child (the node's
# PID 1) sets the hostname, mounts a private /tmp and /root, shows the cluster's hosts file, and
# becomes sshd. --kill-child: SIGKILL of unshare kills PID 1 and so the whole node.
start_node() {
  local name=$1
  setsid ip netns exec "$PREFIX-$name" unshare --uts --mount --pid --fork --kill-child --mount-proc -- \
    /bin/sh -c '
      set -e
      hostname "$1"
      mount -t tmpfs -o mode=1777 tmpfs /tmp
      mount -t tmpfs -o mode=700 tmpfs /root
      mount --bind "$2/hosts" /etc/hosts
      umount -l /run/netns 2>/dev/null || true
      mkdir -p /run/sshd
      exec "$3" -D -e -f "$2/$1/sshd_config"' sh "$name" "$STATE" "$SSHD" \
    </dev/null >>"$STATE/$name/sshd.log" 2>&1 &
  echo $! >"$STATE/$name/pid"
}

# record_init NAME DEADLINE: waits (until SECONDS reaches DEADLINE) for node NAME's PID 1
# (unshare's child) and records it.
record_init() {
  local name=$1 pid init
  pid=$(<"$STATE/$name/pid")
  until init=$(cat "/proc/$pid/task/$pid/children" 2>/dev/null) && [[ -n ${init// /} ]]; do
    [[ -e /proc/$pid ]] || { cat "$STATE/$name/sshd.log" >&2; die "node $name died while starting"; }
    ((SECONDS < $2)) || die "node $name did not start"
    sleep 0.01
  done
  echo "${init%% *}" >"$STATE/$name/init"
}

# wait_answering DEADLINE NAME...: waits until every named node's sshd answers.
wait_answering() {
  local deadline=$1 waiting answered name still
  shift
  waiting=("$@")
  while ((${#waiting[@]})); do
    answered=" $(answering "${waiting[@]}" | tr '\n' ' ') "
    still=()
    for name in "${waiting[@]}"; do
      [[ $answered == *" $name "* ]] || still+=("$name")
    done
    waiting=(${still[@]+"${still[@]}"})
    ((${#waiting[@]})) || break
    for name in "${waiting[@]}"; do
      [[ -e /proc/$(<"$STATE/$name/pid") ]] || { cat "$STATE/$name/sshd.log" >&2; die "node $name died while starting"; }
    done
    ((SECONDS < deadline)) || die "sshd did not answer on: ${waiting[*]} (logs: $STATE/NODE/sshd.log)"
    sleep 0.05
  done
}

# node_table NAME...: distributest [[node]] tables (host = the node's IP).
node_table() {
  local name
  for name; do
    printf '\n[[node]]\nname = "%s"\nhost = "%s"\nport = 22\nuser = "root"\nidentity = "%s"\n' \
      "$name" "$(node_ip "$name")" "$STATE/id_ed25519"
  done
}

# write_configs N BEHIND M: config.toml, hidden.toml (if M > 0) and ssh_config.
write_configs() {
  local n=$1 behind=$2 m=$3 main=() hidden=() i name
  for ((i = 1; i <= n; i++)); do main+=("n$i"); done
  for ((i = 1; i <= m; i++)); do hidden+=("h$i"); done
  {
    echo "# distributest config for the testcluster in $STATE ($n nodes)."
    echo "# Run distributest inside the control namespace: testcluster run distributest -c THIS ..."
    echo
    echo "[ssh]"
    echo "known_hosts = \"$STATE/known_hosts\""
    echo "host_key_policy = \"strict\""
    node_table "${main[@]}"
  } >"$STATE/config.toml"
  if ((m)); then
    {
      echo "# [[node]] tables for the hidden nodes of the testcluster in $STATE: the master cannot"
      echo "# reach ${hidden[*]}; only $behind ($(node_ip "$behind"), port 22, user root, the same identity)"
      echo "# can. Add them to config.toml with a jump through $behind; its known_hosts has their"
      echo "# host keys by IP and by name."
      node_table "${hidden[@]}"
    } >"$STATE/hidden.toml"
  fi
  {
    echo "# OpenSSH client config for the testcluster in $STATE, for use in the control namespace:"
    echo "#   testcluster run ssh -F $STATE/ssh_config NODE CMD"
    for name in "${main[@]}" ${hidden[@]+"${hidden[@]}"}; do
      echo "Host $name"
      echo "  HostName $(node_ip "$name")"
      [[ $name != h* ]] || echo "  ProxyJump $behind"
    done
    echo "Host *"
    echo "  User root"
    echo "  Port 22"
    echo "  IdentityFile $STATE/id_ed25519"
    echo "  IdentitiesOnly yes"
    echo "  UserKnownHostsFile $STATE/known_hosts"
    echo "  GlobalKnownHostsFile /dev/null"
    echo "  StrictHostKeyChecking yes"
    echo "  BatchMode yes"
  } >"$STATE/ssh_config"
}

cmd_up() {
  local n=${1-} behind="" m=0 use="usage: testcluster up N [--behind NODE:M] (1 <= N, M <= $MAX_NODES)"
  [[ ${2-} != --behind=* ]] || set -- "$1" --behind "${2#--behind=}"
  [[ $n =~ ^[1-9][0-9]*$ && $n -le $MAX_NODES ]] || die "$use"
  if [[ $# -eq 3 && $2 == --behind ]]; then
    [[ $3 =~ ^(n[1-9][0-9]*):([1-9][0-9]*)$ ]] || die "--behind '$3': wanted NODE:M, e.g. n1:2"
    behind=${BASH_REMATCH[1]}
    m=${BASH_REMATCH[2]}
    ((${behind#n} <= n)) || die "--behind $3: there is no node $behind (nodes n1..n$n)"
    ((m <= MAX_NODES)) || die "$use"
  else
    [[ $# -eq 1 ]] || die "$use"
  fi
  [[ -x $SSHD ]] || die "$SSHD not found: install openssh-server (run tools/setup)"
  local tool
  for tool in ssh-keygen unshare nsenter ip tc; do
    command -v "$tool" >/dev/null || die "$tool not found (run tools/setup)"
  done
  [[ ! -e $STATE ]] || die "a cluster is already up in $STATE (run 'testcluster down' first)"
  [[ -z $(our_namespaces) ]] ||
    die "namespaces of an earlier cluster are left over ($(our_namespaces | tr '\n' ' ')); run 'testcluster down' first"

  # From here on, a failure (or an interrupt) tears down whatever was built.
  UP_DONE=0
  trap '[[ $UP_DONE == 1 ]] || { echo "testcluster: up failed; tearing down" >&2; cmd_down >/dev/null 2>&1 || true; }' EXIT
  trap 'exit 130' INT TERM HUP

  mkdir -p "$(dirname "$STATE")"
  mkdir -m 0700 "$STATE" 2>/dev/null || {
    UP_DONE=1 # another `up` got there first: its cluster is not ours to tear down
    die "a cluster is already up in $STATE (run 'testcluster down' first)"
  }
  [[ -z $behind ]] || echo "$behind" >"$STATE/behind"
  local i names=()
  for ((i = 1; i <= n; i++)); do names+=("n$i"); done
  for ((i = 1; i <= m; i++)); do names+=("h$i"); done

  # Keys (one client key, one host key per node), known_hosts, hosts, sshd configs.
  ssh-keygen -q -t ed25519 -N '' -C testcluster-client -f "$STATE/id_ed25519"
  cp "$STATE/id_ed25519.pub" "$STATE/authorized_keys"
  : >"$STATE/known_hosts"
  {
    cat /etc/hosts
    echo
    echo "# testcluster"
    echo "$CONTROL_IP control"
  } >"$STATE/hosts"
  local name
  for name in "${names[@]}"; do node_files "$name"; done

  # Network: hub (bridge), control, nodes; hidden nodes on a bridge inside the node they are
  # behind, which does not forward (so they cannot reach anything else through it either).
  ip netns add "$HUB"
  ip -n "$HUB" link set lo up
  make_bridge "$HUB" br0
  ip netns add "$CTL"
  ip -n "$CTL" link set lo up
  ip -n "$HUB" link add vctl type veth peer name eth0 netns "$CTL"
  ip -n "$HUB" link set vctl addrgenmode none master br0 up
  ip -n "$CTL" addr add "$CONTROL_IP/24" dev eth0
  ip -n "$CTL" link set eth0 addrgenmode none up
  for name in "${names[@]}"; do
    if [[ $name == h1 ]]; then
      make_bridge "$(link_ns h1)" br1
      ip -n "$(link_ns h1)" addr add "$GATE_IP/24" dev br1
      ip netns exec "$(link_ns h1)" sh -c 'echo 0 >/proc/sys/net/ipv4/ip_forward'
    fi
    if [[ $name == h* ]]; then node_net "$name" "$(link_ns h1)" br1; else node_net "$name" "$HUB" br0; fi
  done

  for name in "${names[@]}"; do start_node "$name"; done
  local deadline=$((SECONDS + 20))
  for name in "${names[@]}"; do record_init "$name" "$deadline"; done
  wait_answering "$deadline" "${names[@]}"
  write_configs "$n" "$behind" "$m"

  UP_DONE=1
  trap - INT TERM HUP
  # Progress on stderr; stdout is only the config's path, so config=$(testcluster up N) works.
  echo "testcluster: $n node(s) up: n1..n$n = $SUBNET.11..$SUBNET.$((10 + n)); control = $CONTROL_IP" >&2
  ((m == 0)) || echo "testcluster: $m hidden node(s) behind $behind: h1..h$m = $HIDDEN_SUBNET.11..$HIDDEN_SUBNET.$((10 + m)) ($STATE/hidden.toml)" >&2
  echo "testcluster: key $STATE/id_ed25519, known_hosts $STATE/known_hosts, ssh_config $STATE/ssh_config" >&2
  echo "$STATE/config.toml"
}

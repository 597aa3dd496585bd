# A LAN of network namespaces on one machine, each host with its own
# system bus and avahi-daemon (see TESTLAN.md in the project's shared
# docs). Sourced by the tests in this folder.
#
#   lan_require            exit 77 unless root with `ip netns`
#   lan_up N               bridge + hosts 1..N at 198.18.0.1..N/24
#   lan_chain N            hosts 1..N in a line, each linked only to its
#                          neighbours (no bridge, no routing): host I is
#                          198.18.I.1 on eth1 towards I+1 and 198.18.I-1.2
#                          on eth0 towards I-1
#   host_avahi I           start dbus-daemon + avahi-daemon on host I
#   host_bus I             the DBUS_SYSTEM_BUS_ADDRESS of host I
#   host_run I CMD...      run CMD inside host I (its netns and bus)
#   host_spawn I LOG CMD...  same, in the background; prints the pid
#   host_kill_avahi I      stop host I's avahi-daemon
#   link_down I / link_up I
#   host_data I, host_api I METHOD PATH [CURL ARGS]   Dropify on host I
#   mdns_connected I, has_n_mdns_peers I N, dump_logs I...
#   eventually SECONDS CMD...   poll CMD until it succeeds, by a deadline
#
# Everything is cleaned up on exit, by pid and by name, even on failure.

set -u

LAN_ID=${LAN_ID:-$(head -c4 /dev/urandom | od -An -tx1 | tr -d ' \n')}
LAN_DIR=$(mktemp -d "/tmp/dropify-lan-$LAN_ID-XXXX")
LAN_NS=()
LAN_PIDS=()

lan_require () {
  if [ "$(id -u)" -ne 0 ]; then
    echo "1..0 # SKIP needs root (network namespaces)"
    exit 77
  fi
  for tool in ip unshare dbus-daemon avahi-daemon avahi-browse; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "1..0 # SKIP $tool is missing (build-aux/install-deps --test installs it)"
      exit 77
    fi
  done
  if ! ip netns add "dzprobe-$LAN_ID" 2>/dev/null; then
    echo "1..0 # SKIP cannot create network namespaces here"
    exit 77
  fi
  ip netns del "dzprobe-$LAN_ID"
}

lan_cleanup () {
  local pid ns
  for pid in "${LAN_PIDS[@]}"; do
    kill "$pid" 2>/dev/null
  done
  sleep 0.2
  for pid in "${LAN_PIDS[@]}"; do
    kill -9 "$pid" 2>/dev/null
  done
  for ns in "${LAN_NS[@]}"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
    ip netns del "$ns" 2>/dev/null
  done
  [ "${LAN_KEEP:-}" = 1 ] || rm -rf "$LAN_DIR"
}
# A signal (meson's timeout sends TERM) ends the test too, through EXIT:
# a trap that only cleaned up would let it run on without its LAN.
trap lan_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ns_name () { echo "dz$1-$LAN_ID"; }

lan_up () {
  local n=$1 i lan
  lan=$(ns_name lan)
  ip netns add "$lan" && LAN_NS+=("$lan")
  ip -n "$lan" link add br0 type bridge
  ip -n "$lan" link set br0 up
  for i in $(seq 1 "$n"); do
    local ns veth
    ns=$(ns_name "p$i")
    veth="v$i-$LAN_ID"
    ip netns add "$ns" && LAN_NS+=("$ns")
    ip link add "$veth" type veth peer name eth0 netns "$ns"
    ip link set "$veth" netns "$lan"
    ip -n "$lan" link set "$veth" master br0
    ip -n "$lan" link set "$veth" up
    ip -n "$ns" addr add "198.18.0.$i/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
    mkdir -p "$LAN_DIR/p$i"
  done
}

# A line of hosts, for relays: each avahi-daemon sees only the
# neighbours, and nothing forwards packets (a new namespace has
# ip_forward off), so a drop from host 1 reaches host N only through
# every host between.
lan_chain () {
  local n=$1 i ns
  for i in $(seq 1 "$n"); do
    ns=$(ns_name "p$i")
    ip netns add "$ns" && LAN_NS+=("$ns")
    ip -n "$ns" link set lo up
    mkdir -p "$LAN_DIR/p$i"
  done
  for i in $(seq 1 $((n - 1))); do
    ip link add "c$i-$LAN_ID" type veth peer name "d$i-$LAN_ID"
    ip link set "c$i-$LAN_ID" netns "$(ns_name "p$i")"
    ip link set "d$i-$LAN_ID" netns "$(ns_name "p$((i + 1))")"
    ip -n "$(ns_name "p$i")" link set "c$i-$LAN_ID" name eth1
    ip -n "$(ns_name "p$((i + 1))")" link set "d$i-$LAN_ID" name eth0
    ip -n "$(ns_name "p$i")" addr add "198.18.$i.1/24" dev eth1
    ip -n "$(ns_name "p$((i + 1))")" addr add "198.18.$i.2/24" dev eth0
    ip -n "$(ns_name "p$i")" link set eth1 up
    ip -n "$(ns_name "p$((i + 1))")" link set eth0 up
  done
}

host_dir () { echo "$LAN_DIR/p$1"; }
host_bus () { echo "unix:path=$(host_dir "$1")/system_bus_socket"; }

wait_for_file () {
  local i
  for i in $(seq 1 100); do
    [ -e "$1" ] && return 0
    sleep 0.05
  done
  return 1
}

# Starts a private system bus for host I (and avahi-daemon unless
# "nodaemon" is given). avahi-daemon runs in its own mount namespace with a
# tmpfs on /run/avahi-daemon, for its pid file.
host_avahi () {
  local i=$1 mode=${2:-daemon} dir ns
  dir=$(host_dir "$i")
  ns=$(ns_name "p$i")

  cat > "$dir/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$dir/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
CONF
  cat > "$dir/avahi.conf" <<CONF
[server]
host-name=p$i
use-ipv4=yes
use-ipv6=no
allow-interfaces=eth0,eth1
ratelimit-interval-usec=1000000
ratelimit-burst=1000
[wide-area]
enable-wide-area=no
[publish]
publish-workstation=no
publish-hinfo=no
publish-addresses=yes
[reflector]
enable-reflector=no
CONF

  ip netns exec "$ns" dbus-daemon --config-file="$dir/bus.conf" --nofork --nopidfile \
    >"$dir/dbus.log" 2>&1 &
  LAN_PIDS+=($!)
  echo $! > "$dir/dbus.pid"
  wait_for_file "$dir/system_bus_socket" || { echo "# no system bus on p$i"; return 1; }

  [ "$mode" = nodaemon ] && return 0
  host_start_avahi "$i"
}

host_start_avahi () {
  local i=$1 dir ns
  dir=$(host_dir "$i")
  ns=$(ns_name "p$i")
  ip netns exec "$ns" unshare -m sh -c "
    mount --make-rprivate / &&
    mount -t tmpfs tmpfs /run/avahi-daemon 2>/dev/null || { mkdir -p /run/avahi-daemon && mount -t tmpfs tmpfs /run/avahi-daemon; } ;
    export DBUS_SYSTEM_BUS_ADDRESS=$(host_bus "$i");
    exec avahi-daemon -f '$dir/avahi.conf' --no-drop-root --no-chroot --no-rlimits -s
  " >"$dir/avahi.log" 2>&1 &
  LAN_PIDS+=($!)
  echo $! > "$dir/avahi.pid"
  # Ready once it owns its bus name.
  local t
  for t in $(seq 1 100); do
    if DBUS_SYSTEM_BUS_ADDRESS=$(host_bus "$i") ip netns exec "$ns" \
        avahi-browse -pt _nothing._tcp >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
  done
  echo "# avahi-daemon did not start on p$i"; cat "$dir/avahi.log" | sed 's/^/# /'
  return 1
}

host_kill_avahi () {
  local dir
  dir=$(host_dir "$1")
  kill "$(cat "$dir/avahi.pid")" 2>/dev/null
  wait "$(cat "$dir/avahi.pid")" 2>/dev/null
  return 0
}

host_run () {
  local i=$1
  shift
  DBUS_SYSTEM_BUS_ADDRESS=$(host_bus "$i") ip netns exec "$(ns_name "p$i")" "$@"
}

host_spawn () {
  local i=$1 log=$2
  shift 2
  DBUS_SYSTEM_BUS_ADDRESS=$(host_bus "$i") ip netns exec "$(ns_name "p$i")" "$@" >"$log" 2>&1 &
  LAN_PIDS+=($!)
  echo $!
}

link_down () { ip -n "$(ns_name "p$1")" link set eth0 down; }
link_up () { ip -n "$(ns_name "p$1")" link set eth0 up; }

source "$(dirname "${BASH_SOURCE[0]}")/../support/tap.sh"

# Dropify on host I, reached from here: its control socket is a file.
host_data () { echo "$LAN_DIR/p$1/data"; }
host_api () {
  local i=$1 method=$2 path=$3
  shift 3
  curl -s --max-time 10 --unix-socket "$(host_data "$i")/control.sock" -X "$method" "$@" "http://dropify$path"
}
# The CLI on host I's data dir (`host_cli I list --json`), and what it
# lists of drop ID.
host_cli () { local i=$1; shift; "$DROPIFY" "$@" --data-dir "$(host_data "$i")"; }
host_drop_json () { host_cli "$1" list --json 2>/dev/null | jq -c --arg id "$2" '.[] | select(.id == $id)'; }
host_has_drop () { [ -n "$(host_drop_json "$1" "$2")" ]; }
# Host I holds drop ID's file whole, with sha256 SHA.
host_has_file () {
  local path
  path=$(host_drop_json "$1" "$2" | jq -r 'select(.complete) | .path // empty')
  [ -n "$path" ] && [ "$(sha256sum < "$path" | cut -c1-64)" = "$3" ]
}
mdns_connected () {
  "$DROPIFY" peers --data-dir "$(host_data "$1")" --json 2>/dev/null |
    jq '[.[] | select(.via == "mdns" and .connected)] | length'
}
has_n_mdns_peers () { [ "$(mdns_connected "$1")" = "$2" ]; }
dump_logs () { for i in "$@"; do sed "s/^/# p$i: /" "$LAN_DIR/p$i/dropify.log" | tail -${DUMP_LINES:-20} | cut -c1-220; done; }

# Polls CMD every 100 ms until it succeeds or SECONDS (times SLOW) run
# out, by the clock: a CMD that takes a while itself (a CLI call, jq) does
# not stretch the deadline.
SLOW=${DROPIFY_TEST_SLOW:-1}
eventually () {
  local seconds=$1 t end
  shift
  t=${EPOCHREALTIME/[.,]/}
  end=$((t + seconds * SLOW * 1000000))
  while :; do
    "$@" && return 0
    t=${EPOCHREALTIME/[.,]/}
    [ "$t" -lt "$end" ] || return 1
    sleep 0.1
  done
}

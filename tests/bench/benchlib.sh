# Helpers for the benchmarks that run on a LAN of network namespaces
# (tests/lan/lanlib.sh). Sourced; prints results as "NAME value unit".
#
#   bench_require_lan TOOL...   exit 77 with a reason unless root, `ip netns`
#                               and every TOOL are here
#   bench_traps                 clean up on exit, and exit on INT/TERM
#   bench_now_us                wall clock in µs, without a subprocess
#   bench_stop PID              SIGTERM, and wait (up to 5 s) until it is gone
#   bench_wait_control DIR      wait until the instance of DIR answers
#   bench_eventually S CMD...   poll CMD every 50 ms for S seconds
#   bench_report_ms NAME US...  NAME_median and NAME_max, in ms
#   bench_ratio NAME A... -- B...  median of A over median of B
#   bench_veth_bytes I          bytes through host I's link, both ways

source "$(dirname "${BASH_SOURCE[0]}")/../lan/lanlib.sh"

bench_require_lan () {
  local tool
  if [ "$(id -u)" -ne 0 ]; then
    echo "# skipped: needs root (network namespaces)"
    exit 77
  fi
  for tool in ip unshare dbus-daemon avahi-daemon avahi-browse "$@"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "# skipped: $tool is missing (build-aux/bench installs it)"
      exit 77
    fi
  done
  if ! ip netns add "dzprobe-$LAN_ID" 2>/dev/null; then
    echo "# skipped: cannot create network namespaces here"
    exit 77
  fi
  ip netns del "dzprobe-$LAN_ID"
}

# lan_cleanup, and a veth of this run still in the root namespace (made
# there, and interrupted before it moved into its host).
bench_cleanup () {
  local link
  lan_cleanup
  for link in $(ip -o link show 2>/dev/null | awk -F': ' -v id="$LAN_ID" \
                  '{ sub(/@.*/, "", $2) } $2 ~ ("^v[0-9]+-" id "$") { print $2 }'); do
    ip link del "$link" 2>/dev/null
  done
}

# lanlib's trap cleans up on INT and TERM but then carries on; a benchmark
# stops there.
bench_traps () {
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

bench_now_us () {
  local t=${EPOCHREALTIME/[.,]/}
  echo "$t"
}

# host_spawn's pids are not children of the caller's shell: `wait` cannot
# see them.
bench_stop () {
  local _
  kill "$1" 2>/dev/null || return 0
  for _ in $(seq 1 100); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.05
  done
  kill -9 "$1" 2>/dev/null
}

bench_wait_control () {
  local _
  for _ in $(seq 1 200); do
    "$DROPIFY" list --data-dir "$1" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  return 1
}

bench_eventually () {
  local seconds=$1 _
  shift
  for _ in $(seq 1 $((seconds * 20))); do
    "$@" && return 0
    sleep 0.05
  done
  return 1
}

# Values in µs in, ms out with one decimal.
bench_report_ms () {
  local name=$1
  shift
  if [ $# -eq 0 ]; then
    echo "# $name: no successful run"
    return
  fi
  printf '%s\n' "$@" | sort -n | awk -v n="$name" '
    { v[NR] = $1 }
    END {
      m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      printf "%s_median %.1f ms\n%s_max %.1f ms\n", n, m / 1000, n, v[NR] / 1000
    }'
}

bench_median () {
  printf '%s\n' "$@" | sort -n | awk '
    { v[NR] = $1 }
    END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

bench_ratio () {
  local name=$1 a=() b=()
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do a+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  b=("$@")
  if [ ${#a[@]} -eq 0 ] || [ ${#b[@]} -eq 0 ]; then
    echo "# $name: missing values"
    return
  fi
  awk -v n="$name" -v x="$(bench_median "${a[@]}")" -v y="$(bench_median "${b[@]}")" \
    'BEGIN { if (y > 0) printf "%s %.2f x\n", n, x / y; else printf "# %s: baseline is 0\n", n }'
}

# Host I's end of its veth pair, on the bridge: its rx is what host I sent.
bench_veth_bytes () {
  local stats=/sys/class/net/v$1-$LAN_ID/statistics
  ip netns exec "$(ns_name lan)" sh -c "echo \$(( \$(cat $stats/rx_bytes) + \$(cat $stats/tx_bytes) ))"
}

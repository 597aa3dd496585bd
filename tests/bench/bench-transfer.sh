#!/usr/bin/env bash
# File transfer between two real headless instances, TLS on, against raw
# TCP (socat) over the same link in the same run.
#   bench-transfer.sh [SIZE_MIB]      default 1024
# Loopback always; with root, also two network namespaces joined by a veth
# pair, unshaped and shaped to 1 Gbit/s with tbf. Prints one line per
# result: "NAME value unit", and "# ..." for context.
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lan/lanlib.sh"

DROPIFY=${DROPIFY_BIN:?DROPIFY_BIN must point to the built dropify}
SIZE_MIB=${1:-1024}
work=$(mktemp -d /tmp/dropify-bench-XXXXXX)
trap 'rm -rf "$work"; lan_cleanup' EXIT
file="$work/random.bin"
head -c $((SIZE_MIB * 1024 * 1024)) /dev/urandom > "$file"
echo "# file: $SIZE_MIB MiB of random data"

now () { date +%s.%N; }
mibs () { echo "scale=1; $SIZE_MIB / ($2 - $1)" | bc; }

sha=$(sha256sum "$file" | cut -d' ' -f1)

# $1/$2: prefixes to run the sender/receiver in a namespace ("" for here);
# $3: address to listen on; $4: port; $5: where the receiver writes. Into
# /dev/null it is the link alone; into a file and synced to disk it is the
# least any file transfer must also do, which Dropify does too (it fsyncs
# before it calls a file complete).
raw_tcp () {
  local run_a=$1 run_b=$2 address=$3 port=$4 out=${5:-/dev/null} t0 t1
  $run_b socat -u TCP-LISTEN:$port,reuseaddr,bind=$address OPEN:"$out",wronly,creat &
  local listener=$!
  sleep 0.3
  t0=$(now)
  $run_a socat -u OPEN:"$file",rdonly TCP:$address:$port
  wait $listener
  [ "$out" = /dev/null ] || sync "$out"
  t1=$(now)
  [ "$out" = /dev/null ] || rm -f "$out"
  mibs "$t0" "$t1"
}

peak_rss_kib () { awk '/VmHWM/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

# Starts A (with the file) and B (connecting to A), and times from B's start
# to the file being complete on B.
dropify_transfer () {
  local run_a=$1 run_b=$2 address=$3 port=$4 a b t0 t1 pa pb rss_a=0 rss_b=0 r
  a="$work/a-$port"; b="$work/b-$port"
  $run_a "$DROPIFY" --headless --data-dir "$a" --port "$port" --no-discovery --group-secret bench \
    2>"$a.log" &
  pa=$!
  for _ in $(seq 1 100); do "$DROPIFY" list --data-dir "$a" >/dev/null 2>&1 && break; sleep 0.05; done
  "$DROPIFY" send --data-dir "$a" --file "$file" >/dev/null
  t0=$(now)
  $run_b "$DROPIFY" --headless --data-dir "$b" --port 0 --no-discovery --group-secret bench \
    --connect "$address:$port" 2>"$b.log" &
  pb=$!
  for _ in $(seq 1 6000); do
    r=$(peak_rss_kib $pa); [ -n "$r" ] && [ "$r" -gt "$rss_a" ] && rss_a=$r
    r=$(peak_rss_kib $pb); [ -n "$r" ] && [ "$r" -gt "$rss_b" ] && rss_b=$r
    # Asking the instance costs a process; the blob appears only once the
    # content is stored and verified, so look for it first.
    if [ -e "$b/files/${sha:0:2}/$sha" ]; then
      "$DROPIFY" list --data-dir "$b" --json 2>/dev/null | grep -q '"complete" : true' && break
    fi
    sleep 0.02
  done
  t1=$(now)
  sha_b=$("$DROPIFY" list --data-dir "$b" --json | jq -r '.[0].path' | xargs sha256sum | cut -d' ' -f1)
  [ "$sha_b" = "$sha" ] || echo "# WARNING: hashes differ"
  kill $pa $pb 2>/dev/null; wait $pa $pb 2>/dev/null
  echo "$(mibs "$t0" "$t1") $((rss_a / 1024)) $((rss_b / 1024))"
  rm -rf "$a" "$b"
}

report () {
  local name=$1 raw=$2 disk=$3 ours=$4
  set -- $ours
  echo "${name}_raw_tcp $raw MiB/s"
  echo "${name}_raw_tcp_to_disk $disk MiB/s"
  echo "${name}_dropify $1 MiB/s"
  echo "${name}_ratio $(echo "scale=3; $1 / $raw" | bc)"
  echo "${name}_ratio_to_disk $(echo "scale=3; $1 / $disk" | bc)"
  echo "${name}_peak_rss_sender $2 MiB"
  echo "${name}_peak_rss_receiver $3 MiB"
}

raw=$(raw_tcp "" "" 127.0.0.1 47101)
disk=$(raw_tcp "" "" 127.0.0.1 47107 "$work/raw.out")
ours=$(dropify_transfer "" "" 127.0.0.1 47102)
report loopback "$raw" "$disk" "$ours"

if [ "$(id -u)" -eq 0 ] && ip netns add "dzbench-$LAN_ID" 2>/dev/null; then
  ip netns del "dzbench-$LAN_ID"
  lan_up 2
  in_ns () { local i=$1; shift; ip netns exec "$(ns_name "p$i")" "$@"; }
  a_ns="ip netns exec $(ns_name p1)"
  b_ns="ip netns exec $(ns_name p2)"

  raw=$(raw_tcp "$b_ns" "$a_ns" 198.18.0.1 47103)
  disk=$(raw_tcp "$b_ns" "$a_ns" 198.18.0.1 47108 "$work/raw.out")
  ours=$(dropify_transfer "$a_ns" "$b_ns" 198.18.0.1 47104)
  report veth "$raw" "$disk" "$ours"

  # 1 Gbit/s on both bridge ports.
  for i in 1 2; do
    ip -n "$(ns_name lan)" link set "v$i-$LAN_ID" mtu 1500
    tc -n "$(ns_name lan)" qdisc add dev "v$i-$LAN_ID" root tbf rate 1gbit burst 256kb latency 50ms
  done
  raw=$(raw_tcp "$b_ns" "$a_ns" 198.18.0.1 47105)
  disk=$(raw_tcp "$b_ns" "$a_ns" 198.18.0.1 47109 "$work/raw.out")
  ours=$(dropify_transfer "$a_ns" "$b_ns" 198.18.0.1 47106)
  report veth_1gbit "$raw" "$disk" "$ours"
else
  echo "# not root: the veth runs were skipped"
fi

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
# Its pages on their way to disk would slow the first baseline's sync.
sync "$file"
echo "# file: $SIZE_MIB MiB of random data"

now () { date +%s.%N; }
mibs () { echo "scale=1; $SIZE_MIB / ($2 - $1)" | bc; }

sha=$(sha256sum "$file" | cut -d' ' -f1)

# Blocks of 256 KiB, as Dropify's chunks: socat's default of 8 KiB costs
# the baseline a system call every 8 KiB.
# $1/$2: prefixes to run the sender/receiver in a namespace ("" for here);
# $3: address to listen on; $4: port; $5: where the receiver writes. Into
# /dev/null it is the link alone; into a file and synced to disk it is the
# least any file transfer must also do, which Dropify does too (it fsyncs
# before it calls a file complete).
raw_tcp () {
  local run_a=$1 run_b=$2 address=$3 port=$4 out=${5:-/dev/null} t0 t1
  $run_b socat -u -b 262144 TCP-LISTEN:$port,reuseaddr,bind=$address OPEN:"$out",wronly,creat &
  local listener=$!
  sleep 0.3
  t0=$(now)
  $run_a socat -u -b 262144 OPEN:"$file",rdonly TCP:$address:$port
  wait $listener
  [ "$out" = /dev/null ] || sync "$out"
  t1=$(now)
  [ "$out" = /dev/null ] || rm -f "$out"
  mibs "$t0" "$t1"
}

peak_rss_kib () { awk '/VmHWM/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
# CPU time of a process so far, user and system, in seconds.
cpu_s () { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat" 2>/dev/null; }
per_cent () { echo "scale=0; 100 * ($1) / ($3 - $2)" | bc; }

# Starts A (with the file) and B (connecting to A). Two times: from B's
# start to the file complete on B, and the transfer itself, from B's
# partial file's birth to its move into place after its fsync (both read
# off the file). While it runs, the loop here starts no process: on two
# cores a process every few milliseconds took a share of the transfer's
# CPU. VmHWM is the peak RSS, so it is read once, at the end.
dropify_transfer () {
  local run_a=$1 run_b=$2 address=$3 port=$4 a b t0 t1 pa pb rss_a rss_b cpu_a0 cpu_a cpu_b
  local blob born stored sleeper
  a="$work/a-$port"; b="$work/b-$port"
  blob="$b/files/${sha:0:2}/$sha"
  # `read -t` on a pipe nobody writes sleeps without a process.
  exec {sleeper}<> <(:)
  $run_a "$DROPIFY" --headless --data-dir "$a" --port "$port" --no-discovery --group-secret bench \
    2>"$a.log" &
  pa=$!
  for _ in $(seq 1 100); do "$DROPIFY" list --data-dir "$a" >/dev/null 2>&1 && break; sleep 0.05; done
  "$DROPIFY" send --data-dir "$a" --file "$file" >/dev/null
  cpu_a0=$(cpu_s $pa)
  t0=$EPOCHREALTIME
  $run_b "$DROPIFY" --headless --data-dir "$b" --port 0 --no-discovery --group-secret bench \
    --connect "$address:$port" 2>"$b.log" &
  pb=$!
  for _ in $(seq 1 60000); do
    [ -e "$blob" ] && break
    read -rt 0.005 -u "$sleeper"
  done
  # Stored; then marked complete in the history, a moment later.
  for _ in $(seq 1 1000); do
    "$DROPIFY" list --data-dir "$b" --json 2>/dev/null | grep -q '"complete" : true' && break
    read -rt 0.005 -u "$sleeper"
  done
  t1=$EPOCHREALTIME
  exec {sleeper}>&-
  cpu_a=$(cpu_s $pa); cpu_b=$(cpu_s $pb)
  rss_a=$(peak_rss_kib $pa); rss_b=$(peak_rss_kib $pb)
  born=$(stat -c %.W "$blob"); stored=$(stat -c %.Z "$blob")
  sha_b=$("$DROPIFY" list --data-dir "$b" --json | jq -r '.[0].path' | xargs sha256sum | cut -d' ' -f1)
  [ "$sha_b" = "$sha" ] || echo "# WARNING: hashes differ" >&2
  kill $pa $pb 2>/dev/null; wait $pa $pb 2>/dev/null
  # No birth time on this file system: the whole time stands for both.
  [ "${born%.*}" -gt 0 ] 2>/dev/null || { born=$t0; stored=$t1; }
  # CPU use over the whole time, in % of one core (100 is one core busy).
  echo "$(mibs "$t0" "$t1") $((rss_a / 1024)) $((rss_b / 1024))" \
    "$(per_cent "$cpu_a - $cpu_a0" "$t0" "$t1")" "$(per_cent "$cpu_b" "$t0" "$t1")" \
    "$(mibs "$born" "$stored")" "$(echo "scale=0; 1000 * ($born - $t0) / 1" | bc)"
  rm -rf "$a" "$b"
}

report () {
  local name=$1 raw=$2 disk=$3 ours=$4
  set -- $ours
  echo "${name}_raw_tcp $raw MiB/s"
  echo "${name}_raw_tcp_to_disk $disk MiB/s"
  echo "${name}_dropify $6 MiB/s"
  echo "${name}_ratio $(echo "scale=3; $6 / $raw" | bc)"
  echo "${name}_ratio_to_disk $(echo "scale=3; $6 / $disk" | bc)"
  echo "${name}_dropify_from_start $1 MiB/s"
  echo "${name}_start_to_first_byte $7 ms"
  echo "${name}_peak_rss_sender $2 MiB"
  echo "${name}_peak_rss_receiver $3 MiB"
  echo "${name}_cpu_sender $4 %"
  echo "${name}_cpu_receiver $5 %"
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

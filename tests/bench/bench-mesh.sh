#!/usr/bin/env bash
# A mesh of 16 headless instances, one per network namespace host on one
# bridge, all trusting each other through one group secret. Full mesh by
# --connect (host i dials every host j < i: 120 connections) rather than
# 16 avahi-daemons; no mDNS.
#
#   burst: 1,000 text drops made round-robin on the 16 (one curl per
#     instance, all at once, over the control socket that `dropify send`
#     uses); time until every instance has all 1,000, and a digest of the
#     sorted ids from each (`dropify list --json`) must be the same. Raw
#     baseline: the same 1,000 drops made with the same client on one
#     instance without peers; and an estimate of the least the mesh can
#     take, 16 × that on this machine's cores.
#   catch-up: host 16 stops, 100 drops are made on the others, host 16
#     starts again; bytes through its link (both ways) until it has them
#     and the link is quiet, against the 100 texts' size. Then once more
#     with nothing changed meanwhile.
#
# Needs root; exits 77 elsewhere. Prints "NAME value unit" lines and
# "# ..." for context. Environment:
#   DROPIFY_BENCH_PEERS    instances (default 16)
#   DROPIFY_BENCH_DROPS    drops in the burst (default 1000)
#   DROPIFY_BENCH_OFFLINE  drops made while one is offline (default 100)
#   DROPIFY_BENCH_TEXT     bytes of text per drop (default 200)
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/benchlib.sh"

DROPIFY=${DROPIFY_BIN:?DROPIFY_BIN must point to the built dropify}
N=${DROPIFY_BENCH_PEERS:-16}
DROPS=${DROPIFY_BENCH_DROPS:-1000}
OFFLINE=${DROPIFY_BENCH_OFFLINE:-100}
TEXT=${DROPIFY_BENCH_TEXT:-200}
PORT=4190

bench_require_lan curl jq sqlite3 sha256sum
bench_traps

data () { host_data "$1"; }
declare -A PID

start_peer () {
  local i=$1 j args=()
  for j in $(seq 1 $((i - 1))); do args+=(--connect "198.18.0.$j:$PORT"); done
  PID[$i]=$(host_spawn "$i" "$LAN_DIR/p$i/dropify.log" "$DROPIFY" --headless \
              --data-dir "$(data "$i")" --port $PORT --name "Peer-$i" --no-discovery \
              --group-secret bench-mesh "${args[@]}")
}

# Polls read the count from each history file (WAL: readers never block
# the instance); a CLI process per instance per poll would take the cores
# the 16 instances need. The final check goes through `dropify list`.
count () {
  local n
  n=$(sqlite3 "$(data "$1")/history.sqlite" 'SELECT count(*) FROM drops' 2>/dev/null)
  echo "${n:-0}"
}
connected () {
  local n
  n=$(curl -sf --unix-socket "$(data "$1")/control.sock" http://dropify/v1/peers |
        jq '[.[] | select(.connected and .trusted)] | length' 2>/dev/null)
  echo "${n:-0}"
}
digest () {
  "$DROPIFY" list --data-dir "$(data "$1")" --json | jq -r '.[].id' | sort | sha256sum | cut -c1-16
}

# Texts of TEXT bytes each: "mesh NAME K " and letters.
pad=$(head -c "$TEXT" /dev/zero | tr '\0' x)
text_of () { local t="mesh $1 $2 $pad"; echo "${t:0:$TEXT}"; }

# A curl config that makes drops K (FROM ≤ K < TO, K % STEP == OFFSET) on
# the instance of DIR, over one connection.
curl_config () {
  local dir=$1 name=$2 from=$3 to=$4 step=$5 offset=$6 k first=1
  for k in $(seq "$from" $((to - 1))); do
    [ $((k % step)) -eq "$offset" ] || continue
    [ $first -eq 1 ] || echo next
    first=0
    printf 'url = "http://dropify/v1/drops"\nunix-socket = "%s"\ndata = "{\\"text\\":\\"%s\\"}"\noutput = "/dev/null"\nfail\n' \
      "$dir/control.sock" "$(text_of "$name" "$k")"
  done
}

seconds () { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e6 }'; }

# Polls every instance in LIST (skipping those done) until each has WANT
# drops, for at most LIMIT s; prints the time the last one got there.
wait_counts () {
  local want=$1 limit=$2 t0 i left
  shift 2
  left=("$@")
  t0=$(bench_now_us)
  while [ ${#left[@]} -gt 0 ] && [ $(( $(bench_now_us) - t0 )) -lt $((limit * 1000000)) ]; do
    local still=()
    for i in "${left[@]}"; do
      [ "$(count "$i")" -ge "$want" ] || still+=("$i")
    done
    left=("${still[@]}")
    [ ${#left[@]} -gt 0 ] && sleep 0.05
  done
  [ ${#left[@]} -eq 0 ] || { echo "# still short of $want drops after ${limit} s: hosts ${left[*]}" >&2; return 1; }
  bench_now_us
}

# --- Baseline: the same drops on one instance, no peers -----------------
solo="$LAN_DIR/solo"
"$DROPIFY" --headless --data-dir "$solo" --port 0 --no-discovery >"$solo.log" 2>&1 &
LAN_PIDS+=($!)
solo_pid=$!
bench_wait_control "$solo" || { echo "# the baseline instance did not start"; exit 1; }
curl_config "$solo" solo 0 "$DROPS" 1 0 > "$LAN_DIR/solo.curl"
t0=$(bench_now_us)
curl -s -K "$LAN_DIR/solo.curl" || echo "# the baseline curl failed"
t1=$(bench_now_us)
[ "$(sqlite3 "$solo/history.sqlite" 'SELECT count(*) FROM drops')" = "$DROPS" ] ||
  echo "# WARNING: the baseline instance does not have $DROPS drops"
local_us=$((t1 - t0))
bench_stop "$solo_pid"

# --- The mesh ------------------------------------------------------------
lan_up "$N"
t0=$(bench_now_us)
for i in $(seq 1 "$N"); do start_peer "$i"; done
for i in $(seq 1 "$N"); do
  bench_wait_control "$(data "$i")" || { echo "# host $i did not start"; tail -5 "$LAN_DIR/p$i/dropify.log"; exit 1; }
done
full_mesh () { local i; for i in $(seq 1 "$N"); do [ "$(connected "$i")" -eq $((N - 1)) ] || return 1; done; }
bench_eventually 120 full_mesh || {
  echo "# no full mesh after 120 s"
  for i in $(seq 1 "$N"); do echo "#   host $i: $(connected "$i") peers"; done
  exit 1
}
# Memory of every instance: the median and largest RSS, and of that the
# anonymous part (the rest is mostly shared libraries).
rss () {
  local i
  for i in $(seq 1 "$N"); do
    awk '/^VmRSS/ { r = $2 } /^RssAnon/ { a = $2 } END { print r, a }' "/proc/${PID[$i]}/status"
  done | sort -n | awk '{ r[NR] = $1; a[NR] = $2 }
    END { m = int((NR + 1) / 2); printf "RSS median %.0f MiB (anonymous %.0f), max %.0f MiB", r[m] / 1024, a[m] / 1024, r[NR] / 1024 }'
}
# What all hosts sent: the sum of what their bridge ports received.
sent_bytes () {
  local i s=0
  for i in $(seq 1 "$N"); do
    s=$((s + $(ip netns exec "$(ns_name lan)" cat "/sys/class/net/v$i-$LAN_ID/statistics/rx_bytes")))
  done
  echo $s
}
echo "# $N instances, full mesh up in $(seconds "$t0" "$(bench_now_us)") s; $(rss)"

for i in $(seq 1 "$N"); do
  curl_config "$(data "$i")" burst 0 "$DROPS" "$N" $((i - 1)) > "$LAN_DIR/p$i/burst.curl"
done
curls=()
sent0=$(sent_bytes)
t0=$(bench_now_us)
for i in $(seq 1 "$N"); do
  curl -s -K "$LAN_DIR/p$i/burst.curl" &
  curls+=($!)
done
wait "${curls[@]}"
t_made=$(bench_now_us)
t_all=$(wait_counts "$DROPS" 300 $(seq 1 "$N")) || { echo "# the mesh did not converge"; exit 1; }

sent1=$(sent_bytes)
digests=$(for i in $(seq 1 "$N"); do digest "$i"; done | sort -u)
echo "# $DROPS drops of $TEXT bytes, made round-robin on $N instances in $(seconds "$t0" "$t_made") s"
echo "# digests of the sorted ids: $(echo "$digests" | tr '\n' ' ')"
echo "mesh_identical_sets $([ "$(echo "$digests" | wc -l)" -eq 1 ] && echo yes || echo NO)"
echo "mesh_converge $(seconds "$t0" "$t_all") s"
echo "mesh_raw_local_create $(seconds 0 "$local_us") s"
echo "mesh_ratio_local $(awk -v a=$((t_all - t0)) -v b="$local_us" 'BEGIN { printf "%.1f", a / b }') x"
cores=$(nproc)
echo "mesh_estimated_minimum $(awk -v b="$local_us" -v n="$N" -v c="$cores" 'BEGIN { printf "%.2f", b * n / c / 1e6 }') s"
echo "mesh_ratio_estimated_minimum $(awk -v a=$((t_all - t0)) -v b="$local_us" -v n="$N" -v c="$cores" 'BEGIN { printf "%.1f", a / (b * n / c) }') x"
echo "# estimated minimum: every instance stores every drop, at the baseline's pace, on $cores cores"
echo "mesh_burst_bytes_sent $((sent1 - sent0)) B"
echo "mesh_burst_raw_payload_to_all $((DROPS * TEXT * (N - 1))) B"
echo "mesh_burst_bytes_ratio $(awk -v a=$((sent1 - sent0)) -v b=$((DROPS * TEXT * (N - 1))) 'BEGIN { printf "%.1f", a / b }') x"
echo "# bytes sent by all hosts from the burst's start to convergence, against each text sent once to each other instance"
echo "# after the burst: $(rss)"

# --- Catch-up after one was offline --------------------------------------
last=$N
others=$(seq 1 $((N - 1)))
link_bytes () { bench_veth_bytes "$last"; }

# Waits until host LAST has WANT drops and all its peers, then until its
# link carried nothing for a second.
settle () {
  local want=$1 before after t
  wait_counts "$want" 120 "$last" >/dev/null || return 1
  bench_eventually 60 sh -c "[ \"\$(curl -sf --unix-socket '$(data "$last")/control.sock' http://dropify/v1/peers | jq '[.[] | select(.connected and .trusted)] | length')\" = $((N - 1)) ]" ||
    { echo "# host $last did not reconnect to all"; return 1; }
  t=$(bench_now_us)
  before=$(link_bytes)
  while [ $(( $(bench_now_us) - t )) -lt 60000000 ]; do
    sleep 1
    after=$(link_bytes)
    [ "$after" = "$before" ] && return 0
    before=$after
  done
  echo "# the link of host $last did not go quiet in 60 s"
}

# Makes the offline drops on the others, round-robin.
offline_drops () {
  local i n=0 pids=()
  for i in $others; do
    curl_config "$(data "$i")" offline "$DROPS" $((DROPS + OFFLINE)) $((N - 1)) $((n)) > "$LAN_DIR/p$i/offline.curl"
    n=$((n + 1))
    curl -s -K "$LAN_DIR/p$i/offline.curl" &
    pids+=($!)
  done
  wait "${pids[@]}"
}

# Starts host LAST again; sets CAUGHT_UP_BYTES.
catch_up () {
  local label=$1 want=$2 b0 t0 b1 t1
  CAUGHT_UP_BYTES=
  b0=$(link_bytes)
  t0=$(bench_now_us)
  start_peer "$last"
  settle "$want" || return 1
  b1=$(link_bytes)
  t1=$(bench_now_us)
  echo "# $label: host $last caught up, and its link went quiet, $(seconds "$t0" "$t1") s after its start (1 s of that is the quiet check)"
  CAUGHT_UP_BYTES=$((b1 - b0))
  curl -sf --unix-socket "$(data "$last")/control.sock" http://dropify/v1/peers |
    jq -r --arg l "$label" '"# \($l): WebSocket payload \(map(.bytes_in) | add) B in, \(map(.bytes_out) | add) B out"'
}

bench_stop "${PID[$last]}"
offline_drops
wait_counts $((DROPS + OFFLINE)) 120 $others >/dev/null || { echo "# the others did not converge"; exit 1; }
payload=0
for k in $(seq "$DROPS" $((DROPS + OFFLINE - 1))); do
  t=$(text_of offline "$k")
  payload=$((payload + ${#t}))
done
# The same drops as `dropify list --json` has them, compact.
drops_json=$("$DROPIFY" list --data-dir "$(data 1)" --json | jq -c '.[] | select(.text | startswith("mesh offline "))' | wc -c)
catch_up "after $OFFLINE drops" $((DROPS + OFFLINE)) || exit 1
bytes=$CAUGHT_UP_BYTES
[ "$(digest "$last")" = "$(digest 1)" ] || echo "# WARNING: host $last differs from host 1 after catching up"

bench_stop "${PID[$last]}"
sleep 1
catch_up "nothing changed" $((DROPS + OFFLINE)) || exit 1
idle=$CAUGHT_UP_BYTES

echo "mesh_catchup_bytes $bytes B"
echo "mesh_catchup_raw_payload $payload B"
echo "mesh_catchup_drops_json $drops_json B"
echo "mesh_catchup_ratio $(awk -v a="$bytes" -v b="$payload" 'BEGIN { printf "%.1f", a / b }') x"
echo "mesh_catchup_nothing_changed_bytes $idle B"
echo "mesh_catchup_beyond_reconnect_ratio $(awk -v a="$bytes" -v i="$idle" -v b="$payload" 'BEGIN { printf "%.1f", (a - i) / b }') x"
echo "# bytes: all frames through host $last's veth, both ways, TLS and TCP/IP headers included,"
echo "# from its start until its link was quiet; $((N - 1)) connections"

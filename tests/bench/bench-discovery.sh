#!/usr/bin/env bash
# Discovery and reconnection on a LAN of network namespaces, each host with
# its own system bus and avahi-daemon (tests/lan/lanlib.sh), against raw
# baselines on the same link in the same run:
#
#   discovery: from starting a new instance on host 2 to host 1's peers
#     list (`dropify peers --json`) showing it connected and trusted, and
#     showing it as found via mDNS, against from starting
#     `avahi-publish-service` on host 2 to a running `avahi-browse -rp` on
#     host 1 resolving it.
#   reconnect: host 2's link goes down, a drop is made on host 2 during
#     the outage, the link comes back: from `ip link set eth0 up` to the
#     drop being on host 1; against a fresh TCP connect over the same link
#     and against a plain TCP stream that also wrote during the outage.
#
# Needs root; exits 77 elsewhere. Prints "NAME value unit" lines and
# "# ..." for context. Environment:
#   DROPIFY_BENCH_RUNS     discovery runs (default 10)
#   DROPIFY_BENCH_OUTAGES  reconnect runs (default 3)
#   DROPIFY_BENCH_OUTAGE_S how long the link stays down (default 10)
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/benchlib.sh"

DROPIFY=${DROPIFY_BIN:?DROPIFY_BIN must point to the built dropify}
RUNS=${DROPIFY_BENCH_RUNS:-10}
OUTAGES=${DROPIFY_BENCH_OUTAGES:-3}
OUTAGE_S=${DROPIFY_BENCH_OUTAGE_S:-10}
PORT=4181

bench_require_lan avahi-publish-service socat jq
bench_traps

lan_up 2
for i in 1 2; do
  host_avahi "$i" || { echo "# avahi-daemon did not start on p$i"; exit 1; }
done

data () { echo "$LAN_DIR/p$1/$2"; }
# What `dropify peers --json` asks for, with curl: the CLI costs a process
# start of its own (about 50 ms more on this machine), which is poll
# latency here.
peers_json () { curl -sf --unix-socket "$1/control.sock" http://dropify/v1/peers; }

# A: one instance with discovery on, for the whole run.
A=$(data 1 alpha)
pid_a=$(host_spawn 1 "$A.log" "$DROPIFY" --headless --data-dir "$A" --port $PORT \
          --name Alpha --group-secret bench-discovery)
bench_wait_control "$A" || { echo "# A did not start"; exit 1; }

# --- Discovery: raw mDNS -------------------------------------------------
# One browser on host 1 for all runs; each line gets a timestamp as it
# arrives, in µs.
browse_log="$LAN_DIR/browse.log"
DBUS_SYSTEM_BUS_ADDRESS=$(host_bus 1) ip netns exec "$(ns_name p1)" \
  stdbuf -oL avahi-browse -rp _dzbench._tcp 2>/dev/null |
  while IFS= read -r line; do echo "$(bench_now_us) $line"; done > "$browse_log" &
LAN_PIDS+=($!)
sleep 1

raw=()
for k in $(seq 1 "$RUNS"); do
  name="raw-$k-$LAN_ID"
  t0=$(bench_now_us)
  publisher=$(host_spawn 2 /dev/null avahi-publish-service "$name" _dzbench._tcp 4999 "k=$k")
  t1=
  for _ in $(seq 1 1000); do
    t1=$(awk -v n="$name" -F';' '$1 ~ /^[0-9]+ =$/ && $4 == n { split($1, a, " "); print a[1]; exit }' "$browse_log")
    [ -n "$t1" ] && break
    sleep 0.01
  done
  bench_stop "$publisher"
  if [ -z "$t1" ]; then echo "# raw run $k: not seen in 10 s"; continue; fi
  raw+=($(( t1 - t0 )))
  sleep 0.5
done

# --- Discovery: Dropify --------------------------------------------------
# A new device each run (a fresh profile, on a port of its own so that A's
# dialer for the previous one, until its goodbye, cannot reach it), started
# on host 2. Host 1 polls its peers list every 25 ms and notes when B is
# first listed (whichever side dialed first: B's daemon has A cached, so B
# usually connects before A's own mDNS browser has resolved B), and when
# it is listed as found via mDNS.
listed=()
mdns=()
for k in $(seq 1 "$RUNS"); do
  name="Bench-$k"
  B=$(data 2 "new-$k")
  t0=$(bench_now_us)
  pid_b=$(host_spawn 2 "$B.log" "$DROPIFY" --headless --data-dir "$B" --port $((PORT + k)) \
            --name "$name" --group-secret bench-discovery)
  t_listed= t_mdns=
  while [ $(( $(bench_now_us) - t0 )) -lt 15000000 ]; do
    state=$(peers_json "$A" | jq -r --arg n "$name" \
              '[.[] | select(.name == $n and .connected and .trusted)] | if length == 0 then "none" else .[0].via end')
    now=$(bench_now_us)
    [ "$state" != none ] && [ -z "$t_listed" ] && t_listed=$now
    [ "$state" = mdns ] && { t_mdns=$now; break; }
    sleep 0.025
  done
  bench_stop "$pid_b"
  if [ -z "$t_mdns" ]; then
    echo "# run $k: not listed via mDNS within 15 s"
    peers_json "$A" | jq -c '.[]' | sed 's/^/#   A has: /'
    continue
  fi
  listed+=($(( t_listed - t0 )))
  mdns+=($(( t_mdns - t0 )))
  # A's daemon drops B one second after its goodbye.
  sleep 1.2
done

echo "# $RUNS runs; a new profile (new identity) on host 2 each run"
bench_report_ms discovery_raw_mdns "${raw[@]}"
bench_report_ms discovery_listed "${listed[@]}"
bench_report_ms discovery_via_mdns "${mdns[@]}"
bench_ratio discovery_via_mdns_ratio "${mdns[@]}" -- "${raw[@]}"
echo "# target: listed ≤ 2000 ms after start (DESIGN.md)"

# --- Reconnect -----------------------------------------------------------
B=$(data 2 beta)
pid_b=$(host_spawn 2 "$B.log" "$DROPIFY" --headless --data-dir "$B" --port $PORT \
          --name Beta --group-secret bench-discovery)
bench_wait_control "$B" || { echo "# B did not start"; exit 1; }
is_connected () {
  [ "$(peers_json "$1" | jq --arg n "$2" '[.[] | select(.name == $n and .connected and .trusted)] | length')" -ge 1 ]
}
# `dropify list --json`, through curl for the same reason as peers_json.
has_drop () {
  curl -sf --unix-socket "$1/control.sock" http://dropify/v1/drops | jq -e --arg id "$2" 'any(.[]; .id == $id)' >/dev/null
}
bench_eventually 20 is_connected "$A" Beta || { echo "# A and B did not connect"; exit 1; }

# A plain TCP stream from host 2 to host 1, open across every outage: a line
# written during the outage, timed on arrival like the drop.
stream_log="$LAN_DIR/stream.log"
ip netns exec "$(ns_name p1)" socat -u TCP-LISTEN:4999,bind=198.18.0.1,reuseaddr STDOUT 2>/dev/null |
  while IFS= read -r line; do echo "$(bench_now_us) $line"; done > "$stream_log" &
LAN_PIDS+=($!)
sleep 0.3
stream_fifo="$LAN_DIR/stream.fifo"
mkfifo "$stream_fifo"
ip netns exec "$(ns_name p2)" socat -u STDIN TCP:198.18.0.1:4999 < "$stream_fifo" &
LAN_PIDS+=($!)
exec 7> "$stream_fifo"
echo hello >&7

drop_ms=()
raw_stream=()
raw_connect=()
replaced=0
for k in $(seq 1 "$OUTAGES"); do
  replaced_before=$(grep -c "closed (4002" "$A.log")
  link_down 2
  sleep 0.5
  id=$("$DROPIFY" send --data-dir "$B" "made on p2 during outage $k")
  echo "outage-$k" >&7
  sleep "$OUTAGE_S"
  t0=$(bench_now_us)
  link_up 2
  # Raw: from host 2, TCP connects to A's peer port until one succeeds,
  # timed inside the namespace.
  t1=$(ip netns exec "$(ns_name p2)" bash -c '
    for _ in $(seq 1 500); do
      socat -u /dev/null TCP:198.18.0.1:'$PORT',connect-timeout=0.1 2>/dev/null && break
      sleep 0.01
    done
    echo ${EPOCHREALTIME/[.,]/}')
  raw_connect+=($(( t1 - t0 )))
  t_drop=
  while [ $(( $(bench_now_us) - t0 )) -lt 15000000 ]; do
    has_drop "$A" "$id" && { t_drop=$(bench_now_us); break; }
    sleep 0.025
  done
  # The plain stream waits for TCP's next retransmission.
  t1=
  while [ $(( $(bench_now_us) - t0 )) -lt $(( (2 * OUTAGE_S + 5) * 1000000 )) ]; do
    t1=$(awk -v l="outage-$k" '$2 == l { print $1; exit }' "$stream_log")
    [ -n "$t1" ] && break
    sleep 0.05
  done
  [ -n "$t1" ] && raw_stream+=($(( t1 - t0 )))
  [ "$(grep -c "closed (4002" "$A.log")" -gt "$replaced_before" ] && replaced=$((replaced + 1))
  if [ -z "$t_drop" ]; then echo "# outage $k: the drop did not arrive in 15 s"; continue; fi
  drop_ms+=($(( t_drop - t0 )))
  sleep 1
done
exec 7>&-

echo "# $OUTAGES outages of ${OUTAGE_S} s (eth0 down on host 2, a drop made there meanwhile);"
echo "# a new connection replaced the old one after $replaced of them"
bench_report_ms reconnect_raw_connect "${raw_connect[@]}"
bench_report_ms reconnect_raw_stream "${raw_stream[@]}"
bench_report_ms reconnect_drop "${drop_ms[@]}"
bench_ratio reconnect_drop_ratio_connect "${drop_ms[@]}" -- "${raw_connect[@]}"
bench_ratio reconnect_drop_ratio_stream "${drop_ms[@]}" -- "${raw_stream[@]}"
echo "# target: reconnect ≤ 3000 ms after the link returns (DESIGN.md)"

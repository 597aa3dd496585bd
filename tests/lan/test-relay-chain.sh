#!/usr/bin/env bash
# Store and forward along a line (issue 14): four hosts, each linked only
# to its neighbours (p1 — p2 — p3 — p4, no bridge, no routing), each with
# its own avahi-daemon, so every host finds only its neighbours by mDNS.
# A text and a file made on p1 reach p4 three hops away. Then p1 is
# killed in the middle of a second file, while p2 holds part of it, and
# comes back: p4 ends with the whole file, byte for byte, without any
# host between being restarted. Needs root; skips (77) elsewhere. Prints
# TAP.
set -u
source "$(dirname "$0")/lanlib.sh"

DROPIFY=${DROPIFY_BIN:?DROPIFY_BIN must point to the built dropify}
PORT=4171
N=4
SECRET=relay-chain-tests
# p1 sends at 8 MB/s at most, so the second file is still on its way
# when p1 is killed.
RATE=8M
SIZE=$((24 * 1000 * 1000))

lan_require
command -v jq >/dev/null || { echo "1..0 # SKIP jq is missing"; exit 77; }

lan_chain $N
for i in $(seq 1 $N); do
  host_avahi "$i" || { echo "Bail out! avahi-daemon did not start on p$i"; exit 1; }
done

data () { host_data "$1"; }
start () {
  local i=$1
  shift
  host_spawn "$i" "$LAN_DIR/p$i/dropify.log" \
    "$DROPIFY" --headless --data-dir "$(data "$i")" --port $PORT --name "Host $i" \
    --group-secret "$SECRET" "$@" > "$LAN_DIR/p$i/dropify.pid"
  eventually 10 host_cli "$i" list >/dev/null 2>&1
}
peer_names () { host_cli "$1" peers --json 2>/dev/null | jq -r '[.[] | select(.connected) | .name] | sort | join(",")'; }
sees () { [ "$(peer_names "$1")" = "$2" ]; }
received () { host_drop_json "$1" "$2" | jq -r '.received // 0'; }
partly () { local r; r=$(received "$1" "$2"); [ "${r:-0}" -gt 0 ] && [ "$r" -lt "$SIZE" ]; }
explain () {
  local i
  for i in $(seq 1 $N); do
    echo "# p$i sees: $(peer_names "$i")"
  done
  DUMP_LINES=40 dump_logs $(seq 1 $N)
}

start 1 --max-send-rate "$RATE" || { echo "Bail out! dropify did not start on p1"; exit 1; }
for i in $(seq 2 $N); do
  start "$i" || { echo "Bail out! dropify did not start on p$i"; dump_logs "$i"; exit 1; }
done

if eventually 30 sees 1 "Host 2" && eventually 30 sees 2 "Host 1,Host 3" &&
   eventually 30 sees 3 "Host 2,Host 4" && eventually 30 sees 4 "Host 3"; then
  ok "each host is connected to its neighbours"
else
  not_ok "each host is connected to its neighbours"
  explain
fi
# Nothing routes between the links, so the ends can never meet.
check "p1 does not know p4, nor p4 p1" \
  not eval 'host_cli 1 peers --json | jq -e "any(.[]; .name == \"Host 4\")" >/dev/null ||
            host_cli 4 peers --json | jq -e "any(.[]; .name == \"Host 1\")" >/dev/null'

text=$(host_cli 1 send "three hops away")
if eventually 20 host_has_drop 4 "$text"; then
  ok "a text made on p1 reaches p4 through p2 and p3"
else
  not_ok "a text made on p1 reaches p4 through p2 and p3"
  explain
fi

head -c $((SIZE / 4)) /dev/urandom > "$LAN_DIR/small.bin"
small_sha=$(sha256sum < "$LAN_DIR/small.bin" | cut -c1-64)
small=$(host_cli 1 send --file "$LAN_DIR/small.bin")
if eventually 60 host_has_file 4 "$small" "$small_sha"; then
  ok "a file made on p1 reaches p4 whole"
else
  not_ok "a file made on p1 reaches p4 whole"
  explain
fi

# The second file: p1 dies while p2 has part of it.
head -c $SIZE /dev/urandom > "$LAN_DIR/big.bin"
big_sha=$(sha256sum < "$LAN_DIR/big.bin" | cut -c1-64)
big=$(host_cli 1 send --file "$LAN_DIR/big.bin")
if eventually 30 partly 2 "$big"; then
  kill -9 "$(cat "$LAN_DIR/p1/dropify.pid")"
  wait "$(cat "$LAN_DIR/p1/dropify.pid")" 2>/dev/null
  at_kill=$(received 2 "$big")
  ok "p1 is killed with $at_kill of $SIZE bytes at p2"
else
  not_ok "p2 gets part of the second file before p1 is killed"
  explain
fi
sleep 1
check "while p1 is gone, p4 does not have the file whole" not host_has_file 4 "$big" "$big_sha"

t0=$(date +%s%N)
start 1 || { echo "Bail out! dropify did not start again on p1"; dump_logs 1; exit 1; }
if eventually 60 host_has_file 4 "$big" "$big_sha"; then
  ok "p1 back: p4 gets the whole file through the chain ($(( ($(date +%s%N) - t0) / 1000000 )) ms)"
else
  not_ok "p1 back: p4 gets the whole file through the chain"
  explain
fi
for i in 2 3; do
  check "p$i, a relay, holds the file whole too" host_has_file "$i" "$big" "$big_sha"
done

tap_done

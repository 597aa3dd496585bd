#!/usr/bin/env bash
# Drops with an audience (issue 17) on a real LAN: three hosts in network
# namespaces, each with its own avahi-daemon, find each other by mDNS and
# pair by group secret. p1 sends a text and a file `--to` p2 only: p2 gets
# both, and p3 never does, not in its history, not on its disk (no blob
# with the file's sha256 under its files/ dir, whole or partial), not over
# the wire (p3's bytes in from p1 stay far below the file's size). Then p2
# is offline when p1 sends to it again (its link down; the second time its
# Dropify stopped too): it gets those drops when its link returns, and p3
# still never does. Needs root; skips (77) elsewhere.
# Prints TAP.
set -u
source "$(dirname "$0")/lanlib.sh"

DROPIFY=${DROPIFY_BIN:?DROPIFY_BIN must point to the built dropify}
PORT=4171
SECRET=audience-tests
SIZE=$((4 * 1000 * 1000))

lan_require
for tool in jq curl sha256sum; do
  command -v "$tool" >/dev/null || { echo "1..0 # SKIP $tool is missing"; exit 77; }
done

lan_up 3
for i in 1 2 3; do
  host_avahi "$i" || { echo "Bail out! avahi-daemon did not start on p$i"; exit 1; }
done

data () { host_data "$1"; }
# No file under host I's blob store is named for SHA or holds its bytes,
# nor a partial (.part) one.
no_bytes_of () {
  local dir
  dir="$(data "$1")/files"
  [ -z "$(find "$dir" -name "*$2*" 2>/dev/null)" ] &&
    [ -z "$(find "$dir" -name '*.part' 2>/dev/null)" ] &&
    ! find "$dir" -type f -exec sha256sum {} + 2>/dev/null | grep -q "^$2 "
}
audience_of () { host_drop_json "$1" "$2" | jq -c '.audience'; }
device_id () { host_cli "$1" peers --json 2>/dev/null | jq -r --arg n "$2" '.[] | select(.name == $n) | .id'; }
connected_to () {
  [ "$(host_cli "$1" peers --json 2>/dev/null | jq -r --arg n "$2" '.[] | select(.name == $n) | .connected')" = true ]
}
# What host I has received from the device named NAME, in bytes.
bytes_in () {
  host_cli "$1" peers --json 2>/dev/null | jq -r --arg n "$2" '.[] | select(.name == $n) | .bytes_in // 0'
}
far_below () { [ "$1" -lt $((SIZE / 10)) ]; }
explain () {
  local i
  for i in "$@"; do
    echo "# p$i holds $(host_cli "$i" list --json 2>/dev/null | jq length) drops; peers:"
    host_cli "$i" peers --json 2>/dev/null |
      jq -c '.[] | {name, connected, trusted, state, bytes_in}' | sed 's/^/#   /'
  done
  DUMP_LINES=40 dump_logs "$@"
}

for i in 1 2 3; do
  host_spawn "$i" "$LAN_DIR/p$i/dropify.log" \
    "$DROPIFY" --headless --data-dir "$(data "$i")" --port $PORT --name "Host $i" \
    --group-secret "$SECRET" > "$LAN_DIR/p$i/dropify.pid"
done
for i in 1 2 3; do
  eventually 10 host_cli "$i" list >/dev/null 2>&1 || { echo "Bail out! dropify did not start on p$i"; exit 1; }
done
if ! { eventually 20 has_n_mdns_peers 1 2 && eventually 20 has_n_mdns_peers 2 2 &&
       eventually 20 has_n_mdns_peers 3 2; }; then
  echo "Bail out! the three hosts do not find each other"
  explain 1 2 3
  exit 1
fi
ok "the three hosts find each other and pair by group secret"

p2_id=$(device_id 1 "Host 2")
before=$(bytes_in 3 "Host 1")

# Online: a text and a file for p2 only.
text=$(host_cli 1 send --to "Host 2" "for p2 only, online")
head -c $SIZE /dev/urandom > "$LAN_DIR/online.bin"
online_sha=$(sha256sum < "$LAN_DIR/online.bin" | cut -c1-64)
file=$(host_cli 1 send --to "Host 2" --file "$LAN_DIR/online.bin")
check "p1 made both drops, for p2's id" \
  test -n "$text" -a -n "$file" -a "$(audience_of 1 "$file")" = "[\"$p2_id\"]"

if eventually 20 host_has_drop 2 "$text"; then
  ok "p2 gets the text"
else
  not_ok "p2 gets the text"
  explain 1 2
fi
if eventually 60 host_has_file 2 "$file" "$online_sha"; then
  ok "p2 gets the file whole"
else
  not_ok "p2 gets the file whole"
  explain 1 2
fi
# p3 syncs with both meanwhile: a drop for everyone, made after them,
# reaching p3 means p3 had every chance to get them too.
public=$(host_cli 1 send "for everyone")
if eventually 20 host_has_drop 3 "$public"; then
  ok "p3 gets a drop for everyone made after them"
else
  not_ok "p3 gets a drop for everyone made after them"
  explain 1 3
fi
check "p3 does not list the text for p2" not host_has_drop 3 "$text"
check "p3 does not list the file for p2" not host_has_drop 3 "$file"
check "p3 has none of the file's bytes under its data dir" no_bytes_of 3 "$online_sha"
got=$(( $(bytes_in 3 "Host 1") - before ))
check "p3 received $got bytes from p1, far below the file's $SIZE" far_below "$got"

# Offline: p2 is cut off when p1 sends to it, twice. Dropify has no
# keepalive, so with the link merely down p1 may still count p2 as
# connected and hand the drops to TCP, which delivers them once the link
# returns: round "link". In round "restart" p2's Dropify also stops while
# cut off and starts again after, so the connection p1 holds is dead and
# p2 can only get the drops by store-and-forward when they reconnect.
start_p2 () {
  host_spawn 2 "$LAN_DIR/p2/dropify.log" \
    "$DROPIFY" --headless --data-dir "$(data 2)" --port $PORT --name "Host 2" \
    --group-secret "$SECRET" > "$LAN_DIR/p2/dropify.pid"
  eventually 10 host_cli 2 list >/dev/null 2>&1
}
stop_p2 () {
  local pid
  pid=$(cat "$LAN_DIR/p2/dropify.pid")
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}

SHAS=("$online_sha")
IDS=("$text" "$file")
offline_round () {
  local round=$1 late_text late_file sha before got
  link_down 2
  [ "$round" = restart ] && stop_p2
  if connected_to 1 "Host 2"; then
    echo "# round $round: p1 still counts p2 as connected"
  fi
  before=$(( $(bytes_in 3 "Host 1") + $(bytes_in 3 "Host 2") ))
  late_text=$(host_cli 1 send --to "Host 2" "for p2 only, sent while it was away ($round)" 2>"$LAN_DIR/send.err")
  head -c $SIZE /dev/urandom > "$LAN_DIR/$round.bin"
  sha=$(sha256sum < "$LAN_DIR/$round.bin" | cut -c1-64)
  late_file=$(host_cli 1 send --to "Host 2" --file "$LAN_DIR/$round.bin" 2>>"$LAN_DIR/send.err")
  if [ -n "$late_text" ] && [ -n "$late_file" ] && host_has_drop 1 "$late_file"; then
    ok "round $round: p1 makes a text and a file for p2 while p2 is offline"
  else
    not_ok "round $round: p1 makes a text and a file for p2 while p2 is offline"
    sed 's/^/# /' "$LAN_DIR/send.err"
  fi
  SHAS+=("$sha")
  IDS+=("$late_text" "$late_file")
  sleep 1

  link_up 2
  if [ "$round" = restart ]; then
    start_p2 || { echo "Bail out! dropify did not start again on p2"; exit 1; }
  fi
  if eventually 60 host_has_drop 2 "$late_text"; then
    ok "round $round: p2 gets the text sent while it was offline, once its link returns"
  else
    not_ok "round $round: p2 gets the text sent while it was offline, once its link returns"
    explain 1 2
  fi
  if eventually 60 host_has_file 2 "$late_file" "$sha"; then
    ok "round $round: p2 gets the file sent while it was offline, whole"
  else
    not_ok "round $round: p2 gets the file sent while it was offline, whole"
    explain 1 2
  fi
  public=$(host_cli 2 send "for everyone, after p2 returned ($round)")
  if eventually 20 host_has_drop 3 "$public"; then
    ok "round $round: p3 gets a drop for everyone from p2 after it returned"
  else
    not_ok "round $round: p3 gets a drop for everyone from p2 after it returned"
    explain 2 3
  fi
  local id
  for id in "${IDS[@]}"; do
    check "round $round: p3 still does not list $id" not host_has_drop 3 "$id"
  done
  for sha in "${SHAS[@]}"; do
    check "round $round: p3 has none of the bytes of ${sha:0:12}…" no_bytes_of 3 "$sha"
  done
  got=$(( $(bytes_in 3 "Host 1") + $(bytes_in 3 "Host 2") - before ))
  check "round $round: p3 received $got bytes from p1 and p2 since, far below a file's $SIZE" \
    far_below "$got"
}

offline_round link
offline_round restart

tap_done

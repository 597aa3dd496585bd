#!/usr/bin/env bash
# Discovery on a real LAN of network namespaces, each host with its own
# avahi-daemon. Needs root; skips (77) elsewhere. Prints TAP.
set -u
source "$(dirname "$0")/lanlib.sh"

DROPIFY=${DROPIFY_BIN:?DROPIFY_BIN must point to the built dropify}
PORT=4171
# What the TXT record "v" must say: the protocol version the build speaks.
VERSION=$(sed -n 's/^#define DROPIFY_PROTOCOL_VERSION *\([0-9]*\)$/\1/p' \
  "$(dirname "$0")/../../src/core/dropify-protocol.h")
[ -n "$VERSION" ] || { echo "Bail out! no DROPIFY_PROTOCOL_VERSION in src/core/dropify-protocol.h"; exit 1; }

lan_require
command -v jq >/dev/null || { echo "1..0 # SKIP jq is missing"; exit 77; }

lan_up 5
for i in 1 2 3 4; do
  host_avahi "$i" || { echo "Bail out! avahi-daemon did not start on p$i"; exit 1; }
done
host_avahi 5 nodaemon || { echo "Bail out! no system bus on p5"; exit 1; }

data () { host_data "$1"; }

start_dropify () {
  local i=$1 name=$2
  shift 2
  host_spawn "$i" "$LAN_DIR/p$i/dropify.log" \
    "$DROPIFY" --headless --data-dir "$(data "$i")" --port $PORT --name "$name" \
    --group-secret lan-tests "$@" \
    > "$LAN_DIR/p$i/dropify.pid"
  eventually 10 "$DROPIFY" list --data-dir "$(data "$i")" >/dev/null 2>&1
}

# The control socket is a file: the CLI reaches each instance from here.
peers_json () { "$DROPIFY" peers --data-dir "$(data "$1")" --json 2>/dev/null; }
ids_of () { "$DROPIFY" list --data-dir "$(data "$1")" --json | jq -r '.[].id' | sort | tr '\n' ' '; }
same_drops () { [ "$(ids_of "$1")" = "$(ids_of "$2")" ] && [ -n "$(ids_of "$1")" ]; }
discovery_json () { "$DROPIFY" peers --data-dir "$(data "$1")" 2>/dev/null; }
discovery_available () { discovery_json "$1" | grep -q "Automatic discovery is on"; }

# 1. Three hosts, no --connect: everyone finds everyone.
start_dropify 1 Alpha
start_dropify 2 Beta
start_dropify 3 Gamma
T0=$(date +%s%N)
if eventually 15 has_n_mdns_peers 1 2 && eventually 15 has_n_mdns_peers 2 2 && eventually 15 has_n_mdns_peers 3 2; then
  ok "three hosts list each other via mdns, connected ($(( ($(date +%s%N) - T0) / 1000000 )) ms)"
else
  not_ok "three hosts list each other via mdns, connected"
  for i in 1 2 3; do peers_json "$i" | sed "s/^/# p$i /"; done
  dump_logs 1 2 3
fi

peer=$(peers_json 1 | jq -r '.[] | select(.name == "Beta")')
check "a peer found by mdns has its resolved address and port" \
  test "$(echo "$peer" | jq -r '.address + ":" + (.port | tostring)')" = "198.18.0.2:$PORT"

id=$("$DROPIFY" send --data-dir "$(data 1)" "hello over mDNS")
check "a text drop made on p1 reaches p2" eventually 10 host_has_drop 2 "$id"
check "a text drop made on p1 reaches p3" eventually 10 host_has_drop 3 "$id"

# 2. An independent look from a fourth host. `avahi-browse -t` stops at
# "all for now", which may come before every service is resolved: a host
# missing from one look is looked for again.
browse_sees () {
  local i=$1 device=$2 browse
  browse=$(host_run 4 avahi-browse -rpt _dropify._tcp 2>/dev/null | grep '^=')
  echo "$browse" | grep -q "198.18.0.$i;$PORT;.*\"id=$device\"" &&
    echo "$browse" | grep "198.18.0.$i;" | grep -q "\"v=$VERSION\""
}
for i in 1 2 3; do
  device=$("$DROPIFY" peers --data-dir "$(data $(( i % 3 + 1 )))" --json | jq -r --arg a "198.18.0.$i" '.[] | select(.address == $a) | .id')
  check "avahi-browse on p4 sees p$i with its port and TXT records" \
    eventually 10 browse_sees "$i" "$device"
done

# 3. Partition and heal.
link_down 3
a=$("$DROPIFY" send --data-dir "$(data 1)" "made on p1 while p3 is away")
c=$("$DROPIFY" send --data-dir "$(data 3)" "made on p3 while cut off")
sleep 2
check "while cut off, p3 does not have p1's drop" not host_has_drop 3 "$a"
link_up 3
T0=$(date +%s%N)
if eventually 30 host_has_drop 3 "$a" && eventually 30 host_has_drop 1 "$c" && eventually 30 host_has_drop 2 "$c" \
   && eventually 10 same_drops 1 3 && eventually 10 same_drops 2 3; then
  ok "after the link returns, all three converge ($(( ($(date +%s%N) - T0) / 1000000 )) ms)"
else
  not_ok "after the link returns, all three converge"
  for i in 1 2 3; do echo "# p$i: $(ids_of "$i")"; done
  dump_logs 1 3
fi
# hello, a and c: three drops, each once.
check "no duplicates after healing" test "$("$DROPIFY" list --data-dir "$(data 3)" --json | jq 'length')" = 3

# 4. A name collision is resolved the Avahi way.
start_dropify 4 Alpha
check "a second “Alpha” is published under another name" \
  eventually 15 sh -c "'$DROPIFY' peers --data-dir '$(data 4)' | grep -q 'published as “Alpha #2”'"
check "and is still found by the others" eventually 15 has_n_mdns_peers 4 3

# 5. No avahi-daemon: discovery is reported unavailable, manual peers sync.
start_dropify 5 Delta --connect "198.18.0.1:$PORT"
check "without a daemon, peers says why discovery is unavailable" \
  eventually 10 sh -c "'$DROPIFY' peers --data-dir '$(data 5)' | grep -q 'Avahi daemon is not running'"
d=$("$DROPIFY" send --data-dir "$(data 5)" "from the host without Avahi")
check "and a manual --connect peer still syncs" eventually 15 host_has_drop 2 "$d"

# 6. The daemon appears: discovery resumes without a restart.
host_start_avahi 5
check "once avahi-daemon starts, discovery resumes by itself" eventually 20 discovery_available 5
check "and the host is found via mdns" eventually 20 has_n_mdns_peers 5 4

# 7. The daemon restarts under a running instance.
host_kill_avahi 2
check "when p2's daemon stops, p2 reports it" \
  eventually 10 sh -c "'$DROPIFY' peers --data-dir '$(data 2)' | grep -q 'Avahi daemon'"
host_start_avahi 2
check "when it is back, p2's discovery recovers" eventually 20 discovery_available 2
id=$("$DROPIFY" send --data-dir "$(data 2)" "after avahi restarted")
check "and p2 still syncs" eventually 10 host_has_drop 1 "$id"

tap_done

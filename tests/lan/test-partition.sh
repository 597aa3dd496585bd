#!/usr/bin/env bash
# Partition and heal (issue #8): three hosts on a LAN of network
# namespaces, each with its own avahi-daemon, find each other by mDNS and
# sync. Twice, one host is cut off (first p3, then p1), and while it is,
# drops are made and deleted on both sides of the cut. Once the link is
# back, all three hold the same drops: the same sorted ids and the same
# digest of their contents, exactly the drops made minus those deleted,
# each once. Needs root; skips (77) elsewhere. Prints TAP.
set -u
source "$(dirname "$0")/lanlib.sh"

DROPIFY=${DROPIFY_BIN:?DROPIFY_BIN must point to the built dropify}
PORT=4171

lan_require
for tool in jq curl; do
  command -v "$tool" >/dev/null || { echo "1..0 # SKIP $tool is missing"; exit 77; }
done

lan_up 3
for i in 1 2 3; do
  host_avahi "$i" || { echo "Bail out! avahi-daemon did not start on p$i"; exit 1; }
done

data () { host_data "$1"; }
api () { host_api "$@"; }
make_drop () {
  api "$1" POST /v1/drops -H 'Content-Type: application/json' --data-binary "{\"text\":\"$2\"}" | jq -r .id
}
delete_drop () { api "$1" DELETE "/v1/drops/$2" > /dev/null; }
ids_of () { api "$1" GET /v1/drops | jq -r '.[].id' | sort; }
# Everything that makes a drop what it is, in a stable order.
digest_of () {
  api "$1" GET /v1/drops |
    jq -cS 'map({id, kind, text, origin, created_at, expires_at}) | sort_by(.id)' | sha256sum | cut -c1-64
}
has_drop () { ids_of "$1" | grep -qx "$2"; }
all_same () {
  local a
  a=$(ids_of 1)
  [ -n "$a" ] && [ "$a" = "$(ids_of 2)" ] && [ "$a" = "$(ids_of 3)" ]
}

for i in 1 2 3; do
  host_spawn "$i" "$LAN_DIR/p$i/dropify.log" \
    "$DROPIFY" --headless --data-dir "$(data "$i")" --port $PORT --name "Host $i" \
    --group-secret partition-tests > "$LAN_DIR/p$i/dropify.pid"
done
for i in 1 2 3; do
  eventually 10 api "$i" GET /v1/status -f -o /dev/null || { echo "Bail out! dropify did not start on p$i"; exit 1; }
done
if ! { eventually 20 has_n_mdns_peers 1 2 && eventually 20 has_n_mdns_peers 2 2 && eventually 20 has_n_mdns_peers 3 2; }; then
  echo "Bail out! the three hosts do not find each other"
  dump_logs 1 2 3
  exit 1
fi

# What the three must end up with: every drop made, minus those deleted.
: > "$LAN_DIR/made"
: > "$LAN_DIR/deleted"
make_drops () {
  local i=$1 tag=$2 n=$3 k id
  for k in $(seq 1 "$n"); do
    id=$(make_drop "$i" "$tag $k")
    [ -n "$id" ] && echo "$id" >> "$LAN_DIR/made"
  done
}

make_drops 1 "before, on p1" 5
make_drops 3 "before, on p3" 5
if eventually 20 all_same; then
  ok "before any cut, the three converge"
else
  not_ok "before any cut, the three converge"
  explain 1 2 3
fi

# Called from partition(), whose locals it sees.
apart () { ! has_drop "$cut" "$from_a" && ! has_drop "$a" "$from_cut" && ! has_drop "$b" "$from_cut"; }

partition () {
  local cut=$1 others=$2 a b victim_delete other_delete t0
  a=${others% *}
  b=${others#* }

  link_down "$cut"
  # Deletions on both sides too: one drop everyone had, each side its own.
  victim_delete=$(sed -n 1p "$LAN_DIR/made")
  other_delete=$(sed -n 2p "$LAN_DIR/made")
  sed -i 1,2d "$LAN_DIR/made"
  echo "$victim_delete" >> "$LAN_DIR/deleted"
  echo "$other_delete" >> "$LAN_DIR/deleted"
  delete_drop "$cut" "$victim_delete"
  delete_drop "$a" "$other_delete"

  make_drops "$cut" "on p$cut, cut off" 15
  make_drops "$a" "on p$a, while p$cut is cut off" 10
  make_drops "$b" "on p$b, while p$cut is cut off" 10
  local from_cut from_a
  from_cut=$(tail -35 "$LAN_DIR/made" | head -1)
  from_a=$(tail -20 "$LAN_DIR/made" | head -1)

  if eventually 10 has_drop "$b" "$from_a"; then
    ok "while p$cut is cut off, p$a and p$b still sync"
  else
    not_ok "while p$cut is cut off, p$a and p$b still sync"
    explain "$a" "$b"
  fi
  check "and p$cut has none of their new drops, they none of p$cut's" apart

  link_up "$cut"
  t0=$(date +%s%N)
  if eventually 60 all_same; then
    ok "after the link to p$cut returns, the three converge ($(( ($(date +%s%N) - t0) / 1000000 )) ms)"
  else
    not_ok "after the link to p$cut returns, the three converge"
    explain 1 2 3
  fi
}

# What each host holds and sees, and its log, after a failure.
explain () {
  local i
  for i in "$@"; do
    echo "# p$i holds $(ids_of "$i" | wc -l) drops; peers:"
    "$DROPIFY" peers --data-dir "$(host_data "$i")" --json 2>/dev/null |
      jq -c '.[] | {name, via, connected, trusted, state}' | sed 's/^/#   /'
  done
  DUMP_LINES=80 dump_logs "$@"
}

exactly_made () {
  local held
  held=$(ids_of "$1")
  [ "$(sort "$LAN_DIR/made")" = "$held" ] &&
    [ -z "$(uniq -d <<< "$held")" ] &&
    [ -z "$(grep -Fxf "$LAN_DIR/deleted" <<< "$held")" ] && return 0
  comm -3 <(sort "$LAN_DIR/made") <(echo "$held") |
    sed 's/^\t/# held, not made or deleted: /; /^#/!s/^/# made, not held: /'
  return 1
}

for round in "3|1 2" "1|2 3"; do
  partition "${round%%|*}" "${round#*|}"
  for i in 1 2 3; do
    check "p$i lists exactly the $(wc -l < "$LAN_DIR/made") drops made and not deleted, each once" \
      exactly_made "$i"
  done
  d1=$(digest_of 1)
  check "the three hold the same content (digest ${d1:0:12}…)" \
    test "$d1" = "$(digest_of 2)" -a "$d1" = "$(digest_of 3)"
done

tap_done

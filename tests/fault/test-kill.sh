#!/usr/bin/env bash
# Kill -9 at random points. Two headless peers on loopback: A makes drops,
# B receives them (B dials A; both know the same group secret). Twenty
# rounds, in a seeded order, five of each: a burst of text drops or a
# 48-64 MiB file transfer, with the sender or the receiver killed at a
# random moment. After each kill:
#   - the killed side's SQLite file passes integrity_check and holds every
#     drop it listed (or confirmed to a client) before the kill;
#   - every blob in place hashes to its name, and every drop marked
#     complete has its blob;
#   - restarted on the same data dir, it lists all those drops again, and
#     lists no file complete whose content does not match its SHA-256;
#   - then both converge: the same ids on both, every file complete, and
#     the file on B has the right SHA-256.
# Then two set pieces: a partial file that is whole already (the receiver
# died between the last chunk and its check), and one that is whole-sized
# but wrong.
# The seed is printed; DROPIFY_FAULT_SEED=N replays the same choices.
# DROPIFY_FAULT_ROUNDS (from meson's -Dfault_rounds) sets the number of
# rounds; the sanitizer build of build-aux/test runs four, one of each.
# Prints TAP.
set -u
source "$(dirname "$0")/faultlib.sh"
fault_require curl jq sqlite3 sha256sum

SEED=${DROPIFY_FAULT_SEED:-$(( ${EPOCHREALTIME/[.,]/} % 1000000 ))}
RANDOM=$SEED
ROUNDS=${DROPIFY_FAULT_ROUNDS:-20}
SECRET=fault-tests
echo "# seed $SEED (replay with DROPIFY_FAULT_SEED=$SEED)"

# Both send files at 65 MB/s at most (a 256 KiB chunk every 4 ms): a
# transfer lasts about a second, long enough to be cut anywhere.
RATE=65M

# Once B has a port, A dials it too: a restarted side reconnects at once,
# instead of when the other's backoff says, and the duplicate connection
# this makes is resolved as it would be between any two devices.
start_a () {
  inst_start a --name Sender --group-secret "$SECRET" --max-send-rate "$RATE" \
    ${FAULT_B_PORT:+--connect "127.0.0.1:$FAULT_B_PORT"}
}
start_b () { inst_start b --name Receiver --group-secret "$SECRET" --max-send-rate "$RATE" --connect "127.0.0.1:$(inst_port a)"; }
start () { if [ "$1" = a ]; then start_a; else start_b; fi; }

sleep_ms () { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }

# What a side lists, as "id complete" pairs: the same on both once synced.
state () {
  api "$1" GET /v1/drops |
    jq -c '[.[] | [.id, (if .kind == "file" then .complete else true end)]] | sort'
}
converged () {
  local sa sb
  sa=$(state a) && sb=$(state b) && [ -n "$sa" ] && [ "$sa" = "$sb" ] && ! grep -q false <<< "$sa"
}

part_size () { stat -c %s "$(inst_dir b)/files/partial/$1.part" 2>/dev/null || echo 0; }
b_has_blob () { [ -f "$(inst_dir b)/files/${1:0:2}/$1" ]; }
reached () { b_has_blob "$1" || [ "$(part_size "$1")" -ge "$2" ]; }
# How many drops the client in a burst was told are stored.
wait_replies () {
  local end=$(( ${EPOCHREALTIME/[.,]/} + 30000000 * SLOW )) lines
  while :; do
    mapfile -t lines < "$FAULT_DIR/replies"
    [ "${#lines[@]}" -lt "$1" ] || return 0
    [ "${EPOCHREALTIME/[.,]/}" -lt "$end" ] || return 1
    sleep 0.005
  done
}

# Finer than `eventually`: a transfer lasts about a second.
wait_reached () {
  local end=$(( ${EPOCHREALTIME/[.,]/} + 30000000 * SLOW ))
  until reached "$1" "$2"; do
    [ "${EPOCHREALTIME/[.,]/}" -lt "$end" ] || return 1
    sleep 0.01
  done
}

start_a || { echo "Bail out! A did not start"; exit 1; }
start_b || { echo "Bail out! B did not start"; exit 1; }
FAULT_B_PORT=$(inst_port b)
api a POST /v1/drops '{"text":"before the first round"}' > /dev/null
if ! eventually 20 converged; then
  echo "Bail out! A and B do not sync"
  dump_logs a b
  exit 1
fi

# Checks around one kill. $before: ids the victim had; $confirmed: ids a
# client was told were stored (on A).
after_kill () {
  local label=$1 victim=$2 before=$3 confirmed=$4 dir
  dir=$(inst_dir "$victim")
  check "$label: its history passes integrity_check" db_ok "$dir"
  db_ids "$dir" > "$FAULT_DIR/db-ids"
  check "$label: its SQLite file holds every drop it listed before ($(wc -l < "$before"))" \
    is_subset "$before" "$FAULT_DIR/db-ids"
  if [ -s "$confirmed" ]; then
    check "$label: and every drop it confirmed ($(wc -l < "$confirmed"))" \
      is_subset "$confirmed" "$FAULT_DIR/db-ids"
  fi
  check "$label: every stored blob matches its SHA-256, every drop marked complete has one" \
    blobs_ok "$dir"
}

files_listed_right () { listed_files_ok "$1" && no_partial_path "$1"; }

after_restart () {
  local label=$1 victim=$2 before=$3 confirmed=$4
  if ! start "$victim"; then
    not_ok "$label: restarts on the same data dir"
    return 1
  fi
  ids "$victim" > "$FAULT_DIR/listed"
  check "$label: restarted, it lists every drop it had" \
    is_subset <(sort -u "$before" "$confirmed") "$FAULT_DIR/listed"
  check "$label: restarted, it lists no partial file as complete" files_listed_right "$victim"
}

converge () {
  local label=$1 t0
  t0=$(now_ms)
  if eventually 60 converged; then
    ok "$label: A and B converge, every file complete ($(( $(now_ms) - t0 )) ms)"
  else
    not_ok "$label: A and B converge, every file complete"
    diff <(state a | jq -r '.[] | @tsv') <(state b | jq -r '.[] | @tsv') | head -10 | sed 's/^/# /'
    dump_logs a b
  fi
}

text_round () {
  local r=$1 victim=$2 n k label gen args=() i socket
  n=$(( 150 + RANDOM % 151 ))
  k=$(( RANDOM % n ))
  label="round $r (text, $n drops, kill -9 $victim once A confirmed $k)"
  ids "$victim" > "$FAULT_DIR/before"

  # One client, one request after the other, through A's control socket:
  # each reply comes only once the drop is committed. Paced, so the burst
  # lasts about a second and a kill lands inside it.
  socket="$(inst_dir a)/control.sock"
  args=(--rate 300/s)
  for ((i = 1; i <= n; i++)); do
    [ "$i" -gt 1 ] && args+=(--next)
    args+=(-s -N --unix-socket "$socket" -H 'Content-Type: application/json'
           --data-binary "{\"text\":\"round $r drop $i\"}" -w '\n' http://dropify/v1/drops)
  done
  : > "$FAULT_DIR/replies"
  curl "${args[@]}" > "$FAULT_DIR/replies" 2>/dev/null &
  gen=$!

  wait_replies "$k"
  # What B lists then (it takes a moment: the kill comes later); for A,
  # each reply its client got says what it stored.
  [ "$victim" = a ] || api b GET /v1/drops > "$FAULT_DIR/listed.json"
  inst_kill "$victim"
  [ "$victim" = a ] || ids_of_json "$FAULT_DIR/listed.json" > "$FAULT_DIR/before"
  : > "$FAULT_DIR/confirmed"
  if [ "$victim" = a ]; then
    # The rest of the burst fails at once.
    wait "$gen"
    grep -o '"id":"[0-9a-f-]*"' "$FAULT_DIR/replies" | cut -d'"' -f4 | sort > "$FAULT_DIR/confirmed"
    echo "# $label: A confirmed $(wc -l < "$FAULT_DIR/confirmed") of the $n drops"
  else
    echo "# $label: B listed $(wc -l < "$FAULT_DIR/before") drops just before"
  fi

  # B comes back while A may still be making drops.
  after_kill "$label" "$victim" "$FAULT_DIR/before" "$FAULT_DIR/confirmed"
  after_restart "$label" "$victim" "$FAULT_DIR/before" "$FAULT_DIR/confirmed"
  wait "$gen"
  converge "$label"
}

file_round () {
  local r=$1 victim=$2 size point file sha label where threshold sender
  size=$(( (48 + RANDOM % 17) * 1024 * 1024 ))
  point=$(( RANDOM % 100 ))
  file="$FAULT_DIR/file-$r"
  head -c "$size" /dev/urandom > "$file"
  sha=$(sha256sum < "$file" | cut -c1-64)
  : > "$FAULT_DIR/confirmed"

  if [ "$victim" = a ] && [ "$point" -lt 15 ]; then
    where="while it imports the file, at $(( point * 30 )) ms"
    ids a > "$FAULT_DIR/before"
    api a POST /v1/drops "{\"path\":\"$file\"}" > "$FAULT_DIR/replies" &
    sender=$!
    sleep_ms $(( point * 30 ))
  else
    api a POST /v1/drops "{\"path\":\"$file\"}" > "$FAULT_DIR/replies"
    sender=
    # Once the transfer runs, B holds the drop too.
    wait_reached "$sha" 1
    ids "$victim" > "$FAULT_DIR/before"
    if [ "$point" -ge 95 ]; then
      threshold=$size
      where="as B's partial file becomes whole"
    else
      threshold=$(( size / 100 * point ))
      where="at $point% of the transfer"
    fi
    if ! wait_reached "$sha" "$threshold"; then
      echo "# round $r: the transfer did not get to $threshold bytes"
      dump_logs a b
    fi
  fi
  label="round $r (file of $(( size >> 20 )) MiB, kill -9 $victim $where)"

  inst_kill "$victim"
  [ -z "$sender" ] || wait "$sender"
  grep -o '"id":"[0-9a-f-]*"' "$FAULT_DIR/replies" | cut -d'"' -f4 > "$FAULT_DIR/confirmed"
  [ "$victim" = a ] || : > "$FAULT_DIR/confirmed"
  echo "# $label: B had $(part_size "$sha") bytes in its partial file"

  after_kill "$label" "$victim" "$FAULT_DIR/before" "$FAULT_DIR/confirmed"
  after_restart "$label" "$victim" "$FAULT_DIR/before" "$FAULT_DIR/confirmed"
  if [ "$victim" = a ]; then
    check "$label: restarted, no import is left half-done" \
      sh -c "! ls '$(inst_dir a)'/files/partial/import-* >/dev/null 2>&1"
  fi

  # Killed before the drop was stored: send it again, so a transfer runs.
  if ! api a GET /v1/drops | jq -e --arg s "$sha" 'any(.[]; .sha256 == $s)' > /dev/null; then
    echo "# $label: the drop was not stored before the kill; sending it again"
    api a POST /v1/drops "{\"path\":\"$file\"}" > /dev/null
  fi

  converge "$label"
  check "$label: B's copy has the file's SHA-256" \
    hash_ok "$(inst_dir b)/files/${sha:0:2}/$sha" "$sha"

  # Keep the disk use to one file: delete it everywhere (B gets it too).
  for id in $(api a GET /v1/drops | jq -r --arg s "$sha" '.[] | select(.sha256 == $s) | .id'); do
    api a DELETE "/v1/drops/$id" > /dev/null
  done
  rm -f "$file"
}

# Five rounds of each scene, shuffled by the seed.
scenes=()
for i in $(seq 0 $((ROUNDS - 1))); do scenes+=($((i % 4))); done
for ((i = ${#scenes[@]} - 1; i > 0; i--)); do
  j=$((RANDOM % (i + 1)))
  tmp=${scenes[i]}; scenes[i]=${scenes[j]}; scenes[j]=$tmp
done

T0=$(now_ms)
for r in $(seq 1 "$ROUNDS"); do
  t=$(now_ms)
  case ${scenes[r - 1]} in
    0) text_round "$r" a ;;
    1) text_round "$r" b ;;
    2) file_round "$r" a ;;
    3) file_round "$r" b ;;
  esac
  echo "# round $r took $(( $(now_ms) - t )) ms"
done
echo "# $ROUNDS rounds in $(( $(now_ms) - T0 )) ms"

# Set pieces, not left to chance.
whole_part () {
  local what=$1 file sha
  file="$FAULT_DIR/file-whole"
  head -c $((16 * 1024 * 1024)) /dev/urandom > "$file"
  sha=$(sha256sum < "$file" | cut -c1-64)
  api a POST /v1/drops "{\"path\":\"$file\"}" > /dev/null
  wait_reached "$sha" $((4 * 1024 * 1024))
  inst_kill b
  if [ "$what" = right ]; then
    cp "$file" "$(inst_dir b)/files/partial/$sha.part"
  else
    head -c $((16 * 1024 * 1024)) /dev/urandom > "$(inst_dir b)/files/partial/$sha.part"
  fi
  start_b
  converge "a partial file of the whole size with the $what content, B restarted"
  check "and B's copy has the file's SHA-256" hash_ok "$(inst_dir b)/files/${sha:0:2}/$sha" "$sha"
  rm -f "$file"
}
whole_part right
whole_part wrong

check "at the end, A's history passes integrity_check" db_ok "$(inst_dir a)"
check "at the end, B's history passes integrity_check" db_ok "$(inst_dir b)"
echo "# A and B hold $(ids a | wc -l) drops each"
tap_done

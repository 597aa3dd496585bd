#!/usr/bin/env bash
# Disk full. B keeps its data on an 8 MiB tmpfs, A on the ordinary disk;
# B dials A and both know the same group secret. Once B has a history, a
# filler file leaves it about 1.5 MiB, then:
#   - a 3 MiB file from A does not fit: B logs why, the close reason tells
#     A why, the transfer stops without a loop, and nothing partial is
#     listed as complete;
#   - `dropify send --file` of a file larger than the free space, and text
#     drops until the history is full, fail with exit code 1 and a reason;
#   - a text drop from A is refused, and B logs why;
#   - the history passes integrity_check and still lists every drop.
# The filler is removed, and B recovers by itself: new drops work, the
# file transfer completes with the right SHA-256, the refused drop
# arrives, and both list the same drops.
# Needs root, for the mount, made in a private mount namespace so it never
# outlives the test; skips (77) elsewhere. Prints TAP.
set -u

if [ "$(id -u)" -ne 0 ]; then
  echo "1..0 # SKIP needs root (mounts a small tmpfs)"
  exit 77
fi
if [ -z "${FAULT_PRIVATE_MOUNTS:-}" ]; then
  if ! command -v unshare >/dev/null 2>&1 || ! unshare -m true 2>/dev/null; then
    echo "1..0 # SKIP cannot make a private mount namespace here"
    exit 77
  fi
  FAULT_PRIVATE_MOUNTS=1 exec unshare -m --propagation private bash "$0" "$@"
fi

source "$(dirname "$0")/faultlib.sh"
fault_require curl jq sqlite3 sha256sum df

# Messages from libc and from the app, as the test expects them.
export LC_ALL=C.UTF-8 LANGUAGE=

SMALL=$FAULT_DIR/small
mkdir -p "$SMALL"
mount -t tmpfs -o size=8m,mode=0700 dropify-fault "$SMALL" || {
  echo "1..0 # SKIP cannot mount a tmpfs"
  exit 77
}
FAULT_CLEANUP_HOOKS+=("umount -l '$SMALL' 2>/dev/null")
SECRET=fault-tests

inst_set_dir b "$SMALL/b"
inst_start a --name Sender --group-secret "$SECRET" || { echo "Bail out! A did not start"; exit 1; }
inst_start b --name Small --group-secret "$SECRET" --connect "127.0.0.1:$(inst_port a)" ||
  { echo "Bail out! B did not start"; exit 1; }

same_ids () { [ "$(ids a)" = "$(ids b)" ]; }
lists () { api "$1" GET /v1/drops | jq -e --arg id "$2" 'any(.[]; .id == $id)' > /dev/null; }
complete_on () {
  api "$1" GET /v1/drops | jq -e --arg s "$2" 'any(.[]; .sha256 == $s and .complete)' > /dev/null
}
send_text () { api "$1" POST /v1/drops "{\"text\":\"$2\"}" | jq -r '.id // empty'; }
free_bytes () { df --output=avail -B1 "$SMALL" | tail -1 | tr -d ' '; }
cpu_ticks () { local f; read -ra f < "/proc/$(inst_pid b)/stat"; echo $(( f[13] + f[14] )); }
log_has () { grep -q "$2" "$(inst_log "$1")"; }

# 1. A history on B: drops from both sides, and a file.
for i in $(seq 1 20); do send_text a "from A, before, $i" > /dev/null; done
for i in $(seq 1 10); do send_text b "from B, before, $i" > /dev/null; done
head -c $((1024 * 1024)) /dev/urandom > "$FAULT_DIR/small.bin"
api a POST /v1/drops "{\"path\":\"$FAULT_DIR/small.bin\"}" > /dev/null
small_sha=$(sha256sum < "$FAULT_DIR/small.bin" | cut -c1-64)
if ! eventually 20 same_ids || ! eventually 20 complete_on b "$small_sha"; then
  echo "Bail out! A and B do not sync"
  dump_logs a b
  exit 1
fi
ids b > "$FAULT_DIR/history"
ok "B has a history of $(wc -l < "$FAULT_DIR/history") drops, one of them a 1 MiB file"

# 2. Leave about 1.5 MiB, and keep 2 MiB more aside for later.
head -c $(( $(free_bytes) - 3584 * 1024 )) /dev/zero > "$SMALL/filler"
head -c $((2048 * 1024)) /dev/zero > "$SMALL/filler-2"
echo "# $(free_bytes) bytes free on B's disk"

# 3. A local file larger than the free space.
head -c $((2 * 1024 * 1024)) /dev/urandom > "$FAULT_DIR/local.bin"
"$DROPIFY" send --data-dir "$SMALL/b" --file "$FAULT_DIR/local.bin" > /dev/null 2> "$FAULT_DIR/err"
rc=$?
sed 's/^/# dropify send --file: /' "$FAULT_DIR/err"
check "dropify send --file of a file larger than the free space fails with exit code 1" test "$rc" = 1
check "and says the disk is full" grep -q "No space left on device" "$FAULT_DIR/err"
check "and leaves no import behind" sh -c "! ls '$SMALL'/b/files/partial/import-* >/dev/null 2>&1"

# 4. Text drops until the history is full: until three in a row fail
# (SQLite reuses what a failed write had taken of its journal, so one
# failure may still be followed by a success). Each confirmed is kept.
text=$(head -c 12000 /dev/zero | tr '\0' x)
: > "$FAULT_DIR/confirmed"
failed=0
for i in $(seq 1 400); do
  id=$(send_text b "full $i $text")
  if [ -n "$id" ]; then
    echo "$id" >> "$FAULT_DIR/confirmed"
    failed=0
  else
    failed=$((failed + 1))
    [ "$failed" -lt 3 ] || break
  fi
done
echo "# $(wc -l < "$FAULT_DIR/confirmed") text drops of 12 kB fitted"
check "some text drops fit before the disk is full" test -s "$FAULT_DIR/confirmed"
"$DROPIFY" send --data-dir "$SMALL/b" "full, once more $text $text" > /dev/null 2> "$FAULT_DIR/err"
rc=$?
sed 's/^/# dropify send: /' "$FAULT_DIR/err"
check "then dropify send fails with exit code 1" test "$rc" = 1
check "and says the disk holding the history is full" grep -q "The disk holding the history .* is full" "$FAULT_DIR/err"

# 5. A text drop from A: refused, and B says why.
refused=$(send_text a "from A while B is full $text $text $text")
check "a text drop from A is refused by B, which logs why" \
  eventually 10 log_has b "Refused drop $refused from .*is full"

# 6. 2 MiB free again, and a 3 MiB file from A: it cannot fit.
rm "$SMALL/filler-2"
head -c $((3 * 1024 * 1024)) /dev/urandom > "$FAULT_DIR/big.bin"
big_sha=$(sha256sum < "$FAULT_DIR/big.bin" | cut -c1-64)
big_id=$(api a POST /v1/drops "{\"path\":\"$FAULT_DIR/big.bin\"}" | jq -r .id)
check "B logs that it could not store the file from A, and why" \
  eventually 20 log_has b "Could not store the file “big.bin” from .*No space left on device"
check "A learns why: the disk of the receiving device is full" \
  eventually 10 log_has a "closed (4000: could not store a file chunk: the receiving device's disk is full)"
incomplete_without_path () {
  api b GET /v1/drops |
    jq -e --arg id "$big_id" 'any(.[]; .id == $id and (.complete | not) and (has("path") | not))' > /dev/null &&
    [ ! -e "$SMALL/b/files/${big_sha:0:2}/$big_sha" ]
}
check "B lists the file drop incomplete, without a path, and has no blob for it" incomplete_without_path
check "what B received is kept as a partial file, to resume" test -s "$SMALL/b/files/partial/$big_sha.part"
# Issue 14: the receiver's transfer says why it does not go on.
transfer_is () {  # NAME DIRECTION STATE REASON
  api "$1" GET /v1/transfers |
    jq -e --arg sha "$big_sha" --arg dir "$2" --arg state "$3" --arg reason "$4" \
      'any(.[]; .sha256 == $sha and .direction == $dir and .state == $state and (.reason // "") == $reason)' > /dev/null
}
check "B's transfer of the file is stalled: “Disk full”" eventually 20 transfer_is b in stalled "Disk full"
# (A sent all 3 MiB within its first credit, so its side says done: a
# sender's done means every byte went out, not that it was stored.)

# No loop while the disk stays full: retries 2, 4, 8 s apart, each with
# at most two reconnections (a loop would reconnect every 250 ms).
ticks=$(cpu_ticks)
connects=$(grep -c "Connected to" "$(inst_log b)")
sleep 6
ticks=$(( $(cpu_ticks) - ticks ))
connects=$(( $(grep -c "Connected to" "$(inst_log b)") - connects ))
check "while the disk is full, B is quiet: $ticks CPU ticks and $connects reconnections in 6 s" \
  test "$ticks" -lt $((100 * SLOW)) -a "$connects" -le 8

# 7. What was there is intact.
check "B's history passes integrity_check" db_ok "$SMALL/b"
ids b > "$FAULT_DIR/now"
check "B still lists every drop it had before" is_subset "$FAULT_DIR/history" "$FAULT_DIR/now"
check "and every text drop it confirmed" is_subset "$FAULT_DIR/confirmed" "$FAULT_DIR/now"
check "every blob B stores matches its SHA-256, and nothing incomplete is marked complete" \
  blobs_ok "$SMALL/b"
check "B lists no partial file as complete" listed_files_ok b
check "B is still running" kill -0 "$(inst_pid b)"

# 8. Room again: B recovers without a restart.
rm "$SMALL/filler"
echo "# $(free_bytes) bytes free on B's disk"
after=$("$DROPIFY" send --data-dir "$SMALL/b" "after the disk was freed" 2> "$FAULT_DIR/err")
check "a new text drop works again" test -n "$after"
T0=$(now_ms)
if eventually 60 complete_on b "$big_sha"; then
  ok "the interrupted transfer completes ($(( $(now_ms) - T0 )) ms after the space was freed)"
else
  not_ok "the interrupted transfer completes"
  dump_logs a b
fi
check "and B's copy has the file's SHA-256" hash_ok "$SMALL/b/files/${big_sha:0:2}/$big_sha" "$big_sha"
check "and B's transfer of it is done" eventually 10 transfer_is b in done ""
check "the drop B refused arrives" eventually 60 lists b "$refused"
check "B's new drop reaches A" eventually 20 lists a "$after"
check "A and B list the same drops" eventually 20 same_ids
check "B's history passes integrity_check" db_ok "$SMALL/b"
check "no partial file is left on B" sh -c "! ls '$SMALL'/b/files/partial/*.part >/dev/null 2>&1"
tap_done

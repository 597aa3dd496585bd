#!/usr/bin/env bash
# Many small files: 1,000 files of 4 KiB between two real headless
# instances on loopback, TLS on, trusted through a group secret; against
# the same files over raw TCP (tar | socat | tar -x) and over TLS (the
# same through socat's OPENSSL), in the same run. Also the floor that
# durability sets: writing the 1,000 files with an fsync each, as the blob
# store does.
#
#   send:    `dropify send --file` of all the files on A (local import)
#   catchup: from starting B (connecting to A, which has them all) to all
#            of them stored complete on B
#   live:    A and B connected; from `dropify send --file` of 1,000 new
#            files on A to all of them stored complete on B
#
# Prints "NAME value unit" lines and "# ..." for context. Environment:
#   DROPIFY_BENCH_FILES   how many files (default 1000)
set -u

DROPIFY=${DROPIFY_BIN:?DROPIFY_BIN must point to the built dropify}
N=${DROPIFY_BENCH_FILES:-1000}
PORT=47201

for tool in socat sqlite3 openssl tar python3; do
  if ! command -v "$tool" >/dev/null; then
    echo "# skipped: $tool is not installed"
    exit 77
  fi
done

work=$(mktemp -d /tmp/dropify-bench-small-XXXXXX)
pids=()
cleanup () {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# A benchmark whose run went wrong fails, after printing what it has.
warn () { echo "# WARNING: $*" >&2; : > "$work/failed"; }

make_files () {
  mkdir -p "$1"
  head -c $((N * 4096)) /dev/urandom | split -b 4096 -a 5 --additional-suffix=.bin - "$1/f"
}
make_files "$work/files"
make_files "$work/more"
echo "# $N files of 4 KiB each, random data, loopback"

now () { date +%s.%N; }
secs () { printf '%.3f' "$(echo "$2 - $1" | bc)"; }
rate () { printf '%.0f' "$(echo "scale=3; $N / $1" | bc)"; }
ratio () { printf '%.3f' "$(echo "scale=6; $1 / $2" | bc)"; }

wait_listening () {
  for _ in $(seq 1 200); do
    [ -n "$(ss -Hltn "sport = :$1")" ] && return 0
    sleep 0.05
  done
}

# Raw TCP: one tar stream through socat, unpacked on the other side.
raw_copy () {
  local port=$1 listen=$2 connect=$3 dest=$4 t0 t1 listener
  mkdir -p "$dest"
  ( timeout 120 socat -u "$listen" STDOUT | tar -x -C "$dest" ) &
  listener=$!
  wait_listening "$port"
  t0=$(now)
  tar -c -C "$work/files" . | timeout 120 socat -u STDIN "$connect"
  wait $listener
  t1=$(now)
  [ "$(ls "$dest" | wc -l)" -eq "$N" ] || warn "the copy to $dest is incomplete"
  secs "$t0" "$t1"
}

raw=$(raw_copy $PORT "TCP-LISTEN:$PORT,reuseaddr,bind=127.0.0.1" "TCP:127.0.0.1:$PORT" "$work/raw")

# The same over TLS 1.3 with an ECDSA P-256 certificate, as Dropify's.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=bench \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
tls=$(raw_copy $((PORT + 1)) "OPENSSL-LISTEN:$((PORT + 1)),reuseaddr,bind=127.0.0.1,cert=$work/cert.pem,key=$work/key.pem,verify=0" \
               "OPENSSL:127.0.0.1:$((PORT + 1)),verify=0" "$work/tls")

# The durability floor: each file written and fsync'd, one at a time.
fsync_floor=$(python3 - "$work/fsync" "$N" <<'PYTHON'
import os, sys, time
d, n = sys.argv[1], int(sys.argv[2])
os.makedirs(d)
data = os.urandom(4096)
t = time.monotonic()
for i in range(n):
    fd = os.open(f"{d}/f{i}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, data)
    os.fsync(fd)
    os.close(fd)
print(f"{time.monotonic() - t:.3f}")
PYTHON
)

complete_files () {
  sqlite3 "file:$1/history.sqlite?mode=ro" \
    "SELECT count(*) FROM drops WHERE kind = 1 AND complete = 1" 2>/dev/null || echo 0
}

# Waits (at most 300 s) for $2 complete files on profile $1.
wait_complete () {
  for _ in $(seq 1 15000); do
    [ "$(complete_files "$1")" -ge "$2" ] && return 0
    sleep 0.02
  done
  warn "only $(complete_files "$1") of $2 files arrived on $1"
  return 1
}

a="$work/a"; b="$work/b"
"$DROPIFY" --headless --data-dir "$a" --port $((PORT + 2)) --no-discovery --group-secret bench \
  2>"$work/a.log" &
pids+=($!)
for _ in $(seq 1 100); do "$DROPIFY" list --data-dir "$a" >/dev/null 2>&1 && break; sleep 0.05; done

t0=$(now)
"$DROPIFY" send --data-dir "$a" --file "$work/files"/*.bin >/dev/null || warn "send failed"
t1=$(now)
send=$(secs "$t0" "$t1")

t0=$(now)
"$DROPIFY" --headless --data-dir "$b" --port 0 --no-discovery --group-secret bench \
  --connect "127.0.0.1:$((PORT + 2))" 2>"$work/b.log" &
pids+=($!)
wait_complete "$b" "$N"
t1=$(now)
catchup=$(secs "$t0" "$t1")

t0=$(now)
"$DROPIFY" send --data-dir "$a" --file "$work/more"/*.bin >/dev/null || warn "send failed"
wait_complete "$b" $((2 * N))
t1=$(now)
live=$(secs "$t0" "$t1")

# Every file arrived whole: the same set of digests on both sides.
sums_b=$(sqlite3 "file:$b/history.sqlite?mode=ro" "SELECT sha256 FROM drops WHERE complete = 1" | sort)
sums_src=$(sha256sum "$work/files"/*.bin "$work/more"/*.bin | cut -d' ' -f1 | sort)
[ "$sums_b" = "$sums_src" ] || warn "the files on B differ from the ones sent"

echo "small_files_raw_tcp $raw s"
echo "small_files_raw_tcp_rate $(rate "$raw") files/s"
echo "small_files_raw_tls $tls s"
echo "small_files_raw_tls_rate $(rate "$tls") files/s"
echo "small_files_fsync_floor $fsync_floor s"
echo "small_files_send_local $send s"
echo "small_files_send_local_rate $(rate "$send") files/s"
echo "small_files_catchup $catchup s"
echo "small_files_catchup_rate $(rate "$catchup") files/s"
echo "small_files_catchup_ratio $(ratio "$raw" "$catchup")"
echo "small_files_catchup_ratio_tls $(ratio "$tls" "$catchup")"
echo "small_files_live $live s"
echo "small_files_live_rate $(rate "$live") files/s"

[ ! -e "$work/failed" ]

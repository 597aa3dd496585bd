# Helpers for the fault tests: real `dropify --headless` instances on
# loopback, killed and restarted by pid, and checks of what their data
# dirs hold, read from outside. Sourced by the tests in this folder.
#
#   fault_require TOOL...      exit 77 unless every tool is installed
#   inst_start NAME [ARGS...]  start NAME on its data dir and wait until it
#                              answers; it keeps its first port on restarts
#   inst_kill NAME [SIGNAL]    signal NAME (default KILL) and reap it
#   inst_dir / inst_log / inst_port / inst_pid NAME
#   inst_set_dir NAME DIR      keep NAME's data in DIR (before its start)
#   api NAME METHOD PATH [JSON]  NAME's control API, through its socket
#   ids NAME                   the ids NAME lists, sorted, one a line
#   db_ids DIR                 the ids in DIR's SQLite file (read-only)
#   db_ok DIR                  PRAGMA integrity_check answers ok
#   blobs_ok DIR               every stored blob hashes to its name, and
#                              every drop marked complete has its blob
#   listed_files_ok NAME       every file drop NAME lists complete has a
#                              path whose content matches its SHA-256
#   ok / not_ok / check / tap_done, eventually SECONDS CMD...
#
# Every instance is stopped on exit, by pid, and the scratch dir removed
# (kept with FAULT_KEEP=1).

set -u

DROPIFY=${DROPIFY_BIN:?DROPIFY_BIN must point to the built dropify}
# Sanitizer builds run several times slower: waits grow by this factor.
SLOW=${DROPIFY_TEST_SLOW:-1}
FAULT_DIR=$(mktemp -d /tmp/dropify-fault-XXXXXX)
FAULT_PIDS=()
FAULT_CLEANUP_HOOKS=()

fault_cleanup () {
  local pid hook
  for pid in "${FAULT_PIDS[@]}"; do
    kill "$pid" 2>/dev/null
  done
  for pid in "${FAULT_PIDS[@]}"; do
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  for hook in "${FAULT_CLEANUP_HOOKS[@]}"; do
    eval "$hook"
  done
  [ "${FAULT_KEEP:-}" = 1 ] || rm -rf "$FAULT_DIR"
}
trap fault_cleanup EXIT
trap 'exit 1' INT TERM

fault_require () {
  local tool
  for tool in "$@"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "1..0 # SKIP $tool is missing (build-aux/install-deps --test installs it)"
      exit 77
    fi
  done
}

# Kept in the test's shell: these are called often, and forks are slow.
declare -A FAULT_DATA_DIRS=()
inst_set_dir () { FAULT_DATA_DIRS[$1]=$2; }
inst_dir () { echo "${FAULT_DATA_DIRS[$1]:-$FAULT_DIR/$1/data}"; }
inst_log () { echo "$FAULT_DIR/$1/log"; }
declare -A FAULT_INST_PIDS=()
inst_pid () { echo "${FAULT_INST_PIDS[$1]:-}"; }
inst_port () { cat "$FAULT_DIR/$1/port" 2>/dev/null; }

api () {
  local name=$1 method=$2 path=$3
  local socket
  socket="$(inst_dir "$name")/control.sock"
  if [ $# -ge 4 ]; then
    curl -s --max-time 30 --unix-socket "$socket" -X "$method" \
      -H 'Content-Type: application/json' --data-binary "$4" "http://dropify$path"
  else
    curl -s --max-time 30 --unix-socket "$socket" -X "$method" "http://dropify$path"
  fi
}

# Must run in the test's own shell (not in $(…)), so it can reap the pid.
inst_start () {
  local name=$1 port=0 home=$FAULT_DIR/$1 pid t
  shift
  mkdir -p "$home"
  [ -f "$home/port" ] && port=$(cat "$home/port")
  echo "=== start at ${EPOCHREALTIME}" >> "$home/log"
  "$DROPIFY" --headless --data-dir "$(inst_dir "$name")" --port "$port" --no-discovery "$@" \
    >> "$home/log" 2>&1 &
  pid=$!
  FAULT_PIDS+=("$pid")
  FAULT_INST_PIDS[$name]=$pid
  # A socket left by a killed instance refuses connections: wait for an answer.
  for t in $(seq 1 $((200 * SLOW))); do
    if api "$name" GET /v1/status > "$home/status" 2>/dev/null && [ -s "$home/status" ]; then
      [ -f "$home/port" ] || jq -r .port "$home/status" > "$home/port"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "# $name did not start; its log:"
  tail -20 "$home/log" | sed 's/^/#   /'
  return 1
}

# No fork before the signal: a kill lands where the test meant it to.
inst_kill () {
  local pid=${FAULT_INST_PIDS[$1]:-}
  [ -n "$pid" ] || return 0
  kill -"${2:-KILL}" "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  unset "FAULT_INST_PIDS[$1]"
  return 0
}

ids () { api "$1" GET /v1/drops | jq -r '.[].id' | sort; }
ids_of_json () { jq -r '.[].id' "$1" | sort; }

db_query () { sqlite3 -readonly -batch -cmd ".timeout 5000" "$1/history.sqlite" "$2"; }
db_ids () { db_query "$1" "SELECT id FROM drops" | sort; }
db_ok () { [ "$(db_query "$1" "PRAGMA integrity_check")" = ok ]; }

# Hashes each blob once per run: a blob never changes once in place.
declare -A FAULT_HASHED=()
hash_ok () {
  local path=$1 sha=$2 key
  if [ ! -f "$path" ]; then
    echo "# $path is missing"
    return 1
  fi
  key="$path $(stat -c '%s %Y' "$path")"
  [ "${FAULT_HASHED[$key]:-}" = "$sha" ] && return 0
  if [ "$(sha256sum < "$path" | cut -c1-64)" = "$sha" ]; then
    FAULT_HASHED[$key]=$sha
    return 0
  fi
  echo "# $path does not hash to $sha"
  return 1
}

blobs_ok () {
  local dir=$1 path sha failed=0
  for path in "$dir"/files/??/*; do
    [ -e "$path" ] || continue
    hash_ok "$path" "$(basename "$path")" || failed=1
  done
  while read -r sha; do
    [ -n "$sha" ] || continue
    if [ ! -f "$dir/files/${sha:0:2}/$sha" ]; then
      echo "# a drop is marked complete, and $sha is not stored"
      failed=1
    fi
  done < <(db_query "$dir" "SELECT sha256 FROM drops WHERE kind = 1 AND complete = 1")
  return $failed
}

listed_files_ok () {
  local path sha failed=0
  while read -r sha path; do
    if [ -z "$path" ] || [ "$path" = null ]; then
      echo "# $1 lists $sha complete, without a path"
      failed=1
    else
      hash_ok "$path" "$sha" || failed=1
    fi
  done < <(api "$1" GET /v1/drops | jq -r '.[] | select(.kind == "file" and .complete) | "\(.sha256) \(.path)"')
  return $failed
}

# Nothing incomplete may carry a path.
no_partial_path () {
  [ "$(api "$1" GET /v1/drops | jq '[.[] | select(.kind == "file" and (.complete | not) and has("path"))] | length')" = 0 ]
}

is_subset () { [ -z "$(comm -23 <(sort "$1") <(sort "$2"))" ]; }

source "$(dirname "${BASH_SOURCE[0]}")/../support/tap.sh"

now_ms () { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }

# Polls CMD every 100 ms until it succeeds or SECONDS (times SLOW) run out.
eventually () {
  local seconds=$1 t end
  shift
  t=${EPOCHREALTIME/[.,]/}
  end=$((t + seconds * SLOW * 1000000))
  while :; do
    "$@" && return 0
    t=${EPOCHREALTIME/[.,]/}
    [ "$t" -lt "$end" ] || return 1
    sleep 0.1
  done
}

dump_logs () {
  local name
  for name in "$@"; do
    tail -15 "$(inst_log "$name")" | cut -c1-240 | sed "s/^/# $name: /"
  done
}
